"""Work on N processes, in order: chunks of items sent to spawned workers, a bounded number in flight.

What ``batch`` does for plans, for any work: the results come back in the input's order, whatever
the number of workers, so that a run on ``-j 2`` reports what a run on ``-j 1`` reports. The
workers are spawned (no fork of a process that holds durable_rules state), start with the signals
that end a run blocked (``stopping``), and are killed when the run ends early; a worker that dies
stops the run with an ``EvaluationError`` instead of hanging it.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from ..errors import EvaluationError
from .stopping import Stopped, Stopping, blocked, end_workers

__all__ = ["CHUNK", "IN_FLIGHT", "in_order"]

CHUNK = 64  # items per task sent to a worker
IN_FLIGHT = 4  # chunks per worker waiting or running
T = TypeVar("T")
R = TypeVar("R")


def in_order(
    items: Iterable[T],
    work: Callable[[list[T]], list[R]],
    jobs: int,
    initializer: Callable[..., None],
    initargs: tuple[Any, ...],
    chunk: int = CHUNK,
) -> Iterator[list[R]]:
    """``work(chunk)`` for each chunk of ``items``, on ``jobs`` worker processes, yielded in order.

    ``work`` and ``initializer`` must be module-level functions (they are sent to the workers by
    name); ``initializer(*initargs, parent_pid)`` runs first in each worker and should call
    ``stopping.in_worker(parent_pid)``.
    """
    context = multiprocessing.get_context("spawn")
    with Stopping() as stopping:
        with blocked():  # the resource tracker starts here, the signals blocked in it too
            pool = ProcessPoolExecutor(
                jobs, mp_context=context, initializer=initializer, initargs=(*initargs, os.getpid())
            )
        try:
            pending: deque = deque()

            def result() -> list[R]:
                with stopping.interruptible():
                    return pending.popleft().result()

            it = iter(stopping.each(items))
            while batch := list(itertools.islice(it, chunk)):
                with blocked():  # a worker may start here, with the signals blocked
                    pending.append(pool.submit(work, batch))
                if len(pending) >= jobs * IN_FLIGHT:
                    yield result()
                stopping.check()
            while pending:
                yield result()
            pool.shutdown()
            stopping.finished()
        except BaseException as exc:
            end_workers(pool)
            if isinstance(exc, BrokenProcessPool):
                if stopping.signum is not None:  # the worker died of the signal that stops the run
                    raise Stopped(stopping.signum) from None
                raise EvaluationError("a worker process died") from None
            raise
