"""``aftersales schema case|plan|policy|test [--rules DIR]``: a JSON Schema (draft 2020-12) for editors and tools."""

from __future__ import annotations

import json

import click

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
@handle_errors
def schema(name: str, rules_dir: str | None) -> None:
    """Print the JSON Schema of a case file, a plan, a rule file (policy) or a policy test file."""
    if rules_dir is not None and name not in ("case", "test"):
        raise click.UsageError("--rules goes with the case and test schemas only")
    source = read_policy(rules_dir) if rules_dir is not None else None
    echo(json.dumps(json_schema(name, source), ensure_ascii=False, indent=2))
