"""``aftersales schema case|plan|policy|test``: print a JSON Schema (draft 2020-12) for editors and tools."""

from __future__ import annotations

import json

import click

from ..authoring.schema import SCHEMAS, json_schema
from .errors import echo, handle_errors


@click.command("schema")
@click.argument("name", type=click.Choice(SCHEMAS))
@handle_errors
def schema(name: str) -> None:
    """Print the JSON Schema of a case file, a plan, a rule file (policy) or a policy test file."""
    echo(json.dumps(json_schema(name), ensure_ascii=False, indent=2))
