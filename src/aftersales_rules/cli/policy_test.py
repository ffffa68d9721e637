"""``aftersales test [RULES_DIR] [--coverage]``: run the policy's own tests (``RULES_DIR/tests/*.yaml``)."""

from __future__ import annotations

from pathlib import Path

import click

from ..authoring.policytests import TestReport, examples_folder, load_tests, run_tests
from ..errors import InputError, SourceLocation, one_line
from ..policy import Policy
from .errors import echo, handle_errors


@click.command("test")
@click.argument("rules_dir", default="rules", type=click.Path(file_okay=False, path_type=str))
@click.option(
    "--tests",
    "tests_path",
    type=click.Path(path_type=str),
    help="A tests directory or file instead of RULES_DIR/tests.",
)
@click.option("--coverage", is_flag=True, help="Also list the rules that no passing test exercised.")
@handle_errors
def policy_test(rules_dir: str, tests_path: str | None, coverage: bool) -> None:
    """Run the policy tests in RULES_DIR/tests against the policy in RULES_DIR."""
    policy = Policy.load(rules_dir)
    tests_dir = Path(tests_path) if tests_path else Path(rules_dir) / "tests"
    if not tests_dir.exists():
        raise InputError(
            f"no policy tests (write them as {tests_dir}/*.yaml)", SourceLocation(str(tests_dir)), "not_found"
        )
    examples = examples_folder(rules_dir, policy.source.header.examples)
    tests = load_tests(tests_dir, policy_folder=rules_dir, examples=examples)
    if not tests:
        raise InputError(
            "no policy tests in it (*.yaml files with a 'tests' list)", SourceLocation(str(tests_dir)), "no_tests"
        )
    report = run_tests(policy, tests)
    for line in format_report(report, policy if coverage else None):
        echo(line)
    if report.failed:
        raise SystemExit(1)


def format_report(report: TestReport, coverage_of: Policy | None = None) -> list[str]:
    """pytest-like lines: one per test, a block per failure, coverage, then ``N passed, N failed``."""
    lines = [f"{r.test.id} {'PASSED' if r.passed else 'FAILED'}" for r in report.results]
    failures = [r for r in report.results if not r.passed]
    for r in failures:
        lines.append("")
        lines.append(f"{'_' * 8} {r.test.id} {'_' * 8}")
        case = f" (case {r.test.case_file})" if r.test.case_file else ""
        lines.append(f"{r.test.location}{case}")
        if r.error is not None:
            lines.extend(f"  error: {part}" for part in r.error.splitlines())
        else:
            lines.append("  expected versus actual:")
            lines.extend(f"    {m}" for m in r.mismatches)
    if coverage_of is not None:
        missed = report.unexercised(coverage_of)
        total = len(coverage_of.rules)
        lines.append("")
        if missed:
            lines.append(f"rules no passing test exercised ({len(missed)} of {total}):")
            lines.extend(f"  {rule.id} ({rule.where})" for rule in missed)
        else:
            lines.append(f"every rule is exercised by a passing test ({total} rules)")
    if failures or coverage_of is not None:
        lines.append("")
    lines.append(f"{report.passed} passed, {report.failed} failed")
    return [one_line(line) for line in lines]  # test ids and texts from the rule files shown escaped, never raw
