"""``aftersales dry-run CASE_FILE [--rules DIR] [--format text|json]``: one case, one plan."""

from __future__ import annotations

import click

from ..loader import load_document
from ..policy import Policy
from ..render import render_text
from .errors import echo, handle_errors
from .options import format_option, no_branches_option, rules_option


@click.command("dry-run")
@click.argument("case_file", type=click.Path(dir_okay=False, path_type=str))
@rules_option
@format_option("text for a person, json for a program (exactly one JSON document).")
@no_branches_option
@handle_errors
def dry_run(case_file: str, rules_dir: str, fmt: str, no_branches: bool) -> None:
    """Evaluate CASE_FILE against the policy and print the plan."""
    policy = Policy.load(rules_dir)
    case = load_document(case_file)
    plan = policy.evaluate(case.data, branches=not no_branches, document=case)
    if fmt == "json":
        echo(plan.to_json())
    else:
        echo(render_text(plan), nl=False)
