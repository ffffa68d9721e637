"""``Policy.load``: rule files → one validated, compiled, immutable policy.

Loading reads every file, checks every definition and rule, and raises one
``PolicyError`` listing every problem sorted by file:line:column. Only a policy
with no problems is compiled into durable_rules; a failed load changes nothing
that was loaded before.
"""

from __future__ import annotations

import copy
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from .conditions import NamedCondition, Ref, parse_condition, walk
from ..diagnostics import hint, pydantic_problems
from ..errors import InputError, PolicyError, Problem, SourceLocation
from .facts import Fact
from ..loader import MAX_FILE_BYTES, Document, parse_document
from .rulefile import Defaults, PolicyFile, PolicyHeader, RuleModel
from .rules import Rule, check_placeholders, parse_outputs, TextSpec
from .scope import Definition, Reader, Scope

__all__ = ["Policy", "PolicySource", "read_policy"]

RULE_SUFFIXES = (".yaml", ".yml")


@dataclass
class PolicySource:
    """A validated policy before compilation: what the linter and the compiler read."""

    header: PolicyHeader
    defaults: Defaults
    scope: Scope
    rules: list[Rule]
    files: list[str]
    digest: str
    documents: dict[str, Document]


def _files(paths: str | os.PathLike | Iterable[str | os.PathLike]) -> tuple[list[Path], Path]:
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = [Path(p) for p in paths]
    if not paths:
        raise InputError("no policy files given")
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.suffix in RULE_SUFFIXES and f.is_file())
            if not found:
                raise InputError(f"{p}: no rule files (*.yaml) in this directory")
            files.extend(found)
        elif p.exists():
            files.append(p)
        else:
            raise InputError(f"{p}: no such file or directory")
    if len(paths) == 1 and paths[0].is_dir():
        root = paths[0].resolve()
    else:
        root = Path(os.path.commonpath([f.resolve().parent for f in files]))
    return files, root


def _display(file: Path, root: Path) -> str:
    rel = file.resolve().relative_to(root)
    return f"{root.name}/{rel.as_posix()}" if root.name else rel.as_posix()


def read_policy(paths: str | os.PathLike | Iterable[str | os.PathLike]) -> PolicySource:
    """Read and validate a policy without compiling it (raises ``PolicyError``)."""
    files, root = _files(paths)
    problems: list[Problem] = []
    docs: dict[str, Document] = {}
    parsed: dict[str, PolicyFile] = {}
    digest = hashlib.sha256()
    for file in files:
        name = _display(file, root)
        try:
            raw = _read(file, name)
            doc = parse_document(raw, name)
        except InputError as exc:
            problems.append(Problem(exc.location or SourceLocation(name), "invalid_file", _strip_location(exc)))
            continue
        digest.update(name.encode() + b"\0" + raw + b"\0")
        docs[name] = doc
        data = doc.data if doc.data is not None else {}
        if not isinstance(data, dict):
            problems.append(Problem(doc.at(()), "invalid_file", "a rule file is a mapping with sections "
                                    "such as policy, values, texts, facts, rules"))
            continue
        try:
            parsed[name] = PolicyFile.model_validate(data)
        except ValidationError as exc:
            problems.extend(pydantic_problems(exc, PolicyFile, doc))
            # keep what is readable so the other sections are still checked
            salvage = {k: v for k, v in data.items() if k in PolicyFile.model_fields}
            try:
                parsed[name] = PolicyFile.model_validate(_drop_bad(salvage, exc))
            except ValidationError:
                pass
    if len(docs) < len(files):
        # a file that cannot be read may define what the others use: its errors come first, alone
        raise PolicyError(problems)
    builder = _Builder(problems, docs)
    source = builder.build(parsed)
    if problems:
        raise PolicyError(problems)
    assert source is not None
    source.digest = "sha256:" + digest.hexdigest()
    return source


def _read(file: Path, name: str) -> bytes:
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            raise InputError(f"file is over the {MAX_FILE_BYTES:,}-byte limit", SourceLocation(name))
        return file.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", SourceLocation(name)) from None


def _strip_location(exc: InputError) -> str:
    text = str(exc)
    if exc.location is not None and text.startswith(f"{exc.location}: "):
        return text[len(f"{exc.location}: "):]
    return text


def _drop_bad(data: dict, exc: ValidationError) -> dict:
    bad = {e["loc"][0] for e in exc.errors() if e["loc"]}
    return {k: v for k, v in data.items() if k not in bad}


