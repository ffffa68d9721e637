"""The case: one after-sales dispute, as the input contract of SPEC.md defines it.

Field names are fixed (other tools write these files). Unknown keys are an
error at every level; a policy's own facts go under ``attributes``. Money is
``Decimal`` with two places; times must carry a UTC offset.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
    model_validator,
)

from .diagnostics import CURRENCY_PATTERN, NAME_PATTERN, error_at, pydantic_problems, suggest
from .errors import CaseError, Problem
from .loader import Document, load_document
from .money import MAX_AMOUNT, ZERO, MoneyError, parse_money
from .vocabulary import ACTORS, ISSUE_KINDS, Fault, IssueKind, OutboundCheck, ReturnStatus, Severity, Tier, Wants

__all__ = [
    "ACTORS",
    "ISSUE_KINDS",
    "OWN_KIND_PATTERN",
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


_PLAIN_AMOUNT = re.compile(r"[0-9]{1,9}(\.[0-9]{1,2})?")
_CENT = Decimal("0.01")


def _money(value: Any) -> Decimal:
    # the common case, a plain amount such as "299.00", without parse_money's checks (it passes them all)
    if type(value) is str and _PLAIN_AMOUNT.fullmatch(value):
        return Decimal(value).quantize(_CENT)
    if type(value) is Decimal:  # the plan's own amounts: already two places, not negative
        sign, _, exponent = value.as_tuple()
        if exponent == -2 and not sign and value <= MAX_AMOUNT:
            return value
    try:
        return parse_money(value)
    except MoneyError as exc:
        raise ValueError(str(exc)) from None


def _show_money(value: Decimal) -> str:
    return f"{value:.2f}"


Money = Annotated[Decimal, BeforeValidator(_money), PlainSerializer(_show_money, return_type=str)]

# Every text of a case is bounded. durable_rules compares strings by a 16-bit length, so a text of
# 65,536 + n UTF-8 bytes would compare as its first n bytes ("U-STAFF" and 65,536 more characters
# matching a rule on "U-STAFF"). MAX_TEXT characters take at most 4 bytes each, far below that;
# ids and names are shorter still. language/ bounds a rule's text constants by the same MAX_TEXT.
MAX_TEXT = 5_000  # characters: reason, item names, attribute texts
MAX_NAME = 200  # characters: ids, SKUs
MAX_SHORT = 100  # characters: a courier, a tracking number

Text = Annotated[StrictStr, Field(max_length=MAX_TEXT)]
Id = Annotated[StrictStr, Field(max_length=MAX_NAME)]
Name = Annotated[StrictStr, Field(min_length=1, max_length=MAX_NAME)]
Short = Annotated[StrictStr, Field(max_length=MAX_SHORT)]
Quantity = Annotated[StrictInt, Field(ge=1, le=100_000)]


YEARS = (1970, 2199)  # a case's times; beyond them, moments such as "7 days after delivery" leave datetime's range


def _in_range(value: datetime) -> datetime:
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise ValueError(f"a time between the years {YEARS[0]} and {YEARS[1]}, got {value.isoformat()}")
    return value


Time = Annotated[AwareDatetime, AfterValidator(_in_range)]

# A policy's own issue kind (docs/rule-language.md, "A policy's own issue kinds"): x_ and a lowercase name. A case
# parsed without a policy accepts any such name; the policy that evaluates it refuses one it does not declare.
OWN_KIND_PATTERN = r"^x_[a-z0-9_]{1,62}$"
_OWN_KIND = re.compile(OWN_KIND_PATTERN)


def _kind(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    if type(value) is str and _OWN_KIND.match(value):
        return value
    return handler(value)  # one of the standard kinds, or the error that lists them


Kind = Annotated[
    IssueKind,
    WrapValidator(_kind),
    WithJsonSchema(
        {
            "description": "one of the standard issue kinds, or a policy's own kind (x_...) that the policy declares",
            "anyOf": [
                {"type": "string", "enum": list(ISSUE_KINDS)},
                {"type": "string", "pattern": OWN_KIND_PATTERN},
            ],
        }
    ),
]
"""``issue.kind``: a standard kind (``IssueKind``), or a policy's own ``x_…`` kind (a ``str`` at run time)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Item(_Strict):
    sku: Name
    name: Text = ""
    unit_price: Money
    quantity: Quantity = 1
    unit_cost: Money | None = None
    # the line's own facts, as the policy declares them (item_attributes:); checked against it when evaluated
    attributes: dict[
        Annotated[StrictStr, Field(pattern=NAME_PATTERN)],
        Annotated[StrictBool | StrictInt | Decimal | Text | None, BeforeValidator(lambda v: _attribute_value(v))],
    ] = {}


