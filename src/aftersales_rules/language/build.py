"""Building a policy from its parsed rule files: definitions, rules, strata (internal).

The builder reads every file's definitions into one ``Scope`` before any rule,
so that rules in one file can use what another declares; then it parses each
rule (condition, outputs), salvaging what it can from a rule pydantic refused
so that every problem is reported in one go, and assigns each rule its stratum.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from ..case import OWN_KIND_PATTERN
from ..diagnostics import pydantic_problems, shown, suggest
from ..errors import Problem, quoted
from ..loader import Document
from ..vocabulary import ISSUE_KINDS
from .conditions import Condition, NamedCondition, Ref, parse_condition, walk
from .facts import Fact
from .items import declare as declare_item_attribute
from .items import install as install_item_conditions
from .rulefile import Defaults, PolicyFile, PolicyHeader, RuleModel
from .rules import Rule, parse_outputs
from .scope import Definition, Escalation, Reader, Scope
from .steptext import TextSpec, check_placeholders, other_texts, resolve_values

__all__ = ["build"]

Built = tuple[PolicyHeader, Defaults, Scope, list[Rule], list[str]]


def build(parsed: dict[str, PolicyFile], docs: dict[str, Document], problems: list[Problem]) -> Built | None:
    """The header, defaults, scope, rules and load order of a policy; problems are added to ``problems``.

    None when no file declares the policy header (that is a problem too).
    """
    return _Builder(problems, docs).build(parsed)


class _Builder:
    def __init__(self, problems: list[Problem], docs: dict[str, Document]):
        self.problems = problems
        self.docs = docs
        self.scope = Scope()
        install_item_conditions(self.scope)
        self.escalations: list[tuple[Reader, str, Any]] = []  # declared, parsed once every definition is known

    def reader(self, file: str, *path: Any) -> Reader:
        return Reader(self.docs[file], tuple(path), self.scope, self.problems)

    def error(self, r: Reader, code: str, message: str, on_key: bool = False) -> None:
        r.error(code, message, on_key=on_key)

    def build(self, parsed: dict[str, PolicyFile]) -> Built | None:
        header_files = [f for f, p in parsed.items() if p.policy is not None]
        if not header_files and parsed:
            first = next(iter(parsed))
            self.reader(first).error(
                "missing_policy_header",
                "no file declares the policy: add policy: {name: ..., version: ...} to one file",
            )
        for f in header_files[1:]:
            self.reader(f, "policy").error(
                "duplicate_definition", f"the policy header is declared again (first in {header_files[0]})", on_key=True
            )
        header = parsed[header_files[0]].policy if header_files else None
        if header is not None:
            self._check_header(header_files[0], header)
        default_files = [f for f, p in parsed.items() if p.defaults is not None]
        for f in default_files[1:]:
            self.reader(f, "defaults").error(
                "duplicate_definition", f"defaults are declared again (first in {default_files[0]})", on_key=True
            )
        defaults = next((p.defaults for p in parsed.values() if p.defaults is not None), Defaults())
        # the file with the header first, then the rest by name in the policy: this is the rules' load order
        order = sorted(parsed, key=lambda f: (f not in header_files[:1], self.docs[f].name))
        for f in order:
            self._definitions(f, parsed[f])
        self._parse_deferred(order, parsed)
        self._escalations(defaults)
        rules: list[Rule] = []
        for f in order:
            rules.extend(self._rules(f, parsed[f], len(rules), rules))
        _assign_strata(rules, self.scope, self.problems)
        if header is None:
            return None
        return header, defaults, self.scope, rules, order

    def _check_header(self, file: str, header: PolicyHeader) -> None:
        self.scope.languages = tuple(header.languages)
        if header.timezone:
            try:
                self.scope.timezone = ZoneInfo(header.timezone)
            except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Asia" names a folder of zones
                self.reader(file, "policy", "timezone").error(
                    "invalid_value",
                    f"unknown time zone {quoted(header.timezone)} (use an IANA name such as Asia/Shanghai)",
                )
        if header.effective_from and header.effective_until and header.effective_until < header.effective_from:
            self.reader(file, "policy", "effective_until").error(
                "invalid_value", "effective_until is before effective_from"
            )

    def _define(self, r: Reader, name: str, kind: str, value: Any) -> bool:
        existing = self.scope.definitions.get(name)
        if existing is not None:
            r.error(
                "duplicate_definition",
                f"{quoted(name)} is already defined as a {existing.kind} at {existing.location}",
                on_key=True,
            )
            return False
        self.scope.definitions[name] = Definition(name, kind, value, r.key_location)
        return True

    def _definitions(self, file: str, pf: PolicyFile) -> None:
        for name, value in pf.values.items():
            r = self.reader(file, "values", name)
            if isinstance(value, (dict, list)) or value is None:
                r.error("invalid_value", f"a shared value is a single amount, number, time or text, not {shown(value)}")
                continue
            self._define(r, name, "value", value)
        for name, attr in pf.attributes.items():
            r = self.reader(file, "attributes", name)
            if attr.type == "enum" and not attr.values:
                r.error("missing_field", f"attribute {quoted(name)} is an enum: list its values")
                continue
            if self._define(r, name, "attribute", attr):
                self.scope.facts[f"attributes.{name}"] = Fact(
                    f"attributes.{name}",
                    attr.type,
                    attr.description,
                    values=tuple(attr.values or ()),
                    nullable=True,
                    awaitable=attr.awaitable and attr.type in ("bool", "enum"),
                )
        for name, item_decl in pf.item_attributes.items():
            declare_item_attribute(self.reader(file, "item_attributes", name), name, item_decl)
        for name, decl in pf.facts.items():
            r = self.reader(file, "facts", name)
            if decl.when is not None and (decl.type or decl.default is not None or decl.values):
                r.error(
                    "invalid_fact", f"facts.{name}: give either a condition (when) or a type set by rules, not both"
                )
                continue
            if decl.when is None and decl.type is None:
                r.error(
                    "invalid_fact",
                    f"facts.{name}: give a condition (when: ...) or a type (bool or enum) for rules to set",
                )
                continue
            if not self._define(r, name, "fact", decl):
                continue
            if decl.when is not None:
                self.scope.condition_facts[name] = NamedCondition(name, decl.when, r.at("when"))
                continue
            assert decl.type is not None  # a fact without a condition has a type (refused above otherwise)
            values = tuple(decl.values or ())
            if decl.type == "enum" and not values:
                r.error("missing_field", f"facts.{name} is an enum: list its values")
                continue
            default = decl.default
            if decl.type == "bool":
                default = False if default is None else default
                if not isinstance(default, bool):
                    r.at("default").error("type_mismatch", f"facts.{name} is true or false, not {shown(default)}")
                    continue
            elif default is not None and default not in values:
                r.at("default").error(
                    "invalid_value",
                    *suggest(f"default {shown(default)} is not one of {', '.join(values)}", default, values),
                )
                continue
            self.scope.facts[f"facts.{name}"] = Fact(
                f"facts.{name}", decl.type, decl.description, values=values, nullable=default is None, unknown=None
            )
            self.scope.definitions[name].value = default
        for name, text in pf.texts.items():
            r = self.reader(file, "texts", name)
            if not text.zh and not text.en:
                r.error("invalid_text", f"text {quoted(name)} needs zh and en")
                continue
            others = other_texts(r, text.model_extra or {})
            if others is not None:
                self._define(r, name, "text", TextSpec(text.zh, text.en, others))
        self._kinds(file, pf)
        for name, escalation in pf.escalations.items():
            self.escalations.append((self.reader(file, "escalations", name), name, escalation))

    def _escalations(self, defaults: Defaults) -> None:
        """Intended escalations: a condition each, and the default that sends their cases to a person."""
        for r, name, decl in self.escalations:
            if _declared_again(r, "intended escalation", name, self.scope.escalations):
                continue
            if decl.when is None:
                r.at("when").error("invalid_escalation", "an intended escalation needs a condition (when: ...)")
                continue
            when = parse_condition(r.at("when"), decl.when)
            if when is not None:
                self.scope.escalations[name] = Escalation(name, decl.description, when, r.key_location)
        if self.escalations and defaults.resolution != "escalate":
            r, _, _ = self.escalations[0]
            now = f"the default is {defaults.resolution}" if defaults.resolution else "there is no default"
            r.error(
                "invalid_escalation",
                "intended escalations go to a person through the default resolution: add defaults: "
                f"{{resolution: escalate}} ({now})",
                on_key=True,
            )

    def _kinds(self, file: str, pf: PolicyFile) -> None:
        """The policy's own issue kinds: each a value of ``issue.kind`` and a partition of the engine."""
        for name, decl in pf.kinds.items():
            r = self.reader(file, "kinds", name)
            if name in ISSUE_KINDS:
                r.error(
                    "invalid_kind",
                    f"{quoted(name)} is a standard issue kind: declare only the policy's own",
                    on_key=True,
                )
                continue
            if not re.fullmatch(OWN_KIND_PATTERN, name):
                r.error(
                    "invalid_kind",
                    f"a policy's own issue kind is named x_ and lowercase letters, digits or '_' (x_late_shipment), "
                    f"not {quoted(name)}",
                    on_key=True,
                )
                continue
            if _declared_again(r, "kind", name, self.scope.kinds):
                continue
            self.scope.kinds[name] = Definition(name, "kind", decl.description, r.key_location)
            kind = self.scope.facts["issue.kind"]
            self.scope.facts["issue.kind"] = dataclasses.replace(kind, values=(*kind.values, name))

    def _parse_deferred(self, order: list[str], parsed: dict[str, PolicyFile]) -> None:
        """Things that need the whole scope: conditions of derived facts, placeholders in texts."""
        for named in self.scope.condition_facts.values():
            named.parsed()
        for f in order:
            for name in parsed[f].texts:
                d = self.scope.definitions.get(name)
                if d is not None and d.kind == "text" and d.location.file == f:
                    check_placeholders(self.reader(f, "texts", name), d.value)
                    d.value = resolve_values(self.reader(f, "texts", name), d.value)

    def _rules(self, file: str, pf: PolicyFile, start: int, done: list[Rule]) -> list[Rule]:
        out: list[Rule] = []
        seen = {r.id: r for r in done}
        for i, raw in enumerate(pf.rules):
            r = self.reader(file, "rules", i)
            try:
                model = RuleModel.model_validate(raw)
            except ValidationError as exc:
                self.problems.extend(pydantic_problems(exc, RuleModel, r.doc, prefix=r.path, display_prefix=r.path))
                # check the rest of the rule too, so every problem is reported in one go
                salvaged = _salvage(raw, exc)
                if salvaged is None:
                    if isinstance(raw, dict) and raw.get("when") is not None:
                        parse_condition(r.at("when"), raw["when"])
                    continue
                parse_condition(r.at("when"), salvaged.when)
                parse_outputs(r, salvaged)
                continue
            if model.id in seen:
                r.at("id").error(
                    "duplicate_id", f"rule id {quoted(model.id)} is already used at {seen[model.id].location}"
                )
                continue
            when = parse_condition(r.at("when"), model.when)
            outputs = parse_outputs(r, model)
            if when is None or outputs is None:
                continue
            slots, steps, gestures = outputs
            loc = r.doc.at(r.path)
            rule = Rule(
                model.id,
                model.description,
                model.clause,
                model.priority,
                model.group,
                when,
                slots,
                steps,
                gestures,
                loc,
                f"{r.doc.name}:{loc.line}",  # the trace's name for it, however the folder was named
                start + len(out),
                facts_read=frozenset(_facts_read(when)),
            )
            seen[rule.id] = rule
            out.append(rule)
        return out


