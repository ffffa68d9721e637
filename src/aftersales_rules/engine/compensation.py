"""The compensation of a plan: payments to the buyer that are not refunds, from the winning rules' lines.

Each component (``compensation.<component>``) is decided by one rule (decision.py); its amount is its
formula raised to its ``at_least`` and cut to its ``at_most``, in cents. It is never part of
``refund.total`` and never cut back to what the buyer paid. A line of 0.00 is not listed (a rule of
higher priority waives a component by setting it to 0); a line whose amount is not known yet is listed in
``pending``, never guessed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..errors import EvaluationError
from ..language.compensation import SLOT, CompensationSpec
from ..language.rules import Rule
from ..money import MAX_AMOUNT, ZERO, quantize
from ..plan import Compensation, CompensationLine

__all__ = ["compensation", "compensation_total"]

_EMPTY: dict[str, Compensation] = {}  # currency → the section of a plan without compensation (frozen)


def compensation(winners: dict[str, list[Rule]], values: dict[str, Any], currency: str) -> Compensation:
    """The plan's compensation, its lines in the order of the rules that decide them (then as listed)."""
    decided = _decided(winners, values)
    if not decided:  # most plans: one frozen empty section per currency, shared like a static step
        empty = _EMPTY.get(currency)
        if empty is None:
            empty = _EMPTY.setdefault(currency, Compensation(total=ZERO, currency=currency, lines=[], pending=[]))
        return empty
    lines = [
        CompensationLine(component=spec.component, amount=amount, paid_by=spec.paid_by)
        for spec, amount in decided
        if amount is not None and amount > 0
    ]
    pending = [spec.component for spec, amount in decided if amount is None]
    return Compensation(total=_total(decided), currency=currency, lines=lines, pending=pending)


def compensation_total(winners: dict[str, list[Rule]], values: dict[str, Any]) -> Decimal:
    """Just the total (what a what-if branch reports), without building the section."""
    decided = _decided(winners, values)
    return _total(decided) if decided else ZERO


def _decided(winners: dict[str, list[Rule]], values: dict[str, Any]) -> list[tuple[CompensationSpec, Decimal | None]]:
    """Each component's spec and amount (None: not known yet), in the order of the rules that decide them."""
    found: list[tuple[int, int, CompensationSpec]] = []
    for slot, rules in winners.items():
        if slot.startswith(SLOT):
            rule = rules[0]
            found.append((rule.index, list(rule.slots).index(slot), rule.slots[slot]))
    if not found:
        return []
    out: list[tuple[CompensationSpec, Decimal | None]] = []
    for _, _, spec in sorted(found, key=lambda d: (d[0], d[1])):
        amount = spec.value(values)
        if amount is not None and amount > MAX_AMOUNT:
            raise EvaluationError(
                f"the {spec.component} compensation comes to {amount:,.2f} ({spec.describe()}), "
                f"more than the {MAX_AMOUNT:,.2f} a plan states"
            )
        out.append((spec, None if amount is None else quantize(amount)))
    return out


def _total(decided: list[tuple[CompensationSpec, Decimal | None]]) -> Decimal:
    total = quantize(sum((amount for _, amount in decided if amount is not None), ZERO))
    if total > MAX_AMOUNT:
        raise EvaluationError(f"the compensation comes to {total:,.2f}, more than the {MAX_AMOUNT:,.2f} a plan states")
    return total
