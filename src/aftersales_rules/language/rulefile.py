"""The shape of a rule file (pydantic models): what keys exist and what values they take.

These models check structure only; conditions, amounts, moments, texts and
references are free-form here and parsed with their locations by the language
modules. ``PolicyFileSchema`` composes everything for the JSON Schema export.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, field_validator

from ..case import MAX_TEXT
from ..diagnostics import IDENTIFIER_PATTERN, NAME_PATTERN, OWN_NAME_PATTERN
from ..errors import quoted
from ..vocabulary import (
    ACTIONS,
    STAGES,
    Actor,
    CompensationComponent,
    Component,
    GestureKind,
    Method,
    Party,
    Release,
    Resolution,
    Stage,
)

__all__ = [
    "ACTIONS",
    "STAGES",
    "AttributeDecl",
    "CompensationModel",
    "Defaults",
    "EscalationDecl",
    "FactDecl",
    "GestureModel",
    "ItemAttributeDecl",
    "KindDecl",
    "LegModel",
    "LineModel",
    "PolicyFile",
    "PolicyFileSchema",
    "PolicyHeader",
    "RefundModel",
    "RuleModel",
    "StepModel",
    "TextModel",
    "ThenModel",
]

Identifier = Annotated[StrictStr, Field(pattern=IDENTIFIER_PATTERN)]
# a BCP 47 language tag as policies write them: a language, then optionally a script and a region
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|[0-9]{3}))?$")
Name = Annotated[StrictStr, Field(pattern=NAME_PATTERN)]
Value = Annotated[StrictStr, Field(max_length=MAX_TEXT)]  # a value the engine compares: as bounded as a case's texts


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PolicyHeader(_Model):
    """Who the policy is and when it applies."""

    name: Identifier
    version: Annotated[StrictStr, Field(min_length=1, max_length=40)]
    description: StrictStr = ""
    effective_from: date | None = None
    effective_until: date | None = None
    timezone: StrictStr | None = Field(
        None, description="IANA zone for calendar days and clock times, e.g. Asia/Shanghai"
    )
    examples: StrictStr | None = Field(
        None,
        description="the folder of example cases this policy's tests read, relative to the policy folder; "
        "default: none (cases must be inside the policy folder)",
    )
    languages: Annotated[list[StrictStr], Field(min_length=1)] = Field(
        ["zh", "en"],
        description="the languages every step text carries (BCP 47 tags: zh, en, zh-Hant, ...), the first the one "
        "the policy is read in; check reports a text missing in one of them (an error); default: [zh, en]",
    )

    @field_validator("languages")
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        for tag in value:
            if not LANGUAGE_TAG.match(tag):
                raise ValueError(
                    f"{quoted(tag)} is not a language tag (BCP 47: a language, then a script or a region, "
                    "such as zh, en, zh-Hant, pt-BR)"
                )
        if len(set(value)) != len(value):
            raise ValueError("each language once")
        return value


class Defaults(_Model):
    """What the plan says when no rule decides it."""

    resolution: Resolution | None = None
    release: Release | None = None


class TextModel(_Model):
    """A shared text: zh and en, and any other language the policy declares (``zh-Hant: ...``)."""

    model_config = ConfigDict(extra="allow")

    zh: StrictStr | None = None
    en: StrictStr | None = None


class AttributeDecl(_Model):
    """A policy-specific case fact, read from ``attributes.<name>`` of the case."""

    type: Literal["bool", "enum", "money", "int", "text", "time"]
    values: list[Value] | None = None
    description: StrictStr = ""
    awaitable: StrictBool = Field(False, description="when unknown, show what-if branches for its values")


class ItemAttributeDecl(_Model):
    """A fact of one order line, read from ``order.items[i].attributes.<name>`` of the case."""

    type: Literal["bool", "enum", "money", "int", "text"]
    values: list[Value] | None = None
    description: StrictStr = ""
    default: Any = Field(None, description="the value of a line that does not give it (without a default: unknown)")


class KindDecl(_Model):
    """A policy's own issue kind (``x_…``): a case may name it only when the policy declares it."""

    description: Annotated[StrictStr, Field(min_length=1)]


