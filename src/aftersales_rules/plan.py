"""The plan: what the policy decides for one case (the output contract of SPEC.md).

Field names are the contract: add fields freely, rename none. Money serialises
as a two-place decimal string, times as ISO 8601 with the policy's offset.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from .case import Money
from .diagnostics import OWN_NAME_PATTERN
from .money import ZERO
from .vocabulary import Actor, CompensationComponent, Component, GestureKind, Method, Party, Release, Resolution

__all__ = [
    "Branch",
    "Compensation",
    "CompensationLine",
    "Gesture",
    "Leg",
    "Plan",
    "PolicyInfo",
    "Postage",
    "Refund",
    "RefundLine",
    "Share",
    "Step",
    "StepText",
    "TraceEntry",
]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PolicyInfo(_Out):
    name: str
    version: str
    digest: str
    effective_from: date | None = None
    effective_until: date | None = None


class Share(_Out):
    party: Party
    amount: Money


class Leg(_Out):
    advanced_by: Party | None
    borne_by: Party
    amount: Money | None = None
    method: Method = "prepaid"
    # a split leg (null when borne_by bears all of it): borne_by's share up to the cap, then the rest's party;
    # the shares add up to the amount once it is known, and until then are [] with their parties pending
    shares: list[Share] | None = None
    pending: list[Party] | None = None
    cap: Money | None = None  # the most borne_by bears (null while its formula is unknown)


class Postage(_Out):
    return_leg: Leg | None = None
    outbound_leg: Leg | None = None


class RefundLine(_Out):
    component: Component
    sku: str | None = None
    amount: Money


class Refund(_Out):
    total: Money
    currency: str
    lines: list[RefundLine]
    release: Release | None
    pending: list[str] = []  # components due but not yet known (e.g. return postage before the parcel ships)
    capped_at: Money | None = None  # set when the lines were cut back to what the buyer paid
    offer_limit: Money | None = None  # the most customer service may offer where an amount is still to be agreed


OwnComponent = Annotated[str, Field(pattern=OWN_NAME_PATTERN)]  # a policy's own compensation component


class CompensationLine(_Out):
    component: CompensationComponent | OwnComponent
    amount: Money
    paid_by: Party
    sku: str | None = None  # the order line of a per-item component (null otherwise)


class Compensation(_Out):
    """Payments to the buyer that are not refunds of what was paid: outside ``refund.total``, not bounded
    by what was paid, only by each line's own formula, minimum and maximum."""

    total: Money  # the sum of the lines
    currency: str
    lines: list[CompensationLine]
    pending: list[str] = []  # components due but not yet known (their formula reads a fact the case lacks)


class Gesture(_Out):
    kind: GestureKind
    detail: str


class StepText(_Out):
    zh: str | None
    en: str | None


class Step(_Out):
    seq: int
    actor: Actor
    action: str
    text: StepText
    due_by: datetime | None = None
    stage: str
    rule: str


class Branch(_Out):
    when: dict[str, Any]
    resolution: str
    refund_total: Money
    release: str | None
    return_postage_borne_by: Party | None
    outbound_postage_borne_by: Party | None
    offer_limit: Money | None = None
    compensation_total: Money = ZERO


class TraceEntry(_Out):
    rule: str
    source: str
    because: list[str]
    decided: list[str]
    description: str = ""


class Plan(_Out):
    case_id: str
    policy: PolicyInfo
    resolution: Resolution
    postage: Postage
    refund: Refund
    compensation: Compensation
    gestures: list[Gesture]
    steps: list[Step]
    awaiting: list[str]
    branches: list[Branch]
    trace: list[TraceEntry]

    def figures(self) -> dict[str, Any]:
        """The key figures a what-if branch reports."""
        return key_figures(
            self.resolution,
            self.refund.total,
            self.refund.release,
            self.postage,
            self.refund.offer_limit,
            self.compensation.total,
        )

    def to_json(self, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent)


def key_figures(
    resolution: str,
    total: Decimal,
    release: str | None,
    postage: Postage,
    offer_limit: Decimal | None = None,
    compensation_total: Decimal = ZERO,
) -> dict[str, Any]:
    return {
        "resolution": resolution,
        "refund_total": total,
        "release": release,
        "return_postage_borne_by": postage.return_leg.borne_by if postage.return_leg else None,
        "outbound_postage_borne_by": postage.outbound_leg.borne_by if postage.outbound_leg else None,
        "offer_limit": offer_limit,
        "compensation_total": compensation_total,
    }
