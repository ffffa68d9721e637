"""The reference shop's case generator, for tests and benchmarks (like ``click.testing``).

Realistic, valid dispute cases made up from a seed, for test suites, batches
and benchmarks that need many cases. The library itself never imports this
module (tests/test_architecture.py checks it).

``random_case(rng)`` makes one case (a dict, as parsed from a case file) of any
kind, or of the kind asked for; ``generate_cases(count, seed)`` makes a
reproducible stream. Orders come from a small catalogue of solid-wood goods
with real-looking prices and costs; each kind fills in the facts its clause of
the policy reads, sometimes leaving them unknown, as real cases do.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from .vocabulary import FAULTS, ISSUE_KINDS, OUTBOUND_CHECKS, RETURN_STATUSES, SEVERITIES, TIERS

__all__ = ["ATTRIBUTES", "CATALOGUE", "generate_cases", "random_case"]

CST = timezone(timedelta(hours=8))

# the attributes a generated case may set, as a policy declares them (``attributes:``): a policy that
# evaluates generated cases declares these, since a case attribute the policy does not declare is an error
ATTRIBUTES: dict[str, dict[str, Any]] = {
    "custom_made": {"type": "bool", "description": "made to the buyer's measurements"},
    "negative_review": {"type": "bool", "description": "the buyer left a negative review"},
    "price_protected": {"type": "bool", "description": "the price dropped within the protection window"},
    "price_drop": {"type": "money", "description": "the verified drop in price of the claimed goods"},
}

# sku, name, price, cost (None: cost not recorded)
CATALOGUE = [
    ("TEAK-STOOL-40", "柚木小凳", "299.00", "180.00"),
    ("OAK-SHELF-3", "橡木三层架", "459.00", "260.00"),
    ("WALNUT-DESK-120", "黑胡桃书桌", "2380.00", "1490.00"),
    ("PINE-BED-150", "松木双人床", "1899.00", "1120.00"),
    ("ASH-CHAIR", "白蜡木餐椅", "399.00", "215.00"),
    ("BAMBOO-TRAY", "竹托盘", "59.00", None),
    ("LINEN-PILLOW", "亚麻抱枕", "68.00", "30.00"),
    ("ELM-TEA-TABLE", "老榆木茶几", "1280.00", "790.00"),
    ("CHERRY-BOX", "樱桃木收纳盒", "129.00", "61.50"),
    ("ROSEWOOD-VASE", "花梨木花瓶", "88.80", None),
]
COURIERS = ["sf_express", "freight", "jd_express", "ems", "zto", None]
START = datetime(2026, 2, 1, tzinfo=CST)


def _weighted(values: tuple[str, ...], weights: tuple[int, ...]) -> list[str]:
    """``values`` each repeated by its weight: a list for ``rng.choice`` that picks them in those odds."""
    return [value for value, weight in zip(values, weights, strict=True) for _ in range(weight)]


# The order of every list ``rng.choice`` picks from is part of the seeded stream (the approved
# golden plans of tests/test_golden_plans.py depend on it): the per-kind lists of what the buyer
# wants below keep their own order rather than the vocabulary's.
_TIER_ODDS = _weighted(TIERS, (4, 1))  # one buyer in five is a VIP
_FAULT_ODDS = _weighted(FAULTS, (2, 1, 1))  # the buyer's fault as often as the other two together


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _time(value: datetime) -> str:
    return value.isoformat()


def random_case(rng: random.Random, kind: str | None = None, case_id: str | None = None) -> dict[str, Any]:
    """One valid case; every random choice comes from ``rng``."""
    kind = kind or rng.choice(ISSUE_KINDS)
    lines = rng.sample(CATALOGUE, rng.choice([1, 1, 1, 2, 2, 3]))
    items = []
    for sku, name, price, cost in lines:
        item: dict[str, Any] = {"sku": sku, "name": name, "unit_price": price, "quantity": rng.choice([1, 1, 1, 2, 4])}
        if cost is not None and rng.random() < 0.9:
            item["unit_cost"] = cost
        items.append(item)
    delivered = START + timedelta(days=rng.randrange(0, 240), hours=rng.randrange(8, 21), minutes=rng.randrange(0, 60))
    not_yet_delivered = kind in ("courier_change", "add_to_order", "lost_parcel") or rng.random() < 0.05
    opened = delivered + timedelta(
        days=rng.choice([0, 1, 2, 5, 6, 7, 8, 9, 14, 30]), hours=rng.randrange(0, 14), minutes=rng.randrange(0, 60)
    )
    n = case_id or f"G-{rng.randrange(10**8):08d}"
    case: dict[str, Any] = {
        "case_id": n,
        "opened_at": _time(opened),
        "order": {
            "order_id": "O-" + n,
            "currency": "CNY",
            "shipping_fee": rng.choice(["0.00", "10.00", "12.00", "15.00", "25.00"]),
            "delivered_at": None if not_yet_delivered else _time(delivered),
            "picked_for_packing": rng.random() < 0.5 if kind == "add_to_order" else False,
            "items": items,
        },
        "customer": {
            "customer_id": "U-" + n,
            "tier": rng.choice(_TIER_ODDS),
            "urgent": rng.random() < 0.25,
        },
        "issue": {"kind": kind},
        "evidence": {"photos": rng.random() < 0.7},
        "progress": {},
        "attributes": {},
    }
    issue, evidence, progress, attributes = case["issue"], case["evidence"], case["progress"], case["attributes"]
    if (rng.random() < 0.5 and len(items) > 1) or (items[0]["quantity"] > 1 and rng.random() < 0.5):
        chosen = rng.sample(items, rng.randrange(1, len(items) + 1))
        issue["items"] = [{"sku": i["sku"], "quantity": rng.randrange(1, i["quantity"] + 1)} for i in chosen]
    returns = False
    if kind == "not_as_described":
        issue["wants"] = rng.choice(["return", "refund", None])
        progress["buyer_accepts_explanation"] = rng.choice([True, False, None])
        returns = progress["buyer_accepts_explanation"] is False
    elif kind == "damaged":
        issue["severity"] = rng.choice([*SEVERITIES, None])
        issue["wants"] = rng.choice(["return", "refund", "exchange", "reship", "partial_refund", "keep", None])
        evidence["courier_confirmed"] = rng.random() < 0.3
        returns = issue["wants"] in ("return", "refund", "exchange", "reship")
        if issue["wants"] in ("partial_refund", "keep") and rng.random() < 0.4:
            progress["agreed_partial_refund"] = rng.choice(["10.00", "20.00", "50.00", "120.00"])
    elif kind in ("wrong_item", "missing_item"):
        issue["wants"] = rng.choice(["reship", "return", "refund", "exchange", None])
        evidence["outbound_check"] = rng.choice([*OUTBOUND_CHECKS, None])
        returns = kind == "wrong_item" and issue["wants"] in ("return", "refund", "exchange")
    elif kind in ("return_request", "exchange_request", "refund_request"):
        issue["fault"] = rng.choice(_FAULT_ODDS)
        issue["wants"] = {"return_request": "return", "exchange_request": "exchange"}.get(kind, "refund")
        returns = True
        if rng.random() < 0.1:
            attributes["custom_made"] = True
        if kind == "refund_request" and rng.random() < 0.3:
            issue["requested_amount"] = case["order"]["shipping_fee"]
    elif kind == "courier_change":
        issue["requested_courier"] = rng.choice(COURIERS)
    elif kind == "lost_parcel":
        issue["wants"] = rng.choice(["reship", "refund", None])
        evidence["courier_confirmed"] = rng.random() < 0.5
    elif kind == "price_difference":
        goods = sum(Decimal(i["unit_price"]) * i["quantity"] for i in items)
        issue["requested_amount"] = _money(min(goods, Decimal(rng.choice([5, 20, 35, 80, 150]))))
        flag = rng.choice([True, False, None])
        if flag is not None:
            attributes["price_protected"] = flag
        if flag:  # verified: the drop in price is known (here: what the buyer claims)
            attributes["price_drop"] = issue["requested_amount"]
    if returns and rng.random() < 0.6:
        progress["return_shipment"] = {
            "tracking_number": f"YT{rng.randrange(10**9):09d}",
            "postage_paid": rng.choice(["8.00", "12.00", "18.00", "25.00"]),
            "status": rng.choice(RETURN_STATUSES),
        }
        if progress["return_shipment"]["status"] == "received" and rng.random() < 0.6:
            progress["inspection"] = {
                "error_confirmed": rng.choice([True, False]),
                "resellable": rng.choice([True, True, False]),
            }
    if rng.random() < 0.05:
        attributes["negative_review"] = True
    return case


def generate_cases(count: int, seed: int = 0, kinds: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """``count`` cases, the same for the same seed; kinds taken in turn when given."""
    rng = random.Random(seed)
    for i in range(count):
        kind = kinds[i % len(kinds)] if kinds else None
        yield random_case(rng, kind, case_id=f"G{seed}-{i:06d}")
