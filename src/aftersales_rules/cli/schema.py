"""``aftersales schema case|plan|policy|test [--rules DIR] [--format json|markdown]``: a JSON Schema (draft
2020-12) for editors and tools; ``--format markdown``, the reference page of the case or plan contract
(docs/case-format.md, docs/plan-format.md)."""

from __future__ import annotations

import json

import click

from ..authoring.reference import PAGES, reference
from ..authoring.schema import SCHEMAS, json_schema
from ..language.source import read_policy
from .errors import echo, handle_errors


@click.command("schema")
@click.argument("name", type=click.Choice(SCHEMAS))
@click.option(
    "--rules",
    "rules_dir",
    default=None,
    type=click.Path(path_type=str),
    help="Fit the case (and test) schema to this policy: its issue kinds (its own x_... kinds included) "
    "and the item attributes it declares.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "markdown"]),
    default="json",
    show_default=True,
    help="json: the JSON Schema; markdown: the reference page of the case or plan format (docs/case-format.md).",
)
@handle_errors
def schema(name: str, rules_dir: str | None, fmt: str) -> None:
    """Print the JSON Schema of a case file, a plan, a rule file (policy) or a policy test file."""
    if rules_dir is not None and name not in ("case", "test"):
        raise click.UsageError("--rules goes with the case and test schemas only")
    if fmt == "markdown":
        if name not in PAGES or rules_dir is not None:
            raise click.UsageError("--format markdown goes with the case and plan schemas only, without --rules")
        click.echo(reference(name), nl=False)
        return
    source = read_policy(rules_dir) if rules_dir is not None else None
    echo(json.dumps(json_schema(name, source), ensure_ascii=False, indent=2))
