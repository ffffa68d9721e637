"""How every subcommand shows the library's errors: a line per problem, the error's own exit code, no traceback."""

from __future__ import annotations

import functools
import os
import sys
import traceback

import click

from ..errors import AfterSalesError, one_line

__all__ = ["handle_errors"]


def handle_errors(func):
    """Print the library's errors (a line per problem) and exit with their code; a bug in one escaped line."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except AfterSalesError as exc:
            click.echo(str(exc), err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt as exc:  # Ctrl-C, or a signal a command answers (batch: stopping.Stopped)
            click.echo(one_line(f"aftersales: {exc}") if str(exc) else "aftersales: interrupted", err=True)
            sys.exit(getattr(exc, "exit_code", 130))
        except BrokenPipeError:  # the reader went away (`aftersales … | head`): stop quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(1)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except Exception as exc:  # a bug: say so in one line, traceback only on request
            if os.environ.get("AFTERSALES_DEBUG"):
                traceback.print_exc()
            click.echo(one_line(f"aftersales: internal error (please report): {type(exc).__name__}: {exc}"), err=True)
            sys.exit(1)

    return wrapper
