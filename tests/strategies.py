"""Hypothesis strategies: valid cases of every kind, edge values, and arbitrary documents.

* ``corpus_cases()``: realistic cases from ``testing.random_case``, driven by a hypothesis ``Random``;
* ``edge_cases()``: every case field drawn on its own from the whole valid domain, with the values
  where policies go wrong: the last second of the no-reason window and the first second after it,
  other UTC offsets, zero postage, an amount one cent either side of a bound, cost above price,
  affected quantities below the ordered ones, facts present on kinds that do not use them;
* ``cases()``: either;
* ``documents()``: arbitrary YAML/JSON-like values (for the bad-input tests);
* ``mutated(document)``, ``mutated_cases()``: a document (a valid case) with one place replaced, removed
  or added; ``paths_in``, ``value_at`` and ``with_value`` walk and edit documents.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from aftersales_rules.case import ISSUE_KINDS
from aftersales_rules.testing import CATALOGUE, random_case

__all__ = [
    "ALL_KINDS",
    "cases",
    "corpus_cases",
    "documents",
    "edge_cases",
    "money",
    "mutated",
    "mutated_cases",
    "paths_in",
    "value_at",
    "with_value",
]

ALL_KINDS = ISSUE_KINDS
SHOP = timezone(timedelta(hours=8))  # Asia/Shanghai has no daylight saving: a fixed +08:00
OFFSETS = [
    timedelta(hours=8),
    timedelta(0),
    timedelta(hours=-5),
    timedelta(hours=14),
    timedelta(hours=-12),
    timedelta(hours=5, minutes=30),
]
WANTS = ["return", "exchange", "refund", "reship", "partial_refund", "keep", None]
COURIERS = ["sf_express", "sf", "順豐", "顺丰", "freight", "logistics", "物流", "jd_express", "SF", "", "ems", None]


def corpus_cases(kind: str | None = None) -> st.SearchStrategy[dict]:
    """Realistic valid cases (``testing.random_case``), any kind or the one given."""
    return st.randoms(use_true_random=False).map(lambda rng: random_case(rng, kind))


def _cents(n: int) -> str:
    return f"{Decimal(n) / 100:.2f}"


def money(max_cents: int = 1_000_000) -> st.SearchStrategy[str]:
    """An amount as the case file writes it: edges first (0, 1 cent, float traps), then anything."""
    return st.one_of(
        st.sampled_from(["0.00", "0.01", "0.10", "0.20", "0.30", "9.99", "10.00"]),
        st.integers(0, max_cents).map(_cents),
    )


def _near(amount: Decimal) -> st.SearchStrategy[str]:
    """An amount one cent below, at, or one cent above ``amount`` (not below zero)."""
    return (
        st.sampled_from([amount - Decimal("0.01"), amount, amount + Decimal("0.01")])
        .filter(lambda a: a >= 0)
        .map(lambda a: f"{a:.2f}")
    )


@st.composite
def _items(draw) -> list[dict]:
    count = draw(st.integers(1, 4))
    skus = draw(
        st.lists(
            st.sampled_from([c[0] for c in CATALOGUE] + ["X-1", "長凳"]), min_size=count, max_size=count, unique=True
        )
    )
    items = []
    for sku in skus:
        price = draw(st.integers(1, 500_000))
        item: dict[str, Any] = {
            "sku": sku,
            "name": sku.lower(),
            "unit_price": _cents(price),
            "quantity": draw(st.sampled_from([1, 1, 2, 3, 7, 100])),
        }
        cost = draw(st.sampled_from(["none", "below", "equal", "above", "zero"]))
        if cost != "none":
            item["unit_cost"] = _cents({"below": price // 2, "equal": price, "above": price + 100, "zero": 0}[cost])
        items.append(item)
    return items


def _shop_time(day: date, clock: time, offset: timedelta) -> str:
    """A shop-local (+08:00) day and time, written with another UTC offset."""
    return datetime.combine(day, clock, tzinfo=SHOP).astimezone(timezone(offset)).isoformat()


@st.composite
def _times(draw) -> tuple[str | None, str]:
    """(delivered_at, opened_at): around the window's end, in shop days, written in any offset."""
    signed = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 700)))
    signed_at = draw(st.sampled_from([time(0, 0, 0), time(0, 0, 1), time(9, 30), time(23, 59, 59)]))
    days_later = draw(st.sampled_from([0, 1, 6, 7, 7, 8, 8, 9, 30]))
    opened_at = draw(
        st.sampled_from([time(0, 0, 0), time(0, 0, 1), time(12, 0), time(19, 59, 59), time(20, 0, 0), time(23, 59, 59)])
    )
    delivered = _shop_time(signed, signed_at, draw(st.sampled_from(OFFSETS)))
    opened = _shop_time(signed + timedelta(days=days_later), opened_at, draw(st.sampled_from(OFFSETS)))
    if draw(st.integers(0, 9)) == 0:
        return None, opened
    return delivered, opened


