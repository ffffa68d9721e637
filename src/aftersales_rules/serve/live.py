"""``LivePolicy``: the policy in service, reloaded when its files change (watchfiles) or on SIGHUP.

A reload reads, validates and compiles the new policy completely before it is put in service
(``PolicyService.reload``); one that fails leaves the old policy serving, and says so in
``/v1/policy`` (``last_reload_error``, cleared by the next reload that succeeds), the log and the
metrics. A request takes the policy once, when it starts, and finishes on it whatever happens
meanwhile: its plan's ``policy.digest`` and its ``X-Policy-Digest`` header name it.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import AfterSalesError, cut, one_line
from ..language.source import RULE_SUFFIXES
from ..policy import Policy
from ..service import PolicyService
from .metrics import Metrics

__all__ = ["LivePolicy", "install_sighup", "log"]

log = logging.getLogger("aftersales.serve")


class LivePolicy:
    """The policy in service (None until one has loaded), its history, and the watcher of its files."""

    def __init__(self, rules: Path, metrics: Metrics, debounce_ms: int = 300) -> None:
        self.rules = rules
        self._metrics = metrics
        self._debounce_ms = debounce_ms
        self._service: PolicyService | None = None
        self._lock = threading.Lock()  # one reload at a time
        self.loaded_at: datetime | None = None
        self.last_error: dict[str, Any] | None = None
        self.listeners: list[Callable[[Policy], None]] = []  # told of each policy put in service
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    @property
    def policy(self) -> Policy | None:
        """The policy in service now: take it once per request."""
        service = self._service
        return service.policy if service is not None else None

    def start(self, policy: Policy | None = None) -> None:
        """Serve ``policy`` (one the caller loaded) or load the rules now."""
        if policy is None:
            self.reload("start")
        else:
            self._installed(policy, "start")

    def reload(self, reason: str) -> bool:
        """Load the rules and put them in service; False (the old policy serving) when they do not load."""
        with self._lock:
            try:
                if self._service is None:
                    policy = Policy.load(self.rules)
                    self._service = PolicyService(policy)
                else:
                    policy = self._service.reload(self.rules)
            except Exception as exc:  # a bug in loading must not stop the service either: the old policy serves
                self._failed(exc, reason)
                return False
            self._installed(policy, reason)
            return True

    def _installed(self, policy: Policy, reason: str) -> None:
        if self._service is None:
            self._service = PolicyService(policy)
        self.loaded_at = datetime.now(UTC)
        self.last_error = None
        self._metrics.policy(policy.name, policy.version, policy.digest, self.loaded_at.timestamp())
        if reason != "start":
            self._metrics.reloads.inc()
        log.info("policy %s %s (%s) in service (%s)", policy.name, policy.version, policy.digest, reason)
        for listener in self.listeners:
            listener(policy)

    def _failed(self, exc: Exception, reason: str) -> None:
        text = (
            str(exc) if isinstance(exc, AfterSalesError) else f"internal error: {type(exc).__name__}: {cut(str(exc))}"
        )
        problems = [p.to_dict() for p in getattr(exc, "problems", ())] if isinstance(exc, AfterSalesError) else []
        self.last_error = {"at": datetime.now(UTC).isoformat(), "reason": reason, "error": text, "problems": problems}
        self._metrics.failed_reloads.inc()
        serving = self.policy
        kept = f"{serving.name} {serving.version} ({serving.digest}) still serving" if serving else "no policy serving"
        log.error("reload (%s) failed, %s: %s", reason, kept, one_line(text))

    # ------------------------------------------------------------------ watching the files

    def watch(self) -> None:
        """Reload whenever the rules change, on a thread of its own, until ``stop``."""
        self._watcher = threading.Thread(target=self._watch, name="aftersales-watch", daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        import watchfiles  # the serve extra; imported where it is used

        folder = (self.rules if self.rules.is_dir() else self.rules.parent).resolve()
        only = None if self.rules.is_dir() else self.rules.resolve()

        def wanted(change: watchfiles.Change, path: str) -> bool:
            """A rule file of the folder (what read_policy reads), or the one file in service."""
            changed = Path(path)
            if only is not None:
                return changed.resolve() == only
            return changed.suffix in RULE_SUFFIXES and changed.parent.resolve() == folder

        try:
            for _ in watchfiles.watch(
                folder,
                watch_filter=wanted,
                debounce=self._debounce_ms,
                stop_event=self._stop,
                raise_interrupt=False,
                recursive=False,  # its tests/ and anything else below it are no rule files
            ):
                self.reload("files changed")
        except Exception as exc:  # a folder that went away, no inotify: say so; SIGHUP still reloads
            log.error("not watching %s any more: %s: %s", folder, type(exc).__name__, cut(str(exc)))

    def stop(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
            self._watcher = None


def install_sighup(live: LivePolicy) -> Callable[[], None]:
    """Reload on SIGHUP (on a thread: a signal handler does no work itself); returns what restores the
    previous handler. Only the main thread can install one: elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGHUP"):
        return lambda: None

    def handler(signum: int, frame: object) -> None:
        threading.Thread(target=live.reload, args=("SIGHUP",), name="aftersales-sighup", daemon=True).start()

    previous = signal.signal(signal.SIGHUP, handler)

    def restore() -> None:
        signal.signal(signal.SIGHUP, previous)

    return restore
