"""``aftersales diff OLD NEW CASES [-j N | --scheduler …] [--format text|json]``: what a change decides differently.

A policy may be named ``REV:PATH``: the folder PATH at the git revision REV of the current repository
(``aftersales diff HEAD:rules rules/ CASES``). A progress bar on a terminal (standard error), none otherwise.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..authoring.distributed import diff_on_cluster
from ..authoring.gitrev import is_revision, policy_folder
from ..authoring.impact import ImpactReport, describe, diff_policies
from ..authoring.records import count_cases
from ..errors import cut, one_line, quoted
from .errors import echo, handle_errors
from .options import CasesPath, check_scheduler, format_option, jobs_option, scheduler_option


class _Policy(click.ParamType):
    """A policy folder (or file) that exists, or ``REV:PATH`` (read from git when the run starts)."""

    name = "policy"

    def convert(self, value, param, ctx):
        if os.path.exists(value) or is_revision(value):
            return value
        self.fail(f"Path {quoted(value)} does not exist.", param, ctx)


@click.command("diff")
@click.argument("old_rules", type=_Policy())
@click.argument("new_rules", type=_Policy())
@click.argument("cases", type=CasesPath(exists=True, allow_dash=True, path_type=str))
@jobs_option
@scheduler_option
@format_option("text: a line per changed case and a summary; json: one document.")
@handle_errors
def diff(old_rules: str, new_rules: str, cases: str, jobs: int, scheduler: str | None, fmt: str) -> None:
    """Evaluate CASES (a JSONL file, a pipe or - for stdin, or a directory of case files) with both policies;
    show every case that changed.

    A policy is a folder, or REV:PATH for the folder PATH at the git revision REV of the current
    repository (HEAD:rules: the committed rules). With --scheduler, CASES may also be a Parquet file or a
    quoted glob of JSONL or Parquet files.
    """
    check_scheduler(cases, scheduler)

    shown_as = (old_rules, new_rules)  # a location in a policy from git is REV:PATH/file.yaml:line:col

    def run(old: str, new: str, progress=None, total=None) -> ImpactReport:
        if scheduler is None:
            return diff_policies(old, new, cases, jobs, progress=progress, shown_as=shown_as)
        return diff_on_cluster(old, new, cases, scheduler, progress=progress, total=total, shown_as=shown_as)

    with contextlib.ExitStack() as stack:
        old = stack.enter_context(policy_folder(old_rules))
        new = stack.enter_context(policy_folder(new_rules))
        if sys.stderr.isatty():
            columns = [TextColumn("comparing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
            bar = stack.enter_context(Progress(*columns, console=Console(stderr=True), transient=True))
            task = bar.add_task("cases", total=count_cases(cases) if scheduler is None else None)
            report = run(old, new, lambda n: bar.update(task, completed=n), lambda n: bar.update(task, total=n))
        else:
            report = run(old, new)
    if fmt == "json":
        echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for line in report_lines(report):
            echo(line)


def report_lines(report: ImpactReport) -> list[str]:
    """The text view: both policies with their digests, a line per changed case and per case neither
    policy decided (each further problem of its error on a line of its own, indented), then the
    summary; what is not printable shown escaped."""
    lines = [f"old: {report.old} ({report.old_digest})", f"new: {report.new} ({report.new_digest})", ""]
    changes = [
        f"{cut(c.case_id or '?')} {c.kind or '?'} ({c.where} {c.ref}{_of(c.file)}): {'; '.join(describe(c))}"
        for c in report.changes
    ]
    for e in report.errors:
        where = next(w for w in ("line", "row", "file") if w in e)
        place = f"{where} {e[where]}{_of(e.get('file'), where)}"
        changes.append(f"{cut(e['case_id'] or '?')} ({place}): not decided by either policy: {e['error']}")
    for entry in changes:  # an error of several problems: its first line here, then a line per problem
        first, *more = entry.split("\n")
        lines += [first, *(f"    {line}" for line in more)]
    if changes:
        lines.append("")
    lines.append(f"{report.cases:,} cases, {len(report.changes):,} changed, {report.failed_both:,} failed under both")
    by_kind = report.changed_by_kind
    if by_kind:
        lines.append("changed by kind:")
        width = max(len(k) for k in by_kind)
        lines.extend(
            f"  {kind:<{width}}  {n:>6,}" for kind, n in sorted(by_kind.items(), key=lambda kv: (-kv[1], kv[0]))
        )
    per_case = report.refund_delta_per_changed_case
    lines.extend(
        f"refund delta {cur}: {delta:+,.2f} in total, {per_case[cur]:+,.2f} per changed case"
        for cur, delta in report.refund_delta.items()
    )
    if not report.refund_delta:
        lines.append("refund delta: none (no case changed)")
    lines.extend(  # payments that are not refunds, apart from them: only where a changed case pays any
        f"compensation delta {cur}: {delta:+,.2f} in total" for cur, delta in report.compensation_delta.items()
    )
    return [one_line(line) for line in lines]  # case and rule text shown escaped, never raw


def _of(file: str | None, where: str = "line") -> str:
    """`` of FILE`` after a line or a row of an input of several files (a case file names itself)."""
    return f" of {cut(file)}" if file is not None and where != "file" else ""