@st.composite
def edge_cases(draw, kind: str | None = None) -> dict:
    """A valid case whose every field is drawn from its whole domain, edges first."""
    kind = kind or draw(st.sampled_from(ALL_KINDS))
    items = draw(_items())
    delivered, opened = draw(_times())
    fee = draw(money(5_000))
    case: dict[str, Any] = {
        "case_id": draw(st.sampled_from(["E-1", "邊界-1", "e" * 200])),
        "opened_at": opened,
        "order": {
            "order_id": "O-E",
            "currency": draw(st.sampled_from(["CNY", "USD"])),
            "shipping_fee": fee,
            "delivered_at": delivered,
            "picked_for_packing": draw(st.booleans()),
            "items": items,
        },
        "customer": {
            "customer_id": "U-E",
            "tier": draw(st.sampled_from(["regular", "vip"])),
            "urgent": draw(st.booleans()),
        },
        "issue": {
            "kind": kind,
            "wants": draw(st.sampled_from(WANTS)),
            "fault": draw(st.sampled_from(["buyer", "seller", "unknown"])),
            "severity": draw(st.sampled_from(["minor", "severe", None])),
            "requested_courier": draw(st.sampled_from(COURIERS)),
        },
        "evidence": {
            "photos": draw(st.booleans()),
            "outbound_check": draw(st.sampled_from(["error_confirmed", "no_error_found", None])),
            "courier_confirmed": draw(st.booleans()),
        },
        "progress": {"buyer_accepts_explanation": draw(st.sampled_from([True, False, None]))},
        "attributes": {},
    }
    if draw(st.booleans()):
        chosen = draw(st.lists(st.sampled_from(items), min_size=1, max_size=len(items), unique_by=lambda i: i["sku"]))
        case["issue"]["items"] = [
            {"sku": i["sku"], **({} if q is None else {"quantity": q})}
            for i in chosen
            for q in [draw(st.sampled_from([None, 1, i["quantity"]]))]
        ]
    requested = draw(st.sampled_from(["none", "near_fee", "any", "zero"]))
    if requested != "none":
        amount = {"near_fee": _near(Decimal(fee)), "any": money(), "zero": st.just("0.00")}[requested]
        case["issue"]["requested_amount"] = draw(amount)
    if draw(st.booleans()):
        case["progress"]["agreed_partial_refund"] = draw(money(200_000))
    if draw(st.booleans()):
        shipment: dict[str, Any] = {"status": draw(st.sampled_from(["created", "in_transit", "at_hub", "received"]))}
        if draw(st.booleans()):
            shipment["tracking_number"] = "YT-E"
        if draw(st.integers(0, 3)):
            shipment["postage_paid"] = draw(money(10_000))
        case["progress"]["return_shipment"] = shipment
    if draw(st.booleans()):
        case["progress"]["inspection"] = {
            "error_confirmed": draw(st.sampled_from([True, False, None])),
            "resellable": draw(st.sampled_from([True, False, None])),
        }
    for name in ("custom_made", "price_protected", "negative_review"):
        flag = draw(st.sampled_from([True, False, None]))
        if flag is not None:
            case["attributes"][name] = flag
    return case


def cases(kind: str | None = None) -> st.SearchStrategy[dict]:
    """Valid cases of every kind (or the one given): realistic ones and edge ones."""
    return st.one_of(corpus_cases(kind), edge_cases(kind))


# --------------------------------------------------------------------------- bad input

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "~",
            "null",
            "yes",
            "0x1F",
            "1e400",
            "2026-07-15",
            "12:30",
            "-0.00",
            "1_000.5",
            "2026-07-15T14:05:00+08:00",
            "2026-07-15T14:05:00",
            "\ufeff",
            "\t",
            "$x",
            "$$x",
        ]
    ),
)


def documents(max_leaves: int = 40) -> st.SearchStrategy[Any]:
    """Arbitrary values a YAML or JSON document can hold."""
    return st.recursive(
        _scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=5), st.dictionaries(st.text(max_size=12), children, max_size=5)
        ),
        max_leaves=max_leaves,
    )


def paths_in(value: Any, path: tuple = ()) -> list[tuple]:
    """Every place in a document: the paths (keys and list indexes) of every node, the root included."""
    out = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            out.extend(paths_in(item, path + (key,)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out.extend(paths_in(item, path + (i,)))
    return out


def value_at(value: Any, path: tuple) -> Any:
    for part in path:
        value = value[part]
    return value


def with_value(document: Any, path: tuple, new: Any, *, delete: bool = False) -> Any:
    """A copy of ``document`` with ``new`` at ``path`` (missing or null mappings on the way are made),
    or with the node at ``path`` removed."""
    if not path:
        return document if delete else new
    head, rest = path[0], path[1:]
    if isinstance(document, dict):
        out = dict(document)
        if not rest and delete:
            out.pop(head, None)
        else:
            out[head] = with_value(out.get(head) or {}, rest, new, delete=delete)
        return out
    out = list(document)
    if not rest and delete:
        del out[head]
    else:
        out[head] = with_value(out[head], rest, new, delete=delete)
    return out


KEYS = st.one_of(st.sampled_from(["kind", "amount", "sku", "unit_price", "x"]), st.text(max_size=8))


@st.composite
def mutated(draw, document: Any, values: st.SearchStrategy | None = None, keys: st.SearchStrategy = KEYS) -> Any:
    """``document`` with one place broken: a value replaced, a key removed, or a key added."""
    path = draw(st.sampled_from(paths_in(document)))
    how = draw(st.sampled_from(["set", "set", "delete", "add"]))
    if how == "delete":
        return with_value(document, path, None, delete=True)
    new = draw(documents(8) if values is None else values)
    if how == "set":
        return with_value(document, path, new)
    node = value_at(document, path)
    return with_value(document, path, {**node, draw(keys): new} if isinstance(node, dict) else {draw(keys): new})


def mutated_cases() -> st.SearchStrategy[Any]:
    """A valid case with one place broken."""
    return cases().flatmap(mutated)
