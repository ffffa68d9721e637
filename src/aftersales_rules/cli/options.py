"""Options several subcommands share, written once."""

from __future__ import annotations

import glob
import os
from collections.abc import Callable
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from ..authoring.cluster import parse_scheduler
from ..authoring.parquet import is_parquet

__all__ = [
    "CasesPath",
    "check_scheduler",
    "format_option",
    "jobs_option",
    "no_branches_option",
    "rules_option",
    "scheduler_option",
]

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


class _Scheduler(click.ParamType):
    """``local:N`` or ``tcp://HOST:PORT``, checked as it is parsed (a usage error otherwise)."""

    name = "local:N|tcp://HOST:PORT"

    def convert(self, value, param, ctx):
        try:
            parse_scheduler(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        return value


scheduler_option: Callable[[F], F] = click.option(
    "--scheduler",
    type=_Scheduler(),
    default=None,
    help="Run on a Dask cluster: local:N starts N worker processes here, tcp://HOST:PORT joins a running "
    "one (needs the extra dask).",
)


def check_scheduler(cases: str, scheduler: str | None) -> None:
    """-j and --scheduler are two ways to run (a usage error together); a glob or Parquet needs --scheduler."""
    ctx = click.get_current_context()
    if scheduler is not None and ctx.get_parameter_source("jobs") is not ParameterSource.DEFAULT:
        raise click.UsageError("-j and --scheduler cannot be used together: --scheduler local:N runs N processes")
    if scheduler is None and (is_parquet(cases) or (glob.has_magic(cases) and not os.path.exists(cases))):
        what = "Parquet" if is_parquet(cases) else "a pattern of files"
        raise click.UsageError(f"{what} is read with --scheduler only (--scheduler local:1 runs on this machine)")


class CasesPath(click.Path):
    """The cases: a path that exists, or with ``--scheduler`` a glob of files (checked when the run reads it)."""

    def convert(self, value, param, ctx):
        if isinstance(value, str) and glob.has_magic(value) and not os.path.exists(value):
            return value  # a glob: the batch says whether it matches, and whether it may be one
        return super().convert(value, param, ctx)
