"""What the service's tests share: an in-process client, the example cases as JSON bodies, the real
server on a loopback port (``aftersales serve`` in a subprocess)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from starlette.exceptions import StarletteDeprecationWarning

from aftersales_rules.loader import load_document
from aftersales_rules.serve import Settings, create_app

from conftest import EXAMPLES, RULES

with warnings.catch_warnings():  # starlette asks for httpx2 (not locked); its TestClient works with httpx
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

__all__ = ["TestClient", "case_json", "client", "example_cases", "free_port", "running_server"]

AFTERSALES = Path(sys.executable).parent / "aftersales"


class _Encoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, Decimal):
            return str(o)  # money as a text, as case files write it
        return super().default(o)


def case_json(data: Any, indent: int | None = None) -> bytes:
    """A case as a JSON body (one line unless ``indent``)."""
    return json.dumps(data, cls=_Encoder, ensure_ascii=False, indent=indent).encode()


def example_cases() -> list[tuple[str, dict]]:
    """Every example case file's data, by name."""
    return [(p.stem, load_document(p).data) for p in sorted(EXAMPLES.glob("*.yaml"))]


def wait_ready(get: Any, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.TransportError):
            if get("/readyz").status_code == 200:
                return
        time.sleep(0.05)
    raise AssertionError("the service did not become ready")


@contextlib.contextmanager
def client(rules: Path = RULES, ready: bool = True, **settings: Any) -> Iterator[TestClient]:
    """An in-process client of a service (not watching the files unless told), started and stopped."""
    settings.setdefault("watch", False)
    app = create_app(Settings(rules=Path(rules), **settings))
    with TestClient(app, raise_server_exceptions=False) as c:
        if ready:
            wait_ready(c.get)
        yield c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server(rules: Path, *args: str, log: Path | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """``aftersales serve RULES --port P ARGS`` in a subprocess; yields its base URL and the process once it
    is ready."""
    port = free_port()
    out = open(log, "wb") if log is not None else subprocess.DEVNULL  # noqa: SIM115
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [str(AFTERSALES), "serve", str(rules), "--port", str(port), *args], stdout=out, stderr=out, env=env
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            wait_ready(http.get)
        yield base, process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log is not None:
            out.close()  # type: ignore[union-attr]
