"""An independent, plain-Python reading of the condition IR: what a condition means.

Used to check that the compiled durable_rules network matches exactly the cases
this says it should. Each test is read by language/truth.py's ``test_holds``, as
the linter reads it: unknown (None) facts, positive tests fail, their negations
hold (tests/test_truth.py pins that table).
"""

from __future__ import annotations

from typing import Any

from aftersales_rules.language.conditions import All, AnyOf, FactRef, Not, Ref, Test
from aftersales_rules.language.moments import Moment
from aftersales_rules.language.truth import test_holds


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
    other = None
    if isinstance(node.value, Moment):
        other = node.value.value(values, tz)
    elif isinstance(node.value, FactRef):
        other = values.get(node.value.path)
    return test_holds(node, values.get(node.path), other)
