"""``aftersales check [RULES_DIR] [--format text|json]``: validate and lint a policy."""

from __future__ import annotations

import json

import click

from ..authoring.lint import CheckReport, check_policy
from ..errors import one_line
from .errors import echo, handle_errors
from .options import format_option


@click.command("check")
@click.argument("rules_dir", default="rules", type=click.Path(path_type=str))
@format_option("text: one line per finding; json: one document with every finding.")
@handle_errors
def check(rules_dir: str, fmt: str) -> None:
    """Check the policy in RULES_DIR: load errors, unreachable rules, overlaps, gaps, texts, amounts.

    Exits 1 when there is an error, 0 with warnings only.
    """
    report = check_policy(rules_dir)
    if fmt == "json":
        echo(json.dumps(report_json(report), ensure_ascii=False, indent=2))
    else:
        for line in report_lines(report):
            echo(line)
    raise SystemExit(report.exit_code)


def report_lines(report: CheckReport) -> list[str]:
    """``file:line:col: severity code: message`` per finding (an example case below gaps and overlaps);
    what is not printable shown escaped."""
    lines = []
    for finding in report.findings:
        lines.append(str(finding))
        if finding.example is not None:
            lines.append("    example: " + json.dumps(finding.example, ensure_ascii=False))
    lines.append(f"{_count(report.errors, 'error')}, {_count(report.warnings, 'warning')}")
    return [one_line(line) for line in lines]  # a rule file's text in an example shown escaped (still JSON)


def report_json(report: CheckReport) -> dict:
    return {"findings": [f.to_dict() for f in report.findings], "errors": report.errors, "warnings": report.warnings}


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
