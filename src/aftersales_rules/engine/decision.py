"""The conflict policy: which of the matching rules decide what (docs/rule-language.md, "What wins").

1. Within a ``group`` only the matching rule with the highest priority
   applies; two of the top priority with different outputs are a conflict.
2. Each single-valued output (resolution, each leg, refund lines, release,
   each derived fact, each compensation component) is taken from the applying rule of highest priority that
   sets it; rules of that priority setting different values are a conflict.

Rules are matched stratum by stratum (a stratum reads the derived facts that
earlier ones set), so the policy runs in that order: each stratum's matched
rules are cut down to each group's best, each derived fact the applying rules
set takes its winner's value before the next stratum is matched, and at the
end each single-valued output is taken over every applying rule, in load order.

``decide`` is that procedure, the only one: the engine (engine/evaluate.py)
calls it with durable_rules' match of its message, the linter
(authoring/casespace.py) with its abstract evaluation of a class of cases. The
engine raises ``ConflictError`` on a conflict; the linter passes
``on_conflict`` to note it and go on, so both read the same rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..errors import ConflictError, quoted
from ..language.compensation import SLOT as COMPENSATION_SLOT
from ..language.rules import Rule

__all__ = ["SINGLE_SLOTS", "Conflict", "Decision", "apply_groups", "decide", "raise_conflict", "top", "winner"]

SINGLE_SLOTS = ("resolution", "return_leg", "outbound_leg", "refund.lines", "refund.release")


@dataclass(frozen=True)
class Conflict:
    """Two rules that decide one output differently with no declared winner."""

    first: Rule
    second: Rule
    output: str  # a slot, or "group <name>" (ConflictError.output)
    group: str = ""  # the group both belong to, for a tie within one: what tells the two kinds apart


def raise_conflict(conflict: Conflict) -> None:
    first, second, output = conflict.first, conflict.second, conflict.output
    if conflict.group:
        message = (
            f"rules {quoted(first.id)} ({first.where}) and {quoted(second.id)} ({second.where}) of group "
            f"{quoted(conflict.group)} both match at priority {second.priority}; give one a higher priority"
        )
    else:
        message = (
            f"rules {quoted(first.id)} ({first.where}) and {quoted(second.id)} ({second.where}) both decide "
            f"{output} at priority {first.priority}, differently; give one a higher priority or put both "
            "in a group"
        )
    raise ConflictError(message, rules=(first.id, second.id), output=output)


OnConflict = Callable[[Conflict], None]
S = TypeVar("S")


@dataclass
class Decision:
    """What the rules decided for one set of facts."""

    matched: list[Rule]  # every rule that matched, stratum by stratum, each stratum's in load order
    applied: list[Rule]  # the rules that apply (each group cut down to its best), in load order
    winners: dict[str, list[Rule]]  # output → the rule(s) whose value was taken
    values: dict[str, Any]  # the facts decided on, each derived fact as the rules left it
    # skeleton.decision_key of this decision, when the decision memo kept it (worked out once per kept decision)
    key: tuple | None = field(default=None, compare=False, repr=False)


def decide(
    strata: Iterable[S],
    match: Callable[[S, dict[str, Any]], list[Rule]],
    values: dict[str, Any],
    on_conflict: OnConflict = raise_conflict,
) -> Decision:
    """The conflict policy over one set of facts, stratum by stratum.

    ``match(stratum, values)`` gives the rules of ``stratum`` that hold, in load order, given ``values``: the
    facts (``values`` as passed, which is not changed) with each derived fact at its default or at what an
    earlier stratum's winner set it to.
    """
    values = dict(values)
    matched: list[Rule] = []
    applied: list[Rule] = []
    winners: dict[str, list[Rule]] = {}
    for stratum in strata:
        found = match(stratum, values)
        matched.extend(found)
        now = apply_groups(found, on_conflict)
        applied.extend(now)
        for slot in sorted({s for r in now for s in r.slots if s.startswith("facts.")}):
            best = winner(slot, now, on_conflict)
            winners[slot] = best
            values[slot] = best[0].slots[slot]
    applied.sort(key=lambda r: r.index)
    candidates: dict[str, list[Rule]] = {}
    for rule in applied:
        for slot in rule.slots:
            candidates.setdefault(slot, []).append(rule)
    for slot in SINGLE_SLOTS:
        if slot in candidates:
            winners[slot] = top(slot, candidates[slot], on_conflict)
    for slot in sorted(s for s in candidates if s.startswith(COMPENSATION_SLOT)):  # one per component
        winners[slot] = top(slot, candidates[slot], on_conflict)
    return Decision(matched, applied, winners, values)


def apply_groups(matched: list[Rule], on_conflict: OnConflict = raise_conflict) -> list[Rule]:
    """The matched rules that apply: all rules outside groups, and each group's best match."""
    best: dict[str, Rule] = {}
    for rule in matched:
        if not rule.group:
            continue
        other = best.get(rule.group)
        if other is None or rule.priority > other.priority:
            best[rule.group] = rule
        elif rule.priority == other.priority and _outputs(rule) != _outputs(other):
            on_conflict(Conflict(other, rule, f"group {rule.group}", group=rule.group))
    return [r for r in matched if not r.group or best[r.group] is r]


def _outputs(rule: Rule) -> tuple:
    return (sorted(rule.slots.items(), key=lambda kv: kv[0]), rule.steps, rule.gestures)


def winner(slot: str, rules: list[Rule], on_conflict: OnConflict = raise_conflict) -> list[Rule]:
    """The rule(s) whose value for ``slot`` is taken (several when they agree); [] when none sets it."""
    candidates = [r for r in rules if slot in r.slots]
    return top(slot, candidates, on_conflict) if candidates else []


def top(slot: str, candidates: list[Rule], on_conflict: OnConflict = raise_conflict) -> list[Rule]:
    """The rules of highest priority among ``candidates`` (all setting ``slot``)."""
    best_priority = max(r.priority for r in candidates)
    best = [r for r in candidates if r.priority == best_priority]
    for other in best[1:]:
        if other.slots[slot] != best[0].slots[slot]:
            on_conflict(Conflict(best[0], other, slot))
    return best
