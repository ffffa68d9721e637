"""``LivePolicy``: what a reload does, and which changes of the rules folder start one."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from aftersales_rules.serve.live import LivePolicy
from aftersales_rules.serve.metrics import Metrics

from conftest import RULES


def _copy(target: Path) -> Path:
    shutil.copytree(RULES, target)  # its tests/ folder too: no rule files of the policy
    return target


def _version(folder: Path, version: str) -> None:
    policy = folder / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    start = text.index('version: "') + len('version: "')
    policy.write_text(text[:start] + version + text[text.index('"', start) :], encoding="utf-8")


def _until(check, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_a_failed_reload_keeps_the_policy_and_says_why(tmp_path):
    rules = _copy(tmp_path / "rules")
    metrics = Metrics()
    live = LivePolicy(rules, metrics)
    seen = []
    live.listeners.append(seen.append)
    live.start()
    first = live.policy
    assert first is not None and live.last_error is None and seen == [first]
    (rules / "damaged.yaml").write_text("- id: [\n", encoding="utf-8")
    assert live.reload("test") is False
    assert live.policy is first
    assert live.last_error["reason"] == "test" and live.last_error["problems"][0]["file"].endswith("damaged.yaml")
    assert metrics.failed_reloads._value.get() == 1 and metrics.reloads._value.get() == 0
    shutil.copy(RULES / "damaged.yaml", rules / "damaged.yaml")
    _version(rules, "2026.12")
    assert live.reload("test") is True
    assert live.policy is not first and live.policy.version == "2026.12" and live.last_error is None
    assert metrics.reloads._value.get() == 1 and seen[-1] is live.policy


def test_only_a_change_of_a_rule_file_reloads(tmp_path):
    rules = _copy(tmp_path / "rules")
    live = LivePolicy(rules, Metrics(), debounce_ms=50)
    live.start()
    first = live.policy
    live.watch()
    try:
        time.sleep(0.3)  # the watcher is watching
        (rules / "notes.txt").write_text("not a rule file", encoding="utf-8")
        shutil.copy(RULES / "tests" / next(p.name for p in (RULES / "tests").iterdir()), rules / "tests" / "copy.yaml")
        assert not _until(lambda: live.policy is not first, seconds=1.5)
        _version(rules, "2026.12")
        assert _until(lambda: live.policy is not first and live.policy.version == "2026.12")
    finally:
        live.stop()
