"""What ``GET /v1/policy`` and ``GET /v1/rules`` answer, as models (the OpenAPI document shows them)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from ..policy import Policy
from ..render import languages as text_languages
from .live import LivePolicy

__all__ = ["PolicyStatus", "RuleSummary", "policy_status", "rule_summaries"]


class ShadowInfo(BaseModel):
    name: str
    version: str
    digest: str


class PolicyStatus(BaseModel):
    """The policy in service (its fields null while none has loaded), and the last reload that failed."""

    name: str | None
    version: str | None
    digest: str | None = Field(description="As in every plan's `policy.digest` and the `X-Policy-Digest` header.")
    effective_from: date | None = None
    effective_until: date | None = None
    rules: int = Field(0, description="How many rules it has.")
    languages: list[str] = Field(description="The languages the policy's texts carry (its header's `languages`).")
    text_languages: list[str] = Field(
        description="The languages of the text views (`?lang=`): one per message catalogue."
    )
    loaded_at: datetime | None = Field(description="When it was put in service.")
    last_reload_error: dict[str, Any] | None = Field(
        description="The last reload that failed (at, reason, error, problems), the previous policy kept serving; "
        "null once a reload succeeds."
    )
    shadow: ShadowInfo | None = Field(None, description="The candidate policy tried on every request (--shadow).")


class RuleSummary(BaseModel):
    """One rule of the policy in service: for a client picking one to ask why it did not apply."""

    id: str
    description: str
    source: str = Field(description="Where it is written (file:line), as in the plan's trace.")
    group: str | None
    priority: int


def policy_status(live: LivePolicy, shadow: Policy | None) -> PolicyStatus:
    policy = live.policy
    return PolicyStatus(
        name=policy.name if policy else None,
        version=policy.version if policy else None,
        digest=policy.digest if policy else None,
        effective_from=policy.effective_from if policy else None,
        effective_until=policy.effective_until if policy else None,
        rules=len(policy.rules) if policy else 0,
        languages=list(policy.source.header.languages) if policy else [],
        text_languages=list(text_languages()),
        loaded_at=live.loaded_at,
        last_reload_error=live.last_error,
        shadow=ShadowInfo(name=shadow.name, version=shadow.version, digest=shadow.digest) if shadow else None,
    )


def rule_summaries(policy: Policy) -> list[RuleSummary]:
    return [
        RuleSummary(id=r.id, description=r.description, source=r.source, group=r.group, priority=r.priority)
        for r in policy.rules
    ]
