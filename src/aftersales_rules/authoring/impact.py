"""What a policy change would decide differently: two policies, the same cases, every case that changed.

A case *changed* when any field of its plan's contract differs between the two
plans, or when it fails under one policy and not the other. The contract is
``CONTRACT``, a list of field paths written once and used both to compare and
to report: a path walks the plan's JSON form, and a path through a list (the
steps) takes that field of every element. A change lists the paths that
differ. Money deltas are kept per currency, never added across currencies, and
compensation (payments that are not refunds) apart from refunds.

A record that is not a case, or a case that fails under both policies, is kept
as the error record batch writes for it (``batch.error_fields``) and counted;
nothing ends the run but the policies themselves failing to load. Both policies
are loaded side by side in one process (each load has ruleset names of its own);
with ``jobs`` > 1 in each worker process (``pool.in_order``), the report the same.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from ..errors import CaseError, Problem
from ..loader import Document
from ..money import ZERO
from ..plan import Plan
from ..policy import Policy
from .batch import error_fields, error_text, problems_of
from .pool import chunked, in_order
from .records import Record, case_id_of, case_of, locate, read_cases, read_record
from .stopping import in_worker

__all__ = [
    "CONTRACT",
    "CaseChange",
    "ImpactReport",
    "Outcome",
    "add_result",
    "compare_policies",
    "compare_record",
    "describe",
    "diff_policies",
    "empty_report",
    "field_value",
    "load_both",
]

# The plan's contract, as paths into its JSON form: a case changed when any of these differs.
CONTRACT: tuple[str, ...] = (
    "resolution",
    "refund.total",
    "refund.lines",
    "refund.release",
    "refund.offer_limit",
    "postage.return_leg",
    "postage.outbound_leg",
    "gestures",
    "steps.action",
    "steps.actor",
    "steps.due_by",
    "awaiting",
    "compensation.total",
    "compensation.lines",
)


def field_value(data: Any, path: str) -> Any:
    """The value at ``path`` of a plan's JSON form; a path through a list takes the rest of every element."""
    head, _, rest = path.partition(".")
    value = data.get(head) if isinstance(data, dict) else None
    if not rest:
        return value
    if isinstance(value, list):
        return [field_value(item, rest) for item in value]
    return field_value(value, rest)


@dataclass(frozen=True)
class Outcome:
    """A plan's contract fields (or the error instead of a plan)."""

    fields: dict[str, Any] = field(default_factory=dict)  # CONTRACT path → value as in the plan's JSON
    currency: str | None = None
    error: str | None = None  # the error's text: a line per problem
    problems: tuple[Problem, ...] = ()  # the problems the error is made of, as data
    failure: BaseException | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, plan: Plan) -> Outcome:
        data = plan.model_dump(mode="json")
        return cls({path: field_value(data, path) for path in CONTRACT}, plan.refund.currency)

    @classmethod
    def failed(cls, exc: BaseException) -> Outcome:
        return cls(error=error_text(exc), problems=problems_of(exc), failure=exc)

    @property
    def resolution(self) -> str | None:
        return self.fields.get("resolution")

    @property
    def refund_total(self) -> Decimal:
        total = self.fields.get("refund.total")
        return ZERO if total is None else Decimal(total)

    @property
    def compensation_total(self) -> Decimal:
        total = self.fields.get("compensation.total")
        return ZERO if total is None else Decimal(total)

    @property
    def return_borne_by(self) -> str | None:
        return (self.fields.get("postage.return_leg") or {}).get("borne_by")

    @property
    def outbound_borne_by(self) -> str | None:
        return (self.fields.get("postage.outbound_leg") or {}).get("borne_by")

    def to_dict(self) -> dict:
        if self.error is not None:
            return {"error": self.error, "problems": [p.to_dict() for p in self.problems]}
        return dict(self.fields)


@dataclass(frozen=True)
class CaseChange:
    case_id: str | None
    kind: str | None
    where: str  # "line" | "file"
    ref: int | str
    old: Outcome
    new: Outcome
    file: str | None = None  # the file of its line or row, when the input has several

    @property
    def changed(self) -> list[str]:
        """The CONTRACT paths that differ (``["error"]`` when the case fails under one policy)."""
        if self.old.error is not None or self.new.error is not None:
            return ["error"] if self.old.error != self.new.error else []
        return [path for path in CONTRACT if self.old.fields.get(path) != self.new.fields.get(path)]

    @property
    def currency(self) -> str | None:
        return self.new.currency or self.old.currency

    @property
    def refund_delta(self) -> Decimal:
        return self.new.refund_total - self.old.refund_total

    @property
    def compensation_delta(self) -> Decimal:
        return self.new.compensation_total - self.old.compensation_total

    @property
    def compensated(self) -> bool:
        """Either plan pays compensation."""
        return self.old.compensation_total > 0 or self.new.compensation_total > 0

    def to_dict(self) -> dict:
        return {
            "case_id": self.case_id,
            "kind": self.kind,
            self.where: self.ref,
            **({"file": self.file} if self.file is not None else {}),
            "changed": self.changed,
            "old": self.old.to_dict(),
            "new": self.new.to_dict(),
            "refund_delta": f"{self.refund_delta:.2f}",
            "compensation_delta": f"{self.compensation_delta:.2f}",
            "currency": self.currency,
        }