def _declared_again(r: Reader, what: str, name: str, declared: dict[str, Escalation] | dict[str, Definition]) -> bool:
    """True (and a problem at the key) when ``name`` is already in ``declared``."""
    existing = declared.get(name)
    if existing is not None:
        r.error(
            "duplicate_definition", f"{what} {quoted(name)} is already declared at {existing.location}", on_key=True
        )
    return existing is not None


def _salvage(raw: Any, exc: ValidationError) -> RuleModel | None:
    """The rule without the values pydantic rejected, when what is left is still a rule."""
    if not isinstance(raw, dict):
        return None
    data = copy.deepcopy(raw)
    for err in exc.errors():
        loc = [p for p in err["loc"] if not (isinstance(p, str) and "[" in p)]
        if err["type"] == "missing" or not loc:
            return None
        parent: Any = data
        for part in loc[:-1]:
            try:
                parent = parent[part]
            except (KeyError, IndexError, TypeError):
                parent = None
                break
        if isinstance(parent, dict):
            parent.pop(loc[-1], None)
        elif isinstance(parent, list) and isinstance(loc[-1], int) and loc[-1] < len(parent):
            parent[loc[-1]] = None
    try:
        return RuleModel.model_validate(_without_nones(data))
    except ValidationError:
        return None


def _without_nones(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _without_nones(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_without_nones(v) for v in data if v is not None]
    return data


def _facts_read(when: Condition) -> set[str]:
    return {n.path for n in walk(when) if hasattr(n, "path") and not isinstance(n, Ref)}


def _assign_strata(rules: list[Rule], scope: Scope, problems: list[Problem]) -> None:
    """Rules that read a derived fact run in a later stratum than every rule that sets it."""
    setters: dict[str, list[Rule]] = {}
    for rule in rules:
        for name in rule.sets:
            setters.setdefault(f"facts.{name}", []).append(rule)
    groups: dict[str, list[Rule]] = {}
    for rule in rules:
        if rule.group:
            groups.setdefault(rule.group, []).append(rule)
    limit = len(rules) + 1
    for _ in range(limit + 1):
        changed = False
        for rule in rules:
            need = 0
            for path in rule.facts_read:
                for setter in setters.get(path, ()):
                    need = max(need, setter.stratum + 1)
            if rule.group:
                need = max([need] + [m.stratum for m in groups[rule.group]])
            if need > rule.stratum:
                rule.stratum = need
                changed = True
        if not changed:
            return
        if max(r.stratum for r in rules) > limit:
            break
    for rule in rules:
        if rule.stratum > limit:
            problems.append(
                Problem(
                    rule.location,
                    "cycle",
                    f"rule {quoted(rule.id)} depends on a derived fact that "
                    "depends, through other rules, on what this rule sets",
                )
            )
            break
