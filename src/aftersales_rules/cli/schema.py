"""``aftersales schema case|plan|policy|test``: print a JSON Schema (draft 2020-12) for editors and tools."""

from __future__ import annotations

import json

import click

from ..authoring.schema import SCHEMAS, json_schema
from ..policy import Policy
from .errors import handle_errors


@click.command("schema")
@click.argument("name", type=click.Choice(SCHEMAS))
@click.option(
    "--rules",
    "rules_dir",
    default=None,
    type=click.Path(path_type=str),
    help="With case: the case files of this policy (the item attributes it declares).",
)
@handle_errors
def schema(name: str, rules_dir: str | None) -> None:
    """Print the JSON Schema of a case file, a plan, a rule file (policy) or a policy test file."""
    if rules_dir is not None and name != "case":
        raise click.UsageError("--rules goes with the case schema only")
    source = Policy.load(rules_dir).source if rules_dir is not None else None
    click.echo(json.dumps(json_schema(name, source), ensure_ascii=False, indent=2))
