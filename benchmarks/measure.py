"""Timing and memory measurements: per-call latencies, throughput, resident set size."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Timing:
    name: str
    calls: int
    seconds: float  # wall time of the timed pass, the clock reads included
    latencies_ns: list[int]  # sorted

    @property
    def per_second(self) -> float:
        return self.calls / self.seconds

    def percentile(self, p: float) -> float:
        """Latency at percentile ``p`` (0-100), in milliseconds (nearest rank)."""
        lat = self.latencies_ns
        index = min(len(lat) - 1, max(0, round(p / 100 * len(lat) + 0.5) - 1))
        return lat[index] / 1e6

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p99(self) -> float:
        return self.percentile(99)


def time_calls(name: str, fn: Callable, inputs: Sequence, warmup: int = 500) -> Timing:
    """Call ``fn`` on every input once (after ``warmup`` untimed calls); each call timed on its own."""
    for item in inputs[:warmup]:
        fn(item)
    clock = time.perf_counter_ns
    latencies = []
    append = latencies.append
    start = clock()
    for item in inputs:
        t = clock()
        fn(item)
        append(clock() - t)
    seconds = (clock() - start) / 1e9
    latencies.sort()
    return Timing(name, len(inputs), seconds, latencies)


def best_of(runs: int, fn: Callable[[], float]) -> float:
    """The smallest of ``runs`` measurements (for one-off costs such as loading a policy)."""
    return min(fn() for _ in range(runs))


def seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MiB, from /proc/self/status (Linux)."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, amount, _unit = line.split()
            values[key] = int(amount) / 1024  # kB → MiB
    return values["VmRSS:"], values["VmHWM:"]
