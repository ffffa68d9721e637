"""What a policy change would decide differently: two policies, the same cases, every case that changed.

A case *changed* when its resolution, refund total, who bears either postage
leg, or the steps (actor and action, in order) differ between the two plans,
or when it fails under one policy and not the other. Cases that fail under
both are counted, not listed. Both policies are loaded side by side in one
process (each load has ruleset names of its own).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..case import parse_case
from ..errors import AfterSalesError, Problem
from ..money import ZERO
from ..plan import Plan
from ..policy import Policy
from .batch import load_record, read_cases

__all__ = ["CaseChange", "ImpactReport", "Outcome", "compare_policies", "describe", "diff_policies"]

FIELDS = ("error", "resolution", "refund_total", "return_borne_by", "outbound_borne_by", "steps")


@dataclass(frozen=True)
class Outcome:
    """The parts of a plan a policy change is judged by (or the error instead of a plan)."""

    resolution: str | None = None
    refund_total: Decimal = ZERO
    return_borne_by: str | None = None
    outbound_borne_by: str | None = None
    steps: tuple[tuple[str, str], ...] = ()  # (actor, action)
    error: str | None = None  # the error's text: a line per problem
    problems: tuple[Problem, ...] = ()  # the problems the error is made of, as data

    @classmethod
    def of(cls, plan: Plan) -> Outcome:
        legs = plan.postage
        return cls(
            plan.resolution,
            plan.refund.total,
            legs.return_leg.borne_by if legs.return_leg else None,
            legs.outbound_leg.borne_by if legs.outbound_leg else None,
            tuple((s.actor, s.action) for s in plan.steps),
        )

    def to_dict(self) -> dict:
        if self.error is not None:
            return {"error": self.error, "problems": [p.to_dict() for p in self.problems]}
        return {
            "resolution": self.resolution,
            "refund_total": f"{self.refund_total:.2f}",
            "return_borne_by": self.return_borne_by,
            "outbound_borne_by": self.outbound_borne_by,
            "steps": [action for _, action in self.steps],
        }


@dataclass(frozen=True)
class CaseChange:
    case_id: str | None
    kind: str | None
    where: str  # "line" | "file"
    ref: int | str
    old: Outcome
    new: Outcome

    @property
    def changed(self) -> list[str]:
        if self.old.error is not None or self.new.error is not None:
            return ["error"]
        return [name for name in FIELDS if getattr(self.old, name) != getattr(self.new, name)]

    @property
    def refund_delta(self) -> Decimal:
        return self.new.refund_total - self.old.refund_total

    def to_dict(self) -> dict:
        return {
            "case_id": self.case_id,
            "kind": self.kind,
            self.where: self.ref,
            "changed": self.changed,
            "old": self.old.to_dict(),
            "new": self.new.to_dict(),
            "refund_delta": f"{self.refund_delta:.2f}",
        }


@dataclass
class ImpactReport:
    old: str  # "name version" of each policy
    new: str
    cases: int = 0
    failed_both: int = 0
    changes: list[CaseChange] = field(default_factory=list)

    @property
    def changed_by_kind(self) -> Counter:
        return Counter(c.kind or "(not a case)" for c in self.changes)

    @property
    def refund_delta(self) -> Decimal:
        return sum((c.refund_delta for c in self.changes), ZERO)

    @property
    def refund_delta_per_changed_case(self) -> Decimal:
        if not self.changes:
            return ZERO
        return (self.refund_delta / len(self.changes)).quantize(Decimal("0.01"))

    def to_dict(self) -> dict:
        return {
            "old": self.old,
            "new": self.new,
            "changes": [c.to_dict() for c in self.changes],
            "summary": {
                "cases": self.cases,
                "changed": len(self.changes),
                "failed_under_both": self.failed_both,
                "changed_by_kind": dict(sorted(self.changed_by_kind.items())),
                "refund_delta": f"{self.refund_delta:.2f}",
                "refund_delta_per_changed_case": f"{self.refund_delta_per_changed_case:.2f}",
            },
        }


def compare_policies(old: Policy, new: Policy, records: Iterable[tuple[str, int | str, str]]) -> ImpactReport:
    """Evaluate every record (as ``batch.read_cases`` yields them) with both policies."""
    report = ImpactReport(f"{old.name} {old.version}", f"{new.name} {new.version}")
    for where, ref, payload in records:
        report.cases += 1
        try:
            data: Any = parse_case(load_record(where, payload))
        except AfterSalesError:
            report.failed_both += 1  # not a case: neither policy can decide it
            continue
        before, after = _outcome(old, data), _outcome(new, data)
        if before.error is not None and after.error is not None:
            report.failed_both += 1
        elif before != after:
            report.changes.append(CaseChange(data.case_id, data.issue.kind, where, ref, before, after))
    return report


def diff_policies(
    old_rules: str | os.PathLike[str], new_rules: str | os.PathLike[str], cases: str | os.PathLike[str]
) -> ImpactReport:
    """Load both policies and compare them on the cases of a JSONL file or a directory."""
    old, new = Policy.load(old_rules), Policy.load(new_rules)
    try:
        return compare_policies(old, new, read_cases(cases))
    finally:
        old.close()
        new.close()


def _outcome(policy: Policy, case: Any) -> Outcome:
    try:
        return Outcome.of(policy.evaluate(case, branches=False))
    except AfterSalesError as exc:
        return Outcome(error=str(exc), problems=tuple(getattr(exc, "problems", ())))


def describe(change: CaseChange) -> Iterator[str]:
    """The differences of one case, for a person: ``resolution decline → return_and_refund``."""
    old, new = change.old, change.new
    if old.error is not None or new.error is not None:
        yield f"error {old.error or 'none'} → {new.error or 'none'}"
        return
    if old.resolution != new.resolution:
        yield f"resolution {old.resolution} → {new.resolution}"
    if old.refund_total != new.refund_total:
        yield f"refund {old.refund_total:.2f} → {new.refund_total:.2f} ({change.refund_delta:+.2f})"
    for leg, a, b in (
        ("return", old.return_borne_by, new.return_borne_by),
        ("outbound", old.outbound_borne_by, new.outbound_borne_by),
    ):
        if a != b:
            yield f"{leg} postage borne by {a or 'none'} → {b or 'none'}"
    if old.steps != new.steps:
        gone = Counter(old.steps) - Counter(new.steps)
        came = Counter(new.steps) - Counter(old.steps)
        parts = [f"-{action}" for (_, action), n in gone.items() for _ in range(n)]
        parts += [f"+{action}" for (_, action), n in came.items() for _ in range(n)]
        yield "steps " + (" ".join(parts) if parts else "reordered")
