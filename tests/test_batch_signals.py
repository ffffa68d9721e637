"""A signal that ends ``batch`` ends its workers too (trust point 13): after SIGTERM, SIGINT or SIGHUP the
parent exits non-zero with one line, no process it started survives it (workers, resource tracker), no
one keeps its pipes open, and the old output is left as it was."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aftersales_rules.authoring.batch import run_batch
from aftersales_rules.authoring.stopping import Stopped
from aftersales_rules.testing import generate_cases

from conftest import RULES

CLI = Path(sys.executable).parent / "aftersales"
WAIT = 60  # seconds: what takes longer has hung (the suite must never hang)
PROGRESS = ("batch: ",)  # the lines batch prints on stderr while it works

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="children are found in /proc")


def children(pid: int) -> set[int]:
    """The processes ``pid`` started (Linux: /proc/PID/task/*/children)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):  # the task ended meanwhile
            found.update(int(child) for child in (task / "children").read_text().split())
    return found


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie nobody reaped has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def write_cases(path: Path, count: int) -> None:
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in generate_cases(count, 13)), "utf-8")


def start(cases: str, out: Path, jobs: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(CLI), "batch", cases, "--out", str(out), "-j", jobs, "--rules", str(RULES)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # a group of its own, as a terminal's job: killpg reaches it and its workers only
        env={**os.environ, "COLUMNS": "200"},
    )


def stop(batch: subprocess.Popen, signum: int, to_group: bool, expected: int) -> tuple[set[int], list[str]]:
    """Send ``signum`` once ``expected`` children run; wait for the end (all pipes closed); what ran, stderr."""
    deadline = time.monotonic() + WAIT
    while len(kids := children(batch.pid)) < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(kids) >= expected, kids  # the workers and the resource tracker
    if to_group:
        os.killpg(batch.pid, signum)
    else:
        batch.send_signal(signum)
    try:
        _, err = batch.communicate(timeout=WAIT)  # returns once nobody holds its stdout and stderr open
    except subprocess.TimeoutExpired:
        for pid in [batch.pid, *kids]:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        batch.communicate()
        pytest.fail(f"still running or holding its pipes {WAIT} s after {signal.Signals(signum).name}")
    return kids, [line for line in err.decode().splitlines() if not line.startswith(PROGRESS)]


def assert_ended(kids: set[int]) -> None:
    deadline = time.monotonic() + WAIT
    while any(map(running, kids)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [pid for pid in kids if running(pid)] == []


CASES_ON = [
    (signal.SIGTERM, False),  # as `kill PID` sends it: to the parent alone
    (signal.SIGINT, True),  # as Ctrl-C sends it: to the whole foreground group, workers included
    (signal.SIGHUP, True),  # as a closed terminal sends it
    (signal.SIGINT, False),
]


@pytest.mark.parametrize(
    ("signum", "to_group"), CASES_ON, ids=[f"{s.name}-{'group' if g else 'parent'}" for s, g in CASES_ON]
)
def test_a_signal_ends_a_busy_batch_and_its_workers(tmp_path, signum, to_group):
    cases, out = tmp_path / "cases.jsonl", tmp_path / "plans.jsonl"
    write_cases(cases, 3000)
    out.write_text("old plans\n", encoding="utf-8")
    batch = start(str(cases), out, "2")
    assert batch.stderr is not None
    assert batch.stderr.readline().startswith(b"batch: ")  # the workers are at work
    kids, lines = stop(batch, signum, to_group, expected=3)
    name = signal.Signals(signum).name
    assert batch.returncode == 128 + signum
    assert len(lines) == 1 and lines[0].startswith(f"aftersales: interrupted by {name} after "), lines
    assert lines[0].endswith(f" cases; {out} is left as it was")
    assert_ended(kids)
    assert out.read_text(encoding="utf-8") == "old plans\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.jsonl", "plans.jsonl"]  # no temporary file left


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_a_signal_ends_a_batch_waiting_on_a_pipe_and_its_idle_workers(tmp_path, signum):
    out = tmp_path / "plans.jsonl"
    batch = start("-", out, "2")
    assert batch.stdin is not None and batch.stderr is not None
    batch.stdin.write("".join(json.dumps(c) + "\n" for c in generate_cases(2, 14)).encode())
    batch.stdin.flush()  # and kept open: the workers wait for work, the parent for input
    assert batch.stderr.readline().startswith(b"batch: 2 cases")
    kids, lines = stop(batch, signum, to_group=False, expected=2)  # one worker was enough for one chunk
    assert batch.returncode == 128 + signum
    assert lines == [f"aftersales: interrupted by {signal.Signals(signum).name} after 2 cases; {out} is left as it was"]
    assert_ended(kids)
    assert not out.exists()


def test_sigterm_ends_a_single_process_batch_without_a_temporary_file(tmp_path):
    cases, out = tmp_path / "cases.jsonl", tmp_path / "plans.jsonl"
    write_cases(cases, 3000)
    batch = start(str(cases), out, "1")
    assert batch.stderr is not None
    assert batch.stderr.readline().startswith(b"batch: ")
    _, lines = stop(batch, signal.SIGTERM, to_group=False, expected=0)
    assert batch.returncode == 143 and len(lines) == 1 and lines[0].endswith(f"{out} is left as it was")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.jsonl"]


# --------------------------------------------------------------------------- in process: whose handlers


def sending(signum: int, after: int = 1):
    """A progress callback that sends this process ``signum`` at its ``after``-th call."""
    calls = []

    def progress(_summary) -> None:
        calls.append(1)
        if len(calls) == after:
            os.kill(os.getpid(), signum)
            time.sleep(0.2)  # the handler runs here (in this, the main thread)

    return progress


@pytest.mark.parametrize("jobs", [1, 2])
def test_run_batch_raises_stopped_and_puts_back_the_handlers(tmp_path, jobs):
    cases, out = tmp_path / "cases.jsonl", tmp_path / "plans.jsonl"
    write_cases(cases, 200)
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Stopped) as stopped:
        run_batch(cases, out, RULES, jobs=jobs, progress=sending(signal.SIGTERM))
    assert (stopped.value.signum, stopped.value.exit_code) == (signal.SIGTERM, 143)
    assert str(stopped.value) == f"interrupted by SIGTERM after 64 cases; {out} is left as it was"
    assert signal.getsignal(signal.SIGTERM) is before and not out.exists()


def test_a_signal_the_caller_ignores_or_handles_is_left_to_the_caller(tmp_path):
    cases, out = tmp_path / "cases.jsonl", tmp_path / "plans.jsonl"
    write_cases(cases, 130)
    seen = []
    old_hup = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup
    old_term = signal.signal(signal.SIGTERM, lambda signum, _frame: seen.append(signum))
    try:
        summary = run_batch(cases, out, RULES, progress=sending(signal.SIGHUP, after=1))
        summary = run_batch(cases, out, RULES, progress=sending(signal.SIGTERM, after=1))
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, old_hup)
        signal.signal(signal.SIGTERM, old_term)
    assert summary.cases == 130 and seen == [signal.SIGTERM]
    assert len(out.read_text(encoding="utf-8").splitlines()) == 130


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_workers_die_with_a_parent_killed_outright(tmp_path):
    """SIGKILL cannot be answered: the workers are told by the kernel (and the tracker then sees its end)."""
    cases, out = tmp_path / "cases.jsonl", tmp_path / "plans.jsonl"
    write_cases(cases, 3000)
    batch = start(str(cases), out, "2")
    assert batch.stderr is not None
    assert batch.stderr.readline().startswith(b"batch: ")
    kids, _ = stop(batch, signal.SIGKILL, to_group=False, expected=3)
    assert batch.returncode == -signal.SIGKILL
    assert_ended(kids)


def test_a_signal_during_an_evaluation_is_raised_after_it_not_inside(tmp_path, monkeypatch):
    """Raised inside, a library on the way could turn it into an error of its own (pydantic does so in a
    serializer): the case would become an error record and the run go on. It is raised between chunks."""
    from aftersales_rules import Policy

    cases, out = tmp_path / "cases.jsonl", tmp_path / "plans.jsonl"
    write_cases(cases, 200)
    evaluate, calls = Policy.evaluate, []

    def evaluate_like_a_library_that_wraps_errors(self, case, **kw):
        calls.append(1)
        if len(calls) == 10:
            os.kill(os.getpid(), signal.SIGTERM)
        try:
            time.sleep(0.01)  # where the handler runs, if it runs at once
        except BaseException as exc:
            raise ValueError(f"wrapped: {exc!r}") from exc
        return evaluate(self, case, **kw)

    monkeypatch.setattr(Policy, "evaluate", evaluate_like_a_library_that_wraps_errors)
    with pytest.raises(Stopped, match=r"^interrupted by SIGTERM after 0 cases; "):
        run_batch(cases, out, RULES)
    assert len(calls) == 64  # the chunk under way was finished, not turned into error records
