"""A batch ended by a signal: SIGINT, SIGTERM and SIGHUP end the run and its worker processes with it.

``Stopping`` installs for the time of a run, in the main thread, a handler for each of these
signals still at its default (one the caller ignores, as ``nohup`` ignores SIGHUP, or handles itself
is left alone). The handler notes the signal; it raises ``Stopped``, a ``KeyboardInterrupt``, only
where the run waits (``interruptible``: for input, a worker, a pipe) or checks between chunks, so
that nothing is left half done by it (a worker process half started) and no library on the way
turns it into an error of its own. ``Stopped`` unwinds the run: the output is left as it was, the
workers are killed.

Worker processes are started with these signals blocked (``blocked()``: a child inherits the mask)
and, once started, ignore SIGINT and SIGHUP (``in_worker()``): a terminal sends those to its whole
process group, and the parent, which ends its workers itself, is the one to answer. SIGTERM sent to
a worker alone still ends it, which the batch reports as a worker that died; on Linux a worker is
also killed when its parent ends by a signal it cannot answer (SIGKILL). ``end_workers`` kills
a pool's processes and shuts it down (Python 3.11 has no ``terminate_workers``); the resource
tracker, which the workers keep open, then ends when the parent does.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from types import FrameType
from typing import TypeVar

__all__ = ["STOP_SIGNALS", "Stopped", "Stopping", "blocked", "end_workers", "in_worker", "workers"]

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
WORKER_IGNORES = (signal.SIGINT, signal.SIGHUP)  # sent by a terminal to its whole process group
JOIN_SECONDS = 10.0  # a killed worker that has not ended by then is left to the operating system
PR_SET_PDEATHSIG = 1  # linux/prctl.h
T = TypeVar("T")


class Stopped(KeyboardInterrupt):
    """A signal ended the run; ``exit_code`` is the shell's for it (128 + its number)."""

    def __init__(self, signum: int, message: str | None = None):
        self.signum = signum
        self.exit_code = 128 + signum
        super().__init__(message or f"interrupted by {signal.Signals(signum).name}")

    def __str__(self) -> str:
        return str(self.args[0])


class Stopping:
    """For the time of a ``with`` block, the signals that end a run are answered in the main thread: noted
    wherever they come, raised as ``Stopped`` where the run waits (``interruptible``) or checks (``check``)."""

    def __init__(self) -> None:
        self.signum: int | None = None  # the first signal received
        self._open = 0  # how deep in interruptible sections
        self._raised = False
        self._saved: dict[int, object] = {}

    def __enter__(self) -> Stopping:
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                if signal.getsignal(signum) in (signal.SIG_DFL, signal.default_int_handler):
                    self._saved[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *_: object) -> None:
        for signum, previous in self._saved.items():
            signal.signal(signum, previous)  # type: ignore[arg-type]
        self._saved.clear()

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum
        if self._open:
            self.check()

    def check(self) -> None:
        """Raise ``Stopped`` if a signal came (once: after that, the run is ending anyway)."""
        if self.signum is not None and not self._raised:
            self._raised = True
            raise Stopped(self.signum)

    def finished(self) -> None:
        """The run is complete: a signal from now on is not raised (it has nothing left to stop)."""
        self._raised = True

    @contextlib.contextmanager
    def interruptible(self) -> Iterator[None]:
        """A section where the run waits (for input, for a worker, for a pipe to take the output): a signal
        raises ``Stopped`` at once. Elsewhere it waits for the next check: raised from inside a library
        it could be caught there, or turned into another error (pydantic does so in a serializer)."""
        self.check()
        self._open += 1
        try:
            yield
        finally:
            self._open -= 1

    def each(self, items: Iterable[T]) -> Iterator[T]:
        """``items``, each waited for in an interruptible section (reading a pipe may wait for ever)."""
        it = iter(items)
        while True:
            with self.interruptible():
                try:
                    item = next(it)
                except StopIteration:
                    return
            yield item


@contextlib.contextmanager
def blocked() -> Iterator[None]:
    """The signals that end a run blocked in this thread (and in any process it starts meanwhile)."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def in_worker(parent: int) -> None:
    """In a worker process, first thing: ignore what a terminal sends the group, then take signals again;
    on Linux, die with the parent however it ends (SIGKILL, a crash), which no handler of its can answer."""
    for signum in WORKER_IGNORES:
        signal.signal(signum, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # it ended before that was said
            os._exit(1)


def workers(pool: ProcessPoolExecutor) -> list:
    """The processes of ``pool`` (Python 3.11 has no public way to them)."""
    return list((getattr(pool, "_processes", None) or {}).values())


def end_workers(pool: ProcessPoolExecutor) -> None:
    """Kill every process of ``pool`` (SIGKILL: a worker may be deep in durable_rules) and shut it down.

    A worker killed while it sent a result leaves half a message in the result pipe, and the pool's
    thread reading it would wait forever for the rest: the parent's own end for writing to that pipe
    is closed once the workers are gone, so that the read ends (the pool then sees itself broken).
    """
    processes = workers(pool)
    for process in processes:
        with contextlib.suppress(Exception):
            process.kill()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(JOIN_SECONDS)
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if writer is not None:
        with contextlib.suppress(OSError):
            writer.close()
    pool.shutdown(wait=True, cancel_futures=True)
