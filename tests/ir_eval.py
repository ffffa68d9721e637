"""An independent, plain-Python reading of the condition IR: what a condition means.

Used to check that the compiled durable_rules network matches exactly the cases
this says it should. Unknown (None) facts: positive tests fail, their negations hold.
"""

from __future__ import annotations

from typing import Any

from aftersales_rules.language.conditions import All, AnyOf, FactRef, Not, Ref, Test
from aftersales_rules.language.moments import Moment

_CMP = {"lt": lambda a, b: a < b, "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b}


def holds(node, values: dict[str, Any], tz=None) -> bool:
    if isinstance(node, All):
        return all(holds(i, values, tz) for i in node.items)
    if isinstance(node, AnyOf):
        return any(holds(i, values, tz) for i in node.items)
    if isinstance(node, Not):
        return not holds(node.item, values, tz)
    if isinstance(node, Ref):
        return holds(node.condition, values, tz)
    assert isinstance(node, Test)
    v = values.get(node.path)
    op, want = node.op, node.value
    if op == "known":
        return v is not None
    if op == "unknown":
        return v is None
    if op == "eq":
        return v is not None and v == want
    if op == "ne":
        return v is None or v != want
    if op == "in":
        return v is not None and v in want
    if op == "not_in":
        return v is None or v not in want
    if isinstance(want, Moment):
        want = want.value(values, tz)
    elif isinstance(want, FactRef):
        want = values.get(want.path)
    if v is None or want is None:
        return False
    return _CMP[op](v, want)
