"""How every subcommand shows the library's errors: a line per problem, the error's own exit code, no traceback.

And how every subcommand writes to standard output: ``echo`` (or ``writing_stdout`` around a
writer of its own), so that a write that fails (a full disk, a closed file) is an ``OutputError``
naming standard output and the cause, one line and exit 1, not an internal error.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import traceback
from collections.abc import Iterator

import click

from ..errors import AfterSalesError, OutputError, cut, one_line

__all__ = ["STDOUT", "echo", "handle_errors", "writing_stdout"]

STDOUT = "standard output"  # how a failed write to it is named: "standard output: cannot write: ..."


@contextlib.contextmanager
def writing_stdout() -> Iterator[None]:
    """Turn an ``OSError`` while writing to standard output into an ``OutputError`` naming it.

    A reader that went away (``BrokenPipeError``) is left to ``handle_errors``, which stops quietly.
    """
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(STDOUT, exc.strerror or str(exc)) from None


def echo(text: str = "", nl: bool = True) -> None:
    """``click.echo`` to standard output, written (and flushed) within ``writing_stdout``."""
    with writing_stdout():
        click.echo(text, nl=nl)


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
            text = f"aftersales: internal error (please report): {type(exc).__name__}: {cut(str(exc))}"
            click.echo(one_line(text), err=True)
            sys.exit(1)

    return wrapper
