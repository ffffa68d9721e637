"""The ``aftersales`` command group; each subcommand is defined in a module of its own and added here."""

from __future__ import annotations

import click

from .. import __version__
from .batch import batch
from .check import check
from .diff import diff
from .dry_run import dry_run
from .policy_test import policy_test
from .schema import schema
from .serve import serve

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="aftersales")
def cli() -> None:
    """After-sales policies as YAML rules: dry-run cases, check and test policies."""


cli.add_command(dry_run)
cli.add_command(batch)
cli.add_command(check)
cli.add_command(diff)
cli.add_command(policy_test)
cli.add_command(schema)
cli.add_command(serve)


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="aftersales")
