"""``aftersales batch CASES --out PLANS.jsonl [-j N | --scheduler local:N|ADDRESS] [--rules DIR]``: many cases."""

from __future__ import annotations

import contextlib
import sys
import time

import click
from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from ..authoring.batch import BatchSummary, run_batch
from ..authoring.distributed import batch_on_cluster
from ..authoring.output import STDOUT
from ..authoring.records import count_cases
from ..errors import one_line
from .errors import handle_errors, writing_stdout
from .options import CasesPath, check_scheduler, jobs_option, no_branches_option, rules_option, scheduler_option

STREAM_PROGRESS_SECONDS = 10.0  # how often a stream's progress line is printed when stderr is not a terminal


@click.command("batch")
@click.argument("cases", type=CasesPath(exists=True, allow_dash=True, path_type=str))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=str),  # a folder is refused by run_batch, like any output it cannot write
    help="Where to write the plans, one JSON line per case (error records for cases that fail); "
    "- for standard output (the summary then goes to stderr).",
)
@jobs_option
@scheduler_option
@rules_option
@no_branches_option
@handle_errors
def batch(cases: str, out: str, jobs: int, scheduler: str | None, rules_dir: str, no_branches: bool) -> None:
    """Evaluate every case in CASES (a JSONL file, a pipe or - for stdin, or a directory of case files) and
    write the plans to --out (- for standard output).

    A pipe is evaluated as it comes. Ends with a summary table; exits 1 when a case failed (its error
    record is in the output). With --scheduler, CASES may also be a Parquet file or a quoted glob of
    JSONL or Parquet files.
    """
    check_scheduler(cases, scheduler)

    def run(progress, total=None) -> BatchSummary:
        if scheduler is None:
            return run_batch(cases, out, rules_dir, jobs, not no_branches, progress=progress)
        return batch_on_cluster(cases, out, rules_dir, scheduler, not no_branches, progress=progress, total=total)

    total = count_cases(cases) if scheduler is None else None  # None for a stream; a cluster counts it
    if sys.stderr.isatty():
        if total is None and scheduler is None:
            columns = [TextColumn("evaluating"), TextColumn("{task.completed:,} cases"), _Rate(), TimeElapsedColumn()]
        else:
            columns = [TextColumn("evaluating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
        with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("cases", total=total)
            summary = run(lambda s: bar.update(task, completed=s.cases), lambda n: bar.update(task, total=n))
    elif scheduler is not None:
        reports: list = []  # the tenths are known once the cluster has counted the cases
        summary = run(lambda s: reports[0](s), lambda n: reports.append(_plain_progress(n)))
    else:
        summary = run(_plain_progress(total) if total is not None else _plain_stream_progress())
    to_stderr = out == STDOUT  # the plans went to standard output: the summary goes beside the progress
    with contextlib.nullcontext() if to_stderr else writing_stdout():
        Console(highlight=False, stderr=to_stderr).print(summary_table(summary))
    if summary.errors:
        raise SystemExit(1)


class _Rate(ProgressColumn):
    """Cases a second (rich's estimate over the last half minute)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} cases/s" if speed else "", style="progress.data.speed")


def _plain_progress(total: int):
    """A line on stderr each time another tenth of the cases is done."""
    step = max(1, total // 10)
    state = {"next": step}

    def report(summary: BatchSummary) -> None:
        if summary.cases >= state["next"] or summary.cases == total:
            click.echo(f"batch: {summary.cases:,} of {total:,} cases, {summary.errors:,} failed", err=True)
            state["next"] = (summary.cases // step + 1) * step

    return report


def _plain_stream_progress(every: float = STREAM_PROGRESS_SECONDS):
    """With no total (a stream): a line on stderr when the first cases are done, then at most one every
    ``every`` seconds, with the count and the rate since the start."""
    start = time.monotonic()
    state = {"next": start}

    def report(summary: BatchSummary) -> None:
        now = time.monotonic()
        if now >= state["next"]:
            rate = summary.cases / max(now - start, 1e-9)
            click.echo(f"batch: {summary.cases:,} cases, {summary.errors:,} failed, {rate:,.0f} cases/s", err=True)
            state["next"] = now + every

    return report


class _Table(Table):
    """A table whose every cell is shown as text, what is not printable in it escaped (``one_line``)."""

    def add_row(self, *cells, **kwargs) -> None:
        super().add_row(*(Text(one_line(c)) if isinstance(c, str) else c for c in cells), **kwargs)


def summary_table(summary: BatchSummary) -> Table:
    """The summary: cases by resolution, counts, refunds, compensation and seller postage per currency."""
    table = _Table(title="batch summary", box=box.SIMPLE, title_justify="left")
    table.add_column("resolution")
    table.add_column("cases", justify="right")
    for resolution, n in sorted(summary.resolutions.items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row(resolution, f"{n:,}")
    table.add_section()
    table.add_row("evaluated", f"{summary.evaluated:,}")
    table.add_row("errors", f"{summary.errors:,}")
    table.add_row("total", f"{summary.cases:,}")
    table.add_section()
    for currency, amount in sorted(summary.refunds.items()):
        table.add_row(f"refunds total ({currency})", f"{amount:,.2f}")
    for currency, amount in sorted(summary.compensation.items()):  # not refunds: counted apart
        n = summary.compensated[currency]
        table.add_row(f"compensation total ({currency})", f"{amount:,.2f} ({n:,} {'case' if n == 1 else 'cases'})")
    legs = summary.seller_legs
    table.add_row(
        "postage borne by seller",
        f"{legs['return'] + legs['outbound']:,} legs ({legs['return']:,} return, {legs['outbound']:,} outbound)",
    )
    for currency, amount in sorted(summary.seller_postage.items()):
        table.add_row(f"  known amounts ({currency})", f"{amount:,.2f}")
    return table
