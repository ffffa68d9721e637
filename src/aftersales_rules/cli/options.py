"""Options several subcommands share, written once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

__all__ = ["format_option", "jobs_option", "no_branches_option", "rules_option"]

F = TypeVar("F", bound=Callable[..., Any])

rules_option: Callable[[F], F] = click.option(
    "--rules",
    "rules_dir",
    default="rules",
    show_default="rules/",
    type=click.Path(path_type=str),
    help="Policy directory (or file) to evaluate with.",
)

no_branches_option: Callable[[F], F] = click.option(
    "--no-branches", is_flag=True, help="Skip the what-if branches (faster)."
)

jobs_option: Callable[[F], F] = click.option(
    "-j", "--jobs", default=1, show_default=True, type=click.IntRange(1, 256), help="Worker processes."
)


def format_option(help: str) -> Callable[[F], F]:
    """``--format text|json``, text by default; ``help`` says what each gives for this command."""
    return click.option(
        "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help=help
    )
