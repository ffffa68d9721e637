"""The facts a rule can test: every case field by its path, plus derived figures.

This catalogue is the one place that knows the type of each fact, its values
(for enums), whether it may be unknown and which values it can take once known
(for ``awaiting`` and what-if ``branches``), and how to read it off a ``Case``.
The validator uses it for "did you mean" and type checks, the compiler for the
engine encoding, the linter for gap analysis, the schema export for editors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..case import YEARS, Case
from ..diagnostics import shown
from ..errors import CaseError, Problem
from ..money import ZERO, MoneyError, parse_money, quantize
from ..vocabulary import FAULTS, ISSUE_KINDS, OUTBOUND_CHECKS, RETURN_STATUSES, SEVERITIES, TIERS, WANTS

__all__ = ["FACTS", "Fact", "FactType", "attribute_value", "engine_key"]

FactType = str  # "enum" | "bool" | "money" | "int" | "time" | "text" | "object"


@dataclass(frozen=True)
class Fact:
    path: str
    type: FactType
    description: str
    values: tuple = ()  # enum values
    nullable: bool = False  # may be unknown (null) in a case
    unknown: Any = None  # a value that means "not found out yet" (issue.fault: unknown)
    awaitable: bool = False  # a later fact the plan may wait for (awaiting / branches)
    read: Callable[[Case], Any] | None = field(default=None, compare=False, repr=False)

    def branch_values(self) -> tuple:
        """The values this fact can take once it is known."""
        if self.type == "bool":
            return (True, False)
        return tuple(v for v in self.values if v != self.unknown)

    def is_unknown(self, value: Any) -> bool:
        return value is None or (self.unknown is not None and value == self.unknown)


def engine_key(path: str) -> str:
    """The property name a fact has in the message asserted into durable_rules."""
    if "(" in path:  # a quantified item condition (items.py) is named by its text: a digest of it
        return "items__" + hashlib.sha256(path.encode()).hexdigest()[:24]
    return path.replace(".", "__")


def _affected_goods(case: Case) -> Decimal:
    total = ZERO  # added up from ZERO line by line, as sum() would, without the list of pairs when all are affected
    if case.issue.items is None:
        for item in case.order.items:
            total += item.unit_price * item.quantity
    else:
        for item, qty in case.affected():
            total += item.unit_price * qty
    return quantize(total)


def _cost(pairs) -> Decimal | None:
    total = ZERO
    for item, qty in pairs:
        if item.unit_cost is None:
            return None
        total += item.unit_cost * qty
    return total


def _profit(goods: Decimal, cost: Decimal | None) -> Decimal | None:
    return None if cost is None else max(ZERO, quantize(goods - cost))


def _goods_total(case: Case) -> Decimal:
    return quantize(sum((i.unit_price * i.quantity for i in case.order.items), ZERO))


def _order_pairs(case: Case):
    return [(i, i.quantity) for i in case.order.items]


def _rs(case: Case, name: str) -> Any:
    shipment = case.progress.return_shipment
    return None if shipment is None else getattr(shipment, name)


def _insp(case: Case, name: str) -> Any:
    inspection = case.progress.inspection
    return None if inspection is None else getattr(inspection, name)


_F = Fact
FACTS: dict[str, Fact] = {
    f.path: f
    for f in [
        _F("case_id", "text", "the case's id", read=lambda c: c.case_id),
        _F("opened_at", "time", "when the complaint came in", read=lambda c: c.opened_at),
        _F("order.order_id", "text", "the order's id", read=lambda c: c.order.order_id),
        _F("order.currency", "text", "the order's currency", read=lambda c: c.order.currency),
        _F("order.shipping_fee", "money", "postage the buyer paid on the order", read=lambda c: c.order.shipping_fee),
        _F(
            "order.delivered_at",
            "time",
            "when the buyer signed for the parcel (null: not delivered)",
            nullable=True,
            read=lambda c: c.order.delivered_at,
        ),
        _F("order.delivered", "bool", "the parcel has been delivered", read=lambda c: c.order.delivered_at is not None),
        _F(
            "order.picked_for_packing",
            "bool",
            "the warehouse has already picked the order",
            read=lambda c: c.order.picked_for_packing,
        ),
        _F("order.goods_total", "money", "price of all goods on the order", read=_goods_total),
        _F(
            "order.total_paid",
            "money",
            "goods plus postage paid on the order",
            read=lambda c: _goods_total(c) + c.order.shipping_fee,
        ),
        _F(
            "order.cost_known",
            "bool",
            "every line of the order has a unit cost",
            read=lambda c: _cost(_order_pairs(c)) is not None,
        ),
        _F(
            "order.profit",
            "money",
            "goods total minus cost, not below zero (null when a cost is unknown)",
            nullable=True,
            read=lambda c: _profit(_goods_total(c), _cost(_order_pairs(c))),
        ),
        _F("order.item_count", "int", "units on the order", read=lambda c: sum(i.quantity for i in c.order.items)),
        _F("customer.customer_id", "text", "the buyer's id", read=lambda c: c.customer.customer_id),
        _F("customer.tier", "enum", "the buyer's tier", values=TIERS, read=lambda c: c.customer.tier),
        _F("customer.urgent", "bool", "the buyer needs the goods fast", read=lambda c: c.customer.urgent),
        _F("issue.kind", "enum", "what the dispute is about", values=ISSUE_KINDS, read=lambda c: c.issue.kind),
        _F(
            "issue.severity",
            "enum",
            "how bad the damage is",
            values=SEVERITIES,
            nullable=True,
            awaitable=True,
            read=lambda c: c.issue.severity,
        ),
        _F(
            "issue.fault",
            "enum",
            "whose fault a buyer-initiated return is",
            values=FAULTS,
            unknown="unknown",
            awaitable=True,
            read=lambda c: c.issue.fault,
        ),
        _F(
            "issue.wants",
            "enum",
            "what the buyer asks for",
            values=WANTS,
            nullable=True,
            read=lambda c: c.issue.wants,
        ),
        _F(
            "issue.requested_amount",
            "money",
            "the amount the buyer asked for",
            nullable=True,
            read=lambda c: c.issue.requested_amount,
        ),
        _F(
            "issue.requested_courier",
            "text",
            "the courier the buyer asked for",
            nullable=True,
            read=lambda c: c.issue.requested_courier,
        ),
        _F("issue.reason", "text", "the buyer's reason, as written", read=lambda c: c.issue.reason),
        _F(
            "issue.whole_order",
            "bool",
            "every unit of the order is affected",
            read=lambda c: sum(q for _, q in c.affected()) == sum(i.quantity for i in c.order.items),
        ),
        _F("affected.goods", "money", "price of the affected units", read=_affected_goods),
        _F("affected.quantity", "int", "number of affected units", read=lambda c: sum(q for _, q in c.affected())),
        _F(
            "affected.cost_known",
            "bool",
            "every affected line has a unit cost",
            read=lambda c: _cost(c.affected()) is not None,
        ),
        _F(
            "affected.profit",
            "money",
            "profit on the affected units, not below zero (null when a cost is unknown)",
            nullable=True,
            read=lambda c: _profit(_affected_goods(c), _cost(c.affected())),
        ),
        _F("evidence.photos", "bool", "the buyer sent photos", read=lambda c: c.evidence.photos),
        _F(
            "evidence.outbound_check",
            "enum",
            "what the outbound record and packing video show",
            values=OUTBOUND_CHECKS,
            nullable=True,
            awaitable=True,
            read=lambda c: c.evidence.outbound_check,
        ),
        _F(
            "evidence.courier_confirmed",
            "bool",
            "the courier confirmed damage or loss",
            read=lambda c: c.evidence.courier_confirmed,
        ),
        _F(
            "progress.buyer_accepts_explanation",
            "bool",
            "the buyer accepted the explanation",
            nullable=True,
            awaitable=True,
            read=lambda c: c.progress.buyer_accepts_explanation,
        ),
        _F(
            "progress.agreed_partial_refund",
            "money",
            "the partial refund agreed with the buyer",
            nullable=True,
            read=lambda c: c.progress.agreed_partial_refund,
        ),
        _F(
            "progress.return_shipment",
            "object",
            "the buyer has sent (or booked) a return parcel",
            nullable=True,
            read=lambda c: True if c.progress.return_shipment is not None else None,
        ),
        _F(
            "progress.return_shipment.tracking_number",
            "text",
            "the return parcel's tracking number",
            nullable=True,
            read=lambda c: _rs(c, "tracking_number"),
        ),
        _F(
            "progress.return_shipment.postage_paid",
            "money",
            "postage the buyer paid for the return",
            nullable=True,
            read=lambda c: _rs(c, "postage_paid"),
        ),
        _F(
            "progress.return_shipment.status",
            "enum",
            "where the return parcel is",
            values=RETURN_STATUSES,
            nullable=True,
            read=lambda c: _rs(c, "status"),
        ),
        _F(
            "progress.inspection",
            "object",
            "the warehouse has inspected the returned goods",
            nullable=True,
            read=lambda c: True if c.progress.inspection is not None else None,
        ),
        _F(
            "progress.inspection.error_confirmed",
            "bool",
            "the warehouse confirmed a wrong or missing shipment",
            nullable=True,
            awaitable=True,
            read=lambda c: _insp(c, "error_confirmed"),
        ),
        _F(
            "progress.inspection.resellable",
            "bool",
            "the returned goods can be sold again",
            nullable=True,
            awaitable=True,
            read=lambda c: _insp(c, "resellable"),
        ),
        # more times (issue 10): each null when the case does not know it
        _F("order.paid_at", "time", "when the buyer paid", nullable=True, read=lambda c: c.order.paid_at),
        _F(
            "order.shipped_at",
            "time",
            "when the order left the warehouse (null: not shipped)",
            nullable=True,
            read=lambda c: c.order.shipped_at,
        ),
        _F("order.ship_by", "time", "the promised shipping time", nullable=True, read=lambda c: c.order.ship_by),
        _F(
            "progress.return_shipment.shipped_at",
            "time",
            "when the courier took the return parcel",
            nullable=True,
            read=lambda c: _rs(c, "shipped_at"),
        ),
        _F(
            "progress.return_shipment.received_at",
            "time",
            "when the warehouse signed for the return parcel",
            nullable=True,
            read=lambda c: _rs(c, "received_at"),
        ),
    ]
}


def attribute_value(case: Case, fact: Fact) -> Any:
    """The case's value of a declared attribute, checked against its declaration (CaseError if it does not fit)."""
    name = fact.path[len("attributes.") :]
    value = case.attributes.get(name)
    if value is None:
        return None
    bad = None
    if fact.type == "bool" and not isinstance(value, bool):
        bad = "true or false"
    elif fact.type == "enum" and value not in fact.values:
        bad = "one of " + ", ".join(fact.values)
    elif fact.type == "int" and (isinstance(value, bool) or not isinstance(value, int)):
        bad = "a whole number"
    elif fact.type == "text" and not isinstance(value, str):
        bad = "text"
    elif fact.type == "money":
        try:
            return parse_money(value)
        except MoneyError as exc:
            bad = f"an amount ({exc})"
    elif fact.type == "time":
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None or not YEARS[0] <= parsed.year <= YEARS[1]:
            bad = f"a time with an offset between {YEARS[0]} and {YEARS[1]}, such as 2026-07-15T14:05:00+08:00"
        else:
            return parsed
    if bad:
        raise CaseError(
            [
                Problem(
                    None, "invalid_value", f"{fact.path}: the policy expects {bad}, got {shown(value)}", path=fact.path
                )
            ]
        )
    return value
