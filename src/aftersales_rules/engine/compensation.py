"""The compensation of a plan: payments to the buyer that are not refunds, from the winning rules' lines.

Each component (``compensation.<component>``) is decided by one rule (decision.py); its amount is its
formula raised to its ``at_least`` and cut to its ``at_most``, in cents. It is never part of
``refund.total`` and never cut back to what the buyer paid. A line of 0.00 is not listed (a rule of
higher priority waives a component by setting it to 0); a line whose amount is not known yet is listed in
``pending``, never guessed. A per-item component (language/peritem.py) is worked out for each chosen
affected item, bounded per item, and gives a line per SKU; an item whose value is unknown puts the
component in ``pending`` beside the lines that are known.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..case import Case
from ..errors import EvaluationError
from ..language.compensation import SLOT, CompensationSpec
from ..language.rules import Rule
from ..money import MAX_AMOUNT, ZERO, quantize
from ..plan import Compensation
from .build import VALIDATED, PlanModels

__all__ = ["compensation", "compensation_specs", "compensation_total"]

_EMPTY: dict[str, Compensation] = {}  # currency → the section of a plan without compensation (frozen)


def compensation_specs(winners: dict[str, list[Rule]]) -> tuple[CompensationSpec, ...]:
    """The winning components' specs, in the order of the rules that decide them (then as listed): the same
    for every case of one decision (skeleton.py)."""
    found: list[tuple[int, int, CompensationSpec]] = []
    for slot, rules in winners.items():
        if slot.startswith(SLOT):
            rule = rules[0]
            found.append((rule.index, list(rule.slots).index(slot), rule.slots[slot]))
    return tuple(spec for _, _, spec in sorted(found, key=lambda d: (d[0], d[1])))


def compensation(
    specs: tuple[CompensationSpec, ...],
    values: dict[str, Any],
    currency: str,
    case: Case | None = None,
    make: PlanModels = VALIDATED,
) -> Compensation:
    """The plan's compensation, its lines in the order of ``specs`` (then by affected item)."""
    decided = _decided(specs, values, case) if specs else None
    if not decided:  # most plans: one frozen empty section per currency, shared like a static step
        empty = _EMPTY.get(currency)
        if empty is None:
            empty = _EMPTY.setdefault(currency, Compensation(total=ZERO, currency=currency, lines=[], pending=[]))
        return empty
    lines = [
        make.CompensationLine(component=spec.component, amount=amount, paid_by=spec.paid_by, sku=sku)
        for spec, sku, amount in decided
        if amount is not None and amount > 0
    ]
    pending = list(dict.fromkeys(spec.component for spec, _, amount in decided if amount is None))
    return make.Compensation(total=_total(decided), currency=currency, lines=lines, pending=pending)


def compensation_total(
    specs: tuple[CompensationSpec, ...], values: dict[str, Any], case: Case | None = None
) -> Decimal:
    """Just the total (what a what-if branch reports), without building the section."""
    decided = _decided(specs, values, case) if specs else None
    return _total(decided) if decided else ZERO


Decided = list[tuple[CompensationSpec, str | None, Decimal | None]]  # spec, SKU (per item), amount (None: unknown)


def _decided(specs: tuple[CompensationSpec, ...], values: dict[str, Any], case: Case | None) -> Decided:
    """Each component's spec, SKU (of a per-item one) and amount (None: not known yet), in the order of
    ``specs``."""
    out: Decided = []
    for spec in specs:
        if spec.per_item is None:
            out.append((spec, None, _amount(spec, values)))
            continue
        assert case is not None  # a per-item component is worked out from the case's order lines
        chosen, unsure = spec.per_item.each(case, values)
        out.extend((spec, sku, _amount(spec, facts)) for sku, facts in chosen)
        if unsure:  # an item the only / except condition is unknown for: no line yet, the component pending
            out.append((spec, None, None))
    return out


def _amount(spec: CompensationSpec, facts: dict[str, Any]) -> Decimal | None:
    amount = spec.value(facts)
    if amount is not None and amount > MAX_AMOUNT:
        raise EvaluationError(
            f"the {spec.component} compensation comes to {amount:,.2f} ({spec.describe()}), "
            f"more than the {MAX_AMOUNT:,.2f} a plan states"
        )
    return None if amount is None else quantize(amount)


def _total(decided: Decided) -> Decimal:
    total = quantize(sum((amount for _, _, amount in decided if amount is not None), ZERO))
    if total > MAX_AMOUNT:
        raise EvaluationError(f"the compensation comes to {total:,.2f}, more than the {MAX_AMOUNT:,.2f} a plan states")
    return total
