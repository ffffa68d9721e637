"""A case's facts per order line, as language/items.py declares them: each line's attribute values, an item
condition's truth in three values, the quantified flags (``items.any(...)``), and how flags of one item
condition bear on each other (for what-if branches and the linter's model)."""

from __future__ import annotations

from typing import Any

from ..case import Case, Item
from ..diagnostics import shown, suggest
from ..errors import Problem, quoted
from ..money import MoneyError, parse_money
from .conditions import All, AnyOf, Condition, FactRef, Not, Ref, Test
from .facts import Fact
from .scope import ItemScope
from .truth import test_holds

__all__ = ["consistent", "implied", "item_problems", "line_values", "misfit", "quantified_values", "truth"]


def misfit(fact: Fact, value: Any) -> str | None:
    """What ``value`` should have been for ``fact`` (None: it fits)."""
    if fact.type == "bool":
        return None if isinstance(value, bool) else "true or false"
    if fact.type == "enum":
        return None if isinstance(value, str) and value in fact.values else "one of " + ", ".join(fact.values)
    if fact.type == "int":
        return None if isinstance(value, int) and not isinstance(value, bool) else "a whole number"
    if fact.type == "text":
        return None if isinstance(value, str) else "text"
    try:
        parse_money(value)
    except MoneyError as exc:
        return f"an amount ({exc})"
    return None


def truth(node: Condition, values: dict[str, Any]) -> bool | None:
    """An item condition of one line's ``values``: true, false, or None when an unknown attribute decides it."""
    if isinstance(node, Test):
        value = values.get(node.path)
        if node.op in ("known", "unknown"):
            return test_holds(node, value)
        other = values.get(node.value.path) if isinstance(node.value, FactRef) else None
        if value is None or (isinstance(node.value, FactRef) and other is None):
            return None
        return test_holds(node, value, other)
    if isinstance(node, Not):
        held = truth(node.item, values)
        return None if held is None else not held
    if isinstance(node, Ref):  # not written in an item condition; read as its condition
        return truth(node.condition, values)
    assert isinstance(node, (All, AnyOf))
    parts = [truth(item, values) for item in node.items]
    decides = isinstance(node, AnyOf)  # a true part decides "any", a false one "all"
    if any(p is decides for p in parts):
        return decides
    return None if any(p is None for p in parts) else not decides


def quantify(quantifier: str, truths: list[bool | None]) -> bool | None:
    if quantifier == "all":
        return False if False in truths else None if None in truths else True
    found = True if True in truths else None if None in truths else False
    return found if quantifier == "any" or found is None else not found


# --------------------------------------------------------------------------- cases


def line_values(item: Item, items: ItemScope) -> dict[str, Any]:
    """A line's declared attributes: its own (null: unknown), else the default; amounts as ``Decimal``."""
    out = dict(items.defaults)
    for name, value in item.attributes.items():
        fact = items.facts.get(name)
        if fact is not None:
            out[name] = parse_money(value) if fact.type == "money" and value is not None else value
    return out


def item_problems(case: Case, items: ItemScope, policy: str) -> list[Problem]:
    """Every line's attributes checked against the declarations: undeclared (did you mean), or of another type."""
    for item in case.order.items:
        if item.attributes:
            break
    else:  # no line has attributes of its own (most cases): nothing to check
        return []
    problems = []
    for i, item in enumerate(case.order.items):
        for name, value in item.attributes.items():
            path = f"order.items[{i}].attributes.{name}"
            fact = items.facts.get(name)
            if fact is None:
                declared = sorted(items.facts)
                message, suggestion = suggest(
                    f"{path}: policy {policy} declares no item attribute {quoted(name)}",
                    name,
                    declared,
                    otherwise=f" (it declares {', '.join(declared)})" if declared else " (it declares none)",
                )
                problems.append(Problem(None, "unknown_attribute", message, path=path, suggestion=suggestion))
            elif value is not None and (why := misfit(fact, value)):
                message = f"{path}: the policy expects {why}, got {shown(value)}"
                problems.append(Problem(None, "invalid_value", message, path=path))
    return problems


def quantified_values(case: Case, items: ItemScope, paths: Any) -> dict[str, bool | None]:
    """The quantified item conditions among ``paths``, worked out for ``case`` (None: unknown)."""
    if not items.quantified:  # the policy quantifies no item condition
        return {}
    wanted = [p for p in paths if p in items.quantified]
    if not wanted:
        return {}
    lines = [line_values(item, items) for item, _ in case.affected()]
    out = {}
    for path in wanted:
        q = items.quantified[path]
        out[path] = quantify(q.quantifier, [truth(q.condition, values) for values in lines])
    return out


# what a quantified flag's value says of the other flags of its item condition, when they are unknown
# (so the affected items include an unknown one: there is at least one)
_IMPLIED = {
    ("any", True): {"none": False},
    ("any", False): {"none": True, "all": False},
    ("none", True): {"any": False, "all": False},
    ("none", False): {"any": True},
    ("all", True): {"any": True, "none": False},
}


def implied(path: str, value: Any, values: dict[str, Any], items: ItemScope) -> dict[str, bool]:
    """The unknown flags of ``values`` that ``path`` being ``value`` decides: a what-if branch that sets
    ``items.any(x)`` false sets ``items.none(x)`` true, as every case with that answer has it."""
    q = items.quantified.get(path)
    if q is None:
        return {}
    then = _IMPLIED.get((q.quantifier, value), {})
    return {
        other: then[sibling.quantifier]
        for other, sibling in items.quantified.items()
        if other in values and values[other] is None and sibling.quantifier in then and sibling.text == q.text
    }


# --------------------------------------------------------------------------- the linter's model


def consistent(assign: dict, items: ItemScope) -> bool:
    """Whether flags of one item condition can take these values together (``items.any(x)`` false and
    ``items.none(x)`` false cannot); the linter leaves out classes of cases no case falls in."""
    by_condition: dict[str, dict[str, Any]] = {}
    for key, value in assign.items():
        q = items.quantified.get(key) if isinstance(key, str) else None
        if q is not None:
            by_condition.setdefault(q.text, {})[q.quantifier] = value
    for flags in by_condition.values():
        any_, all_, none = (flags.get(q, "?") for q in ("any", "all", "none"))
        if "?" not in (any_, none) and none != (None if any_ is None else not any_):
            return False
        if "?" not in (any_, all_) and ((any_ is None and all_ is True) or (any_ is False and all_ is None)):
            return False
    return True
