"""Many cases, one policy: stream cases in, plans out, in constant memory, on N processes.

Cases come from a JSONL file (one case per line; a pipe, or ``-`` for stdin, is read
as it comes) or a directory of case files (``*.yaml``, ``*.yml``, ``*.json``), read
lazily by ``records.read_cases``. Plans go out as JSONL in the input's order, one
line each as soon as it is known (when a stream has nothing more ready, all that is
under way is finished and written first); a case that fails becomes an error record
``{"case_id": ..., "error": ..., "problems": [...], "line": n}`` (``"file"`` for a
directory) and the batch goes on: ``case_id`` when it could be read, ``error`` the
text (a line per problem), ``problems`` every problem as data (file, line, column,
severity, code, message, path, suggestion; empty for an error that is not about the
input).

A ``Policy`` cannot be pickled (it owns durable_rules handles), so each worker
process loads the policy itself. Work is sent in chunks with a bounded number
in flight (``pool.in_order``): ``Pool.imap`` would read the whole input ahead into its task queue.
Workers are spawned, not forked, and a worker that dies (durable_rules is C)
stops the batch with an error instead of hanging it.
"""

from __future__ import annotations

import functools
import json
import os
import signal
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..errors import AfterSalesError, CaseError, Problem, cut
from ..policy import Policy
from .output import Output, check_not_policy, check_output
from .pool import CHUNK, chunked, in_order
from .records import Record, case_id_of, locate, read_cases, read_record
from .stopping import Stopped, Stopping, in_worker

__all__ = [
    "BatchSummary",
    "Figures",
    "commit",
    "error_fields",
    "error_problems",
    "error_record",
    "error_text",
    "evaluate_record",
    "interrupted",
    "problems_of",
    "run_batch",
    "take",
]


@dataclass(frozen=True)
class Figures:
    """What the summary needs from one plan (a worker sends this, not the plan)."""

    resolution: str
    currency: str
    refund_total: Decimal
    seller_legs: tuple[tuple[str, Decimal | None], ...]  # ("return" | "outbound", amount) for legs the seller bears
    compensation_total: Decimal = Decimal("0.00")  # payments that are not refunds: counted apart from them


@dataclass
class BatchSummary:
    """Counts over the whole batch."""

    cases: int = 0
    errors: int = 0
    resolutions: Counter = field(default_factory=Counter)
    refunds: dict[str, Decimal] = field(default_factory=dict)  # currency → total
    seller_legs: Counter = field(default_factory=Counter)  # "return" | "outbound" → legs the seller bears
    seller_postage: dict[str, Decimal] = field(default_factory=dict)  # currency → known amounts of those legs
    compensation: dict[str, Decimal] = field(default_factory=dict)  # currency → total, of plans that have any
    compensated: Counter = field(default_factory=Counter)  # currency → plans with compensation

    def add(self, figures: Figures | None) -> None:
        self.cases += 1
        if figures is None:
            self.errors += 1
            return
        self.resolutions[figures.resolution] += 1
        cur = figures.currency
        self.refunds[cur] = self.refunds.get(cur, Decimal("0.00")) + figures.refund_total
        for leg, amount in figures.seller_legs:
            self.seller_legs[leg] += 1
            if amount is not None:
                self.seller_postage[cur] = self.seller_postage.get(cur, Decimal("0.00")) + amount
        if figures.compensation_total > 0:
            self.compensation[cur] = self.compensation.get(cur, Decimal("0.00")) + figures.compensation_total
            self.compensated[cur] += 1

    @property
    def evaluated(self) -> int:
        return self.cases - self.errors


# --------------------------------------------------------------------------- records


def evaluate_record(policy: Policy, record: Record, branches: bool = True) -> tuple[str, Figures | None]:
    """One output line (a plan, or an error record) and the figures of the plan (None for an error)."""
    case_id = None
    try:
        data, doc = read_record(record)
        case_id = case_id_of(data)  # read before the case is validated: an error record names a case that is wrong
        try:
            plan = policy.evaluate(data, branches=branches, document=doc)
        except CaseError:
            located = locate(record, doc)  # a JSON line read on the fast path: read again, with places
            if located is None:
                raise
            plan = policy.evaluate(located.data, branches=branches, document=located)
    except AfterSalesError as exc:
        return error_record(case_id, exc, record.where, record.ref), None
    except Exception as exc:  # a bug must not stop the batch: it is recorded like any failure
        return error_record(case_id, exc, record.where, record.ref), None
    legs = tuple(
        (name, leg.amount)
        for name, leg in (("return", plan.postage.return_leg), ("outbound", plan.postage.outbound_leg))
        if leg is not None and leg.borne_by == "seller"
    )
    figures = Figures(plan.resolution, plan.refund.currency, plan.refund.total, legs, plan.compensation.total)
    return plan.model_dump_json(), figures


def problems_of(exc: BaseException) -> tuple[Problem, ...]:
    """The problems an error is made of (none for an error that is not about the input)."""
    return tuple(getattr(exc, "problems", ())) if isinstance(exc, AfterSalesError) else ()


def error_problems(exc: BaseException) -> list[dict[str, Any]]:
    """The problems an error is made of, as data."""
    return [p.to_dict() for p in problems_of(exc)]


