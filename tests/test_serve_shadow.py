"""The shadow policy: tried on every request off the response path, its differences exactly `aftersales diff`'s."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections import Counter

import pytest
from prometheus_client.parser import text_string_to_metric_families

from aftersales_rules import Policy
from aftersales_rules.authoring.impact import diff_policies
from aftersales_rules.authoring.records import Record
from aftersales_rules.serve import shadow as shadow_module
from aftersales_rules.serve.metrics import Metrics
from aftersales_rules.serve.shadow import Shadow
from aftersales_rules.testing import generate_cases

from conftest import RULES
from serving import case_json, client


@pytest.fixture(scope="module")
def fifteen_days(tmp_path_factory):
    """The reference policy with the no-reason window at 15 days instead of 7."""
    folder = tmp_path_factory.mktemp("candidate") / "rules"
    shutil.copytree(RULES, folder, ignore=shutil.ignore_patterns("tests"))
    policy = folder / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    assert "no_reason_days: 7 " in text
    policy.write_text(text.replace("no_reason_days: 7 ", "no_reason_days: 15 ", 1), encoding="utf-8")
    return folder


def _changes(records) -> Counter:
    return Counter((r["case_id"], tuple(r["changed"])) for r in records)


def _metric(text: str, name: str) -> float:
    return sum(s.value for f in text_string_to_metric_families(text) for s in f.samples if s.name == name)


def test_the_shadow_logs_exactly_the_cases_diff_reports(tmp_path, fifteen_days):
    cases = [case_json(c) for c in generate_cases(400, seed=7, kinds=["return_request", "refund_request"])]
    cases += [case_json(c) for c in generate_cases(200, seed=8)]
    jsonl = tmp_path / "cases.jsonl"
    jsonl.write_bytes(b"\n".join(cases) + b"\n")
    report = diff_policies(RULES, fifteen_days, jsonl)
    expected = _changes(c.to_dict() for c in report.changes)
    assert len(expected) > 10  # the window change decides a number of these cases differently

    log = tmp_path / "shadow.jsonl"
    with client(shadow=fifteen_days, shadow_log=log, shadow_queue=len(cases) * 2) as c:
        for body in cases:
            assert c.post("/v1/plans", content=body).status_code == 200  # answered by the live policy
        c.app.state.context.shadow.join()
        logged = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
        assert _changes(logged) == expected
        assert {(r["live_digest"], r["candidate_digest"]) for r in logged} == {(report.old_digest, report.new_digest)}
        assert len({r["request"] for r in logged}) == len(logged)
        by_id = {r.case_id: r.to_dict() for r in report.changes}
        for record in logged:  # the whole change record, as diff --format json writes it
            assert {k: record[k] for k in ("old", "new", "refund_delta", "kind")} == {
                k: by_id[record["case_id"]][k] for k in ("old", "new", "refund_delta", "kind")
            }

        batch = c.post("/v1/plans:batch", content=jsonl.read_bytes())  # batch lines are tried too
        assert batch.status_code == 200
        c.app.state.context.shadow.join()
        again = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()][len(logged) :]
        assert _changes(again) == expected
        assert {r["line"] for r in again} == {by_id[r["case_id"]]["line"] for r in again}
        metrics = c.get("/metrics").text
        policy = c.get("/v1/policy").json()
    assert _metric(metrics, "aftersales_shadow_differences_total") == 2 * sum(expected.values())
    assert _metric(metrics, "aftersales_shadow_compared_total") == 2 * len(cases)
    assert _metric(metrics, "aftersales_shadow_dropped_total") == 0
    assert policy["shadow"]["digest"] == report.new_digest


def test_a_full_queue_drops_and_counts_without_waiting(monkeypatch, fifteen_days):
    release = threading.Event()

    def stuck(old, new, record):
        release.wait(10)

    monkeypatch.setattr(shadow_module, "compare_record", stuck)
    metrics = Metrics()
    live = Policy.load(RULES)
    shadow = Shadow(Policy.load(fifteen_days), metrics, size=1)
    try:
        start = time.perf_counter()
        taken = [shadow.submit(live, Record("line", 1, b"{}", "<request>"), n) for n in range(5)]
        assert time.perf_counter() - start < 0.5  # never waits for the shadow
        assert taken.count(False) >= 3 and metrics.shadow_dropped._value.get() == taken.count(False)
    finally:
        release.set()
        shadow.stop()
        live.close()
