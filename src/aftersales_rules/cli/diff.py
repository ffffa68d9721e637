"""``aftersales diff OLD_RULES NEW_RULES CASES [--format text|json]``: what a policy change decides differently."""

from __future__ import annotations

import json

import click

from ..authoring.impact import ImpactReport, describe, diff_policies
from ..errors import one_line
from .errors import handle_errors
from .options import format_option


@click.command("diff")
@click.argument("old_rules", type=click.Path(exists=True, path_type=str))
@click.argument("new_rules", type=click.Path(exists=True, path_type=str))
@click.argument("cases", type=click.Path(exists=True, path_type=str))
@format_option("text: a line per changed case and a summary; json: one document.")
@handle_errors
def diff(old_rules: str, new_rules: str, cases: str, fmt: str) -> None:
    """Evaluate CASES (a JSONL file or a directory of case files) with both policies; show every case that changed."""
    report = diff_policies(old_rules, new_rules, cases)
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for line in report_lines(report):
            click.echo(line)


def report_lines(report: ImpactReport) -> list[str]:
    """The text view: a line per changed case, then the summary; what is not printable shown escaped."""
    lines = [
        f"{c.case_id or '?'} {c.kind or '?'} ({c.where} {c.ref}): {'; '.join(describe(c))}" for c in report.changes
    ]
    if lines:
        lines.append("")
    lines.append(
        f"{report.old} → {report.new}: {report.cases:,} cases, {len(report.changes):,} changed, "
        f"{report.failed_both:,} failed under both"
    )
    by_kind = report.changed_by_kind
    if by_kind:
        lines.append("changed by kind:")
        width = max(len(k) for k in by_kind)
        lines.extend(
            f"  {kind:<{width}}  {n:>6,}" for kind, n in sorted(by_kind.items(), key=lambda kv: (-kv[1], kv[0]))
        )
    lines.append(
        f"refund delta: {report.refund_delta:+,.2f} in total, "
        f"{report.refund_delta_per_changed_case:+,.2f} per changed case"
    )
    return [one_line(line) for line in lines]  # case and rule text shown escaped, never raw
