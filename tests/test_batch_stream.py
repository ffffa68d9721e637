"""``batch`` reads a pipe as it comes (trust point 12): ``-`` and pipes are never read to the end first, each
plan is written when known, and the progress shows a count and a rate where there is no total."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from aftersales_rules.authoring.records import count_cases, is_stream, read_cases
from aftersales_rules.testing import generate_cases

from conftest import RULES

CLI = Path(sys.executable).parent / "aftersales"
WAIT = 90  # seconds: a step that takes longer has hung (the suite must never hang)
CASES = [json.dumps(case, ensure_ascii=False).encode() + b"\n" for case in generate_cases(3, seed=12)]
STREAM_LINE = re.compile(r"^batch: (\d[\d,]*) cases, (\d[\d,]*) failed, (\d[\d,]*) cases/s$")


class Lines:
    """The lines a process writes to a pipe, each waited for with a timeout (read by a thread)."""

    def __init__(self, stream: IO[bytes]):
        self.lines: queue.Queue[bytes] = queue.Queue()
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream: IO[bytes]) -> None:
        for line in stream:
            self.lines.put(line)
        self.lines.put(b"")

    def next(self) -> str:
        try:
            return self.lines.get(timeout=WAIT).decode()
        except queue.Empty:
            pytest.fail(f"no line within {WAIT} s")

    def rest(self) -> list[str]:
        self.thread.join(WAIT)
        out = []
        while not self.lines.empty():
            out.append(self.lines.get().decode())
        return [line for line in out if line]


@contextlib.contextmanager
def started(*args: str) -> Iterator[tuple[subprocess.Popen, Lines, Lines]]:
    """``aftersales batch ARGS`` with its stdin to write, and its stdout and stderr lines; killed if still running."""
    with subprocess.Popen(
        [str(CLI), "batch", *args, "--rules", str(RULES)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "200"},
    ) as batch:
        out, err = Lines(batch.stdout), Lines(batch.stderr)
        try:
            yield batch, out, err
        finally:
            if batch.poll() is None:
                batch.kill()
            batch.wait()
            out.thread.join(WAIT)
            err.thread.join(WAIT)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_pipe_is_evaluated_as_it_comes_with_a_count_and_a_rate(tmp_path, jobs):
    out = tmp_path / "plans.jsonl"
    with started("-", "--out", str(out), "-j", jobs) as (batch, _, progress):
        batch.stdin.write(CASES[0])
        batch.stdin.flush()
        first = STREAM_LINE.match(progress.next().rstrip("\n"))  # the first case is done: the pipe is still open
        assert first and first.group(1, 2) == ("1", "0")
        batch.stdin.write(CASES[1] + b"{oops\n")
        batch.stdin.close()
        assert batch.wait(WAIT) == 1  # a case failed
        assert progress.rest() == []  # the next line (if any) comes ten seconds later
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["case_id"] for r in records] == [json.loads(CASES[0])["case_id"], json.loads(CASES[1])["case_id"], None]
    assert records[2]["line"] == 3 and records[2]["problems"][0]["file"] == "<stdin>"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_each_plan_reaches_a_piped_output_before_the_input_goes_on(jobs):
    with started("-", "--out", "/dev/stdout", "-j", jobs) as (batch, plans, _):
        for case in CASES:
            batch.stdin.write(case)
            batch.stdin.flush()
            assert json.loads(plans.next())["case_id"] == json.loads(case)["case_id"]
        batch.stdin.close()
        assert batch.wait(WAIT) == 0
        summary = plans.rest()
    assert "batch summary" in summary[0] and any(re.match(r"\s+total\s+3\s*$", line) for line in summary)


def test_dev_stdin_fed_by_a_pipe_is_read_once_not_counted_first(tmp_path):
    out = tmp_path / "plans.jsonl"
    done = subprocess.run(
        [str(CLI), "batch", "/dev/stdin", "--out", str(out), "--rules", str(RULES)],
        input=b"".join(CASES),
        capture_output=True,
        timeout=WAIT,
    )
    assert done.returncode == 0, done.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3
    assert STREAM_LINE.match(done.stderr.decode().splitlines()[0])


def test_a_stream_is_not_counted(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    (tmp_path / "cases.jsonl").write_bytes(b"".join(CASES))
    assert [is_stream(p) for p in ("-", fifo, tmp_path / "cases.jsonl", tmp_path)] == [True, True, False, False]
    assert count_cases("-") is None and count_cases(fifo) is None  # neither opened: it would be used up
    assert count_cases(tmp_path / "cases.jsonl") == 3


def test_a_stream_marks_where_it_has_nothing_more_ready(tmp_path):
    read, write = os.pipe()
    os.write(write, CASES[0] + CASES[1][:10])
    path = f"/proc/self/fd/{read}"
    records = read_cases(path, idle=True)
    assert next(records).ref == 1
    assert next(records) is None  # the second line is not whole yet: nothing more to give without waiting
    os.write(write, CASES[1][10:])
    os.close(write)
    assert [r.ref for r in records if r is not None] == [2]
    os.close(read)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_out_dash_writes_the_plans_to_standard_output_and_the_summary_to_stderr(tmp_path, jobs):
    """``--out -``: the plans, and nothing else, on stdout (a file named ``-`` is never made); the summary on
    stderr; the same records as a file gets."""
    cases = tmp_path / "cases.jsonl"
    cases.write_bytes(b"".join(CASES) + b'{"case_id": "broken"}\n')
    into_file = subprocess.run(
        [str(CLI), "batch", str(cases), "--out", str(tmp_path / "plans.jsonl"), "-j", jobs, "--rules", str(RULES)],
        capture_output=True,
        cwd=tmp_path,
        timeout=WAIT,
    )
    piped = subprocess.run(
        [str(CLI), "batch", str(cases), "--out", "-", "-j", jobs, "--rules", str(RULES)],
        capture_output=True,
        cwd=tmp_path,
        timeout=WAIT,
    )
    assert into_file.returncode == piped.returncode == 1  # the broken case is an error record in both
    assert piped.stdout == (tmp_path / "plans.jsonl").read_bytes()
    assert [json.loads(line)["case_id"] for line in piped.stdout.splitlines()][-1] == "broken"
    summary = into_file.stdout.decode()
    assert summary.strip() and summary in piped.stderr.decode()  # the same table, on stderr this time
    assert not (tmp_path / "-").exists()
