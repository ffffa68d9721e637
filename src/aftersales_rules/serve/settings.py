"""``Settings``: how one decision service runs, as the command line or a program sets it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..loader import MAX_FILE_BYTES

__all__ = ["DEFAULT_HOST", "Settings", "default_threads"]

DEFAULT_HOST = "127.0.0.1"  # loopback unless told otherwise: a service is opened to a network on purpose


def default_threads() -> int:
    """Evaluation threads: one a core. durable_rules serialises the matching of one policy behind a lock
    (engine/runtime.py) and the rest of an evaluation holds the GIL, so more threads only queue."""
    return max(2, os.cpu_count() or 1)


@dataclass(frozen=True)
class Settings:
    """Everything a service is told; the defaults are the safe ones."""

    rules: Path  # the policy folder (or file) in service
    max_body: int = MAX_FILE_BYTES  # bytes of one request body (a case, or a batch line), as a case file may be
    timeout: float = 10.0  # seconds one request may take to be decided (a batch: each line)
    threads: int = 0  # evaluation threads; 0: default_threads()
    watch: bool = True  # reload when the rules folder changes (SIGHUP reloads either way)
    debounce_ms: int = 300  # changes closer together than this are one reload
    shadow: Path | None = None  # the candidate policy tried on every request, off the response path
    shadow_log: Path | None = None  # where the cases it decides differently go, one JSON line each
    shadow_queue: int = 1000  # cases waiting for the shadow at most; more are dropped and counted

    def __post_init__(self) -> None:
        if self.max_body < 1 or self.timeout <= 0 or self.threads < 0 or self.shadow_queue < 1:
            raise ValueError("max_body, timeout and shadow_queue must be positive, threads at least 0")

    @property
    def pool_size(self) -> int:
        return self.threads or default_threads()