class EscalationDecl(_Model):
    """A situation the policy sends to a person on purpose: its cases take ``defaults.resolution: escalate``."""

    description: Annotated[StrictStr, Field(min_length=1)]
    when: Any = Field(description="the cases it covers: a condition, as in a rule")


class FactDecl(_Model):
    """A derived fact: defined by a condition (``when``) or set by rules (``type`` and ``default``)."""

    description: StrictStr = ""
    when: Any = None
    type: Literal["bool", "enum"] | None = None
    values: list[Value] | None = None
    default: Any = None


class LegModel(_Model):
    advanced_by: Party | None = None
    borne_by: Party
    method: Method = "prepaid"
    amount: Any = None
    cap: Any = Field(None, description="a split leg: the most borne_by bears (an amount); rest_borne_by bears the rest")
    rest_borne_by: Party | None = Field(None, description="a split leg: who bears what is above the cap")


class LineModel(_Model):
    component: Component
    amount: Any = None
    cap: Any = None
    agreed: Any = None
    only: Any = Field(None, description="goods: only the affected items this item condition holds for")
    except_: Any = Field(None, alias="except", description="goods: the affected items except those it holds for")
    per_item: StrictBool = Field(False, description="one line per affected item: amount and cap may name item.*")


class RefundModel(_Model):
    lines: list[Any] | None = None
    release: Release | None = None


class CompensationModel(_Model):
    """A compensation line: a payment to the buyer that is not a refund (language/compensation.py)."""

    component: StrictStr  # the vocabulary's or a policy's own x_...; checked with "did you mean"
    amount: Any
    at_least: Any = None
    at_most: Any = None
    paid_by: Party = "seller"
    per_item: StrictBool = Field(False, description="one line per affected item: the formulas may name item.*")
    only: Any = Field(None, description="per_item: only the affected items this item condition holds for")
    except_: Any = Field(None, alias="except", description="per_item: the affected items except those it holds for")


class GestureModel(_Model):
    kind: GestureKind
    detail: Any  # one text for every language, {zh: ..., en: ...} or $name of a shared text (steptext.parse_detail)


class StepModel(_Model):
    actor: Actor
    action: StrictStr
    text: Any = None
    due: Any = None
    stage: Stage = "resolve"


class ThenModel(_Model):
    resolution: Resolution | None = None
    return_leg: Any = None  # a LegModel or "none", checked with its own location
    outbound_leg: Any = None
    refund: Any = None  # a RefundModel or "none"
    compensation: Any = None  # a list of CompensationModel, checked with its own location
    gestures: list[GestureModel] = []
    steps: list[StepModel] = []
    set: dict[StrictStr, Any] = {}


class RuleModel(_Model):
    id: Identifier
    description: StrictStr = ""
    clause: StrictStr = ""
    priority: Annotated[StrictInt, Field(ge=-1000, le=1000)] = 0
    group: Identifier | None = None
    when: Any = None
    then: ThenModel


class PolicyFile(_Model):
    """One rule file. Every section is optional; ``policy`` appears in exactly one file."""

    policy: PolicyHeader | None = None
    defaults: Defaults | None = None
    values: dict[Name, Any] = {}
    texts: dict[Name, TextModel] = {}
    attributes: dict[Name, AttributeDecl] = {}
    item_attributes: dict[Name, ItemAttributeDecl] = {}
    facts: dict[Name, FactDecl] = {}
    rules: list[Any] = []
    kinds: dict[Name, KindDecl] = {}
    escalations: dict[Name, EscalationDecl] = {}


class CompensationSchema(CompensationModel):
    component: CompensationComponent | Annotated[StrictStr, Field(pattern=OWN_NAME_PATTERN)]


class ThenSchema(ThenModel):
    return_leg: LegModel | Literal["none"] | None = None
    outbound_leg: LegModel | Literal["none"] | None = None
    refund: RefundModel | Literal["none"] | None = None
    compensation: list[CompensationSchema] | None = None


class RuleSchema(RuleModel):
    then: ThenSchema


class PolicyFileSchema(PolicyFile):
    """``PolicyFile`` with the rules' own shape, for the JSON Schema export."""

    rules: list[RuleSchema] = []
