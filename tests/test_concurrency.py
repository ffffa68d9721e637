"""One policy shared by many threads decides exactly as it does alone.

durable_rules has no locks of its own; each policy serialises its calls into
it (engine/runtime.py). 8 threads x 2,000 evaluations must give byte for byte the
plans of a sequential run, and two policies used at once must not disturb
each other.
"""

from __future__ import annotations

import sys
import threading

import pytest

from aftersales_rules import Policy
from aftersales_rules.testing import generate_cases

from conftest import RULES

THREADS = 8
PER_THREAD = 2000
CASES = list(generate_cases(PER_THREAD, seed=31))


def _run_threads(work, count: int) -> list[BaseException]:
    """Start ``count`` threads on ``work(n)`` together (a barrier) and collect what they raised.

    The interpreter switches threads every 10 µs instead of every 5 ms meanwhile, so that
    evaluations interleave at many more points than they would by default.
    """
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(n: int) -> None:
        try:
            barrier.wait()
            work(n)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    return errors


@pytest.mark.slow
def test_eight_threads_give_exactly_the_sequential_plans(reference_policy):
    sequential = [reference_policy.evaluate(case).to_json() for case in CASES]
    got: list[list[str | None]] = [[None] * PER_THREAD for _ in range(THREADS)]

    def work(n: int) -> None:
        # each thread walks the cases from its own starting point, so different kinds meet in the engine
        for k in range(PER_THREAD):
            i = (k + n * PER_THREAD // THREADS) % PER_THREAD
            got[n][i] = reference_policy.evaluate(CASES[i]).to_json()

    assert _run_threads(work, THREADS) == []
    mismatches = [(n, i) for n in range(THREADS) for i in range(PER_THREAD) if got[n][i] != sequential[i]]
    assert mismatches == []


def test_two_policies_used_at_once_do_not_disturb_each_other(reference_policy):
    """Each policy owns its Host, rulesets and lock: interleaved use leaves both deciding as alone."""
    other = Policy.load(RULES)
    cases = CASES[:300]
    alone = [reference_policy.evaluate(case, branches=False).to_json() for case in cases]
    results: dict[int, list[str]] = {}

    def work(n: int) -> None:
        policy = reference_policy if n % 2 else other
        results[n] = [policy.evaluate(case, branches=False).to_json() for case in cases]

    assert _run_threads(work, 4) == []
    assert all(plans == alone for plans in results.values())
