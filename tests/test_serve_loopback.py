"""The real server (``aftersales serve`` in a subprocess) on a loopback port: concurrent clients, reloads
while they run (file changes and SIGHUP), a broken policy that leaves the old one serving."""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from aftersales_rules import Policy
from aftersales_rules.testing import generate_cases

from conftest import RULES
from serving import case_json, running_server

pytestmark = pytest.mark.slow
CLIENTS, REQUESTS = 8, 200


def test_eight_clients_get_exactly_the_dry_run_plans(reference_policy):
    bodies = [case_json(c) for c in generate_cases(REQUESTS, seed=13)]
    expected = [reference_policy.evaluate(json.loads(b)).to_json() + "\n" for b in bodies]

    def client(n: int) -> list[int]:
        wrong = []
        with httpx.Client(base_url=base, timeout=60) as http:
            for i in range(REQUESTS):
                index = (i + n * 25) % len(bodies)
                answer = http.post("/v1/plans", content=bodies[index])
                if answer.status_code != 200 or answer.text != expected[index]:
                    wrong.append(index)
                if answer.headers.get("x-policy-digest") != reference_policy.digest:
                    wrong.append(-1)
        return wrong

    with running_server(RULES, "--no-watch") as (base, _), ThreadPoolExecutor(CLIENTS) as pool:
        wrong = [i for found in pool.map(client, range(CLIENTS)) for i in found]
    assert wrong == []


def _copy(target: Path) -> Path:
    shutil.copytree(RULES, target, ignore=shutil.ignore_patterns("tests"))
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    replaced = path.with_name(path.name + ".new")
    replaced.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.replace(replaced, path)  # whole, as an editor that saves safely writes it


class Clients:
    """Threads posting cases until stopped; every answer kept with the digest that answered it."""

    def __init__(self, base: str, bodies: list[bytes], count: int = 4):
        self.base, self.bodies = base, bodies
        self.stop = threading.Event()
        self.answers: list[tuple[int, int, str | None, str]] = []  # (case, status, digest, body)
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(n,)) for n in range(count)]
        for t in self.threads:
            t.start()

    def _run(self, n: int) -> None:
        with httpx.Client(base_url=self.base, timeout=60) as http:
            i = n
            while not self.stop.is_set():
                index = i % len(self.bodies)
                answer = http.post("/v1/plans", content=self.bodies[index])
                with self.lock:
                    self.answers.append((index, answer.status_code, answer.headers.get("x-policy-digest"), answer.text))
                i += 1

    def finish(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join()


def _wait(base: str, done, seconds: float = 60.0) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = httpx.get(base + "/v1/policy").json()
        if done(status):
            return status
        time.sleep(0.1)
    raise AssertionError(f"the service did not get there: {status}")


def _plans(folder: Path, bodies: list[bytes]) -> tuple[str, list[str]]:
    policy = Policy.load(folder)
    try:
        return policy.digest, [policy.evaluate(json.loads(b)).to_json() + "\n" for b in bodies]
    finally:
        policy.close()


def test_reloads_good_broken_good_while_clients_run(tmp_path):
    rules = _copy(tmp_path / "rules")
    bodies = [case_json(c) for c in generate_cases(30, seed=5)]
    expected = dict([_plans(rules, bodies)])
    log = tmp_path / "serve.log"
    with running_server(rules, log=log) as (base, _):
        clients = Clients(base, bodies)
        try:
            time.sleep(0.5)
            _edit(rules / "texts.yaml", "we've got your message", "we have your message")  # good: v2
            digest, plans = _plans(rules, bodies)
            expected[digest] = plans
            _wait(base, lambda s: s["digest"] == digest)
            time.sleep(0.5)
            _edit(rules / "damaged.yaml", '    clause: "2"\n', '\tclause: "2"\n')  # broken
            broken = _wait(base, lambda s: s["last_reload_error"] is not None)
            assert broken["digest"] == digest  # v2 still serving
            assert broken["last_reload_error"]["problems"][0]["file"].endswith("damaged.yaml")
            time.sleep(0.5)
            _edit(rules / "damaged.yaml", '\tclause: "2"\n', '    clause: "2"\n')
            _edit(rules / "policy.yaml", 'version: "2026.11"', 'version: "2026.12"')  # good: v3
            digest, plans = _plans(rules, bodies)
            expected[digest] = plans
            fixed = _wait(base, lambda s: s["digest"] == digest and s["last_reload_error"] is None)
            assert fixed["version"] == "2026.12"
            time.sleep(0.5)
        finally:
            clients.finish()
        metrics = httpx.get(base + "/metrics").text
    answers = clients.answers
    assert len(answers) > 50
    wrong = [
        (i, status, d) for i, status, d, text in answers if status != 200 or expected.get(d, [None] * 99)[i] != text
    ]
    assert wrong == []
    assert {d for _, _, d, _ in answers} == set(expected)  # every version answered some, in turn
    assert "aftersales_reload_failures_total 1.0" in metrics or "aftersales_reload_failures_total 2.0" in metrics
    assert "reload (files changed) failed" in log.read_text(encoding="utf-8")


def test_sighup_reloads(tmp_path):
    rules = _copy(tmp_path / "rules")
    with running_server(rules, "--no-watch") as (base, process):
        before = httpx.get(base + "/v1/policy").json()["digest"]
        _edit(rules / "policy.yaml", 'version: "2026.11"', 'version: "2026.12"')
        time.sleep(0.5)
        assert httpx.get(base + "/v1/policy").json()["digest"] == before  # not watching
        process.send_signal(signal.SIGHUP)
        status = _wait(base, lambda s: s["digest"] != before)
        assert status["version"] == "2026.12"
        assert httpx.get(base + "/healthz").json() == {"status": "ok"}  # SIGHUP did not end it
