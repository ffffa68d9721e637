"""The compensation of a plan: payments to the buyer that are not refunds, from the winning rules' lines.

Each component (``compensation.<component>``) is decided by one rule (decision.py); its amount is its
formula raised to its ``at_least`` and cut to its ``at_most``, in cents. It is never part of
``refund.total`` and never cut back to what the buyer paid. A line of 0.00 is not listed (a rule of
higher priority waives a component by setting it to 0); a line whose amount is not known yet is listed in
``pending``, never guessed.
"""

from __future__ import annotations

from typing import Any

from ..errors import EvaluationError
from ..language.compensation import SLOT, CompensationSpec
from ..language.rules import Rule
from ..money import MAX_AMOUNT, ZERO, quantize
from ..plan import Compensation, CompensationLine

__all__ = ["compensation"]


def compensation(winners: dict[str, list[Rule]], values: dict[str, Any], currency: str) -> Compensation:
    """The plan's compensation, its lines in the order of the rules that decide them (then as listed)."""
    decided: list[tuple[int, int, CompensationSpec]] = []
    for slot, rules in winners.items():
        if slot.startswith(SLOT):
            rule = rules[0]
            decided.append((rule.index, list(rule.slots).index(slot), rule.slots[slot]))
    lines: list[CompensationLine] = []
    pending: list[str] = []
    for _, _, spec in sorted(decided, key=lambda d: (d[0], d[1])):
        amount = spec.value(values)
        if amount is None:
            pending.append(spec.component)
            continue
        if amount > MAX_AMOUNT:
            raise EvaluationError(
                f"the {spec.component} compensation comes to {amount:,.2f} ({spec.describe()}), "
                f"more than the {MAX_AMOUNT:,.2f} a plan states"
            )
        if amount > 0:
            lines.append(CompensationLine(component=spec.component, amount=quantize(amount), paid_by=spec.paid_by))
    total = quantize(sum((line.amount for line in lines), ZERO))
    if total > MAX_AMOUNT:
        raise EvaluationError(f"the compensation comes to {total:,.2f}, more than the {MAX_AMOUNT:,.2f} a plan states")
    return Compensation(total=total, currency=currency, lines=lines, pending=pending)
