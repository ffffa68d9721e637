"""The command group and the error handling every subcommand shares."""

from __future__ import annotations

import functools
import os
import sys
import traceback

import click

from .. import __version__
from ..errors import AfterSalesError

__all__ = ["cli", "main", "handle_errors"]


def handle_errors(func):
    """Print the library's errors as their one-line messages and exit with their code."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except AfterSalesError as exc:
            click.echo(str(exc), err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("aftersales: interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:  # the reader went away (`aftersales … | head`): stop quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(1)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except Exception as exc:  # a bug: say so in one line, traceback only on request
            if os.environ.get("AFTERSALES_DEBUG"):
                traceback.print_exc()
            click.echo(f"aftersales: internal error (please report): {type(exc).__name__}: {exc}", err=True)
            sys.exit(1)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="aftersales")
def cli() -> None:
    """After-sales policies as YAML rules: dry-run cases, check and test policies."""


def _register() -> None:
    from . import dry_run  # noqa: F401  (each module adds its command to `cli`)
    from . import batch, check, diff, policy_test, schema  # noqa: F401


_register()


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="aftersales")