class _Builder:
    def __init__(self, problems: list[Problem], docs: dict[str, Document]):
        self.problems = problems
        self.docs = docs
        self.scope = Scope()

    def reader(self, file: str, *path: Any) -> Reader:
        return Reader(self.docs[file], tuple(path), self.scope, self.problems)

    def error(self, r: Reader, code: str, message: str, on_key: bool = False) -> None:
        r.error(code, message, on_key=on_key)

    def build(self, parsed: dict[str, PolicyFile]) -> PolicySource | None:
        header_files = [f for f, p in parsed.items() if p.policy is not None]
        header = defaults = None
        if not header_files and parsed:
            first = next(iter(parsed))
            self.reader(first).error("missing_policy_header", "no file declares the policy: add "
                                     "policy: {name: ..., version: ...} to one file")
        for f in header_files[1:]:
            self.reader(f, "policy").error("duplicate_definition", f"the policy header is declared again "
                                           f"(first in {header_files[0]})", on_key=True)
        if header_files:
            header = parsed[header_files[0]].policy
            self._check_header(header_files[0], header)
        default_files = [f for f, p in parsed.items() if p.defaults is not None]
        for f in default_files[1:]:
            self.reader(f, "defaults").error("duplicate_definition", f"defaults are declared again "
                                             f"(first in {default_files[0]})", on_key=True)
        defaults = parsed[default_files[0]].defaults if default_files else Defaults()
        # the file with the header first, then the rest by name: this is the rules' load order
        order = sorted(parsed, key=lambda f: (f not in header_files[:1], f))
        for f in order:
            self._definitions(f, parsed[f])
        self._parse_deferred(order, parsed)
        rules: list[Rule] = []
        for f in order:
            rules.extend(self._rules(f, parsed[f], len(rules), rules))
        _assign_strata(rules, self.scope, self.problems)
        if header is None:
            return None
        return PolicySource(header, defaults, self.scope, rules, order, "", self.docs)

    def _check_header(self, file: str, header: PolicyHeader) -> None:
        if header.timezone:
            try:
                self.scope.timezone = ZoneInfo(header.timezone)
            except (ZoneInfoNotFoundError, ValueError):
                self.reader(file, "policy", "timezone").error(
                    "invalid_value", f"unknown time zone '{header.timezone}' (use an IANA name such as Asia/Shanghai)")
        if header.effective_from and header.effective_until and header.effective_until < header.effective_from:
            self.reader(file, "policy", "effective_until").error(
                "invalid_value", "effective_until is before effective_from")

    def _define(self, r: Reader, name: str, kind: str, value: Any) -> bool:
        existing = self.scope.definitions.get(name)
        if existing is not None:
            r.error("duplicate_definition", f"'{name}' is already defined as a {existing.kind} at {existing.location}",
                    on_key=True)
            return False
        self.scope.definitions[name] = Definition(name, kind, value, r.key_location)
        return True

    def _definitions(self, file: str, pf: PolicyFile) -> None:
        for name, value in pf.values.items():
            r = self.reader(file, "values", name)
            if isinstance(value, (dict, list)) or value is None:
                r.error("invalid_value", f"a shared value is a single amount, number, time or text, not {value!r}")
                continue
            self._define(r, name, "value", value)
        for name, decl in pf.attributes.items():
            r = self.reader(file, "attributes", name)
            if decl.type == "enum" and not decl.values:
                r.error("missing_field", f"attribute '{name}' is an enum: list its values")
                continue
            if self._define(r, name, "attribute", decl):
                self.scope.facts[f"attributes.{name}"] = Fact(
                    f"attributes.{name}", decl.type, decl.description, values=tuple(decl.values or ()),
                    nullable=True, awaitable=decl.awaitable and decl.type in ("bool", "enum"))
        for name, decl in pf.facts.items():
            r = self.reader(file, "facts", name)
            if decl.when is not None and (decl.type or decl.default is not None or decl.values):
                r.error("invalid_fact", f"facts.{name}: give either a condition (when) or a type set by rules, not both")
                continue
            if decl.when is None and decl.type is None:
                r.error("invalid_fact", f"facts.{name}: give a condition (when: ...) or a type (bool or enum) "
                        "for rules to set")
                continue
            if not self._define(r, name, "fact", decl):
                continue
            if decl.when is not None:
                self.scope.condition_facts[name] = NamedCondition(name, decl.when, r.at("when"))
                continue
            values = tuple(decl.values or ())
            if decl.type == "enum" and not values:
                r.error("missing_field", f"facts.{name} is an enum: list its values")
                continue
            default = decl.default
            if decl.type == "bool":
                default = False if default is None else default
                if not isinstance(default, bool):
                    r.at("default").error("type_mismatch", f"facts.{name} is true or false, not {default!r}")
                    continue
            elif default is not None and default not in values:
                r.at("default").error("invalid_value", f"default {default!r} is not one of {', '.join(values)}"
                                      + (hint(default, values) if isinstance(default, str) else ""))
                continue
            self.scope.facts[f"facts.{name}"] = Fact(f"facts.{name}", decl.type, decl.description, values=values,
                                                     nullable=default is None, unknown=None)
            self.scope.definitions[name].value = default
        for name, text in pf.texts.items():
            r = self.reader(file, "texts", name)
            if not text.zh and not text.en:
                r.error("invalid_text", f"text '{name}' needs zh and en")
                continue
            self._define(r, name, "text", TextSpec(text.zh, text.en))

    def _parse_deferred(self, order: list[str], parsed: dict[str, PolicyFile]) -> None:
        """Things that need the whole scope: conditions of derived facts, placeholders in texts."""
        for named in self.scope.condition_facts.values():
            named.parsed()
        for f in order:
            for name in parsed[f].texts:
                d = self.scope.definitions.get(name)
                if d is not None and d.kind == "text" and d.location.file == f:
                    check_placeholders(self.reader(f, "texts", name), d.value)

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
                model = _salvage(raw, exc)
                if model is None:
                    if isinstance(raw, dict) and raw.get("when") is not None:
                        parse_condition(r.at("when"), raw["when"])
                    continue
                parse_condition(r.at("when"), model.when)
                parse_outputs(r, model)
                continue
            if model.id in seen:
                r.at("id").error("duplicate_id", f"rule id '{model.id}' is already used at {seen[model.id].location}")
                continue
            when = parse_condition(r.at("when"), model.when)
            outputs = parse_outputs(r, model)
            if when is None or outputs is None:
                continue
            wide, most = _alternatives(when)
            if wide > most:
                r.at("when").error("too_wide", f"rule '{model.id}' expands into {wide:,} alternatives (each value of "
                                   f"a list, each branch of 'any'); durable_rules takes at most {most} "
                                   "in one rule: split it over several rules")
                continue
            slots, steps, gestures = outputs
            loc = r.doc.at(r.path)
            rule = Rule(model.id, model.description, model.clause, model.priority, model.group, when, slots,
                        steps, gestures, loc, f"{loc.file}:{loc.line}", start + len(out),
                        facts_read=frozenset(_facts_read(when)))
            seen[rule.id] = rule
            out.append(rule)
        return out