def error_text(exc: BaseException) -> str:
    """An error as a person reads it: every problem a line; a bug named as one."""
    if isinstance(exc, AfterSalesError):
        return str(exc)
    return f"internal error (please report): {type(exc).__name__}: {cut(str(exc))}"


def error_fields(case_id: str | None, exc: BaseException, where: str, ref: int | str) -> dict[str, Any]:
    """The record of a case that failed, as data: its id if readable, the text, and every problem."""
    return {"case_id": case_id, "error": error_text(exc), "problems": error_problems(exc), where: ref}


def error_record(case_id: str | None, exc: BaseException, where: str, ref: int | str) -> str:
    """The output line of a case that failed: ``error_fields`` as one line of JSON."""
    return json.dumps(error_fields(case_id, exc, where, ref), ensure_ascii=False)


# --------------------------------------------------------------------------- workers

_worker_policy: Policy | None = None


def _start_worker(rules: str, parent: int) -> None:
    global _worker_policy
    in_worker(parent)  # the parent answers the signals that end a run, and ends its workers itself
    _worker_policy = Policy.load(rules)


def _work(chunk: list[Record], branches: bool) -> list[tuple[str, Figures | None]]:
    assert _worker_policy is not None
    return [evaluate_record(_worker_policy, record, branches) for record in chunk]


def run_batch(
    cases: str | os.PathLike[str],
    out: str | os.PathLike[str],
    rules: str | os.PathLike[str] = "rules",
    jobs: int = 1,
    branches: bool = True,
    progress: Callable[[BatchSummary], None] | None = None,
) -> BatchSummary:
    """Evaluate every case of ``cases`` with the policy in ``rules``; write JSONL to ``out``.

    An output that cannot be opened or written (a missing folder, no permission, a full disk), or
    that is an input, raises ``OutputError`` naming it and the cause. The policy is loaded first,
    the plans are written to a temporary file beside ``out`` and renamed over it when the run
    completes: a run that fails or is interrupted leaves ``out`` as it was. SIGINT, SIGTERM or
    SIGHUP (those still at their default) raise ``stopping.Stopped`` once the worker processes are
    killed and the temporary file removed.
    """
    summary = BatchSummary()
    sinks: list[Output] = []
    try:
        with Stopping() as stopping:
            _run(stopping, cases, out, rules, jobs, branches, progress, summary, sinks)
    except Stopped as exc:
        raise interrupted(exc, out, summary, sinks) from None
    return summary


def interrupted(exc: Stopped, out: str | os.PathLike[str], summary: BatchSummary, sinks: list[Output]) -> Stopped:
    """The ``Stopped`` a batch ends with: how far it got, and whether ``out`` is as it was."""
    kept = f"{out} is left as it was" if all(s.whole for s in sinks) else f"their plans are written to {out}"
    name = signal.Signals(exc.signum).name
    return Stopped(exc.signum, f"interrupted by {name} after {summary.cases:,} cases; {kept}")


def take(
    stopping: Stopping,
    sink: Output,
    summary: BatchSummary,
    progress: Callable[[BatchSummary], None] | None,
    results: list[tuple[str, Figures | None]],
) -> None:
    """Write a chunk's lines, in order, and count them."""
    with stopping.interruptible():  # a signal noted meanwhile is raised here, or while a pipe is full
        for line, figures in results:
            sink.write(line + "\n")
            summary.add(figures)
        sink.flush()  # a reader of a pipe sees each plan when it is known
        if progress is not None:
            progress(summary)


def commit(stopping: Stopping, sink: Output) -> None:
    """The run is complete: the output renamed into place (a signal before that stops the run)."""
    stopping.check()  # a signal before the rename stops the run; once renamed, the run is complete
    sink.commit()
    stopping.finished()


def _run(
    stopping: Stopping,
    cases: str | os.PathLike[str],
    out: str | os.PathLike[str],
    rules: str | os.PathLike[str],
    jobs: int,
    branches: bool,
    progress: Callable[[BatchSummary], None] | None,
    summary: BatchSummary,
    sinks: list[Output],
) -> None:
    check_output(cases, out)
    check_not_policy(rules, out)
    policy = Policy.load(rules)  # a broken policy is reported before the output is touched
    records = stopping.each(read_cases(cases, idle=True))  # a signal stops a wait for input at once

    if jobs <= 1:
        try:
            with Output(out) as sink:
                sinks.append(sink)
                for chunk, _ in chunked(records, CHUNK):
                    if chunk:
                        take(
                            stopping,
                            sink,
                            summary,
                            progress,
                            [evaluate_record(policy, record, branches) for record in chunk],
                        )
                commit(stopping, sink)
        finally:
            policy.close()
        return
    policy.close()  # loaded once here so that a broken policy is reported once, not by every worker
    with Output(out) as sink:
        sinks.append(sink)

        def died() -> str:
            return f"a worker process died after {summary.cases:,} cases; {out} is left as it was"

        work = functools.partial(_work, branches=branches)
        chunks = chunked(records, CHUNK)
        with closing(in_order(chunks, work, jobs, _start_worker, (str(rules),), stopping, died)) as results:
            for result in results:  # a chunk's plans written before the next is waited for
                take(stopping, sink, summary, progress, result)
        commit(stopping, sink)