class Order(_Strict):
    order_id: Name
    currency: Annotated[StrictStr, Field(pattern=CURRENCY_PATTERN)] = "CNY"
    shipping_fee: Money = Decimal("0.00")
    delivered_at: Time | None = None
    picked_for_packing: StrictBool = False
    items: Annotated[list[Item], Field(min_length=1, max_length=500)]
    paid_at: Time | None = None  # when the buyer paid
    shipped_at: Time | None = None  # when the order left the warehouse
    ship_by: Time | None = None  # the promised shipping time

    @model_validator(mode="after")
    def _unique_skus(self) -> Order:
        seen: set[str] = set()
        for i, item in enumerate(self.items):
            if item.sku in seen:
                raise error_at(
                    ("items", i, "sku"), f"SKU '{item.sku}' is listed twice; give one line per SKU with a quantity"
                )
            seen.add(item.sku)
        return self

    def item(self, sku: str) -> Item:
        for item in self.items:
            if item.sku == sku:
                return item
        raise KeyError(sku)


class Customer(_Strict):
    customer_id: Id = ""
    tier: Tier = "regular"
    urgent: StrictBool = False


class AffectedItem(_Strict):
    sku: Name
    quantity: Quantity | None = None  # omitted: the whole line


class Issue(_Strict):
    kind: Kind
    items: list[AffectedItem] | None = None  # omitted: every line of the order
    severity: Severity | None = None
    fault: Fault = "unknown"
    wants: Wants | None = None
    requested_amount: Money | None = None
    requested_courier: Short | None = None
    reason: Text = ""


class Evidence(_Strict):
    photos: StrictBool = False
    outbound_check: OutboundCheck | None = None
    courier_confirmed: StrictBool = False


class ReturnShipment(_Strict):
    tracking_number: Short | None = None
    postage_paid: Money | None = None
    status: ReturnStatus = "created"
    shipped_at: Time | None = None  # when the courier took the return parcel
    received_at: Time | None = None  # when the warehouse signed for it


class Inspection(_Strict):
    error_confirmed: StrictBool | None = None
    resellable: StrictBool | None = None


class Progress(_Strict):
    buyer_accepts_explanation: StrictBool | None = None
    agreed_partial_refund: Money | None = None
    return_shipment: ReturnShipment | None = None
    inspection: Inspection | None = None


Scalar = StrictBool | StrictInt | Decimal | Text | None


def _attribute_value(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, (dict, list)):
        raise ValueError("an attribute must be a single value (text, number, true/false), not a list or mapping")
    if isinstance(value, str) and len(value) > MAX_TEXT:  # one message, not one for each type of Scalar
        raise ValueError(f"must have at most {MAX_TEXT} characters")
    return value


class Case(_Strict):
    case_id: Name
    opened_at: Time
    order: Order
    customer: Customer = Customer()
    issue: Issue
    evidence: Evidence = Evidence()
    progress: Progress = Progress()
    attributes: dict[
        Annotated[StrictStr, Field(pattern=NAME_PATTERN)], Annotated[Scalar, BeforeValidator(_attribute_value)]
    ] = {}

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
                    *suggest(f"SKU '{affected.sku}' is not in the order", affected.sku, skus),
                )
            if affected.sku in seen:
                raise error_at(("issue", "items", i, "sku"), f"SKU '{affected.sku}' is named twice")
            seen.add(affected.sku)
            ordered = skus[affected.sku].quantity
            if affected.quantity is not None and affected.quantity > ordered:
                raise error_at(
                    ("issue", "items", i, "quantity"),
                    f"{affected.quantity} affected but the order has {ordered} of '{affected.sku}'",
                )
        return self

    @model_validator(mode="after")
    def _within_amount_limit(self) -> Case:
        # Every amount of a plan is at most what the buyer paid (the refund is capped there), so an
        # order that adds up to at most MAX_AMOUNT keeps every plan amount within the plan's limit too.
        total = ZERO
        shipment = self.progress.return_shipment
        parts: list[tuple[tuple[str | int, ...], Decimal | None]] = [
            *((("order", "items", i), item.unit_price * item.quantity) for i, item in enumerate(self.order.items)),
            (("order", "shipping_fee"), self.order.shipping_fee),
            (("progress", "return_shipment", "postage_paid"), shipment.postage_paid if shipment else None),
        ]
        grand = sum((amount or ZERO for _, amount in parts), ZERO)
        if grand <= MAX_AMOUNT:
            return self
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
        if self.issue.items is None:
            return [(item, item.quantity) for item in self.order.items]
        return [(self.order.item(a.sku), a.quantity or self.order.item(a.sku).quantity) for a in self.issue.items]


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
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        raise CaseError(pydantic_problems(exc, Case, doc, zone=zone)) from None


def load_case(path: str | os.PathLike[str], *, zone: tzinfo | None = None) -> Case:
    """Read a case file (YAML or JSON); ``zone`` as for ``parse_case``."""
    doc = load_document(path)
    return parse_case(doc.data, doc, zone=zone)