def _salvage(raw: Any, exc: ValidationError) -> RuleModel | None:
    """The rule without the values pydantic rejected, when what is left is still a rule."""
    if not isinstance(raw, dict):
        return None
    data = copy.deepcopy(raw)
    for err in exc.errors():
        loc = [p for p in err["loc"] if not (isinstance(p, str) and "[" in p)]
        if err["type"] == "missing" or not loc:
            return None
        parent = data
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


def _alternatives(when) -> tuple[int, int]:
    """How many alternatives the compiler expands a condition into, and how many one ruleset takes.

    durable_rules' network is fixed-size: more than 64 alternatives holding at once overflow its
    alpha stack (error 303, after which deleting the session can crash), 512 under one node abort
    or hang it. The compiler keeps each ruleset within its budget, which one rule cannot exceed.
    """
    from ..compiler import MAX_PATHS_PER_RULESET, condition_json, paths_of  # the compiler imports this module

    expr = condition_json(when, {})
    return (paths_of(expr) if expr else 1), MAX_PATHS_PER_RULESET


def _facts_read(when) -> set[str]:
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
            problems.append(Problem(rule.location, "cycle", f"rule '{rule.id}' depends on a derived fact that "
                                    "depends, through other rules, on what this rule sets"))
            break


class Policy:
    """A loaded policy: immutable, safe to share between threads.

    ``Policy.load(path)`` reads a directory of rule files (or a list of files);
    ``policy.evaluate(case)`` returns the ``Plan``.
    """

    __slots__ = ("_source", "_engine", "__weakref__")

    def __init__(self, source: PolicySource):
        from ..engine import Engine

        object.__setattr__(self, "_source", source)
        object.__setattr__(self, "_engine", Engine(source))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Policy is immutable; load a new one instead")

    @classmethod
    def load(cls, paths: str | os.PathLike | Iterable[str | os.PathLike]) -> "Policy":
        return cls(read_policy(paths))

    # what the policy is
    @property
    def name(self) -> str:
        return self._source.header.name

    @property
    def version(self) -> str:
        return self._source.header.version

    @property
    def digest(self) -> str:
        return self._source.digest

    @property
    def effective_from(self) -> date | None:
        return self._source.header.effective_from

    @property
    def effective_until(self) -> date | None:
        return self._source.header.effective_until

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(self._source.rules)

    @property
    def source(self) -> PolicySource:
        """The validated policy (rules, definitions, documents): for tools such as the linter."""
        return self._source

    def evaluate(self, case: Any, *, branches: bool = True):
        """The plan for ``case`` (a dict as parsed from a case file, or a ``Case``)."""
        return self._engine.evaluate(case, branches=branches)

    def close(self) -> None:
        """Free the compiled rulesets now (they are also freed when the policy is garbage-collected)."""
        self._engine.close()

    def __repr__(self) -> str:
        return f"<Policy {self.name} {self.version} ({len(self._source.rules)} rules, {self.digest[:19]})>"
