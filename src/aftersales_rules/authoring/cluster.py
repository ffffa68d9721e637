"""A Dask cluster for a run (the extra ``dask``): ``local:N`` or a scheduler's address; partitions in, results in order.

``local:N`` starts a cluster of N worker processes of one thread each on this machine, bound to the
loopback interface, without a dashboard and with its logging quiet; an address (``tcp://HOST:PORT``,
``tls://…``) joins a cluster already running, whose workers must have aftersales-rules installed
and see the input at the same path. dask is imported only here, and only when a run asks for a
cluster: ``import aftersales_rules`` and the command line work without it.

``in_order`` sends the partitions with a bounded number in flight and yields their results in the
input's order. A worker that dies has its partitions run again elsewhere by Dask (a partition is
only read, never written, by a worker: running it twice gives the same result, which the client
takes once); one that kills ``distributed.scheduler.allowed-failures`` workers ends the run.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import Any, TypeVar

from ..errors import AfterSalesError, EvaluationError, InputError, SourceLocation, cut
from .stopping import Stopping

__all__ = ["EXTRA", "MAX_LOCAL", "gathered", "in_order", "parse_scheduler", "running"]

EXTRA = "pip install 'aftersales-rules[dask]'"
MAX_LOCAL = 256  # worker processes local:N may start
CONNECT_SECONDS = 30  # joining a cluster that does not answer by then fails
IN_FLIGHT = 2  # partitions per worker thread sent ahead (one running, one waiting)
LOOPBACK_ANY_PORT = "127.0.0.1:0"
ADDRESS = re.compile(r"(tcp|tls)://[^\s/:]+:\d{1,5}")
P = TypeVar("P")
R = TypeVar("R")


def parse_scheduler(text: str) -> tuple[str, Any]:
    """``("local", N)`` or ``("address", text)``; ``ValueError`` saying what is expected otherwise."""
    expected = "expected local:N (N worker processes on this machine, 1 to 256) or tcp://HOST:PORT"
    if text.startswith("local:"):
        number = text.removeprefix("local:")
        if number.isdigit() and 1 <= int(number) <= MAX_LOCAL:
            return "local", int(number)
        raise ValueError(f"{expected}, not {cut(text)}")
    if ADDRESS.fullmatch(text):
        return "address", text
    raise ValueError(f"{expected}, not {cut(text)}")


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise AfterSalesError(f"--scheduler needs Dask, not installed here ({exc}): {EXTRA}") from None
    return distributed


def local_cluster(workers: int, silence: int = logging.CRITICAL) -> Any:
    """A ``distributed.LocalCluster`` of ``workers`` single-threaded processes on loopback, as ``local:N`` starts
    (also a context manager that ends it); ``silence``: the level below which its logs are dropped."""
    return _distributed().LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",  # loopback only
        # no dashboard; the scheduler's HTTP server (health checks) on a free loopback port, not 8787
        dashboard_address=LOOPBACK_ANY_PORT,
        scheduler_kwargs={"dashboard": False},
        silence_logs=silence,  # a run's errors reach the client as exceptions; the rest is noise
    )


@contextlib.contextmanager
def running(scheduler: str) -> Iterator[Any]:
    """A ``distributed.Client`` of the cluster ``scheduler`` names, closed (a local one ended) afterwards."""
    kind, value = parse_scheduler(scheduler)
    distributed = _distributed()
    with contextlib.ExitStack() as stack:
        if kind == "local":
            cluster = local_cluster(value)
            stack.callback(cluster.close)
            client = distributed.Client(cluster)
        else:
            try:
                client = distributed.Client(value, timeout=CONNECT_SECONDS)
            except (OSError, TimeoutError) as exc:
                raise InputError(
                    f"cannot reach the Dask scheduler: {exc}", SourceLocation(value), "unreachable"
                ) from None
        stack.callback(client.close)
        yield client


def in_order(
    client: Any,
    parts: Iterable[P],
    work: Callable[..., R],
    args: tuple[Any, ...],
    stopping: Stopping,
) -> Generator[R, None, None]:
    """``work(part, *args)`` for each part, on the cluster, yielded in order (a bounded number in flight)."""
    window = max(2, IN_FLIGHT * sum(client.nthreads().values()))
    pending: deque = deque()
    try:
        for part in stopping.each(parts):
            pending.append(client.submit(work, part, *args, pure=False))
            if len(pending) >= window:
                yield _result(pending.popleft(), stopping)
            stopping.check()
        while pending:
            yield _result(pending.popleft(), stopping)
    finally:
        if pending:
            client.cancel(list(pending))


def gathered(client: Any, work: Callable[..., R], items: list[tuple[Any, ...]], stopping: Stopping) -> list[R]:
    """``work(*item)`` for every item, on the cluster, all at once (small results: a first pass)."""
    futures = [client.submit(work, *item, pure=False) for item in items]
    try:
        return [_result(future, stopping) for future in futures]
    finally:
        client.cancel(futures)


def _result(future: Any, stopping: Stopping) -> Any:
    from distributed import KilledWorker

    with stopping.interruptible():
        try:
            return future.result()
        except KilledWorker:
            raise EvaluationError(
                "a partition was tried on several workers and each of them died: the run is stopped"
            ) from None
