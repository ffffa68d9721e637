"""Facts per order line: item attributes, the conditions rules quantify over the affected items, and
goods refund lines that take only some of them.

A policy declares what an order line can say (``item_attributes:``, as it declares ``attributes:``);
a case gives it per line (``order.items[i].attributes``). A rule tests the affected items
(``issue.items``; every line when the issue names none) with ``items.any``, ``items.all`` or
``items.none`` and an *item condition*: a ``when`` over one line's attributes::

    when:
      items.any: {perishable: true}
      items.none: {category: media, sealed: false}    # no affected item is unsealed media

durable_rules sees one flat message, so each quantified condition becomes a true/false fact of the
case, named by its text (``items.any(perishable is true)``), worked out here before matching, exactly,
in three values: an item test on an attribute the line leaves unknown is itself unknown; "any" is true
when one item holds, false when every item fails and unknown otherwise; "all" is false when one item
fails, true when every item holds and unknown otherwise; "none" is the opposite of "any". An unknown
flag is absent from the message, so a rule that needs it true (or tests ``not``) decides as for any
unknown fact (truth.py), and the plan awaits the flag: it is awaitable, with a what-if branch for
each value. A goods line ``{component: goods, only: <item condition>}`` refunds the affected items the
condition holds for, ``except:`` the others; an item it is unknown for gets no line, and goods is
listed in ``refund.pending``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..case import Item
from ..diagnostics import suggest
from ..errors import quoted
from ..money import parse_money
from .conditions import All, AnyOf, Condition, FactRef, Not, Ref, Test, parse_condition, show_value, walk
from .facts import Fact
from .itemfacts import line_values, misfit, truth
from .scope import QUANTIFIERS, Definition, ItemScope, Reader, Scope

__all__ = ["ItemFilter", "ItemTest", "Quantified", "declare", "goods_filter", "install"]

RESERVED = ("all", "any", "not")  # the words of a condition: no attribute may be called so


@dataclass(frozen=True)
class ItemTest(Test):
    """A rule's test of a quantified item condition: its flag is true (the trace shows the flag's name)."""

    def describe(self) -> str:
        return self.path


@dataclass(frozen=True)
class Quantified:
    quantifier: str  # "any" | "all" | "none"
    condition: Condition
    text: str  # the condition in the words of a rule file: what the flag is named by


@dataclass(frozen=True)
class ItemFilter:
    """The items a goods line takes: those ``condition`` holds for (``only``), or the others (``except``)."""

    condition: Condition
    keep: bool  # True for only, False for except
    items: ItemScope = field(compare=False, repr=False)

    def select(self, pairs: list[tuple[Item, int]]) -> tuple[list[tuple[Item, int]], bool]:
        """The (item, quantity) pairs taken, and whether an item was left out because it is unknown."""
        chosen, unsure = [], False
        for item, qty in pairs:
            held = truth(self.condition, line_values(item, self.items))
            if held is None:
                unsure = True
            elif held is self.keep:
                chosen.append((item, qty))
        return chosen, unsure


def install(scope: Scope) -> None:
    """Let the conditions of ``scope`` quantify over item conditions (the builder's scope, not an item's)."""
    scope.items.quantifiers = QUANTIFIERS
    scope.items.parse = parse_quantified


# --------------------------------------------------------------------------- declarations


def declare(r: Reader, name: str, decl: Any) -> None:
    """An ``item_attributes:`` entry (a rulefile.ItemAttributeDecl) at ``r``, checked and added to the scope."""
    items = r.scope.items
    if name in RESERVED:
        r.error(
            "invalid_value",
            f"{quoted(name)} is a word of conditions; call the item attribute something else",
            on_key=True,
        )
        return
    if name in items.definitions:
        where = items.definitions[name].location
        r.error("duplicate_definition", f"item attribute {quoted(name)} is already declared at {where}", on_key=True)
        return
    if decl.type == "enum" and not decl.values:
        r.error("missing_field", f"item attribute {quoted(name)} is an enum: list its values")
        return
    fact = Fact(name, decl.type, decl.description, values=tuple(decl.values or ()), nullable=True)
    default = decl.default
    if default is not None:
        why = misfit(fact, default)
        if why:
            r.at("default").error("invalid_value", f"the default of item attribute {quoted(name)} must be {why}")
            return
        items.defaults[name] = parse_money(default) if fact.type == "money" else default
    items.definitions[name] = Definition(name, "item_attribute", decl, r.key_location)
    items.facts[name] = fact


# --------------------------------------------------------------------------- conditions


def parse_quantified(r: Reader, path: str, spec: Any) -> Condition | None:
    """``items.any: <item condition>`` at ``r``: a test that the condition's flag is true."""
    node = _item_condition(r, path, spec)
    if node is None:
        return None
    quantifier = path.split(".")[1]
    text = _text(node)
    flag = f"{path}({text})"
    if flag not in r.scope.items.quantified:
        r.scope.items.quantified[flag] = Quantified(quantifier, node, text)
        # only known / unknown tests: the flag is never unknown itself (the linter's model leaves it out)
        unsure = any(isinstance(n, Test) and n.op not in ("known", "unknown") for n in walk(node))
        r.scope.facts[flag] = Fact(
            flag, "bool", f"{quantifier} of the affected items: {text}", nullable=unsure, awaitable=True
        )
    return ItemTest(flag, "eq", True, r.location)


