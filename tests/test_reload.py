"""Nothing half-applied: a policy that fails to load leaves the previous one in service.

``PolicyService.reload`` is exercised while threads evaluate: every failure
(unreadable YAML, an invalid rule, a missing directory, a failure in the last
stage, compiling into durable_rules) leaves the old policy deciding every case
exactly as before; a good reload swaps atomically, so every plan is wholly the
old policy's or wholly the new one's, and every evaluation that starts after
``reload`` returned gets the new one.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from aftersales_rules import EngineError, InputError, Policy, PolicyError, PolicyService
from aftersales_rules.engine.runtime import Runtime
from aftersales_rules.testing import generate_cases

from conftest import RULES

CASES = list(generate_cases(40, seed=21))


def _copy_rules(target: Path) -> Path:
    shutil.copytree(RULES, target, ignore=shutil.ignore_patterns("tests"))
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    """v1 (the reference rules), v2 (another version, another first reply) and broken variants of v1."""
    root = tmp_path_factory.mktemp("versions")
    v1 = _copy_rules(root / "v1")
    v2 = _copy_rules(root / "v2")
    _edit(v2 / "policy.yaml", 'version: "2026.11"', 'version: "2026.12"')
    _edit(v2 / "texts.yaml", "we've got your message", "we have your message")
    tab = _copy_rules(root / "tab")
    _edit(tab / "damaged.yaml", '    clause: "2"\n', '\tclause: "2"\n')
    unknown_fact = _copy_rules(root / "unknown_fact")
    _edit(
        unknown_fact / "lost_parcel.yaml",
        "issue.wants: [refund, return, partial_refund]",
        "issue.want: [refund, return, partial_refund]",
    )
    empty = root / "empty"
    empty.mkdir()
    return {"v1": v1, "v2": v2, "tab": tab, "unknown_fact": unknown_fact, "empty": empty, "missing": root / "missing"}


def _plans(policy: Policy) -> list[str]:
    return [policy.evaluate(case).to_json() for case in CASES]


class Evaluators:
    """Threads that evaluate CASES through a service until stopped, recording every plan."""

    def __init__(self, service: PolicyService, count: int = 4):
        self.service = service
        self.stop = threading.Event()
        self.epoch = 0  # raised by the test after a reload returned
        self.results: list[tuple[int, int, str]] = []  # (epoch when the evaluation started, case index, plan)
        self.errors: list[BaseException] = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(n,)) for n in range(count)]

    def _run(self, n: int) -> None:
        i = n * 7
        try:
            while not self.stop.is_set():
                index = i % len(CASES)
                epoch = self.epoch
                plan = self.service.evaluate(CASES[index]).to_json()
                with self.lock:
                    self.results.append((epoch, index, plan))
                i += 1
        except BaseException as exc:  # recorded: the test fails on any
            self.errors.append(exc)

    def done(self) -> int:
        with self.lock:
            return len(self.results)

    def wait_for(self, more: int) -> None:
        """Until ``more`` further plans are recorded (no clock involved)."""
        target = self.done() + more
        while self.done() < target and not self.errors:
            self.stop.wait(0.001)

    def __enter__(self) -> Evaluators:
        for t in self.threads:
            t.start()
        self.wait_for(len(self.threads))
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for t in self.threads:
            t.join()


def test_failed_reloads_leave_the_old_policy_serving_while_threads_evaluate(versions, monkeypatch):
    service = PolicyService.load(versions["v1"])
    original = service.policy
    expected = _plans(original)
    failures = {
        "tab": (PolicyError, "indent with spaces, not tabs"),
        "unknown_fact": (PolicyError, "unknown fact 'issue.want'"),
        "empty": (InputError, "no rule files"),
        "missing": (InputError, "no such file or directory"),
    }
    with Evaluators(service) as running:
        for name, (error, message) in failures.items():
            with pytest.raises(error, match=message):
                service.reload(versions[name])
            assert service.policy is original
            running.wait_for(20)
        # the last stage fails: the rules are valid, durable_rules refuses them
        with monkeypatch.context() as patch:

            def refuse(self, definitions):
                raise EngineError("durable_rules could not create a ruleset: error 106", 106)

            patch.setattr(Runtime, "__init__", refuse)
            with pytest.raises(EngineError, match="error 106"):
                service.reload(versions["v1"])
        assert service.policy is original
        running.wait_for(20)
    assert running.errors == []
    assert len(running.results) >= 100
    assert all(plan == expected[index] for _, index, plan in running.results)
    assert _plans(service) == expected


def test_a_good_reload_swaps_atomically_under_load(versions):
    service = PolicyService.load(versions["v1"])
    old = _plans(service.policy)
    new = _plans(Policy.load(versions["v2"]))
    assert all(a != b for a, b in zip(old, new, strict=True))
    with Evaluators(service) as running:
        running.wait_for(40)
        loaded = service.reload(versions["v2"])
        running.epoch = 1
        running.wait_for(40)
    assert running.errors == []
    assert service.policy is loaded and loaded.version == "2026.12"
    before = [(index, plan) for epoch, index, plan in running.results if epoch == 0]
    after = [(index, plan) for epoch, index, plan in running.results if epoch == 1]
    assert before and after
    assert all(plan in (old[index], new[index]) for index, plan in before)  # wholly one or the other
    assert all(plan == new[index] for index, plan in after)  # started after reload returned: the new one
    assert any(plan == old[index] for index, plan in before)


def test_concurrent_reloads_end_with_one_whole_policy(versions):
    service = PolicyService.load(versions["v1"])
    errors: list[BaseException] = []

    def reload_many(path: Path) -> None:
        try:
            for _ in range(5):
                service.reload(path)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=reload_many, args=(versions[v],)) for v in ("v1", "v2", "v1", "v2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    final = service.policy
    assert final.version in ("2026.11", "2026.12")
    expected = _plans(Policy.load(versions["v1" if final.version == "2026.11" else "v2"]))
    assert _plans(service) == expected


def test_a_service_starts_only_from_a_policy_that_loads(versions):
    with pytest.raises(InputError, match="no such file or directory"):
        PolicyService.load(versions["missing"])
    service = PolicyService(Policy.load(versions["v1"]))
    assert repr(service).startswith("<PolicyService serving <Policy reference 2026.11")
    assert service.evaluate(CASES[0], branches=False).case_id == CASES[0]["case_id"]
