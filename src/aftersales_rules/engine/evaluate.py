"""Evaluation: case → facts → durable_rules matches → decisions → plan.

Which matching rules decide what is the conflict policy of decision.py;
steps and gestures add up over every applying rule, steps in stage order, then
load order, an identical step listed once (steps.py renders them).

``awaiting`` and ``branches`` come from evaluating again: for each fact the
matched rules read that may still be unknown (an inspection, the buyer's
answer, …), the case is re-decided under each value it can take.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from pydantic import ValidationError

from ..case import Case, parse_case
from ..diagnostics import NAME_PATTERN, dotted, suggest
from ..errors import CaseError, EvaluationError, Problem, UndecidedError, cut, quoted
from ..language.facts import FACTS, Fact, attribute_value, engine_key
from ..language.itemfacts import implied, item_problems, quantified_values
from ..language.rules import STAGE_ORDER, Rule
from ..language.source import PolicySource
from ..loader import Document
from ..money import ZERO, quantize
from ..plan import Branch, Plan, PolicyInfo, Postage, Refund, key_figures
from .build import CONSTRUCTED, VALIDATED
from .compensation import compensation, compensation_total
from .compiler import CompiledPolicy, Partition, Stratum, compare, comparison_paths, compile_policy, encode
from .decision import Decision, decide
from .decisions import DecisionMemo
from .memo import DEFAULT_SIZE, Memo, verify_from_env
from .refund import RETURN_POSTAGE, cap_lines, leg, no_refund, refund_lines
from .runtime import Runtime, next_instance
from .skeleton import SIZE, Skeleton, Skeletons, make_skeleton
from .steps import StepTemplate
from .trace import because

__all__ = ["Engine"]

# facts the plan is assembled from, whatever the rules test
ASSEMBLY_FACTS = (
    "opened_at",
    "order.currency",
    "order.shipping_fee",
    "affected.goods",
    RETURN_POSTAGE,
)


class Engine:
    """``validate_plans``: build every model of a plan through pydantic's validation rather than build.py's
    constructors (the same plans, slower). ``skeletons``: the plan skeletons kept, one per decision
    (skeleton.py; 0 keeps none). ``memo_size``, ``verify_memo``: durable_rules' matches remembered
    exactly (memo.py; 0 remembers none), and checked against durable_rules on every case."""

    def __init__(
        self,
        source: PolicySource,
        *,
        validate_plans: bool = False,
        skeletons: int = SIZE,
        memo_size: int = DEFAULT_SIZE,
        verify_memo: bool | None = None,
    ):
        self.source = source
        header = source.header
        self.tz = source.scope.timezone
        self.info = PolicyInfo(
            name=header.name,
            version=header.version,
            digest=source.digest,
            effective_from=header.effective_from,
            effective_until=header.effective_until,
        )
        prefix = f"{header.name}@{header.version}#{next_instance()}"
        self.compiled: CompiledPolicy = compile_policy(source, prefix)
        self.runtime = Runtime(self.compiled.definitions)
        self._finalizer = weakref.finalize(self, self.runtime.close)
        verify = verify_from_env() if verify_memo is None else verify_memo
        self.memo = Memo(self.compiled, self.runtime, memo_size, verify)  # durable_rules' answers, exactly (memo.py)
        self.fact_defaults = source.scope.derived_defaults()
        # whole decisions, exactly (decisions.py)
        self.decisions = DecisionMemo(self.compiled, self.runtime, self.fact_defaults, memo_size, verify, self.tz)
        self.attribute_names = tuple(p[len("attributes.") :] for p in source.scope.facts if p.startswith("attributes."))
        self.needed = {kind: _needed_facts(part, source) for kind, part in self.compiled.partitions.items()}
        quantified = source.scope.items.quantified  # the item conditions among them, worked out per case
        self.quantified = {kind: tuple(p for p in needed if p in quantified) for kind, needed in self.needed.items()}
        self.readers = {kind: _readers(needed) for kind, needed in self.needed.items()}  # each fact's reader
        self.derived_defaults = {
            k: {p: self.fact_defaults.get(p) for p in part.derived} for k, part in self.compiled.partitions.items()
        }
        # computed once per policy rather than per evaluation (docs/performance.md)
        self.message_keys = {
            kind: tuple((p, engine_key(p)) for p in part.fact_paths) for kind, part in self.compiled.partitions.items()
        }
        self.derived_keys = {
            kind: tuple((p, engine_key(p)) for p in part.derived) for kind, part in self.compiled.partitions.items()
        }
        self.because = {rule.index: because(rule) for rule in source.rules}
        step_keys: dict[tuple, int] = {}  # identical steps (actor, action, text) share a number
        self.rule_steps = {
            rule.index: tuple(
                (STAGE_ORDER[spec.stage], rule.index, i, StepTemplate(rule, spec, step_keys))
                for i, spec in enumerate(rule.steps)
            )
            for rule in source.rules
        }
        self.make = VALIDATED if validate_plans else CONSTRUCTED
        defaults = (source.defaults.resolution, source.defaults.release)
        self.skeletons = Skeletons(
            partial(make_skeleton, rule_steps=self.rule_steps, reasons=self.because, defaults=defaults), skeletons
        )

    def close(self) -> None:
        self._finalizer()

    # ------------------------------------------------------------------ public

    def evaluate(self, data: Any, branches: bool = True, document: Document | None = None) -> Plan:
        try:
            case = parse_case(data, document, zone=self.tz)
        except CaseError as exc:  # with the attributes this policy does not declare: every problem at once
            names = data.get("attributes") if isinstance(data, dict) else None
            names = names if isinstance(names, dict) else {}
            unknown = [n for n in names if _unknown_name(n, self.attribute_names)]
            if not unknown:
                raise
            raise CaseError([*exc.problems, *(self._unknown_attribute(n, document) for n in unknown)]) from None
        try:
            return self._evaluate(case, branches, document)
        except ValidationError as exc:  # a plan it cannot state: the library's error, never pydantic's
            raise EvaluationError(f"case {cut(case.case_id)}: the plan cannot be stated: {_first(exc)}") from None

    def match(self, data: Any) -> tuple[Case, Decision, dict[int, dict[str, Any]]]:
        """The case, what the rules decided for it, and the facts each stratum was matched with (by stratum
        index): what an explanation is made of (explain.py). Raises what ``evaluate`` raises before a plan."""
        case = parse_case(data, zone=self.tz)
        part = self._partition(case)
        seen: dict[int, dict[str, Any]] = {}
        return case, self._decide(part, self._facts(case, part), seen), seen

    def _partition(self, case: Case) -> Partition:
        """The rules for the case's kind, once the case is within the policy's dates."""
        self._check_effective(case)
        part = self.compiled.partitions.get(case.issue.kind)
        if part is None:  # a policy's own kind (x_...) that this policy does not declare
            raise CaseError([self._unknown_kind(case.issue.kind)])
        return part

    def _evaluate(self, case: Case, branches: bool, document: Document | None) -> Plan:
        part = self._partition(case)
        values = self._facts(case, part, document)
        decision = self._decide(part, values)
        skeleton = self.skeletons.get(part.kind, decision)  # what the decision alone fixes, made once
        make = self.make
        resolution, postage, refund, offered = self._settle(case, decision.values, skeleton)
        paid = compensation(skeleton.compensation, decision.values, refund.currency, case, make)
        awaiting: list[str] = list(offered)  # the agreement an offer waits for
        awaiting.extend(_release_awaits(case, refund.release))  # what the release waits for
        branch_list: list[Branch] = []
        if branches:
            base = key_figures(resolution, refund.total, refund.release, postage, refund.offer_limit, paid.total)
            for fact in part.awaitables:
                if not fact.is_unknown(values.get(fact.path)):
                    continue
                found = []
                for value in fact.branch_values():
                    what_if = _with_fact(values, fact, value)
                    what_if.update(implied(fact.path, value, what_if, self.source.scope.items))
                    d2 = self._decide(part, what_if)
                    s2 = self.skeletons.get(part.kind, d2)
                    r2, p2, f2, _ = self._settle(case, d2.values, s2)
                    c2 = compensation_total(s2.compensation, d2.values, case)
                    found.append(({fact.path: value}, key_figures(r2, f2.total, f2.release, p2, f2.offer_limit, c2)))
                if any(figures != base for _, figures in found) and fact.path not in awaiting:
                    awaiting.append(fact.path)
                    branch_list.extend(make.Branch(when=when, **figures) for when, figures in found)
        return make.Plan(
            case_id=case.case_id,
            policy=self.info,
            resolution=resolution,
            postage=postage,
            refund=refund,
            compensation=paid,
            gestures=skeleton.gestures,
            steps=skeleton.render_steps(decision.values, refund, self.tz, paid, postage, make),
            awaiting=awaiting,
            branches=branch_list,
            trace=skeleton.trace,
        )

    # ------------------------------------------------------------------ facts

    def _check_effective(self, case: Case) -> None:
        info = self.info
        start, end = info.effective_from, info.effective_until
        # its day in the shop's zone is within two days of its day at its own offset (each offset is under a day),
        own = case.opened_at.toordinal()  # so only a case opened near either end of the dates needs it worked out
        if (start is None or own - 2 >= start.toordinal()) and (end is None or own + 2 <= end.toordinal()):
            return
        day = case.opened_at.astimezone(self.tz or case.opened_at.tzinfo).date()
        if start and day < start:
            raise EvaluationError(
                f"case {cut(case.case_id)} opened on {day}, before policy {info.name} {info.version} "
                f"takes effect ({info.effective_from})"
            )
        if end and day > end:
            raise EvaluationError(
                f"case {cut(case.case_id)} opened on {day}, after policy {info.name} {info.version} "
                f"ended ({info.effective_until})"
            )

    def _facts(self, case: Case, part: Partition, document: Document | None = None) -> dict[str, Any]:
        values: dict[str, Any] = {path: read(case) for path, read in self.readers[part.kind]}
        problems: list[Problem] = []
        for name in case.attributes:  # every attribute is checked, read here or not: declared, and of its type
            path = f"attributes.{name}"
            fact = self.source.scope.facts.get(path)
            if fact is None:
                problems.append(self._unknown_attribute(name, document))
                continue
            try:
                values[path] = attribute_value(case, fact)
            except CaseError as exc:  # placed at the value in the case file, when there is one
                where = document.at(("attributes", name)) if document else None
                problems.extend(replace(p, location=p.location or where) for p in exc.problems)
        problems.extend(item_problems(case, self.source.scope.items, self.info.name))
        if problems:
            raise CaseError(problems)
        if self.quantified[part.kind]:  # the item conditions its rules read
            values.update(quantified_values(case, self.source.scope.items, self.quantified[part.kind]))
        values.update(self.derived_defaults[part.kind])
        return values

    def _unknown_kind(self, kind: str) -> Problem:
        """An ``x_`` kind the policy does not declare: a misspelling would otherwise meet no rule."""
        own = [k for k in self.compiled.partitions if k.startswith("x_")]
        message, suggestion = suggest(
            f"issue.kind: policy {self.info.name} declares no issue kind {quoted(kind)}",
            kind,
            list(self.compiled.partitions),
            otherwise=f" (its own kinds are {', '.join(own)})" if own else " (it declares no kinds of its own)",
        )
        return Problem(None, "unknown_kind", message, path="issue.kind", suggestion=suggestion)

    def _unknown_attribute(self, name: Any, document: Document | None) -> Problem:
        """An attribute the policy does not declare: a misspelling would otherwise be read as "not set".

        Placed at its key in the case file, when there is one.
        """
        declared = sorted(self.attribute_names)
        path = dotted(("attributes", name))
        message, suggestion = suggest(
            f"{path}: policy {self.info.name} declares no attribute {quoted(name)}",
            name,
            declared,
            otherwise=f" (it declares {', '.join(declared)})" if declared else " (it declares none)",
        )
        where = document.key_at(("attributes", name)) if document else None
        return Problem(where, "unknown_attribute", message, path=path, suggestion=suggestion)

    # ------------------------------------------------------------------ matching

    def _decide(self, part: Partition, values: dict[str, Any], seen: dict | None = None) -> Decision:
        if seen is not None:  # an explanation: each stratum's facts, so stratum by stratum
            return self._by_strata(part, values, seen)
        return self.decisions.decide(part, values, self._by_strata)  # decisions.py

    def _by_strata(self, part: Partition, values: dict[str, Any], seen: dict | None = None) -> Decision:
        message = {key: encode(values[p]) for p, key in self.message_keys[part.kind] if values.get(p) is not None}
        message["_k"] = "case"
        for key, test in part.comparisons:
            held = compare(test, values, self.tz)
            if held is not None:
                message[key] = held
        derived_keys = self.derived_keys[part.kind]
        names = self.compiled.rule_names
        match_in = self.memo.match

        def match(stratum: Stratum, now: dict[str, Any]) -> list[Rule]:
            # derived facts as they stand: their defaults, then what earlier strata set
            if seen is not None:
                seen[stratum.index] = dict(now)
            for path, key in derived_keys:
                if now.get(path) is not None:
                    message[key] = encode(now[path])
                else:
                    message.pop(key, None)
            found = {names[n].index: names[n] for n in match_in(stratum.rulesets, message)}
            return [found[i] for i in sorted(found)]

        return decide(part.strata, match, values)

    # ------------------------------------------------------------------ assembly

    def _settle(
        self, case: Case, values: dict[str, Any], skeleton: Skeleton
    ) -> tuple[str, Postage, Refund, tuple[str, ...]]:
        """Resolution, postage and refund (the figures a what-if branch compares), and what an offer awaits."""
        make = self.make
        resolution = skeleton.resolution
        if resolution is None:
            raise UndecidedError(
                f"no rule decided a resolution for case {cut(case.case_id)} ({case.issue.kind}) "
                "and the policy sets no default (defaults: {resolution: ...})",
                case_id=case.case_id,
                kind=case.issue.kind,
            )
        postage = skeleton.postage  # the same in every plan of the decision, when no leg's amount reads the case
        if postage is None:
            return_leg, outbound_leg = skeleton.return_leg, skeleton.outbound_leg
            postage = make.Postage(
                return_leg=None if return_leg is None else leg(return_leg, values, RETURN_POSTAGE, make),
                outbound_leg=None if outbound_leg is None else leg(outbound_leg, values, None, make),
            )
        if not skeleton.lines:  # no line, so nothing pending or offered either
            return resolution, postage, no_refund(values["order.currency"]), ()
        paid = values["affected.goods"] + values["order.shipping_fee"] + (values.get(RETURN_POSTAGE) or ZERO)
        lines, pending, total, offer, offered = refund_lines(case, skeleton.lines, values, paid, make)
        capped_at = None
        if total > paid:
            lines, total, capped_at = cap_lines(lines, paid), paid, paid
        if offer is not None:  # an offer never takes the refund past what was paid
            offer = quantize(min(offer, paid - total))
            if offer <= 0:
                offer, offered = None, ()
        release = None
        if lines or pending or offered:
            release = skeleton.release or "immediately"
        refund = make.Refund(
            total=total,
            currency=values["order.currency"],
            lines=lines,
            release=release,
            pending=pending,
            capped_at=capped_at,
            offer_limit=offer,
        )
        return resolution, postage, refund, offered


# ---------------------------------------------------------------------- helpers

# a release that waits for a fact of the case: it is awaited while unknown (no branches: it changes no key figure)
RELEASE_AWAITS: dict[str, str] = {"on_return_shipped": "progress.return_shipment.tracking_number"}


def _release_awaits(case: Case, release: str | None) -> tuple[str, ...]:
    path = RELEASE_AWAITS.get(release or "")
    if path is None:
        return ()
    read = FACTS[path].read
    assert read is not None  # every fact in FACTS reads the case
    return () if read(case) is not None else (path,)


def _unknown_name(name: Any, declared: tuple[str, ...]) -> bool:
    """An attribute name the policy does not declare (a name that is not one at all the case model reports)."""
    return isinstance(name, str) and re.fullmatch(NAME_PATTERN, name) is not None and name not in declared


def _needed_facts(part: Partition, source: PolicySource) -> tuple[str, ...]:
    needed = set(part.fact_paths) | set(ASSEMBLY_FACTS)
    for _, test in part.comparisons:
        needed |= set(comparison_paths(test))
    rules = {r.index: r for s in part.strata for r in s.rules}.values()
    for rule in rules:
        needed |= rule.outputs_read()
    return tuple(sorted(p for p in needed if not p.startswith("facts.") and p in source.scope.facts))


def _readers(paths: tuple[str, ...]) -> tuple[tuple[str, Callable[[Case], Any]], ...]:
    """The facts among ``paths`` that read the case, with their readers."""
    return tuple((p, f.read) for p in paths if (f := FACTS.get(p)) is not None and f.read is not None)


def _with_fact(values: dict[str, Any], fact: Fact, value: Any) -> dict[str, Any]:
    out = dict(values)
    out[fact.path] = value
    parent = fact.path.rsplit(".", 1)[0]
    if parent in out and FACTS.get(parent) is not None and FACTS[parent].type == "object":
        out[parent] = True
    return out


def _first(exc: ValidationError) -> str:
    error = exc.errors()[0]
    return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
