"""Why a rule did or did not apply to a case: ``Policy.explain``, as data (explanation.py).

The engine matches the case as ``evaluate`` does (durable_rules, stratum by
stratum, then the conflict policy of decision.py); each rule's condition is
then read again in Python, of the very facts its stratum was matched with, by
language/truth.py's ``evaluate`` (the truth table durable_rules is compiled
from). That reading gives ``matched`` and, for a rule that did not match, the
conditions that failed and the facts they read; the engine's decision gives,
for one that matched, what it decided and what it lost to which rule.
tests/test_explain.py checks over generated cases that the two readings agree
on every rule.
"""

from __future__ import annotations

from typing import Any

from ..case import Case
from ..diagnostics import suggest
from ..errors import UnknownRuleError, quoted
from ..explanation import CaseExplanation, ConflictPart, FactValue, FailedCondition, Loss, RuleExplanation
from ..language.conditions import All, Condition, FactRef, Test, walk
from ..language.facts import FACTS, attribute_value
from ..language.moments import Moment
from ..language.rules import Rule
from ..language.truth import evaluate
from .decision import Decision
from .evaluate import Engine

__all__ = ["explain_case", "explain_rule"]


def explain_case(engine: Engine, data: Any) -> CaseExplanation:
    """Every rule of ``engine``'s policy, explained for the case ``data``."""
    case, decision, seen = engine.match(data)
    return _explain(engine, case, decision, seen, engine.source.rules)


def explain_rule(engine: Engine, data: Any, rule_id: str) -> RuleExplanation:
    """One rule explained for the case ``data`` (``UnknownRuleError`` if the policy has no rule ``rule_id``)."""
    rules = [r for r in engine.source.rules if r.id == rule_id]
    if not rules:
        ids = [r.id for r in engine.source.rules]
        message, suggestion = suggest(f"policy {engine.info.name} has no rule {quoted(rule_id)}", rule_id, ids)
        raise UnknownRuleError(message, rule=rule_id, suggestion=suggestion)
    case, decision, seen = engine.match(data)
    return _explain(engine, case, decision, seen, rules).rules[0]


def _explain(engine: Engine, case: Case, d: Decision, seen: dict[int, dict], rules: list[Rule]) -> CaseExplanation:
    part = engine.compiled.partitions[case.issue.kind]
    kind_rules = {r.index for s in part.strata for r in s.rules}
    outside: dict[str, Any] | None = None  # facts for the rules the engine does not match this case against
    out = []
    for rule in rules:
        if rule.index in kind_rules:
            values = seen[rule.stratum]
        else:
            if outside is None:
                outside = _outside_values(engine, case)
            values = outside
        out.append(_rule(engine, case, rule, values, d))
    return CaseExplanation(
        case_id=case.case_id,
        kind=case.issue.kind,
        rules=tuple(out),
        kind_rules=tuple(r.id for r in engine.source.rules if r.index in kind_rules),
    )


def _outside_values(engine: Engine, case: Case) -> dict[str, Any]:
    """The case's facts for the rules of other kinds: every fact they test, derived facts at their defaults."""
    values: dict[str, Any] = dict(engine.fact_defaults)
    values["opened_at"] = case.opened_at  # the day and clock of a moment are the case's when the policy has no zone
    for rule in engine.source.rules:
        for path in _reads(rule.when):
            fact = FACTS.get(path)
            if path in values:
                continue
            if fact is not None and fact.read is not None:
                values[path] = fact.read(case)
            elif path.startswith("attributes.") and path in engine.source.scope.facts:
                values[path] = attribute_value(case, engine.source.scope.facts[path])  # checked by match
    return values


def _rule(engine: Engine, case: Case, rule: Rule, values: dict[str, Any], d: Decision) -> RuleExplanation:
    items: tuple[Condition, ...] = rule.when.items if isinstance(rule.when, All) else (rule.when,)
    tz = engine.tz
    failures = []
    for item in items:
        truth = evaluate(item, values, tz)
        if not truth.holds:
            actual = tuple(FactValue(path=p, value=values.get(p)) for p in _reads(item))
            failures.append(
                FailedCondition(text=item.describe(), location=_where(item), actual=actual, unknown=truth.waits_on)
            )
    common = {
        "rule": rule.id,
        "source": rule.source,
        "location": rule.location,
        "case_id": case.case_id,
        "because": engine.because[rule.index],
    }
    if failures:
        return RuleExplanation(matched=False, failures=tuple(failures), **common)
    applied = rule in d.applied
    decided = [slot for slot, winners in d.winners.items() if rule in winners] if applied else []
    if applied and rule.steps:
        decided.append("steps")
    if applied and rule.gestures:
        decided.append("gestures")
    return RuleExplanation(
        matched=True, applied=applied, decided=tuple(decided), lost=_losses(rule, d, applied), **common
    )


def _losses(rule: Rule, d: Decision, applied: bool) -> tuple[Loss, ...]:
    if not applied:  # its group's best match applies instead (part 1 of the conflict policy)
        best = next(r for r in d.applied if r.group == rule.group)
        return (_loss(rule, f"group {rule.group}", best, "group"),)
    out = []
    for slot in rule.slots:
        winners = d.winners.get(slot, [])
        if winners and rule not in winners:
            best = winners[0]
            out.append(_loss(rule, slot, best, "stratum" if best.stratum > rule.stratum else "priority"))
    return tuple(out)


def _loss(rule: Rule, output: str, winner: Rule, part: ConflictPart) -> Loss:
    return Loss(
        output=output,
        winner=winner.id,
        winner_source=winner.source,
        winner_priority=winner.priority,
        priority=rule.priority,
        part=part,
    )


def _reads(node: Condition) -> tuple[str, ...]:
    """The facts a condition reads, in the order it reads them (through named conditions)."""
    paths: dict[str, None] = {}
    for n in walk(node):
        if isinstance(n, Test):
            paths[n.path] = None
            if isinstance(n.value, (FactRef, Moment)):
                paths[n.value.path] = None
    return tuple(paths)


def _where(node: Condition):
    return getattr(node, "location", None)
