"""Per-item amounts: a refund or compensation line worked out once per affected order line.

A line with ``per_item: true`` takes an amount (and a cap, or at_least / at_most) that may name the
affected line's own figures besides the case's facts::

    item.unit_price              the line's unit price
    item.line_total              unit price × affected quantity, in cents
    item.attributes.<name>       a money item attribute (item_attributes:), unknown when the line leaves it so
    item.quantity                the affected quantity: only as a factor, {times: item.quantity, of: ...}

It is evaluated for each affected item (``issue.items``; every line when none are named), optionally
only for those an item condition chooses (``only:`` / ``except:``, as on goods lines), and gives one
plan line per SKU, each rounded and bounded on its own. An item whose amount reads an unknown value
gets no line, and the component is listed as pending.
"""

from __future__ import annotations

from collections import ChainMap
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from ..case import Case
from ..money import quantize
from .facts import Fact
from .itemfacts import line_values
from .items import ItemFilter, goods_filter
from .scope import ItemScope, Reader

__all__ = ["QUANTITY", "PerItem", "item_reader", "parse_per_item"]

QUANTITY = "item.quantity"  # the affected quantity: a factor of {times: ..., of: ...}, not an amount
_BUILT_IN = {
    "item.unit_price": "the affected order line's unit price",
    "item.line_total": "the affected order line's unit price × affected quantity",
}


@dataclass(frozen=True)
class PerItem:
    """How a per-item line chooses its items: all the affected ones, or those ``only`` / ``except`` keeps."""

    items: ItemFilter | None
    scope: ItemScope = field(compare=False, repr=False)

    def each(self, case: Case, values: dict[str, Any]) -> tuple[list[tuple[str, Any]], bool]:
        """Each chosen item's SKU and the facts its formula reads (the case's, then ``item.*``), and whether
        an item was left out because the item condition is unknown for it."""
        pairs, unsure = case.affected(), False
        if self.items is not None:
            pairs, unsure = self.items.select(pairs)
        out: list[tuple[str, Any]] = []
        for item, qty in pairs:
            own: dict[str, Any] = {
                "item.unit_price": item.unit_price,
                "item.line_total": quantize(item.unit_price * qty),
                QUANTITY: Decimal(qty),
            }
            for name, value in line_values(item, self.scope).items():
                if self.scope.facts[name].type == "money":
                    own[f"item.attributes.{name}"] = value
            out.append((item.sku, ChainMap(own, values)))
        return out, unsure


def item_reader(r: Reader) -> Reader:
    """``r`` with the ``item.*`` money names in scope (what a per-item formula may read)."""
    facts = dict(r.scope.facts)
    for path, text in _BUILT_IN.items():
        facts[path] = Fact(path, "money", text)
    facts[QUANTITY] = Fact(QUANTITY, "int", "the affected quantity of the order line")
    for name, fact in r.scope.items.facts.items():
        if fact.type == "money":
            facts[f"item.attributes.{name}"] = Fact(f"item.attributes.{name}", "money", fact.description, nullable=True)
            r.scope.items.definitions[name].used = True
    return Reader(r.doc, r.path, replace(r.scope, facts=facts), r.problems)


def parse_per_item(r: Reader, model: Any) -> tuple[bool, PerItem | None]:
    """The ``per_item`` / ``only`` / ``except`` of a line model at ``r``: (ok, how it chooses its items, or None
    for a line that is not per item)."""
    if not model.per_item:
        return True, None
    if model.amount is None:
        r.error("missing_field", "a per_item line needs an amount: the formula worked out for each affected item")
        return False, None
    ok, chosen = goods_filter(r, model)
    return ok, None if not ok else PerItem(chosen, r.scope.items)
