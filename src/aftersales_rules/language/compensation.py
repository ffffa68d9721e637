"""Compensation: payments to the buyer that are not refunds (a late-shipment penalty, the statutory
extra compensation for fraud, cash goodwill).

A rule's ``then.compensation`` is a list of lines, one per component::

    compensation:
      - component: fraud                          # late_shipment, fraud, goodwill, or the policy's own x_...
        amount: {times: 3, of: affected.goods}    # any amount (language/amounts.py)
        at_least: "500.00"                        # optional: the formula's minimum
        at_most: "5000.00"                        # optional: its maximum (wins over at_least)
        paid_by: seller                           # a party; default seller
        per_item: true                            # optional: one line per affected item (language/peritem.py),
        only: {category: food}                    # its formulas naming item.line_total, ...; only / except

Each line decides one single-valued output, ``compensation.<component>`` (the conflict policy of
engine/decision.py: the applying rule of highest priority that sets it), so a late-shipment rule and
a fraud rule add up, and a rule of higher priority can set a component to 0 to waive it. Compensation
is never part of the refund and is not bounded by what the buyer paid, only by its own formula.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from ..diagnostics import OWN_NAME_PATTERN, pydantic_problems, suggest
from ..errors import quoted
from ..money import ZERO
from ..vocabulary import COMPENSATION_COMPONENTS
from .amounts import Amount, parse_amount
from .peritem import PerItem, item_reader, parse_per_item
from .rulefile import CompensationModel
from .scope import Reader

__all__ = ["SLOT", "CompensationSpec", "is_component", "parse_compensation"]

SLOT = "compensation."  # the prefix of a compensation output: compensation.<component>


def is_component(name: str) -> bool:
    """A compensation component a rule may name: the vocabulary's, or a policy's own ``x_...``."""
    return name in COMPENSATION_COMPONENTS or re.fullmatch(OWN_NAME_PATTERN, name) is not None


@dataclass(frozen=True)
class CompensationSpec:
    component: str
    amount: Amount
    paid_by: str
    at_least: Amount | None = None
    at_most: Amount | None = None
    per_item: PerItem | None = None  # worked out once per affected item, a line per SKU (peritem.py)

    def value(self, facts: dict[str, Any]) -> Decimal | None:
        """The formula, raised to ``at_least`` and then cut to ``at_most``; None while any of them is unknown."""
        amount = self.amount.value(facts)
        low = self.at_least.value(facts) if self.at_least is not None else ZERO
        high = self.at_most.value(facts) if self.at_most is not None else None
        if amount is None or low is None or (self.at_most is not None and high is None):
            return None
        amount = max(amount, low)
        return amount if high is None else min(amount, high)

    def describe(self) -> str:
        out = self.amount.describe()
        if self.at_least is not None:
            out += f", at least {self.at_least.describe()}"
        if self.at_most is not None:
            out += f", at most {self.at_most.describe()}"
        return out


def parse_compensation(r: Reader, value: Any) -> dict[str, CompensationSpec] | None:
    """``then.compensation`` at ``r``: the slots it sets (``compensation.<component>``); None after problems."""
    if not isinstance(value, list) or not value:
        r.error(
            "invalid_value",
            "then.compensation: expected a list of lines {component: ..., amount: ..., paid_by: ...}",
        )
        return None
    before = len(r.problems)
    out: dict[str, CompensationSpec] = {}
    for i, item in enumerate(value):
        spec = _line(r.at(i), item)
        if spec is None:
            continue
        slot = SLOT + spec.component
        if slot in out:
            r.at(i, "component").error(
                "duplicate_component",
                f"compensation component {quoted(spec.component)} is listed twice in this rule; give it one line",
            )
            continue
        out[slot] = spec
    return None if len(r.problems) > before else out


def _line(r: Reader, value: Any) -> CompensationSpec | None:
    if not isinstance(value, dict):
        r.error("invalid_value", "a compensation line is {component: ..., amount: ..., paid_by: ...}")
        return None
    try:
        model = CompensationModel.model_validate(value)
    except ValidationError as exc:
        r.problems.extend(pydantic_problems(exc, CompensationModel, r.doc, prefix=r.path, display_prefix=r.path))
        return None
    if not is_component(model.component):
        r.at("component").error(
            "invalid_value",
            *suggest(
                f"unknown compensation component {quoted(model.component)}",
                model.component,
                COMPENSATION_COMPONENTS,
                after=f" (it is one of {', '.join(COMPENSATION_COMPONENTS)}, or the policy's own x_...)",
            ),
        )
        return None
    ok, per_item = parse_per_item(r, model)
    if not ok:
        return None
    if per_item is None and (model.only is not None or model.except_ is not None):
        key = "only" if model.only is not None else "except"
        r.at(key).error("invalid_value", f"{quoted(key)} goes on a per_item line: add per_item: true", on_key=True)
        return None
    if per_item is not None:
        r = item_reader(r)
    parts: dict[str, Amount | None] = {}
    for name in ("amount", "at_least", "at_most"):
        raw = getattr(model, name)
        parts[name] = parse_amount(r.at(name), raw) if raw is not None else None
        if raw is not None and parts[name] is None:
            return None
    low, high = parts["at_least"], parts["at_most"]
    if low is not None and high is not None and low.form == high.form == "fixed":
        assert low.fixed is not None and high.fixed is not None  # a fixed amount has its value
        if low.fixed > high.fixed:
            r.at("at_least").error(
                "invalid_value", f"at_least {low.fixed:.2f} is above at_most {high.fixed:.2f}", on_key=True
            )
            return None
    amount = parts["amount"]
    assert amount is not None  # required by the model
    return CompensationSpec(model.component, amount, model.paid_by, low, high, per_item)
