"""The reference policy's decisions in plain Python: the speed limit of the benchmark.

``decide(case_dict)`` takes a case as parsed from a case file (a valid one: it
validates nothing) and returns the figures every contender must agree on:
resolution, the return leg's payers, the outbound leg's payer and method, and
the refund total. It restates the interpretation table of the reference policy
(the brief of issue 5, after ../shared/domain/after-sales-policy.md) directly,
clause by clause, with money in integer cents. It imports nothing from the
library, so it is an independent statement of the same decisions.

``derive(case_dict)`` computes the derived inputs (goods, profit cap, within the
no-reason window, seller_error, …) that both this module and the zen-engine
contender decide from.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

__all__ = ["cents", "decide", "derive", "show_cents"]

# Asia/Shanghai has kept +08:00 all year since 1991: a fixed offset gives the same calendar days.
SHANGHAI = timezone(timedelta(hours=8))
NO_REASON_DAYS = 7
SF = frozenset({"sf_express", "sf", "順豐", "顺丰"})
FREIGHT = frozenset({"freight", "logistics", "物流"})
INSPECTED_WANTS = frozenset({"return", "refund", "exchange"})


def cents(value) -> int | None:
    """An amount ("299.00", 12, 12.5) as integer cents; None stays None."""
    if value is None:
        return None
    if isinstance(value, int):
        return value * 100
    text = value if isinstance(value, str) else repr(value)
    whole, _, frac = text.strip().partition(".")
    return int(whole or "0") * 100 + int((frac + "00")[:2])


def show_cents(value: int) -> str:
    return f"{value // 100}.{value % 100:02d}"


def _day(text: str):
    return datetime.fromisoformat(text).astimezone(SHANGHAI).date()


def derive(case: dict) -> dict:
    """The plain inputs the decisions are made from (money in cents)."""
    order = case["order"]
    issue = case["issue"]
    evidence = case.get("evidence") or {}
    progress = case.get("progress") or {}
    attributes = case.get("attributes") or {}
    items = order["items"]
    by_sku = {}
    goods_total = 0
    cost_total = 0
    cost_known = True
    for item in items:
        price = cents(item["unit_price"])
        qty = item.get("quantity", 1)
        by_sku[item["sku"]] = (price, qty)
        goods_total += price * qty
        cost = item.get("unit_cost")
        if cost is None:
            cost_known = False
        else:
            cost_total += cents(cost) * qty
    affected = issue.get("items")
    if affected is None:
        goods = goods_total
    else:
        goods = 0
        for a in affected:
            price, qty = by_sku[a["sku"]]
            goods += price * (a.get("quantity") or qty)
    fee = cents(order.get("shipping_fee", 0)) or 0
    shipment = progress.get("return_shipment") or {}
    inspection = progress.get("inspection") or {}
    delivered = order.get("delivered_at")
    within = delivered is None or (_day(case["opened_at"]) <= _day(delivered) + timedelta(days=NO_REASON_DAYS))
    wants = issue.get("wants")
    seller_error = "unverified"
    confirmed = inspection.get("error_confirmed")
    if wants in INSPECTED_WANTS and confirmed is not None:
        seller_error = "confirmed" if confirmed else "refuted"
    else:
        check = evidence.get("outbound_check")
        if check == "error_confirmed":
            seller_error = "confirmed"
        elif check == "no_error_found":
            seller_error = "refuted"
    return {
        "kind": issue["kind"],
        "wants": wants,
        "severity": issue.get("severity"),
        "fault": issue.get("fault", "unknown"),
        "courier": issue.get("requested_courier"),
        "requested": cents(issue.get("requested_amount")),
        "accepts": progress.get("buyer_accepts_explanation"),
        "agreed": cents(progress.get("agreed_partial_refund")),
        "rp": cents(shipment.get("postage_paid")),
        "resellable": inspection.get("resellable"),
        "received": shipment.get("status") == "received",
        "custom_made": attributes.get("custom_made"),
        "price_protected": attributes.get("price_protected"),
        "drop": cents(attributes.get("price_drop")),
        "picked": bool(order.get("picked_for_packing", False)),
        "goods": goods,
        "fee": fee,
        # damaged, minor: at most the order's profit when every line has a cost, else the postage,
        # and never more than the damaged goods' price
        "cap": min(goods, max(0, goods_total - cost_total) if cost_known else fee),
        "within": within,
        "seller_error": seller_error,
    }


def decide(case: dict) -> dict:
    """Resolution, postage payers and refund total for one valid case dict."""
    return decide_derived(derive(case))


def decide_derived(d: dict) -> dict:
    kind = d["kind"]
    wants = d["wants"]
    goods = d["goods"]
    rp = d["rp"] or 0  # unknown return postage: that line is pending, not in the total
    ret = out = None  # (advanced_by, borne_by) / (borne_by, method)
    total = 0
    if kind == "not_as_described":
        if d["accepts"] is False:
            res, ret, total = "return_and_refund", ("buyer", "seller"), goods + rp
        else:
            res = "explain"
    elif kind == "damaged":
        severe = d["severity"] == "severe"
        if wants in ("exchange", "reship"):
            res, ret, out, total = "exchange", ("buyer", "seller"), ("seller", "prepaid"), rp
        elif wants in ("return", "refund") or (severe and wants is None):
            res, ret, total = "return_and_refund", ("buyer", "seller"), goods + rp
        elif severe:  # keep / partial_refund
            agreed = d["agreed"]  # an offer of at most the goods: nothing is paid until agreed
            res, total = "refund_without_return", 0 if agreed is None else min(agreed, goods)
        else:
            agreed, cap = d["agreed"], d["cap"]
            res, total = "partial_refund", 0 if agreed is None else min(agreed, cap)
    elif kind == "wrong_item":
        error = d["seller_error"]
        if error == "refuted" and wants not in ("return", "refund"):
            res = "decline"
        elif wants == "exchange":
            res, ret, out, total = "exchange", ("buyer", "seller"), ("seller", "prepaid"), rp
        elif wants in ("return", "refund"):
            if error == "confirmed":
                res, ret, total = "return_and_refund", ("buyer", "seller"), goods + rp
            else:
                res, ret, total = "return_and_refund", ("buyer", "buyer"), goods
        else:
            res, out = "reship", ("seller", "prepaid")
    elif kind == "missing_item":
        if d["seller_error"] == "refuted":
            res = "decline"
        elif wants in ("refund", "partial_refund", "return", "keep"):
            res, total = "refund_without_return", goods
        else:
            res, out = "reship", ("seller", "prepaid")
    elif kind == "return_request":
        fault = d["fault"]
        if fault == "buyer" and d["resellable"] is False and d["received"]:
            res, ret = "decline", ("buyer", "buyer")  # back at the warehouse, not resellable: it goes back
        elif fault == "buyer" and d["custom_made"] is True:
            res = "decline"
        elif fault == "buyer" and d["resellable"] is False and d["within"]:
            res, ret = "decline", ("buyer", "buyer")  # inside the window, not resellable
        elif fault == "seller":
            res, ret, total = "return_and_refund", ("buyer", "seller"), goods + rp
        elif fault == "buyer":
            if d["within"]:
                res, ret, total = "return_and_refund", ("buyer", "buyer"), goods
            else:
                res = "decline"
        else:
            res, ret, total = "return_and_refund", ("buyer", "buyer"), goods
    elif kind == "exchange_request":
        fault = d["fault"]
        if fault != "seller" and d["resellable"] is False:
            res, ret = "decline", ("buyer", "buyer")
        elif fault == "seller":
            res, ret, out, total = "exchange", ("buyer", "seller"), ("seller", "prepaid"), rp
        else:
            res, ret, out = "exchange", ("buyer", "buyer"), ("seller", "prepaid")
    elif kind == "refund_request":
        fault, requested, fee = d["fault"], d["requested"], d["fee"]
        if fault == "seller" and requested is not None and requested <= fee:
            res, total = "refund_without_return", min(fee, requested)
        elif fault != "seller" and d["custom_made"] is True:
            res = "decline"
        elif fault == "seller":
            res, ret, total = "return_and_refund", ("buyer", "seller"), goods + rp
        elif d["within"]:
            res, ret, total = "return_and_refund", ("buyer", "buyer"), goods
        else:
            res = "decline"
    elif kind == "courier_change":
        courier = d["courier"]
        if courier is None:
            res = "escalate"
        elif courier in SF or courier in FREIGHT:
            res, out = "charge_postage_difference", ("buyer", "freight_collect")
        else:
            res, out = "charge_postage_difference", ("buyer", "prepaid")
    elif kind == "lost_parcel":
        if wants in ("refund", "return", "partial_refund"):
            res, total = "refund_without_return", goods + d["fee"]
        else:
            res, out = "reship", ("seller", "prepaid")
    elif kind == "price_difference":
        if d["price_protected"] is False:
            res = "decline"
        elif d["price_protected"] is None:  # not verified yet: nothing is paid
            res = "refund_without_return"
        else:
            requested, drop = d["requested"], d["drop"]
            res, total = "refund_without_return", 0 if None in (requested, drop) else min(requested, drop, goods)
    elif kind == "add_to_order":
        if d["picked"]:
            res, out = "charge_postage_difference", ("buyer", "prepaid")
        else:
            res, out = "explain", ("seller", "prepaid")
    else:
        raise ValueError(f"unknown issue kind {kind!r}")
    total = min(total, goods + d["fee"] + rp)
    return {
        "resolution": res,
        "return_advanced_by": ret[0] if ret else None,
        "return_borne_by": ret[1] if ret else None,
        "outbound_borne_by": out[0] if out else None,
        "outbound_method": out[1] if out else None,
        "refund_total": show_cents(total),
    }