@dataclass
class ImpactReport:
    old: str  # "name version" of each policy
    new: str
    old_digest: str = ""
    new_digest: str = ""
    cases: int = 0
    changes: list[CaseChange] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)  # batch's error records: decided by neither policy

    @property
    def failed_both(self) -> int:
        return len(self.errors)

    @property
    def changed_by_kind(self) -> Counter:
        return Counter(c.kind or "(not a case)" for c in self.changes)

    @property
    def refund_delta(self) -> dict[str, Decimal]:
        """Currency → the sum of the changed cases' refund deltas in it."""
        totals: dict[str, Decimal] = {}
        for change in self.changes:
            if change.currency is not None:
                totals[change.currency] = totals.get(change.currency, ZERO) + change.refund_delta
        return dict(sorted(totals.items()))

    @property
    def compensation_delta(self) -> dict[str, Decimal]:
        """Currency → the sum of the compensation deltas of the changed cases in it that pay any (under
        either policy): kept apart from the refunds."""
        totals: dict[str, Decimal] = {}
        for change in self.changes:
            if change.currency is not None and change.compensated:
                totals[change.currency] = totals.get(change.currency, ZERO) + change.compensation_delta
        return dict(sorted(totals.items()))

    @property
    def refund_delta_per_changed_case(self) -> dict[str, Decimal]:
        """Currency → its refund delta over the changed cases in that currency."""
        counts = Counter(c.currency for c in self.changes if c.currency is not None)
        return {cur: (total / counts[cur]).quantize(Decimal("0.01")) for cur, total in self.refund_delta.items()}

    def to_dict(self) -> dict:
        return {
            "old": self.old,
            "old_digest": self.old_digest,
            "new": self.new,
            "new_digest": self.new_digest,
            "changes": [c.to_dict() for c in self.changes],
            "errors": self.errors,
            "summary": {
                "cases": self.cases,
                "changed": len(self.changes),
                "failed_under_both": self.failed_both,
                "changed_by_kind": dict(sorted(self.changed_by_kind.items())),
                "refund_delta": {cur: f"{d:.2f}" for cur, d in self.refund_delta.items()},
                "refund_delta_per_changed_case": {
                    cur: f"{d:.2f}" for cur, d in self.refund_delta_per_changed_case.items()
                },
                "compensation_delta": {cur: f"{d:.2f}" for cur, d in self.compensation_delta.items()},
            },
        }


def compare_record(old: Policy, new: Policy, record: Record) -> CaseChange | dict[str, Any] | None:
    """One record evaluated with both policies: its change, the error record of a case neither policy
    decided (a dict, as batch writes it), or None when nothing changed. What it returns can be
    pickled (the errors' exceptions are left out): a worker process sends it back as it is."""
    where, ref = record.where, record.ref
    case_id = None
    try:
        data, doc = read_record(record)
        case_id = case_id_of(data)
        case = case_of(record, data, doc, zone=new.source.scope.timezone)
    except Exception as exc:  # not a case: neither policy can decide it; kept as batch keeps it
        return error_fields(case_id, exc, where, ref)
    before, after = _outcome(old, case, doc), _outcome(new, case, doc)
    if any(isinstance(o.failure, CaseError) for o in (before, after)) and (located := locate(record, doc)):
        before, after = _outcome(old, case, located), _outcome(new, case, located)  # its problems placed
    if before.failure is not None and after.failure is not None:
        return error_fields(case.case_id, after.failure, where, ref)
    change = CaseChange(
        case.case_id, case.issue.kind, where, ref, replace(before, failure=None), replace(after, failure=None)
    )
    return change if change.changed else None


def compare_policies(
    old: Policy, new: Policy, records: Iterable[Record | None], progress: Callable[[int], None] | None = None
) -> ImpactReport:
    """Evaluate every record (as ``records.read_cases`` yields them, read as batch reads them) with both
    policies; ``progress`` is told the number of cases done after each."""
    report = empty_report(old, new)
    for record in records:
        if record is not None:
            add_result(report, compare_record(old, new, record), progress)
    return report


