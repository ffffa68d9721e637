"""When a test holds: what each operator means on a known value, and on an unknown one, stated once.

A fact is unknown when the case leaves it out (null, absent, or part of an
object the case does not have). A positive test on an unknown fact does not
hold (``order.profit >= 10`` is false while the profit is unknown, and so is a
comparison with an unknown side); its negation does (``issue.severity !=
severe`` holds while the severity is unknown). ``HOLDS_WHEN_UNKNOWN`` is that
rule, operator by operator, and everything that evaluates a condition reads it:

* the compiler (engine/compiler.py) gives a test an alternative for an absent
  property (``$nex``) exactly where the table says the test holds;
* the linter's abstract evaluation (authoring/casespace.py) and the test
  suite's own reading of conditions (tests/ir_eval.py) call ``test_holds``, or
  ``holds_when_unknown`` for a comparison with an unknown side;
* ``evaluate`` reads a whole condition of one case's facts, for the
  explanations of why a rule did or did not match (engine/explain.py): what the
  engine makes of it, and whether three-valued logic can decide it at all.

``not`` a test: on a known value, the test of ``negate_known(op)``; on an
unknown one, the opposite of the table (``holds_when_unknown(op, negated=True)``).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from .conditions import All, AnyOf, Condition, FactRef, Not, Ref, Test
from .moments import Moment

__all__ = ["HOLDS_WHEN_UNKNOWN", "Truth", "evaluate", "holds_when_unknown", "negate_known", "test_holds"]

HOLDS_WHEN_UNKNOWN: dict[str, bool] = {
    "eq": False,
    "ne": True,
    "in": False,
    "not_in": True,
    "known": False,
    "unknown": True,
    "lt": False,
    "le": False,
    "gt": False,
    "ge": False,
}

# the operator that holds of a known value exactly when the first does not
_NEGATE_KNOWN = {
    "eq": "ne",
    "ne": "eq",
    "in": "not_in",
    "not_in": "in",
    "known": "unknown",
    "unknown": "known",
    "lt": "ge",
    "ge": "lt",
    "le": "gt",
    "gt": "le",
}

_COMPARE = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge}


def holds_when_unknown(op: str, negated: bool = False) -> bool:
    """Whether a test with ``op`` (under a ``not`` when ``negated``) holds when its fact is unknown."""
    return HOLDS_WHEN_UNKNOWN[op] is not negated


def negate_known(op: str) -> str:
    """The operator that holds of a known value exactly when ``op`` does not."""
    return _NEGATE_KNOWN[op]


def test_holds(test: Test, value: Any, other: Any = None) -> bool:
    """Whether ``test`` holds of ``value``, the fact's value (None: unknown).

    For a comparison with another fact or a moment, ``other`` is the value of that side (None: unknown).
    """
    op = test.op
    if value is None or (other is None and isinstance(test.value, (FactRef, Moment))):
        return holds_when_unknown(op)
    if op == "known":
        return True
    if op == "unknown":
        return False
    want = other if isinstance(test.value, (FactRef, Moment)) else test.value
    if op == "eq":
        return value == want
    if op == "ne":
        return value != want
    if op == "in":
        return value in want
    if op == "not_in":
        return value not in want
    return _COMPARE[op](value, want)


test_holds.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


@dataclass(frozen=True)
class Truth:
    """A condition read of one case's facts.

    ``holds``: what the engine decides (an unknown fact read by the table above). ``decided``: the same in
    three-valued logic, None when the unknown facts leave it open (``waits_on`` names them); wherever it is
    not None it equals ``holds``.
    """

    holds: bool
    decided: bool | None
    waits_on: tuple[str, ...] = ()


def evaluate(node: Condition, values: dict[str, Any], tz: tzinfo | None) -> Truth:
    """``node`` of the facts ``values`` (path → value, None or absent: unknown), in the zone ``tz``."""
    if isinstance(node, Ref):
        return evaluate(node.condition, values, tz)
    if isinstance(node, Not):
        inner = evaluate(node.item, values, tz)
        return Truth(not inner.holds, None if inner.decided is None else not inner.decided, inner.waits_on)
    if isinstance(node, (All, AnyOf)):
        parts = [evaluate(item, values, tz) for item in node.items]
        deciding = isinstance(node, AnyOf)  # one true item decides "any", one false item "all"
        holds = any(p.holds for p in parts) if deciding else all(p.holds for p in parts)
        if any(p.decided is deciding for p in parts):
            return Truth(holds, deciding)
        open_ = [p for p in parts if p.decided is None]
        if not open_:
            return Truth(holds, not deciding)
        return Truth(holds, None, tuple(dict.fromkeys(w for p in open_ for w in p.waits_on)))
    other = None
    sides = [node.path]
    if isinstance(node.value, Moment):
        other = node.value.value(values, tz)
        sides.append(node.value.path)
    elif isinstance(node.value, FactRef):
        other = values.get(node.value.path)
        sides.append(node.value.path)
    holds = test_holds(node, values.get(node.path), other)
    unknown = tuple(dict.fromkeys(p for p in sides if values.get(p) is None))
    if not unknown or node.op in ("known", "unknown"):
        return Truth(holds, holds)
    return Truth(holds, None, unknown)
