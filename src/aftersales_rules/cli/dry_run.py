"""``aftersales dry-run CASE_FILE [--rules DIR] [--format text|json] [--why-not RULE_ID]``: one case, one plan.

``-`` for CASE_FILE reads the case from standard input (bounded as a file is; its problems placed at
``<stdin>:line:col``).

With ``--why-not``, instead of the plan: whether that rule matched the case and, if not, the conditions
that failed; if it did, what it decided and what it lost to which rule (``Policy.explain``).

The text views name each rule where one can open it (``Policy.location``: ``../myrules/policy.yaml:78``
for ``--rules ../myrules``); the JSON keeps the plan's ``source`` as the contract has it (``rules/policy.yaml:78``).
"""

from __future__ import annotations

import sys

import click

from ..case import parse_case
from ..explanation import RuleExplanation
from ..loader import Document, load_document, parse_document, read_stream
from ..plan import Plan
from ..policy import Policy
from ..render import render_explanation, render_text
from .errors import echo, handle_errors
from .options import format_option, no_branches_option, rules_option


@click.command("dry-run")
@click.argument("case_file", type=click.Path(dir_okay=False, allow_dash=True, path_type=str))
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
    """Evaluate CASE_FILE (- for standard input) against the policy and print the plan."""
    policy = Policy.load(rules_dir)
    document = _read_case(case_file)
    if why_not is not None:
        explanation = policy.explain(parse_case(document.data, document, zone=policy.source.scope.timezone), why_not)
        if fmt == "json":
            echo(explanation.model_dump_json())
        else:
            echo(render_explanation(_located_explanation(policy, explanation)), nl=False)
        return
    plan = policy.evaluate(document.data, branches=not no_branches, document=document)
    if fmt == "json":
        echo(plan.to_json())
    else:
        near_misses = [_located_explanation(policy, m) for m in policy.explain(document.data).near_misses]
        echo(render_text(_located_plan(policy, plan), near_misses), nl=False)


def _located_plan(policy: Policy, plan: Plan) -> Plan:
    """The plan for its text view: each trace entry's source as a place one can open (``Policy.location``)."""
    trace = [entry.model_copy(update={"source": policy.location(entry.source)}) for entry in plan.trace]
    return plan.model_copy(update={"trace": trace})


def _located_explanation(policy: Policy, explanation: RuleExplanation) -> RuleExplanation:
    """An explanation for its text view: the rule's source, and each winner's, as places one can open."""
    lost = tuple(
        loss.model_copy(update={"winner_source": policy.location(loss.winner_source)}) for loss in explanation.lost
    )
    return explanation.model_copy(update={"source": policy.location(explanation.source), "lost": lost})


STDIN_NAME = "<stdin>"  # how the problems of a case read from standard input name it


def _read_case(case_file: str) -> Document:
    """The case file, or standard input for ``-`` (YAML or JSON either way)."""
    if case_file == "-":
        return parse_document(read_stream(sys.stdin.buffer, STDIN_NAME), STDIN_NAME)
    return load_document(case_file)