def load_both(
    old_rules: str | os.PathLike[str],
    new_rules: str | os.PathLike[str],
    shown_as: tuple[str | None, str | None] = (None, None),
) -> tuple[Policy, Policy]:
    """Both policies of a diff, loaded (``shown_as`` as ``Policy.load``); the old one closed again when the new
    one does not load."""
    old = Policy.load(old_rules, shown_as=shown_as[0])
    try:
        return old, Policy.load(new_rules, shown_as=shown_as[1])
    except BaseException:
        old.close()
        raise


def diff_policies(
    old_rules: str | os.PathLike[str],
    new_rules: str | os.PathLike[str],
    cases: str | os.PathLike[str],
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
    shown_as: tuple[str | None, str | None] = (None, None),
) -> ImpactReport:
    """Load both policies and compare them on the cases of a JSONL file or a directory, on ``jobs``
    worker processes (each loads both policies; the report is the same for any number).

    ``shown_as``: how locations name each policy folder (``Policy.load``), ``HEAD:rules`` for one
    ``gitrev.policy_folder`` took from git."""
    old, new = load_both(old_rules, new_rules, shown_as)
    if jobs <= 1:
        try:
            return compare_policies(old, new, read_cases(cases), progress)
        finally:
            old.close()
            new.close()
    report = empty_report(old, new)  # both loaded once here: a broken policy is reported once, not by every worker
    old.close()
    new.close()
    folders = (str(old_rules), str(new_rules), *shown_as)
    for results in in_order(chunked(read_cases(cases)), _work, jobs, _start_worker, folders):
        for result in results:
            add_result(report, result, progress)
    return report


def empty_report(old: Policy, new: Policy) -> ImpactReport:
    """The report of two policies before any case."""
    return ImpactReport(f"{old.name} {old.version}", f"{new.name} {new.version}", old.digest, new.digest)


def add_result(
    report: ImpactReport, result: CaseChange | dict[str, Any] | None, progress: Callable[[int], None] | None
) -> None:
    """Count one case: its change, its error record, or nothing (None: it did not change)."""
    report.cases += 1
    if isinstance(result, CaseChange):
        report.changes.append(result)
    elif result is not None:
        report.errors.append(result)
    if progress is not None:
        progress(report.cases)


_worker_policies: tuple[Policy, Policy] | None = None


def _start_worker(old_rules: str, new_rules: str, old_shown: str | None, new_shown: str | None, parent: int) -> None:
    global _worker_policies
    in_worker(parent)  # the parent answers the signals that end a run, and ends its workers itself
    _worker_policies = (Policy.load(old_rules, shown_as=old_shown), Policy.load(new_rules, shown_as=new_shown))


def _work(chunk: list[Record]) -> list[CaseChange | dict[str, Any] | None]:
    assert _worker_policies is not None
    old, new = _worker_policies
    return [compare_record(old, new, record) for record in chunk]


def _outcome(policy: Policy, case: Any, doc: Document | None) -> Outcome:
    try:
        return Outcome.of(policy.evaluate(case, branches=False, document=doc))
    except Exception as exc:  # a failing case (or a bug) is this policy's outcome for it, never the end of the run
        return Outcome.failed(exc)


def describe(change: CaseChange) -> Iterator[str]:
    """The differences of one case, a part per changed field: ``resolution decline → return_and_refund``."""
    old, new = change.old, change.new
    if old.error is not None or new.error is not None:
        yield f"error {old.error or 'none'} → {new.error or 'none'}"
        return
    for path in change.changed:
        a, b = old.fields.get(path), new.fields.get(path)
        if isinstance(a, list) or isinstance(b, list):
            gone = Counter(map(_show, a or [])) - Counter(map(_show, b or []))
            came = Counter(map(_show, b or [])) - Counter(map(_show, a or []))
            parts = [f"-{item}" for item, n in gone.items() for _ in range(n)]
            parts += [f"+{item}" for item, n in came.items() for _ in range(n)]
            yield f"{path} " + (" ".join(parts) if parts else "reordered")
        elif path == "refund.total":
            yield f"{path} {_show(a)} → {_show(b)} ({change.refund_delta:+.2f} {change.currency})"
        elif path == "compensation.total":
            yield f"{path} {_show(a)} → {_show(b)} ({change.compensation_delta:+.2f} {change.currency})"
        else:
            yield f"{path} {_show(a)} → {_show(b)}"


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items() if v is not None) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)
