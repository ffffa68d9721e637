"""``Context``: what every endpoint of one service shares, and the thread pool that decides its cases.

Evaluation runs on a pool of ``Settings.pool_size`` threads, never on the event loop, each request
within ``Settings.timeout`` seconds (a 503 ``timeout`` after it; the thread finishes its case and
is reused, since a thread cannot be stopped).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from ..policy import Policy
from .live import LivePolicy
from .metrics import Metrics
from .problems import ServiceProblem
from .settings import Settings
from .shadow import Shadow

__all__ = ["DIGEST_HEADER", "Context"]

DIGEST_HEADER = "X-Policy-Digest"  # which policy answered: its digest, as in the plan's policy.digest
T = TypeVar("T")


@dataclass
class Context:
    settings: Settings
    metrics: Metrics
    live: LivePolicy
    shadow: Shadow | None = None
    pool: ThreadPoolExecutor = field(init=False)

    def __post_init__(self) -> None:
        self.pool = ThreadPoolExecutor(self.settings.pool_size, thread_name_prefix="aftersales-eval")

    def policy(self) -> Policy:
        """The policy a request starts with, and finishes on (503 ``not_ready`` before one has loaded)."""
        policy = self.live.policy
        if policy is None:
            raise ServiceProblem("not_ready", "no policy is loaded yet; GET /v1/policy says why")
        return policy

    @staticmethod
    def headers(policy: Policy) -> dict[str, str]:
        return {DIGEST_HEADER: policy.digest}

    async def run(self, work: Callable[[], T], timeout: float | None = None) -> T:
        """``work()`` on the pool, within the time limit."""
        limit = self.settings.timeout if timeout is None else timeout
        future = asyncio.get_running_loop().run_in_executor(self.pool, work)
        try:
            return await asyncio.wait_for(future, limit)
        except TimeoutError:
            raise ServiceProblem("timeout", f"not decided within {limit:g} seconds (--timeout)") from None

    @contextmanager
    def timed(self, endpoint: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.metrics.latency.labels(endpoint).observe(time.perf_counter() - start)

    def close(self) -> None:
        self.live.stop()
        if self.shadow is not None:
            self.shadow.stop()
        self.pool.shutdown(wait=False, cancel_futures=True)
