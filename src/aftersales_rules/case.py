"""The case: one after-sales dispute, as the input contract of SPEC.md defines it.

Field names are fixed (other tools write these files). Unknown keys are an
error at every level; a policy's own facts go under ``attributes``. Money is
``Decimal`` with two places; times must carry a UTC offset. Each field's
description is the case reference (docs/case-format.md, generated from it by
authoring/reference.py); the values a case is made of are in casevalues.py.
"""

from __future__ import annotations

import os
from datetime import tzinfo
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    ValidationError,
    model_validator,
)

from .casevalues import (
    FAST_AMOUNT,
    MAX_NAME,
    MAX_SHORT,
    MAX_TEXT,
    OWN_KIND_PATTERN,
    YEARS,
    Id,
    Kind,
    Money,
    Name,
    Quantity,
    Scalar,
    Short,
    Text,
    Time,
    attribute_value,
)
from .diagnostics import CURRENCY_PATTERN, NAME_PATTERN, error_at, pydantic_problems, suggest
from .errors import CaseError, Problem, quoted
from .fastcase import FastCases
from .loader import Document, load_document
from .money import MAX_AMOUNT, ZERO
from .vocabulary import ACTORS, ISSUE_KINDS, Fault, OutboundCheck, ReturnStatus, Severity, Tier, Wants

