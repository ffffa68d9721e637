"""The money of a plan: postage legs and refund lines from the winning rules' specs.

Lines hold only decided amounts, each stated at most at what was paid; an amount still to be
agreed is an offer (``offer_limit``), not a line; ``cap_lines`` cuts lines back to a bound.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..case import Case
from ..errors import EvaluationError
from ..language.amounts import Amount
from ..language.rules import LegSpec, LineSpec
from ..money import MAX_AMOUNT, ZERO, quantize
from ..plan import Leg, Postage, Refund, RefundLine, Share
from .build import VALIDATED, PlanModels

__all__ = [
    "RETURN_POSTAGE",
    "cap_lines",
    "fixed_postage",
    "leg",
    "no_refund",
    "per_item_lines",
    "refund_lines",
    "split",
]

RETURN_POSTAGE = "progress.return_shipment.postage_paid"  # a return leg's amount, unless its rule sets one

_NO_REFUND: dict[str, Refund] = {}  # currency → the refund of a plan whose decision states no refund lines (frozen)


def no_refund(currency: str) -> Refund:
    """The refund of every plan whose decision states no refund lines: nothing, nothing pending, no release.
    One model per currency, made by validation and shared like a static step."""
    found = _NO_REFUND.get(currency)
    if found is None:
        made = Refund(
            total=ZERO, currency=currency, lines=[], release=None, pending=[], capped_at=None, offer_limit=None
        )
        found = _NO_REFUND.setdefault(currency, made)
    return found


def leg(
    spec: LegSpec | None, values: dict[str, Any], default_amount: str | None, make: PlanModels = VALIDATED
) -> Leg | None:
    if spec is None:
        return None
    if spec.amount is not None:
        amount = _within_limit(spec.amount.value(values), spec.amount, "a postage leg")
    else:
        amount = values.get(default_amount) if default_amount else None
    if spec.rest_borne_by is None:
        return make.Leg(advanced_by=spec.advanced_by, borne_by=spec.borne_by, amount=amount, method=spec.method)
    assert spec.cap is not None  # a split leg always has its cap (rules._split)
    cap = _within_limit(spec.cap.value(values), spec.cap, "a postage leg's cap")
    cap = None if cap is None else quantize(max(cap, ZERO))
    shares, pending = split(amount, cap, spec.borne_by, spec.rest_borne_by, make)
    return make.Leg(
        advanced_by=spec.advanced_by,
        borne_by=spec.borne_by,
        amount=amount,
        method=spec.method,
        shares=shares,
        pending=pending,
        cap=cap,
    )


def fixed_postage(return_leg: LegSpec | None, outbound_leg: LegSpec | None) -> Postage | None:
    """The postage of every plan of a decision (made by validation), when ``leg`` reads nothing of the case for
    either leg: no return leg (its amount is RETURN_POSTAGE, unless a formula gives it) and an outbound leg, if
    any, with neither an amount nor a split; else None (evaluate.py's ``_settle`` makes the legs per case)."""
    if return_leg is not None:
        return None
    if outbound_leg is not None and (outbound_leg.amount is not None or outbound_leg.rest_borne_by is not None):
        return None
    return Postage(return_leg=None, outbound_leg=leg(outbound_leg, {}, None))


def split(
    amount: Decimal | None, cap: Decimal | None, first: str, rest: str, make: PlanModels = VALIDATED
) -> tuple[list[Share], list[str]]:
    """A split leg's shares: ``first`` bears up to ``cap``, ``rest`` what is above it, each at least 0.00 and
    together exactly ``amount``; while the amount or the cap is not known, no shares and both parties pending."""
    if amount is None or cap is None:
        return [], [first, rest]
    capped = min(amount, cap)
    return [make.Share(party=first, amount=capped), make.Share(party=rest, amount=amount - capped)], []


def _within_limit(amount: Decimal | None, formula: Amount, what: str) -> Decimal | None:
    if amount is not None and amount > MAX_AMOUNT:
        raise EvaluationError(
            f"{what} comes to {amount:,.2f} ({formula.describe()}), more than the {MAX_AMOUNT:,.2f} a plan states"
        )
    return amount


def refund_lines(
    case: Case,
    specs: tuple[LineSpec, ...],
    values: dict[str, Any],
    paid: Decimal,
    make: PlanModels = VALIDATED,
) -> tuple[list[RefundLine], list[str], Decimal, Decimal | None, tuple[str, ...]]:
    """The decided lines, the components still pending, the lines' total before any cap, and the open
    offers: their limit and the facts they await.

    A line is stated at most at ``paid`` (an amount at two places: the refund is capped there; the case keeps
    that within MAX_AMOUNT), however large a formula makes it; the total is of the amounts as worked out.
    An offer (a line with ``agreed``) is a line of the agreed amount, capped, once that is known;
    until then it is no line: its cap is the most that may be offered (``offer_limit``).
    """
    lines: list[RefundLine] = []
    pending: list[str] = []
    total = ZERO
    offer: Decimal | None = None
    offered: list[str] = []
    for spec in specs:
        if spec.per_item is not None:  # one line per affected item (language/peritem.py)
            own, unsure = per_item_lines(case, spec, values)
            if unsure and spec.component not in pending:
                pending.append(spec.component)
            total += sum((amount for _, amount in own), ZERO)
            comp = spec.component
            lines.extend(make.RefundLine(component=comp, sku=sku, amount=min(a, paid)) for sku, a in own if a > 0)
            continue
        cap = spec.cap.value(values) if spec.cap is not None else None
        if spec.component == "goods" and spec.amount is None and spec.agreed is None:
            pairs = case.affected()
            if spec.items is not None:  # only / except: the items an item condition chooses (language/items.py)
                pairs, unsure = spec.items.select(pairs)
                if unsure and "goods" not in pending:
                    pending.append("goods")
            # a price (money, at two places) times a whole quantity is at two places already: no rounding
            group = [
                make.RefundLine(component="goods", sku=item.sku, amount=item.unit_price * qty) for item, qty in pairs
            ]
            if cap is not None:
                group = cap_lines(group, cap)
            lines.extend(line for line in group if line.amount > 0)
            total += sum((line.amount for line in group), ZERO)
            continue
        if spec.agreed is not None:
            amount = spec.agreed.value(values)
            if amount is None:
                if cap is None or cap > 0:  # a limit of nothing is no offer
                    offered.extend(p for p in sorted(spec.agreed.facts_read()) if p not in offered)
                if cap is not None and cap > 0:
                    offer = cap if offer is None else offer + cap
                continue
        else:
            assert spec.amount is not None  # only a goods line goes without an amount of its own (rules._line)
            amount = spec.amount.value(values)
        if amount is None:
            pending.append(spec.component)
            continue
        if cap is not None:
            amount = min(amount, cap)
        if amount > 0:
            amount = quantize(amount)
            total += amount
            # what was paid is at two places: the least of it and the rounded amount is the rounded least
            lines.append(make.RefundLine(component=spec.component, amount=min(amount, paid)))
    return lines, pending, quantize(total), offer, tuple(offered)


def per_item_lines(case: Case, spec: LineSpec, values: dict[str, Any]) -> tuple[list[tuple[str, Decimal]], bool]:
    """A per-item line's amounts, one per chosen SKU (its formula cut to its cap, rounded), and
    whether an item has no line yet because a value its formula or its item condition reads is unknown."""
    assert spec.amount is not None  # a per-item line always has its amount (rules._per_item_line)
    chosen, unsure = spec.per_item.each(case, values)
    out = []
    for sku, facts in chosen:
        amount = spec.amount.value(facts)
        cap = spec.cap.value(facts) if spec.cap is not None else None
        if amount is None or (spec.cap is not None and cap is None):
            unsure = True
            continue
        amount = quantize(amount if cap is None else min(amount, cap))
        out.append((sku, amount))
    return out, unsure


def cap_lines(lines: list[RefundLine], bound: Decimal) -> list[RefundLine]:
    """Cut lines back, first ones first kept, so that they add up to at most ``bound``."""
    out: list[RefundLine] = []
    left = bound
    for line in lines:
        amount = min(line.amount, left)
        left -= amount
        if amount > 0:
            out.append(line.model_copy(update={"amount": amount}))
    return out