# an item test in the words a rule file uses for it (no "=": the linter splits a fact from its value there)
_WORDS = {
    "eq": "is",
    "ne": "is_not",
    "in": "in",
    "not_in": "not_in",
    "lt": "below",
    "le": "at_most",
    "gt": "above",
    "ge": "at_least",
    "known": "known",
    "unknown": "unknown",
}


def _text(node: Condition) -> str:
    """``perishable is true``, ``category in [food, media] and not (sealed is true)``."""
    if isinstance(node, Test):
        if node.op in ("known", "unknown"):
            return f"{node.path} {node.op}"
        return f"{node.path} {_WORDS[node.op]} {show_value(node.value)}"
    if isinstance(node, Not):
        return f"not ({_text(node.item)})"
    if isinstance(node, Ref):
        return _text(node.condition)
    assert isinstance(node, (All, AnyOf))
    parts = [f"({_text(i)})" if isinstance(i, (All, AnyOf)) else _text(i) for i in node.items]
    return (" and " if isinstance(node, All) else " or ").join(parts)


def goods_filter(r: Reader, model: Any) -> tuple[bool, ItemFilter | None]:
    """The ``only`` / ``except`` of a refund line (a rulefile.LineModel): (ok, the filter or None)."""
    only, excluded = model.only, model.except_
    if only is None and excluded is None:
        return True, None
    key = "only" if only is not None else "except"
    if only is not None and excluded is not None:
        r.at("except").error("invalid_value", "a goods line takes 'only' or 'except', not both", on_key=True)
        return False, None
    per_item = getattr(model, "per_item", False)  # a per-item line (language/peritem.py) chooses its items too
    if not per_item and (model.component != "goods" or model.amount is not None or model.agreed is not None):
        r.at(key).error(
            "invalid_value",
            f"{quoted(key)} chooses the items of a goods line that refunds each item's own price: "
            "{component: goods, only: ...} or {component: goods, except: ...}, without amount or agreed",
            on_key=True,
        )
        return False, None
    node = _item_condition(r.at(key), key, only if only is not None else excluded)
    return node is not None, None if node is None else ItemFilter(node, only is not None, r.scope.items)


def _item_condition(r: Reader, what: str, spec: Any) -> Condition | None:
    """An item condition at ``r``: the language of ``when`` over one order line's declared attributes."""
    items = r.scope.items
    if not isinstance(spec, (dict, list)) or not spec:
        r.error(
            "invalid_condition",
            f"{what} takes a condition on an order line's attributes (item_attributes:), e.g. {{perishable: true}}",
        )
        return None
    inner = Reader(r.doc, r.path, Scope(r.scope.definitions, dict(items.facts), {}, r.scope.timezone), r.problems)
    if not _declared(inner, spec, items):
        return None
    node = parse_condition(inner, spec)
    if node is None:
        return None
    for n in walk(node):
        if isinstance(n, Test):
            for name in (n.path, n.value.path if isinstance(n.value, FactRef) else None):
                if name in items.definitions:
                    items.definitions[name].used = True
    return node


def _declared(r: Reader, spec: Any, items: ItemScope) -> bool:
    """Every name an item condition tests is a declared item attribute (problems otherwise)."""
    ok = True
    if isinstance(spec, list):
        found = [_declared(r.at(i), v, items) for i, v in enumerate(spec)]  # every problem, not the first
        return all(found)
    if not isinstance(spec, dict):
        return True  # parse_condition says what is wrong with it
    for key, value in spec.items():
        if key in ("all", "any"):
            ok = _declared(r.at(key), value if isinstance(value, list) else [], items) and ok
        elif key == "not":
            ok = _declared(r.at(key), value, items) and ok
        elif key not in items.facts:
            declared = sorted(items.facts)
            r.at(key).error(
                "unknown_fact",
                *suggest(
                    f"unknown item attribute {quoted(key)}",
                    str(key),
                    declared,
                    otherwise=" (declare it under 'item_attributes:' first)",
                ),
                on_key=True,
            )
            ok = False
    return ok