__all__ = [
    "ACTORS",
    "ISSUE_KINDS",
    "MAX_NAME",
    "MAX_SHORT",
    "MAX_TEXT",
    "OWN_KIND_PATTERN",
    "YEARS",
    "AffectedItem",
    "Case",
    "Customer",
    "Evidence",
    "Inspection",
    "Issue",
    "Item",
    "Kind",
    "Money",
    "Order",
    "Progress",
    "ReturnShipment",
    "load_case",
    "parse_case",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Attributes = dict[
    Annotated[StrictStr, Field(pattern=NAME_PATTERN)], Annotated[Scalar, BeforeValidator(attribute_value)]
]
UNKNOWN = "null: unknown"


class Item(_Strict):
    """One order line: a product, its price and how many."""

    sku: Name = Field(description="The product code, once per order; `issue.items` names lines by it.")
    name: Text = Field("", description="The product's name, for people; no rule reads it.")
    unit_price: Money = Field(description="The price of one unit as paid: goods refunds are worked out from it.")
    quantity: Quantity = Field(1, description="Units on the line (1 to 100,000).")
    unit_cost: Money | None = Field(
        None, description="What one unit cost the shop; null: unknown, and so are the profit figures rules may test."
    )
    attributes: Attributes = Field(
        {},
        description="The line's own facts, as the policy declares them (`item_attributes:`), read by "
        "`items.any/all/none` and by goods refund lines' `only`/`except`; an undeclared name is refused when "
        "evaluated. A value null or left out is unknown, or the declared default.",
    )


class Order(_Strict):
    """The order the case is about."""

    order_id: Name = Field(description="The shop's order number; step texts may show it.")
    currency: Annotated[StrictStr, Field(pattern=CURRENCY_PATTERN)] = Field(
        "CNY", description="Three capital letters (ISO 4217); the plan's refund and compensation are in it."
    )
    shipping_fee: Money = Field(
        Decimal("0.00"), description="What the buyer paid for delivery; an `original_shipping` refund line repays it."
    )
    delivered_at: Time | None = Field(
        None,
        description="When the buyer signed for the order; null: not delivered yet. Windows such as 'within 7 days "
        "of delivery' count from it.",
    )
    picked_for_packing: StrictBool = Field(
        False, description="The warehouse has picked the order: adding to it or changing its courier is too late."
    )
    items: Annotated[list[Item], Field(min_length=1, max_length=500)] = Field(
        description="The order lines, one per SKU (1 to 500)."
    )
    paid_at: Time | None = Field(None, description="When the buyer paid; null: unknown.")
    shipped_at: Time | None = Field(None, description="When the order left the warehouse; null: not shipped yet.")
    ship_by: Time | None = Field(
        None, description="The promised shipping time: shipping after it is late (late-shipment compensation)."
    )

    @model_validator(mode="after")
    def _unique_skus(self) -> Order:
        seen: set[str] = set()
        for i, item in enumerate(self.items):
            if item.sku in seen:
                raise error_at(
                    ("items", i, "sku"),
                    f"SKU {quoted(item.sku)} is listed twice; give one line per SKU with a quantity",
                )
            seen.add(item.sku)
        return self

    def item(self, sku: str) -> Item:
        for item in self.items:
            if item.sku == sku:
                return item
        raise KeyError(sku)


class Customer(_Strict):
    """The buyer; left out: a regular buyer, not urgent."""

    customer_id: Id = Field("", description="The buyer's id in the shop.")
    tier: Tier = Field("regular", description="The buyer's standing: a policy may treat VIP buyers more generously.")
    urgent: StrictBool = Field(
        False, description="The buyer needs the goods soon: a policy may choose the quickest resolution."
    )


class AffectedItem(_Strict):
    """An order line the issue concerns."""

    sku: Name = Field(description="The SKU of a line of `order.items`.")
    quantity: Quantity | None = Field(None, description="Units of that line affected; null: the whole line.")


class Issue(_Strict):
    """What went wrong and what the buyer asks for."""

    kind: Kind = Field(
        description="What the dispute is about: a standard kind, or a policy's own `x_...` kind that the evaluating "
        "policy declares. A case meets only the rules of its kind."
    )
    items: list[AffectedItem] | None = Field(
        None, description="The order lines affected; null: every line. Goods refunds count only these units."
    )
    severity: Severity | None = Field(
        None, description="How bad the damage is; null: not assessed yet (a plan that depends on it awaits it)."
    )
    fault: Fault = Field("unknown", description="Whose fault a buyer-initiated return or exchange is.")
    wants: Wants | None = Field(
        None, description="What the buyer asks for; null: not said yet (a policy may ask, and branch on the answer)."
    )
    requested_amount: Money | None = Field(None, description="The amount the buyer asks for, if any.")
    requested_courier: Short | None = Field(None, description="The courier the buyer asks for (a courier change).")
    reason: Text = Field("", description="The buyer's own words, for people; no rule reads them.")


class Evidence(_Strict):
    """What the shop has found out; left out: nothing yet."""

    photos: StrictBool = Field(False, description="The buyer has sent photos of the problem.")
    outbound_check: OutboundCheck | None = Field(
        None, description="What the outbound record shows; null: not checked yet (a plan may await it)."
    )
    courier_confirmed: StrictBool = Field(
        False, description="The courier has confirmed the problem (a loss, damage in transit)."
    )


class ReturnShipment(_Strict):
    """The buyer's return parcel; null or left out: none booked yet."""

    tracking_number: Short | None = Field(
        None, description="The return's tracking number; entered: the return has shipped (`on_return_shipped`)."
    )
    postage_paid: Money | None = Field(
        None, description="What the buyer paid to send it back; null: not known yet (a `return_postage` line waits)."
    )
    status: ReturnStatus = Field("created", description="Where the parcel is: refunds may be released on it.")
    shipped_at: Time | None = Field(None, description="When the courier took the return parcel; null: unknown.")
    received_at: Time | None = Field(
        None, description="When the warehouse signed for it; due times may count from it ('refund within 7 days')."
    )


class Inspection(_Strict):
    """What the warehouse found on the returned goods; null or left out: not inspected yet."""

    error_confirmed: StrictBool | None = Field(None, description="The shop's mistake is confirmed; null: unknown.")
    resellable: StrictBool | None = Field(None, description="The goods can be sold again; null: unknown.")


class Progress(_Strict):
    """What has happened since the case was opened; left out: nothing yet."""

    buyer_accepts_explanation: StrictBool | None = Field(
        None, description="The buyer has accepted the shop's explanation; null: not answered yet."
    )
    agreed_partial_refund: Money | None = Field(
        None, description="The partial refund the buyer agreed to; null: none yet (a refund `on_agreement` waits)."
    )
    return_shipment: ReturnShipment | None = Field(None, description=ReturnShipment.__doc__)
    inspection: Inspection | None = Field(None, description=Inspection.__doc__)


class Case(_Strict):
    """One after-sales dispute."""

    case_id: Name = Field(description="The case's own id; the plan repeats it.")
    opened_at: Time = Field(
        description="When the buyer raised the case: cut-offs ('before 20:00 today') and windows ('within 7 days "
        "of delivery') are read at this time."
    )
    order: Order = Field(description=Order.__doc__)
    customer: Customer = Field(Customer(), description=Customer.__doc__)
    issue: Issue = Field(description=Issue.__doc__)
    evidence: Evidence = Field(Evidence(), description=Evidence.__doc__)
    progress: Progress = Field(Progress(), description=Progress.__doc__)
    attributes: Attributes = Field(
        {},
        description="The policy's own facts about the case, as it declares them (`attributes:`); an undeclared "
        "name is refused when evaluated. A value null or left out is unknown, or the declared default.",
    )

    @model_validator(mode="after")
    def _affected_items_exist(self) -> Case:
        if self.issue.items is None:
            return self
        skus = {item.sku: item for item in self.order.items}
        seen: set[str] = set()
        for i, affected in enumerate(self.issue.items):
            if affected.sku not in skus:
                raise error_at(
                    ("issue", "items", i, "sku"),
                    *suggest(f"SKU {quoted(affected.sku)} is not in the order", affected.sku, skus),
                )
            if affected.sku in seen:
                raise error_at(("issue", "items", i, "sku"), f"SKU {quoted(affected.sku)} is named twice")
            seen.add(affected.sku)
            ordered = skus[affected.sku].quantity
            if affected.quantity is not None and affected.quantity > ordered:
                raise error_at(
                    ("issue", "items", i, "quantity"),
                    f"{affected.quantity} affected but the order has {ordered} of {quoted(affected.sku)}",
                )
        return self

    @model_validator(mode="after")
    def _within_amount_limit(self) -> Case:
        # Every amount of a plan is at most what the buyer paid (the refund is capped there), so an
        # order that adds up to at most MAX_AMOUNT keeps every plan amount within the plan's limit too.
        shipment = self.progress.return_shipment
        grand = self.order.shipping_fee + (shipment.postage_paid or ZERO if shipment else ZERO)
        for item in self.order.items:
            grand += item.unit_price * item.quantity
        if grand <= MAX_AMOUNT:  # every valid case: the parts are listed only to place an error
            return self
        total = ZERO
        parts: list[tuple[tuple[str | int, ...], Decimal | None]] = [
            *((("order", "items", i), item.unit_price * item.quantity) for i, item in enumerate(self.order.items)),
            (("order", "shipping_fee"), self.order.shipping_fee),
            (("progress", "return_shipment", "postage_paid"), shipment.postage_paid if shipment else None),
        ]
        for where, amount in parts:  # named where the running total first goes over
            total += amount or ZERO
            if total > MAX_AMOUNT:
                raise error_at(
                    where,
                    f"the order adds up to {grand:,.2f} (goods at their quantity, shipping and return postage), "
                    f"more than the {MAX_AMOUNT:,.2f} an order may come to",
                )
        return self

    def affected(self) -> list[tuple[Item, int]]:
        """The affected order lines with the affected quantity (all lines when none named)."""
        chosen = self.issue.items
        if chosen is None:
            return [(item, item.quantity) for item in self.order.items]
        order = self.order
        pairs = []
        for affected in chosen:  # each named line looked up once
            item = order.item(affected.sku)
            pairs.append((item, affected.quantity or item.quantity))
        return pairs


# The fast path takes an order of at most _FAST_LINES lines of at most _FAST_UNITS units each, every amount at
# most FAST_AMOUNT: it adds up to less than MAX_AMOUNT, so Case._within_amount_limit passes on every such case.
_FAST_LINES, _FAST_UNITS = 50, 199
assert _FAST_LINES * _FAST_UNITS * FAST_AMOUNT + 2 * FAST_AMOUNT <= MAX_AMOUNT  # goods, shipping, return postage


def _skus_pass(case: Case) -> bool:
    """True exactly when Order._unique_skus and Case._affected_items_exist pass (one call, not two)."""
    items = case.order.items
    affected = case.issue.items
    if affected is None and len(items) == 1:  # most cases: nothing to compare
        return True
    ordered: dict[str, int] = {}
    for item in items:
        ordered[item.sku] = item.quantity
    if len(ordered) != len(items):  # a SKU listed twice
        return False
    named: set[str] = set()
    for each in affected or ():
        sku, limit = each.sku, ordered.get(each.sku)
        if limit is None or sku in named or (each.quantity is not None and each.quantity > limit):
            return False  # not in the order, named twice, or more than ordered
        named.add(sku)
    return True


# the model's own validation without its Python steps, for well-formed cases (fastcase.py)
_FAST = FastCases(
    Case,
    checked=(Order._unique_skus, Case._affected_items_exist, Case._within_amount_limit),
    holds=_skus_pass,
    bounds={(Order, "items"): {"max_length": _FAST_LINES}, (Item, "quantity"): {"le": _FAST_UNITS}},
)


def parse_case(data: Any, doc: Document | None = None, *, zone: tzinfo | None = None) -> Case:
    """A ``Case`` from parsed data; raises ``CaseError`` naming every bad field.

    ``zone``, the time zone of the policy the case is read for, names the offset a time without one should
    add (``Policy.evaluate`` passes its own); without it, the message offers one such as +08:00.
    """
    if isinstance(data, Case):
        return data
    if not isinstance(data, dict):
        where = doc.at(()) if doc else None
        raise CaseError(
            [
                Problem(
                    where,
                    "invalid_case",
                    "a case must be a mapping of fields "
                    f"(case_id, opened_at, order, issue, ...), got {type(data).__name__}",
                )
            ]
        )
    case = _FAST.read(data)  # the common valid shape, without the model's Python steps (fastcase.py), else None
    if case is not None:
        return case
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        raise CaseError(pydantic_problems(exc, Case, doc, zone=zone)) from None


def load_case(path: str | os.PathLike[str], *, zone: tzinfo | None = None) -> Case:
    """Read a case file (YAML or JSON); ``zone`` as for ``parse_case``."""
    doc = load_document(path)
    return parse_case(doc.data, doc, zone=zone)
