"""How the engine makes a plan's models per case: by constructors that skip pydantic's validation, or through it.

``CONSTRUCTED`` (the default) builds each model directly from values the engine made itself, of the types
the model declares (mypy checks the call sites). What the engine cannot vouch for is checked as
validation would accept it unchanged: an amount of money (a computed figure is where a plan could go
wrong) must already be a ``Decimal`` at two places, not negative, within MAX_AMOUNT
(casevalues.plain_amount); where one is not, the model validates, normalising it or raising exactly as
before. A list is stored as a new list, as validation stores it; the fields set are the ones passed.
Compensation models, rare, are always validated. ``VALIDATED`` validates every model;
``Engine(validate_plans=True)`` uses it, and tests/test_plan_construct.py holds the plans of both to equal
models (the same types, values and set fields throughout) and byte-identical JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel

from .. import plan
from ..casevalues import plain_amount
from ..plan import (
    Branch,
    Compensation,
    CompensationLine,
    Gesture,
    Leg,
    Plan,
    PolicyInfo,
    Postage,
    Refund,
    RefundLine,
    Share,
    Step,
    StepText,
    TraceEntry,
)

__all__ = ["CONSTRUCTED", "VALIDATED", "PlanModels", "instance"]

M = TypeVar("M", bound=BaseModel)

_new = object.__new__
# What ``object.__setattr__(made, slot, value)`` calls for each of the four slots every pydantic model has
# (``BaseModel.__slots__``), taken once: the slot's own descriptor, without looking the name up per call
# (about a quarter of a model's making). A pydantic without these slots fails here, at import.
_set_dict, _set_fields_set, _set_extra, _set_private = (
    BaseModel.__dict__[slot].__set__
    for slot in ("__dict__", "__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__")
)


def instance(cls: type[M], values: dict[str, Any], fields_set: set[str]) -> M:
    """A model holding ``values`` (every field, in the model's order) as they are: no check at all."""
    made = _new(cls)
    _set_dict(made, values)
    _set_fields_set(made, fields_set)
    _set_extra(made, None)
    _set_private(made, None)
    return made


@dataclass(frozen=True)
class PlanModels:
    """A maker for each model a plan is built from per case, called with the model's keyword arguments."""

    Branch: Callable[..., Branch]
    Compensation: Callable[..., Compensation]
    CompensationLine: Callable[..., CompensationLine]
    Leg: Callable[..., Leg]
    Plan: Callable[..., Plan]
    Postage: Callable[..., Postage]
    Refund: Callable[..., Refund]
    RefundLine: Callable[..., RefundLine]
    Share: Callable[..., Share]
    Step: Callable[..., Step]
    StepText: Callable[..., StepText]

    def step_of(self, fields: dict[str, Any]) -> plan.Step:  # (``Step`` here names the field above)
        """A ``Step`` of ``fields``: every field, in the model's order (a step prepared per skeleton, skeleton.py)."""
        return self.Step(**fields)


class _Constructed(PlanModels):
    """The makers of CONSTRUCTED: a prepared step made without validation, as ``_step`` makes one."""

    def step_of(self, fields: dict[str, Any]) -> Step:
        return _step_of(fields)


def _money(*amounts: Decimal | None) -> bool:
    """Every amount one money validation keeps as it is (or None, where the field takes it)."""
    for amount in amounts:  # noqa: SIM110 - a loop, not all() over a generator: this runs for every plan
        if amount is not None and not plain_amount(amount):
            return False
    return True


_STEP_FIELDS = frozenset(Step.model_fields)


def _step_of(fields: dict[str, Any]) -> Step:
    """A ``Step`` of ``fields``: every field, in the model's order."""
    return instance(Step, fields, set(_STEP_FIELDS))


def _step(*, seq: int, actor: str, action: str, text: StepText, due_by: datetime | None, stage: str, rule: str) -> Step:
    values = {"seq": seq, "actor": actor, "action": action, "text": text, "due_by": due_by, "stage": stage}
    values["rule"] = rule
    return _step_of(values)


def _step_text(*, zh: str | None, en: str | None, **others: str) -> StepText:
    if others:  # texts in other declared languages: pydantic keeps them as the model's extra fields
        return StepText(zh=zh, en=en, **others)
    made = _new(StepText)
    # no extra fields, as validation leaves them: StepText declares ``__pydantic_extra__`` (a field, which hides
    # the slot), so the {} is kept in the instance's __dict__ and the slot stays unset
    _set_dict(made, {"zh": zh, "en": en, "__pydantic_extra__": {}})
    _set_fields_set(made, {"zh", "en"})
    _set_private(made, None)
    return made


def _share(*, party: str, amount: Decimal) -> Share:
    if not _money(amount):
        return Share(party=party, amount=amount)
    return instance(Share, {"party": party, "amount": amount}, {"party", "amount"})


_LEG_SPLIT = ("shares", "pending", "cap")
_LEG_SPLIT_NAMES = frozenset(_LEG_SPLIT)
_NOT_SPLIT = dict.fromkeys(_LEG_SPLIT)  # a leg not split: none of them


def _leg(*, advanced_by: str | None, borne_by: str, amount: Decimal | None, method: str, **split: Any) -> Leg:
    if not split and (amount is None or plain_amount(amount)):  # a leg not split, as most are
        fields: dict[str, Any] = {"advanced_by": advanced_by, "borne_by": borne_by, "amount": amount, "method": method}
        fields_set = set(fields)
        fields.update(_NOT_SPLIT)
        return instance(Leg, fields, fields_set)
    if not _money(amount, split.get("cap")) or not split.keys() <= _LEG_SPLIT_NAMES:
        return Leg(advanced_by=advanced_by, borne_by=borne_by, amount=amount, method=method, **split)
    values: dict[str, Any] = {"advanced_by": advanced_by, "borne_by": borne_by, "amount": amount, "method": method}
    for name in _LEG_SPLIT:
        value = split.get(name)
        values[name] = list(value) if name != "cap" and value is not None else value
    return instance(Leg, values, {"advanced_by", "borne_by", "amount", "method", *split})


def _postage(*, return_leg: Leg | None, outbound_leg: Leg | None) -> Postage:
    return instance(Postage, {"return_leg": return_leg, "outbound_leg": outbound_leg}, {"return_leg", "outbound_leg"})


_SKU = frozenset(("sku",))


def _refund_line(*, component: str, amount: Decimal, **sku: Any) -> RefundLine:
    if not plain_amount(amount) or not sku.keys() <= _SKU:
        return RefundLine(component=component, amount=amount, **sku)
    values = {"component": component, "sku": sku.get("sku"), "amount": amount}
    return instance(RefundLine, values, {"component", "amount", *sku})


def _refund(
    *,
    total: Decimal,
    currency: str,
    lines: list[RefundLine],
    release: str | None,
    pending: list[str],
    capped_at: Decimal | None,
    offer_limit: Decimal | None,
) -> Refund:
    values = {
        "total": total,
        "currency": currency,
        "lines": list(lines),
        "release": release,
        "pending": list(pending),
        "capped_at": capped_at,
        "offer_limit": offer_limit,
    }
    if not _money(total, capped_at, offer_limit):
        return Refund(**values)
    return instance(Refund, values, set(values))


def _branch(
    *,
    when: dict[str, Any],
    resolution: str,
    refund_total: Decimal,
    release: str | None,
    return_postage_borne_by: str | None,
    outbound_postage_borne_by: str | None,
    offer_limit: Decimal | None,
    compensation_total: Decimal,
) -> Branch:
    values = {
        "when": dict(when),
        "resolution": resolution,
        "refund_total": refund_total,
        "release": release,
        "return_postage_borne_by": return_postage_borne_by,
        "outbound_postage_borne_by": outbound_postage_borne_by,
        "offer_limit": offer_limit,
        "compensation_total": compensation_total,
    }
    if not _money(refund_total, offer_limit, compensation_total):
        return Branch(**values)
    return instance(Branch, values, set(values))


_PLAN_FIELDS = frozenset(Plan.model_fields)  # read once: ``Plan.model_fields`` is two Python descriptors per look


def _plan(
    *,
    case_id: str,
    policy: PolicyInfo,
    resolution: str,
    postage: Postage,
    refund: Refund,
    compensation: Compensation,
    gestures: Sequence[Gesture],
    steps: Sequence[Step],
    awaiting: Sequence[str],
    branches: Sequence[Branch],
    trace: Sequence[TraceEntry],
) -> Plan:
    values = {  # every field, in the model's order; the lists new, as validation makes them
        "case_id": case_id,
        "policy": policy,
        "resolution": resolution,
        "postage": postage,
        "refund": refund,
        "compensation": compensation,
        "gestures": list(gestures),
        "steps": list(steps),
        "awaiting": list(awaiting),
        "branches": list(branches),
        "trace": list(trace),
    }
    return instance(Plan, values, set(_PLAN_FIELDS))


VALIDATED = PlanModels(
    Branch, Compensation, CompensationLine, Leg, Plan, Postage, Refund, RefundLine, Share, Step, StepText
)
CONSTRUCTED = _Constructed(
    Branch=_branch,
    Compensation=Compensation,
    CompensationLine=CompensationLine,
    Leg=_leg,
    Plan=_plan,
    Postage=_postage,
    Refund=_refund,
    RefundLine=_refund_line,
    Share=_share,
    Step=_step,
    StepText=_step_text,
)
