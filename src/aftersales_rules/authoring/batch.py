"""Many cases, one policy: stream cases in, plans out, in constant memory, on N processes.

Cases come from a JSONL file (one case per line) or a directory of case files
(``*.yaml``, ``*.yml``, ``*.json``), read lazily. Plans go out as JSONL in the
input's order, one line each as soon as it is known; a case that fails becomes
an error record ``{"case_id": ..., "error": ..., "problems": [...], "line": n}``
(``"file"`` for a directory) and the batch goes on: ``case_id`` when it could be
read, ``error`` the text (a line per problem), ``problems`` every problem as data
(file, line, column, severity, code, message, path, suggestion; empty for an
error that is not about the input).

A ``Policy`` cannot be pickled (it owns durable_rules handles), so each worker
process loads the policy itself. Work is sent in chunks with a bounded number
in flight: ``Pool.imap`` would read the whole input ahead into its task queue.
Workers are spawned, not forked, and a worker that dies (durable_rules is C)
stops the batch with an error instead of hanging it.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import secrets
import stat
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..case import load_case, parse_case
from ..errors import AfterSalesError, EvaluationError, InputError, OutputError, Problem, SourceLocation
from ..loader import Document, load_document
from ..policy import Policy

__all__ = [
    "BatchSummary",
    "case_id_of",
    "check_output",
    "count_cases",
    "error_fields",
    "error_problems",
    "error_record",
    "error_text",
    "evaluate_record",
    "load_record",
    "problems_of",
    "read_cases",
    "read_record",
    "run_batch",
]

CASE_SUFFIXES = (".yaml", ".yml", ".json")
CHUNK = 64  # cases per task sent to a worker
IN_FLIGHT = 4  # chunks per worker waiting or running


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


# --------------------------------------------------------------------------- input


def read_cases(path: str | os.PathLike[str]) -> Iterator[tuple[str, int | str, str]]:
    """``(where, ref, payload)`` per case, lazily: ``("line", n, text)`` or ``("file", name, path)``."""
    p = Path(path)
    if p.is_dir():
        for file in sorted(f for f in p.iterdir() if f.suffix in CASE_SUFFIXES and f.is_file()):
            yield "file", str(file), str(file)
        return
    try:
        handle = p.open(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", SourceLocation(str(path)), "unreadable") from None
    with handle:
        for n, line in enumerate(handle, 1):
            if line.strip():
                yield "line", n, line


def count_cases(path: str | os.PathLike[str]) -> int:
    """How many cases ``read_cases`` will yield (read through once, in constant memory)."""
    return sum(1 for _ in read_cases(path))


def load_record(where: str, payload: str) -> Any:
    """The case of one record of ``read_cases``: a ``Case`` from a file, parsed JSON from a line."""
    if where == "file":
        return load_case(payload)
    try:
        return json.loads(payload.strip(), parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON at column {exc.colno}: {exc.msg}", code="syntax") from None
    except RecursionError:
        raise InputError("invalid JSON: nested too deeply", code="too_deep") from None


def evaluate_record(
    policy: Policy, where: str, ref: int | str, payload: str, branches: bool = True
) -> tuple[str, Figures | None]:
    """One output line (a plan, or an error record) and the figures of the plan (None for an error)."""
    case_id = None
    try:
        data, doc = read_record(where, payload)
        case_id = case_id_of(data)  # read before the case is validated: an error record names a case that is wrong
        plan = policy.evaluate(parse_case(data, doc, zone=policy.source.scope.timezone), branches=branches)
    except AfterSalesError as exc:
        return error_record(case_id, exc, where, ref), None
    except Exception as exc:  # a bug must not stop the batch: it is recorded like any failure
        return error_record(case_id, exc, where, ref), None
    legs = tuple(
        (name, leg.amount)
        for name, leg in (("return", plan.postage.return_leg), ("outbound", plan.postage.outbound_leg))
        if leg is not None and leg.borne_by == "seller"
    )
    figures = Figures(plan.resolution, plan.refund.currency, plan.refund.total, legs, plan.compensation.total)
    return plan.model_dump_json(), figures


def read_record(where: str, payload: str) -> tuple[Any, Document | None]:
    """The data of one record of ``read_cases``, parsed but not yet validated, and its document (a file's)."""
    if where == "file":
        doc = load_document(payload)
        return doc.data, doc
    return load_record(where, payload), None


def case_id_of(data: Any) -> str | None:
    """The `case_id` of a record as written, if it is a text (read before the case is validated)."""
    case_id = data.get("case_id") if isinstance(data, dict) else None
    return case_id if isinstance(case_id, str) else None


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
    return f"internal error (please report): {type(exc).__name__}: {exc}"


def error_fields(case_id: str | None, exc: BaseException, where: str, ref: int | str) -> dict[str, Any]:
    """The record of a case that failed, as data: its id if readable, the text, and every problem."""
    return {"case_id": case_id, "error": error_text(exc), "problems": error_problems(exc), where: ref}


def error_record(case_id: str | None, exc: BaseException, where: str, ref: int | str) -> str:
    """The output line of a case that failed: ``error_fields`` as one line of JSON."""
    return json.dumps(error_fields(case_id, exc, where, ref), ensure_ascii=False)


# --------------------------------------------------------------------------- output


class _Output:
    """The output file, written whole or not at all.

    A regular file (or a new one) is written to a temporary file beside it and renamed over it
    only by ``commit``: a run that fails or is interrupted leaves the old output as it was and
    removes the temporary file. A device or a pipe (``/dev/stdout``) is written directly. An
    ``OSError`` opening, writing, closing or renaming becomes an ``OutputError`` naming ``path``.
    """

    def __init__(self, path: str | os.PathLike[str]):
        self.path = str(path)
        self._temp: str | None = None
        try:
            st: os.stat_result | None = os.stat(path)
        except OSError:
            st = None
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise OutputError(self.path, "Is a directory")
        if st is not None and not stat.S_ISREG(st.st_mode):
            self._file = self._do(open, path, "w", encoding="utf-8")
            return
        if st is not None and not os.access(path, os.W_OK):
            raise OutputError(self.path, "Permission denied")
        folder, name = os.path.split(os.path.abspath(path))
        temp = os.path.join(folder, f".{name}.{os.getpid()}.{secrets.token_hex(4)}.partial")
        fd = self._do(os.open, temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        self._temp = temp
        if st is not None:
            with contextlib.suppress(OSError):
                os.chmod(temp, stat.S_IMODE(st.st_mode))
        self._file = os.fdopen(fd, "w", encoding="utf-8")

    def _do(self, action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return action(*args, **kwargs)
        except OSError as exc:
            raise OutputError(self.path, exc.strerror or str(exc)) from None

    def write(self, text: str) -> None:
        self._do(self._file.write, text)

    def __enter__(self) -> _Output:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: Any) -> None:
        if kind is None:
            try:
                self._do(self._file.close)  # the last buffer is written here: a full disk can show now
                if self._temp is not None:
                    self._do(os.replace, self._temp, self.path)
                    self._temp = None
            finally:
                self._discard()
            return
        with contextlib.suppress(OSError):  # the error already on its way is the one to report
            self._file.close()
        self._discard()

    def _discard(self) -> None:
        if self._temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._temp)
            self._temp = None


def check_output(cases: str | os.PathLike[str], out: str | os.PathLike[str]) -> None:
    """Refuse an output that is an input: the input file itself, or a case file in the input folder."""
    source, target = Path(cases), Path(out)
    if str(cases) == "-":
        return
    if source.is_dir():
        inside = target.resolve().parent == source.resolve() and target.suffix in CASE_SUFFIXES
        if inside:
            raise OutputError(str(out), f"it would be read as a case of {cases}")
        return
    same = target.resolve() == source.resolve()
    with contextlib.suppress(OSError):
        same = same or os.path.samefile(source, target)
    if same and (not source.exists() or stat.S_ISREG(source.stat().st_mode)):
        raise OutputError(str(out), "it is the input")


# --------------------------------------------------------------------------- workers

_worker_policy: Policy | None = None


def _start_worker(rules: str) -> None:
    global _worker_policy
    _worker_policy = Policy.load(rules)


def _work(chunk: list[tuple[str, int | str, str]], branches: bool) -> list[tuple[str, Figures | None]]:
    assert _worker_policy is not None
    return [evaluate_record(_worker_policy, where, ref, payload, branches) for where, ref, payload in chunk]


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


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
    completes: a run that fails or is interrupted leaves ``out`` as it was.
    """
    check_output(cases, out)
    policy = Policy.load(rules)  # a broken policy is reported before the output is touched
    summary = BatchSummary()
    records = read_cases(cases)

    def take(results: list[tuple[str, Figures | None]], sink: _Output) -> None:
        for line, figures in results:
            sink.write(line + "\n")
            summary.add(figures)
        if progress is not None:
            progress(summary)

    if jobs <= 1:
        try:
            with _Output(out) as sink:
                for chunk in _chunks(records, CHUNK):
                    take([evaluate_record(policy, w, r, p, branches) for w, r, p in chunk], sink)
        finally:
            policy.close()
        return summary
    policy.close()  # loaded once here so that a broken policy is reported once, not by every worker
    context = multiprocessing.get_context("spawn")  # no fork of a process that holds durable_rules state
    with _Output(out) as sink:
        try:
            with ProcessPoolExecutor(
                jobs, mp_context=context, initializer=_start_worker, initargs=(str(rules),)
            ) as pool:
                pending: deque = deque()
                for chunk in _chunks(records, CHUNK):
                    pending.append(pool.submit(_work, chunk, branches))
                    if len(pending) >= jobs * IN_FLIGHT:
                        take(pending.popleft().result(), sink)
                while pending:
                    take(pending.popleft().result(), sink)
        except BrokenProcessPool:
            raise EvaluationError(
                f"a worker process died after {summary.cases:,} cases; {out} is left as it was"
            ) from None
    return summary
