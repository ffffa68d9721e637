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
    """The policy that decided: its header and the digest of its rule files."""

    name: str = Field(description="The policy's name (`policy.name`).")
    version: str = Field(description="Its version (`policy.version`).")
    digest: str = Field(description="sha256 of its rule files: the same digest, the same decisions.")
    effective_from: date | None = Field(None, description="The first day it applies to cases opened on.")
    effective_until: date | None = Field(None, description="The last day it applies to cases opened on.")


class Share(_Out):
    """One party's share of a split leg."""

    party: Party = Field(description="Who bears this share.")
    amount: Money = Field(description="How much of the leg it bears.")


class Leg(_Out):
    """A leg of postage: who pays it when posting and who bears it in the end; null: no such leg."""

    advanced_by: Party | None = Field(description="Who pays the courier when posting; null: no one yet.")
    borne_by: Party = Field(description="Who finally bears it (up to `cap` when the leg is split).")
    amount: Money | None = Field(None, description="The postage; null: not known yet.")
    method: Method = Field("prepaid", description="How the courier is paid.")
    shares: list[Share] | None = Field(
        None,
        description="A split leg: `borne_by`'s share up to the cap, then the rest's party; the shares add up to "
        "the amount once it is known ([] until then). Null for a leg not split.",
    )
    pending: list[Party] | None = Field(
        None, description="A split leg whose amount is not known yet: the parties whose shares wait for it."
    )
    cap: Money | None = Field(
        None, description="The most `borne_by` bears of a split leg; null for a leg not split or while unknown."
    )


class Postage(_Out):
    """Who advances and who bears each leg of postage."""

    return_leg: Leg | None = Field(None, description="The buyer's parcel back to the shop; null: no return.")
    outbound_leg: Leg | None = Field(None, description="A new parcel to the buyer; null: none sent.")


class RefundLine(_Out):
    """One part of the refund."""

    component: Component = Field(description="What it pays back.")
    sku: str | None = Field(None, description="The order line of a goods line; null for other components.")
    amount: Money = Field(description="How much.")


class Refund(_Out):
    """Money paid back to the buyer, at most what was paid."""

    total: Money = Field(description="The sum of the lines whose amounts are known.")
    currency: str = Field(description="The order's currency.")
    lines: list[RefundLine] = Field(description="The parts of the refund whose amounts are known.")
    release: Release | None = Field(description="When it is paid out; null: no refund.")
    pending: list[str] = Field(
        [], description="Components due but not yet known (the return postage before the parcel ships)."
    )
    capped_at: Money | None = Field(None, description="Set when the lines were cut back to what the buyer paid.")
    offer_limit: Money | None = Field(
        None, description="The most customer service may offer where an amount is still to be agreed."
    )


OwnComponent = Annotated[str, Field(pattern=OWN_NAME_PATTERN)]  # a policy's own compensation component


class CompensationLine(_Out):
    """One payment of compensation."""

    component: CompensationComponent | OwnComponent = Field(
        description="What it compensates: a standard component, or a policy's own `x_...`."
    )
    amount: Money = Field(description="How much, within the line's minimum and maximum.")
    paid_by: Party = Field(description="Who pays it.")
    sku: str | None = Field(
        None, description="The order line of a per-item component (`per_item: true`); null otherwise."
    )


class Compensation(_Out):
    """Payments to the buyer that are not refunds of what was paid: outside ``refund.total``, not bounded
    by what was paid, only by each line's own formula, minimum and maximum."""

    total: Money = Field(description="The sum of the lines.")
    currency: str = Field(description="The order's currency.")
    lines: list[CompensationLine] = Field(description="The payments whose amounts are known.")
    pending: list[str] = Field(
        [], description="Components due but not yet known (their formula reads a fact the case lacks)."
    )


class StepText(_Out):
    """What a step says, in Chinese and English; and, keyed by its language tag (``zh-Hant``), in each other
    language the policy declares (``languages:``) that the rule gives a text in."""

    model_config = ConfigDict(frozen=True, extra="allow")
    __pydantic_extra__: dict[str, str] = Field(init=False)  # the other declared languages: tag → text

    zh: str | None = Field(description="In Chinese; null: the rule gives none.")
    en: str | None = Field(description="In English; null: the rule gives none.")


class Gesture(_Out):
    """A goodwill gesture on top of the resolution."""

    kind: GestureKind = Field(description="What is given.")
    detail: str = Field(
        description="What exactly, for people: in the policy's first language when the rule says it in each."
    )
    text: StepText | None = Field(
        None,
        description="What exactly, in each language the policy declares, as a step's text; null: the rule gives "
        "one text (`detail`) for every language.",
    )


class Step(_Out):
    """One thing someone does, in the order the plan's steps are done."""

    seq: int = Field(description="Its number, from 1.")
    actor: Actor = Field(description="Who does it.")
    action: str = Field(description="What: a standard action or a policy's own `x_...`.")
    text: StepText = Field(description=StepText.__doc__)
    due_by: datetime | None = Field(None, description="When it must be done by, in the policy's time zone.")
    stage: str = Field(description="The phase it belongs to; steps are ordered by stage.")
    rule: str = Field(description="The id of the rule that gave it.")


class Branch(_Out):
    """What would be decided under one answer to a fact the plan awaits (what-if)."""

    when: dict[str, Any] = Field(description="The awaited fact and the value assumed.")
    resolution: str = Field(description="The resolution it would give.")
    refund_total: Money = Field(description="The refund total it would give.")
    release: str | None = Field(description="When that refund would be paid out.")
    return_postage_borne_by: Party | None = Field(description="Who would bear the return leg; null: none.")
    outbound_postage_borne_by: Party | None = Field(description="Who would bear the outbound leg; null: none.")
    offer_limit: Money | None = Field(None, description="The offer limit it would give.")
    compensation_total: Money = Field(ZERO, description="The compensation total it would give.")


class TraceEntry(_Out):
    """A rule that decided part of the plan."""

    rule: str = Field(description="The rule's id.")
    source: str = Field(description="Where it is written (file:line).")
    because: list[str] = Field(description="Its conditions that held.")
    decided: list[str] = Field(description="The parts of the plan it decided.")
    description: str = Field("", description="The rule's description.")


class Plan(_Out):
    """What the policy decides for one case."""

    case_id: str = Field(description="The case's `case_id`.")
    policy: PolicyInfo = Field(description=PolicyInfo.__doc__)
    resolution: Resolution = Field(description="How the dispute is settled.")
    postage: Postage = Field(description=Postage.__doc__)
    refund: Refund = Field(description=Refund.__doc__)
    compensation: Compensation = Field(description=" ".join((Compensation.__doc__ or "").split()))
    gestures: list[Gesture] = Field(description="Goodwill gestures on top of the resolution.")
    steps: list[Step] = Field(description="What customer service, the warehouse, operations and the buyer do.")
    awaiting: list[str] = Field(description="The unknown facts the plan depends on, by path.")
    branches: list[Branch] = Field(description="What each answer to an awaited fact would decide instead.")
    trace: list[TraceEntry] = Field(description="The rules that decided, and what each decided.")

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
