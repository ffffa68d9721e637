"""Timing and memory measurements: per-call latencies, throughput, resident set size."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

# the clock of every pass: wall time, or with ``use_cpu_time()`` this process's CPU time (on a shared machine,
# other jobs' time slices then do not count)
CLOCK = [time.perf_counter_ns]


def use_cpu_time() -> None:
    CLOCK[0] = time.process_time_ns


@dataclass
class Timing:
    name: str
    calls: int
    seconds: float  # time of the timed pass (wall, or CPU with --cpu-time), the clock reads included
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
    clock = CLOCK[0]
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


def interleaved(contenders: dict[str, Callable], inputs: Sequence, rounds: int = 3) -> dict[str, float]:
    """Cases per second of each contender: its best of ``rounds`` passes over ``inputs``, the contenders' passes
    taken in turn, so that a busy moment of a shared machine falls on all of them alike."""
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(rounds):
        for name, fn in contenders.items():
            start = CLOCK[0]()
            for item in inputs:
                fn(item)
            best[name] = min(best[name], (CLOCK[0]() - start) / 1e9)
    return {name: len(inputs) / elapsed for name, elapsed in best.items()}


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


@dataclass
class MemoPasses:
    """The engine on a freshly loaded policy: the first pass over the corpus (empty memo) and the second."""

    cold: Timing
    warm: Timing
    memo: dict  # per pass: hits, misses, direct, hit_rate; size, maxsize, distinct abstract messages; decisions


def memo_passes(load: Callable, label: str, fn: Callable, inputs: Sequence) -> MemoPasses:
    """Time ``fn(policy, item)`` over ``inputs`` twice on ``load()``'s fresh policy: cold, then warm.

    Distinct abstract messages are the misses of the cold pass when the memo never evicted anything;
    otherwise they are counted again on a policy whose memo holds them all.
    """
    policy = load()
    cold = time_calls(f"{label}, cold", lambda c: fn(policy, c), inputs, warmup=0)
    first = policy.memo_info()
    warm = time_calls(f"{label}, warm", lambda c: fn(policy, c), inputs, warmup=0)
    second = policy.memo_info()
    distinct = first.misses
    if first.size < first.misses:  # entries were evicted: count the distinct messages on a memo big enough
        counting = load(memo_size=1 << 24)
        for item in inputs:
            fn(counting, item)
        distinct = counting.memo_info().misses
        counting.close()
    policy.close()

    def rates(hits: int, misses: int, direct: int) -> dict:
        total = hits + misses + direct
        return {"hits": hits, "misses": misses, "direct": direct, "hit_rate": hits / total if total else 0.0}

    memo = {
        "cold": rates(first.hits, first.misses, first.direct),
        "warm": rates(second.hits - first.hits, second.misses - first.misses, second.direct - first.direct),
        "size": second.size,
        "maxsize": second.maxsize,
        "distinct": distinct,
        "matches_per_case": (first.hits + first.misses + first.direct) / len(inputs),
        "decisions": {  # the memo of whole decisions above it (the rulesets are matched on its misses only)
            "cold": rates(first.decisions.hits, first.decisions.misses, first.decisions.direct),
            "warm": rates(
                second.decisions.hits - first.decisions.hits,
                second.decisions.misses - first.decisions.misses,
                second.decisions.direct - first.decisions.direct,
            ),
            "size": second.decisions.size,
        },
    }
    return MemoPasses(cold, warm, memo)
