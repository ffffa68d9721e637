"""``aftersales dry-run CASE_FILE [--rules DIR] [--format text|json] [--why-not RULE_ID]``: one case, one plan.

With ``--why-not``, instead of the plan: whether that rule matched the case and, if not, the conditions
that failed; if it did, what it decided and what it lost to which rule (``Policy.explain``).
"""

from __future__ import annotations

import click

from ..case import parse_case
from ..loader import load_document
from ..policy import Policy
from ..render import render_explanation, render_text
from .errors import echo, handle_errors
from .options import format_option, no_branches_option, rules_option


@click.command("dry-run")
@click.argument("case_file", type=click.Path(dir_okay=False, path_type=str))
@rules_option
@format_option("text for a person, json for a program (exactly one JSON document).")
@no_branches_option
@click.option(
    "--why-not",
    "why_not",
    metavar="RULE_ID",
    help="Instead of the plan, say whether RULE_ID matched the case, and if not which condition failed.",
)
@handle_errors
def dry_run(case_file: str, rules_dir: str, fmt: str, no_branches: bool, why_not: str | None) -> None:
    """Evaluate CASE_FILE against the policy and print the plan."""
    policy = Policy.load(rules_dir)
    document = load_document(case_file)
    if why_not is not None:
        explanation = policy.explain(parse_case(document.data, document, zone=policy.source.scope.timezone), why_not)
        echo(explanation.model_dump_json() if fmt == "json" else render_explanation(explanation), nl=fmt == "json")
        return
    plan = policy.evaluate(document.data, branches=not no_branches, document=document)
    if fmt == "json":
        echo(plan.to_json())
    else:
        echo(render_text(plan, policy.explain(document.data).near_misses), nl=False)
