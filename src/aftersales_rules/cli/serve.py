"""``aftersales serve [RULES] [--host 127.0.0.1] [--port 8000] ...``: the policy as an HTTP decision service.

Thin: checks that the ``serve`` extra is installed (one line naming it if not), loads the policy
(and the shadow candidate) so that a broken one is reported here with its problems before anything
listens, then runs ``aftersales_rules.serve.create_app`` on uvicorn. docs/service.md has the rest.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
from pathlib import Path

import click

from ..errors import OutputError
from ..loader import MAX_FILE_BYTES
from ..policy import Policy
from .errors import handle_errors

EXTRA = ("fastapi", "uvicorn", "watchfiles", "prometheus_client")
INSTALL = "aftersales serve needs the serve extra: pip install 'aftersales-rules[serve]'"


@click.command("serve")
@click.argument("rules", default="rules", type=click.Path(path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option(
    "--max-body",
    default=MAX_FILE_BYTES,
    show_default=True,
    type=click.IntRange(1),
    help="Bytes a request body (a batch: each line) may have; more is a 413.",
)
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(0, min_open=True),
              help="Seconds a case may take to be decided; then a 503.")  # fmt: skip
@click.option("--threads", default=0, type=click.IntRange(0, 256), help="Evaluation threads [default: one a core].")
@click.option("--no-watch", is_flag=True, help="Do not reload when the rules change (SIGHUP still reloads).")
@click.option("--access-log", is_flag=True, help="Log every request (uvicorn's access log).")
@click.option("--shadow", type=click.Path(path_type=Path), help="A candidate policy tried on every request.")
@click.option("--shadow-log", type=click.Path(dir_okay=False, path_type=Path),
              help="Append each case the candidate decides differently here, one JSON line each.")  # fmt: skip
@click.option("--shadow-queue", default=1000, show_default=True, type=click.IntRange(1),
              help="Cases waiting for the candidate at most; more are dropped and counted.")  # fmt: skip
@handle_errors
def serve(
    rules: Path,
    host: str,
    port: int,
    max_body: int,
    timeout: float,
    threads: int,
    no_watch: bool,
    access_log: bool,
    shadow: Path | None,
    shadow_log: Path | None,
    shadow_queue: int,
) -> None:
    """Serve the policy in RULES (default rules/) over HTTP: POST /v1/plans, a playground page at /."""
    if not all(importlib.util.find_spec(name) for name in EXTRA):
        click.echo(INSTALL, err=True)
        sys.exit(1)
    if shadow_log is not None and shadow is None:
        raise click.UsageError("--shadow-log needs --shadow")
    import uvicorn

    from ..serve import Settings, create_app

    policy = Policy.load(rules)
    candidate = Policy.load(shadow) if shadow is not None else None
    if shadow_log is not None:
        _check_writable(shadow_log)
    settings = Settings(
        rules=rules,
        max_body=max_body,
        timeout=timeout,
        threads=threads,
        watch=not no_watch,
        shadow=shadow,
        shadow_log=shadow_log,
        shadow_queue=shadow_queue,
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"aftersales serve: {policy.name} {policy.version} on http://{shown}:{port}/ (API at /docs)", err=True)
    uvicorn.run(create_app(settings, policy, candidate), host=host, port=port, log_level="info", access_log=access_log)


def _check_writable(path: Path) -> None:
    """The shadow log can be appended to (refused here, not when the first difference is found)."""
    try:
        with open(path, "a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise OutputError(str(path), exc.strerror or str(exc)) from None
