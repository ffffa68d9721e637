"""The reference policy's decisions, stated in plain Python.

Written from ``../shared/domain/after-sales-policy.md`` and the interpretation
table in the issue (not from rules/): what each dispute kind resolves to, who
advances and who bears each postage leg, what is refunded and when it is
released. ``tests/test_oracle.py`` checks that the engine, running rules/,
decides every generated case the same way.

Two readings follow the later decisions recorded in docs/reference-policy.md
rather than the issue's table, because the policy text supports them: the
warehouse's inspection decides only for a wrong item that comes back (nothing
comes back for a missing item), and a partial refund for minor damage is never
more than the damaged goods' price (a partial refund is partial).

Only the case model (the input contract) is shared with the library; every
figure here is computed from the case's own fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from aftersales_rules import Case, parse_case

__all__ = ["EFFECTIVE_FROM", "NotInForce", "Outcome", "decide"]

SHOP_TIME = ZoneInfo("Asia/Shanghai")
EFFECTIVE_FROM = date(2026, 1, 1)
NO_REASON_DAYS = 7
SF_EXPRESS = {"sf_express", "sf", "順豐", "顺丰"}
FREIGHT = {"freight", "logistics", "物流"}
ZERO = Decimal("0.00")
CENT = Decimal("0.01")


class NotInForce(Exception):
    """The case opened before the policy took effect (the engine raises EvaluationError)."""


@dataclass(frozen=True)
class Outcome:
    """The figures the policy decides for one case."""

    resolution: str
    return_leg: tuple[str, str] | None = None  # (advanced_by, borne_by)
    outbound_leg: tuple[str, str, str] | None = None  # (advanced_by, borne_by, method)
    total: Decimal = ZERO
    release: str | None = None
    pending: tuple[str, ...] = ()  # refund components due but not known yet
    offer_limit: Decimal | None = None  # the most that may be offered while an amount is still to be agreed

    @property
    def return_borne_by(self) -> str | None:
        return self.return_leg[1] if self.return_leg else None

    @property
    def outbound_borne_by(self) -> str | None:
        return self.outbound_leg[1] if self.outbound_leg else None


BUYER_RETURNS_SELLER_PAYS = ("buyer", "seller")
BUYER_RETURNS_AT_OWN_COST = ("buyer", "buyer")
SELLER_SHIPS = ("seller", "seller", "prepaid")


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


class _Facts:
    """The plain figures of one case that the policy text talks about."""

    def __init__(self, case: Case):
        self.case = case
        issue, order, progress = case.issue, case.order, case.progress
        by_sku = {item.sku: item for item in order.items}
        if issue.items is None:
            affected = [(item.unit_price, item.quantity) for item in order.items]
        else:
            affected = [
                (by_sku[a.sku].unit_price, a.quantity if a.quantity is not None else by_sku[a.sku].quantity)
                for a in issue.items
            ]
        self.goods = _cents(sum((price * qty for price, qty in affected), ZERO))
        self.fee = order.shipping_fee
        shipment = progress.return_shipment
        self.return_postage = shipment.postage_paid if shipment is not None else None
        self.return_received = shipment is not None and shipment.status == "received"
        inspection = progress.inspection
        self.error_confirmed = inspection.error_confirmed if inspection is not None else None
        self.resellable = inspection.resellable if inspection is not None else None
        self.wants = issue.wants
        self.fault = issue.fault
        self.custom_made = case.attributes.get("custom_made") is True
        whole = sum((item.unit_price * item.quantity for item in order.items), ZERO)
        if all(item.unit_cost is not None for item in order.items):
            cost = sum((item.unit_cost * item.quantity for item in order.items), ZERO)
            self.profit_cap = max(ZERO, _cents(whole - cost))
        else:
            self.profit_cap = self.fee  # cost unknown: not more than the postage

    @property
    def within_no_reason_window(self) -> bool:
        """Signed on the 1st: a no-reason return may be asked for up to the end of the 8th (shop time)."""
        delivered = self.case.order.delivered_at
        if delivered is None:
            return True  # not delivered yet: the buyer can always refuse it
        signed_on = delivered.astimezone(SHOP_TIME).date()
        opened_on = self.case.opened_at.astimezone(SHOP_TIME).date()
        return opened_on <= signed_on + timedelta(days=NO_REASON_DAYS)

    @property
    def seller_error(self) -> str:
        returned = self.case.issue.kind == "wrong_item" and self.wants in ("return", "refund", "exchange")
        if returned and self.error_confirmed is not None:  # the inspection of the goods sent back has the last word
            return "confirmed" if self.error_confirmed else "refuted"
        check = self.case.evidence.outbound_check
        return {"error_confirmed": "confirmed", "no_error_found": "refuted"}.get(check, "unverified")


class _Refund:
    """Refund lines as the policy names them: known amounts add up, unknown ones are pending."""

    def __init__(self, facts: _Facts):
        self.facts = facts
        self.amounts: list[Decimal] = []
        self.pending: list[str] = []
        self.offer: Decimal | None = None

    def goods(self) -> _Refund:
        return self.add("goods", self.facts.goods)

    def return_postage(self) -> _Refund:
        return self.add("return_postage", self.facts.return_postage)

    def add(self, component: str, amount: Decimal | None) -> _Refund:
        if amount is None:
            self.pending.append(component)
        elif amount > 0:  # a zero amount is no line
            self.amounts.append(amount)
        return self

    def agreed(self, component: str, agreed: Decimal | None, cap: Decimal) -> _Refund:
        """An offer: the agreed amount, capped, once known; until then only its limit."""
        if agreed is None:
            self.offer = cap if cap > 0 else None  # a limit of nothing is no offer
            return self
        return self.add(component, min(agreed, cap))

    def offer_limit(self) -> Decimal | None:
        if self.offer is None:
            return None
        f = self.facts
        limit = min(self.offer, f.goods + f.fee + (f.return_postage or ZERO) - self.total())
        return limit if limit > 0 else None

    def total(self) -> Decimal:
        f = self.facts
        paid = f.goods + f.fee + (f.return_postage or ZERO)
        return min(sum(self.amounts, ZERO), paid)


def decide(data: Case | dict) -> Outcome:
    """What the reference policy decides for a valid case (``NotInForce`` before 2026-01-01)."""
    case = parse_case(data)
    if case.opened_at.astimezone(SHOP_TIME).date() < EFFECTIVE_FROM:
        raise NotInForce(case.case_id)
    f = _Facts(case)
    kind = case.issue.kind
    resolution, return_leg, outbound_leg, refund, release = _DECIDE[kind](f)
    if refund is None:
        return Outcome(resolution, return_leg, outbound_leg)
    if not refund.amounts and not refund.pending and refund.offer_limit() is None:
        release = None  # nothing to pay and nothing still to learn: no release
    return Outcome(
        resolution, return_leg, outbound_leg, refund.total(), release, tuple(refund.pending), refund.offer_limit()
    )


# Each clause below returns (resolution, return leg, outbound leg, refund or None, release).


def _not_as_described(f: _Facts):
    # 1.A: explain (also while the buyer has not been asked); 1.B: the buyer refuses -> take it back.
    if f.case.progress.buyer_accepts_explanation is False:
        return (
            "return_and_refund",
            BUYER_RETURNS_SELLER_PAYS,
            None,
            _Refund(f).goods().return_postage(),
            "on_return_at_hub",
        )
    return "explain", None, None, None, None


def _damaged(f: _Facts):
    wants, severity = f.wants, f.case.issue.severity
    if wants in ("exchange", "reship"):
        # replacement (urgent buyers get it first: same figures); the seller bears both legs
        return "exchange", BUYER_RETURNS_SELLER_PAYS, SELLER_SHIPS, _Refund(f).return_postage(), "on_return_at_hub"
    if wants in ("return", "refund") or (severity == "severe" and wants is None):
        return (
            "return_and_refund",
            BUYER_RETURNS_SELLER_PAYS,
            None,
            _Refund(f).goods().return_postage(),
            "on_return_at_hub",
        )
    agreed = f.case.progress.agreed_partial_refund
    if severity == "severe":  # wants keep / partial_refund: refund without return, at most the goods
        return "refund_without_return", None, None, _Refund(f).agreed("partial", agreed, f.goods), "on_agreement"
    # 2.A minor (or not assessed): partial refund, at most the order's profit (the postage when cost is
    # unknown), and never more than the damaged goods' price
    cap = min(f.profit_cap, f.goods)
    return "partial_refund", None, None, _Refund(f).agreed("partial", agreed, cap), "on_agreement"


def _wrong_item(f: _Facts):
    error, wants = f.seller_error, f.wants
    if error == "refuted" and wants not in ("return", "refund"):
        return "decline", None, None, None, None
    if wants == "exchange":
        return "exchange", BUYER_RETURNS_SELLER_PAYS, SELLER_SHIPS, _Refund(f).return_postage(), "on_return_at_hub"
    if wants in ("return", "refund"):
        if error == "confirmed":
            return (
                "return_and_refund",
                BUYER_RETURNS_SELLER_PAYS,
                None,
                _Refund(f).goods().return_postage(),
                "on_return_at_hub",
            )
        return "return_and_refund", BUYER_RETURNS_AT_OWN_COST, None, _Refund(f).goods(), "on_return_at_hub"
    return "reship", None, SELLER_SHIPS, None, None


def _missing_item(f: _Facts):
    if f.seller_error == "refuted":
        return "decline", None, None, None, None
    if f.wants in ("refund", "partial_refund", "return", "keep"):
        return "refund_without_return", None, None, _Refund(f).goods(), "immediately"  # the missing units
    return "reship", None, SELLER_SHIPS, None, None


def _return_request(f: _Facts):
    fault = f.fault
    if (
        fault == "buyer"
        and f.resellable is False
        and (f.return_received or (f.within_no_reason_window and not f.custom_made))
    ):
        # the goods came back (or will, inside the window) and cannot be resold: they go back to the buyer
        return "decline", BUYER_RETURNS_AT_OWN_COST, None, None, None
    if fault == "buyer" and f.custom_made:
        return "decline", None, None, None, None
    if fault == "seller":
        return (
            "return_and_refund",
            BUYER_RETURNS_SELLER_PAYS,
            None,
            _Refund(f).goods().return_postage(),
            "on_return_at_hub",
        )
    if fault == "buyer" and not f.within_no_reason_window:
        return "decline", None, None, None, None
    # the buyer's own reason inside the window, or no one's fault established yet (platform default)
    return "return_and_refund", BUYER_RETURNS_AT_OWN_COST, None, _Refund(f).goods(), "on_return_at_hub"


def _exchange_request(f: _Facts):
    if f.fault != "seller" and f.resellable is False:
        return "decline", BUYER_RETURNS_AT_OWN_COST, None, None, None
    if f.fault == "seller":
        return "exchange", BUYER_RETURNS_SELLER_PAYS, SELLER_SHIPS, _Refund(f).return_postage(), "on_return_at_hub"
    return "exchange", BUYER_RETURNS_AT_OWN_COST, SELLER_SHIPS, None, None


def _refund_request(f: _Facts):
    requested = f.case.issue.requested_amount
    seller = f.fault == "seller"
    if seller and requested is not None and requested <= f.fee:  # the postage only
        return (
            "refund_without_return",
            None,
            None,
            _Refund(f).add("original_shipping", min(f.fee, requested)),
            "immediately",
        )
    if not seller and f.custom_made:
        return "decline", None, None, None, None
    if seller:
        return (
            "return_and_refund",
            BUYER_RETURNS_SELLER_PAYS,
            None,
            _Refund(f).goods().return_postage(),
            "on_return_received",
        )
    if f.within_no_reason_window:
        return "return_and_refund", BUYER_RETURNS_AT_OWN_COST, None, _Refund(f).goods(), "on_return_received"
    return "decline", None, None, None, None


def _courier_change(f: _Facts):
    courier = f.case.issue.requested_courier
    if courier is None:
        return "escalate", None, None, None, None
    method = "freight_collect" if courier in SF_EXPRESS or courier in FREIGHT else "prepaid"
    return "charge_postage_difference", None, ("buyer", "buyer", method), None, None


def _lost_parcel(f: _Facts):
    if f.wants in ("refund", "return", "partial_refund"):
        return ("refund_without_return", None, None, _Refund(f).goods().add("original_shipping", f.fee), "immediately")
    return "reship", None, SELLER_SHIPS, None, None


def _price_difference(f: _Facts):
    protected = f.case.attributes.get("price_protected")
    if protected is False:
        return "decline", None, None, None, None
    if protected is None:  # not verified yet: nothing is paid
        return "refund_without_return", None, None, None, None
    requested, drop = f.case.issue.requested_amount, f.case.attributes.get("price_drop")
    amount = None if requested is None or drop is None else min(requested, Decimal(str(drop)), f.goods)
    return "refund_without_return", None, None, _Refund(f).add("price_difference", amount), "immediately"


def _add_to_order(f: _Facts):
    if f.case.order.picked_for_packing:
        return "charge_postage_difference", None, ("buyer", "buyer", "prepaid"), None, None
    return "explain", None, SELLER_SHIPS, None, None


_DECIDE = {
    "not_as_described": _not_as_described,
    "damaged": _damaged,
    "wrong_item": _wrong_item,
    "missing_item": _missing_item,
    "return_request": _return_request,
    "exchange_request": _exchange_request,
    "refund_request": _refund_request,
    "courier_change": _courier_change,
    "lost_parcel": _lost_parcel,
    "price_difference": _price_difference,
    "add_to_order": _add_to_order,
}
