"""Work on N processes, in order: chunks of items sent to spawned workers, a bounded number in flight.

What ``batch`` does for plans and ``diff -j`` for comparisons, for any work: the results come back in
the input's order, whatever the number of workers, so that a run on ``-j 2`` reports what a run on
``-j 1`` reports. The workers are spawned (no fork of a process that holds durable_rules state),
start with the signals that end a run blocked (``stopping``), and are killed when the run ends
early; a worker that dies stops the run with an ``EvaluationError`` instead of hanging it.

A wait for a result does not trust the pool alone to notice a worker that died: one killed while it
sent a result leaves half a message in the result pipe, and the pool's own thread then waits for the
rest for ever, never marking the pool broken (CPython 3.11). The wait looks at the workers itself
every ``POLL_SECONDS``.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import nullcontext
from typing import Any, TypeVar

from ..errors import EvaluationError
from .stopping import Stopped, Stopping, blocked, end_workers, workers

__all__ = ["CHUNK", "IN_FLIGHT", "chunked", "in_order"]

CHUNK = 64  # items per task sent to a worker
IN_FLIGHT = 4  # chunks per worker waiting or running
POLL_SECONDS = 0.25  # how often a wait for a result looks whether a worker died
T = TypeVar("T")
R = TypeVar("R")


def chunked(items: Iterable[T | None], size: int = CHUNK) -> Iterator[tuple[list[T], bool]]:
    """Chunks of at most ``size`` items, each with whether the input is idle after it: an item ``None``
    says a stream has nothing more ready (what is held is to be finished and written before reading
    on); the chunk before it may then be short, or empty."""
    chunk: list[T] = []
    for item in items:
        if item is None:
            yield chunk, True
            chunk = []
            continue
        chunk.append(item)
        if len(chunk) == size:
            yield chunk, False
            chunk = []
    if chunk:
        yield chunk, False


def a_worker_died(pool: ProcessPoolExecutor) -> bool:
    """Whether a process of ``pool`` has ended: none ends on its own while the pool runs."""
    return any(process.exitcode is not None for process in workers(pool))


def in_order(
    chunks: Iterable[tuple[list[T], bool]],
    work: Callable[[list[T]], list[R]],
    jobs: int,
    initializer: Callable[..., None],
    initargs: tuple[Any, ...],
    stopping: Stopping | None = None,
    died: Callable[[], str] = lambda: "a worker process died",
) -> Generator[list[R], None, None]:
    """``work(chunk)`` for each chunk of ``chunks`` (``chunked``), on ``jobs`` worker processes, yielded
    in order; after a chunk that says the input is idle, every chunk under way is yielded first.

    ``work`` and ``initializer`` must be module-level functions (they are sent to the workers by
    name; a ``functools.partial`` of one will do); ``initializer(*initargs, parent_pid)`` runs first
    in each worker and should call ``stopping.in_worker(parent_pid)``. A caller that answers signals
    itself passes its ``Stopping`` (a second one inside it would never see a signal: the first one's
    handlers are not the defaults it replaces), and says when its run is ``finished``; without one,
    the run has its own. ``died()`` is the message of the error raised when a worker dies.
    """
    own = stopping is None
    with Stopping() if stopping is None else nullcontext(stopping) as signals:
        signals.check()  # a signal before the workers start stops the run
        context = multiprocessing.get_context("spawn")
        with blocked():  # the resource tracker starts here, the signals blocked in it too
            pool = ProcessPoolExecutor(
                jobs, mp_context=context, initializer=initializer, initargs=(*initargs, os.getpid())
            )
        try:
            pending: deque = deque()

            def result() -> list[R]:
                future = pending.popleft()
                with signals.interruptible():
                    while True:
                        try:
                            return future.result(POLL_SECONDS)
                        except TimeoutError:
                            if a_worker_died(pool):
                                raise BrokenProcessPool("a worker process died") from None

            for chunk, idle in signals.each(chunks):  # a signal stops a wait for input at once
                if chunk:
                    with blocked():  # a worker may start here, with the signals blocked
                        pending.append(pool.submit(work, chunk))
                if idle:  # nothing more to read yet: all that is under way is yielded before waiting
                    while pending:
                        yield result()
                elif len(pending) >= jobs * IN_FLIGHT:
                    yield result()
                signals.check()
            while pending:
                yield result()
            pool.shutdown()
            if own:
                signals.finished()
        except BaseException as exc:
            end_workers(pool)
            if isinstance(exc, BrokenProcessPool):
                if signals.signum is not None:  # the worker died of the signal that stops the run
                    raise Stopped(signals.signum) from None
                raise EvaluationError(died()) from None
            raise
