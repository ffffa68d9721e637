"""``Shadow``: a candidate policy tried on every request, off the response path, without slowing answers.

Each case a request sends is put on a bounded queue (full: it is dropped and counted, never waited
for) and a thread of its own evaluates it under the policy that answered and under the candidate,
by ``aftersales diff``'s definition (``impact.compare_record``: a case changed when a field of the
plan's contract differs, or it fails under one policy only). Each case that changed is one JSON
line of the shadow log: ``diff --format json``'s change record with the time and both digests.
"""

from __future__ import annotations

import itertools
import json
import queue
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from ..authoring.impact import CaseChange, compare_record
from ..authoring.records import Record
from ..errors import OutputError
from ..policy import Policy
from .live import log
from .metrics import Metrics

__all__ = ["Shadow"]


class Shadow:
    """The candidate policy, its queue, its thread and its log."""

    def __init__(self, candidate: Policy, metrics: Metrics, log_path: Path | None = None, size: int = 1000) -> None:
        self.candidate = candidate
        self._metrics = metrics
        self._queue: queue.Queue[tuple[Policy, Record, int] | None] = queue.Queue(maxsize=size)
        self._numbers = itertools.count(1)
        self._log: IO[str] | None = None
        if log_path is not None:
            try:
                self._log = open(log_path, "a", encoding="utf-8")  # noqa: SIM115 - open for the service's life
            except OSError as exc:
                raise OutputError(str(log_path), exc.strerror or str(exc)) from None
        self._thread = threading.Thread(target=self._work, name="aftersales-shadow", daemon=True)
        self._thread.start()

    def number(self) -> int:
        """A number for the next request: the ``request`` field of the log lines of its cases."""
        return next(self._numbers)

    def submit(self, live: Policy, record: Record, request: int) -> bool:
        """Queue a case the policy ``live`` answered; False (dropped, counted) when the queue is full."""
        try:
            self._queue.put_nowait((live, record, request))
        except queue.Full:
            self._metrics.shadow_dropped.inc()
            return False
        self._metrics.shadow_queue.set(self._queue.qsize())
        return True

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            live, record, request = item
            try:
                self._compare(live, record, request)
            except Exception:  # a bug must not stop the shadow: logged, the next case goes on
                log.exception("shadow: comparing request %s line %s failed", request, record.ref)
            finally:
                self._metrics.shadow_queue.set(self._queue.qsize())
                self._queue.task_done()
        self._queue.task_done()

    def _compare(self, live: Policy, record: Record, request: int) -> None:
        result = compare_record(live, self.candidate, record)
        self._metrics.shadow_compared.inc()
        if not isinstance(result, CaseChange):
            return  # the same plan, or a case neither policy decides
        self._metrics.shadow_differences.labels(result.kind or "").inc()
        if self._log is None:
            return
        line = {
            "at": datetime.now(UTC).isoformat(),
            "live_digest": live.digest,
            "candidate_digest": self.candidate.digest,
            "request": request,
            **result.to_dict(),
        }
        try:
            self._log.write(json.dumps(line, ensure_ascii=False) + "\n")
            self._log.flush()
        except OSError as exc:
            log.error("shadow: cannot write the shadow log: %s", exc.strerror or exc)

    def join(self) -> None:
        """Wait until every queued case is compared."""
        self._queue.join()

    def stop(self) -> None:
        """Compare what is queued, then end the thread and close the log."""
        self._queue.put(None)
        self._thread.join(timeout=30)
        if self._log is not None:
            self._log.close()
            self._log = None
        if not self._thread.is_alive():  # never free the rulesets under a comparison still running
            self.candidate.close()
