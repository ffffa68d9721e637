"""``pool.in_order`` serves ``batch -j`` and ``diff -j``: a stream's idle marks, the caller's ``Stopping``
and the caller's message for a worker that died are its own, not copies in each tool."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from aftersales_rules.authoring.batch import run_batch
from aftersales_rules.authoring.pool import chunked, in_order
from aftersales_rules.authoring.stopping import Stopped, Stopping, in_worker
from aftersales_rules.errors import EvaluationError
from aftersales_rules.testing import generate_cases

from conftest import RULES

SLEEP = 20.0  # seconds a slow chunk takes: far longer than a signal needs to stop a wait for it


def echo(chunk: list[int]) -> list[int]:
    return chunk


def slow(chunk: list[int]) -> list[int]:
    time.sleep(SLEEP)
    return chunk


def test_chunked_cuts_at_the_size_and_where_the_input_is_idle():
    assert list(chunked([1, 2, 3, None, None, 4, 5], 2)) == [
        ([1, 2], False),
        ([3], True),
        ([], True),
        ([4, 5], False),
    ]
    assert list(chunked([1, 2, 3], 2)) == [([1, 2], False), ([3], False)]
    assert list(chunked([], 2)) == []


def test_all_under_way_is_yielded_before_reading_past_an_idle_input():
    events: list[object] = []

    def chunks():
        for chunk, idle in (([1], False), ([2], True), ([3], False)):
            events.append(("read", chunk[0]))
            yield chunk, idle

    for result in in_order(chunks(), echo, 1, in_worker, ()):
        events.append(("got", result[0]))
    assert events == [("read", 1), ("read", 2), ("got", 1), ("got", 2), ("read", 3), ("got", 3)]


def test_a_signal_to_the_callers_stopping_ends_a_wait_for_a_worker():
    with Stopping() as stopping:
        results = in_order([([1], False)], slow, 1, in_worker, (), stopping)
        timer = threading.Timer(3.0, os.kill, (os.getpid(), signal.SIGTERM))
        started = time.monotonic()
        timer.start()
        try:
            with pytest.raises(Stopped):
                list(results)
        finally:
            timer.cancel()
    assert time.monotonic() - started < SLEEP / 2
    assert stopping.signum == signal.SIGTERM


def test_a_worker_that_dies_ends_the_batch_with_the_count_and_the_output_untouched(tmp_path):
    cases, out = tmp_path / "cases.jsonl", tmp_path / "plans.jsonl"
    cases.write_text("".join(json.dumps(c) + "\n" for c in generate_cases(3000, 5)), encoding="utf-8")
    out.write_text("old plans\n", encoding="utf-8")
    counts: list[int] = []

    def kill_a_worker(summary):
        counts.append(summary.cases)
        if len(counts) == 1:
            os.kill(multiprocessing.active_children()[0].pid, signal.SIGKILL)

    with pytest.raises(EvaluationError) as raised:
        run_batch(cases, out, RULES, jobs=2, progress=kill_a_worker)
    assert str(raised.value) == f"a worker process died after {counts[-1]:,} cases; {out} is left as it was"
    assert out.read_text(encoding="utf-8") == "old plans\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.jsonl", "plans.jsonl"]  # no temporary file


def dies_while_sending(chunk: list[int]) -> list[bytes]:
    """In a worker: a result far larger than a pipe holds, and the worker killed once it is being sent."""
    main = threading.main_thread().ident

    def kill_when_sending() -> None:
        while True:
            frame = sys._current_frames().get(main)
            while frame is not None and frame.f_code.co_name != "_send":
                frame = frame.f_back
            if frame is not None:
                os.kill(os.getpid(), signal.SIGKILL)
            time.sleep(0.0005)

    threading.Thread(target=kill_when_sending, daemon=True).start()
    return [bytes(64 * 1024 * 1024)]


HALF_SENT = """
import sys
sys.path[:0] = sys.argv[1:]
from test_pool import dies_while_sending
from aftersales_rules.authoring.pool import in_order
from aftersales_rules.authoring.stopping import in_worker
from aftersales_rules.errors import EvaluationError
try:
    list(in_order([([1], False)], dies_while_sending, 1, in_worker, ()))
except EvaluationError as error:
    print(error)
"""


def test_a_worker_killed_while_it_sends_a_result_ends_the_run_instead_of_hanging_it():
    # the pool's own thread waits for ever for the rest of a half-sent result; the wait looks at the workers
    tests = os.path.dirname(os.path.abspath(__file__))
    ran = subprocess.run(
        [sys.executable, "-c", HALF_SENT, tests, *sys.path],
        capture_output=True,
        text=True,
        timeout=180,  # a hang fails the test, not the run
        stdin=subprocess.DEVNULL,
    )
    assert (ran.returncode, ran.stdout) == (0, "a worker process died\n"), ran.stderr
