"""``aftersales dry-run CASE_FILE [--rules DIR] [--format text|json] [--why-not RULE_ID] [--lang LANG]``: one case,
one plan.

The text is wholly in one language (render/): ``--lang``, else the environment's locale when there is a
catalogue for it, else the policy's first declared language; coloured on a terminal (colour.py). The JSON
is the same whatever the language.

``-`` for CASE_FILE reads the case from standard input (bounded as a file is; its problems placed at
``<stdin>:line:col``).

With ``--why-not``, instead of the plan: whether that rule matched the case and, if not, the conditions
that failed; if it did, what it decided and what it lost to which rule (``Policy.explain``).

The text views name each rule where one can open it (``Policy.location``: ``../myrules/policy.yaml:78``
for ``--rules ../myrules``); the JSON keeps the plan's ``source`` as the contract has it (``rules/policy.yaml:78``).
"""

from __future__ import annotations

import os
import sys

import click

from ..case import parse_case
from ..loader import Document, load_document, parse_document, read_stream
from ..policy import Policy
from ..render import catalogue, choose_language, languages
from ..textview import explanation_text, plan_text
from .colour import print_text
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
@click.option(
    "--lang",
    "language",
    type=click.Choice(languages()),
    help="The language of the text (default: the locale's if there is a catalogue for it, "
    "else the policy's first declared language); the JSON is the same in every language.",
)
@handle_errors
def dry_run(
    case_file: str, rules_dir: str, fmt: str, no_branches: bool, why_not: str | None, language: str | None
) -> None:
    """Evaluate CASE_FILE (- for standard input) against the policy and print the plan."""
    policy = Policy.load(rules_dir)
    document = _read_case(case_file)
    language = choose_language(language, policy.source.header.languages, os.environ)
    if why_not is not None:
        explanation = policy.explain(parse_case(document.data, document, zone=policy.source.scope.timezone), why_not)
        if fmt == "json":
            echo(explanation.model_dump_json())
        else:
            print_text(explanation_text(policy, explanation, language), catalogue(language))
        return
    plan = policy.evaluate(document.data, branches=not no_branches, document=document)
    if fmt == "json":
        echo(plan.to_json())
    else:
        near_misses = policy.explain(document.data).near_misses
        text = plan_text(policy, plan, near_misses, language)
        print_text(text, catalogue(language), plan.resolution)


STDIN_NAME = "<stdin>"  # how the problems of a case read from standard input name it


def _read_case(case_file: str) -> Document:
    """The case file, or standard input for ``-`` (YAML or JSON either way)."""
    if case_file == "-":
        return parse_document(read_stream(sys.stdin.buffer, STDIN_NAME), STDIN_NAME)
    return load_document(case_file)
