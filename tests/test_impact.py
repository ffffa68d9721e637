"""The impact diff: a policy change with a known effect, checked against an independent reading of it."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from aftersales_rules import Policy
from aftersales_rules.authoring.impact import compare_policies, describe, diff_policies
from aftersales_rules.authoring.records import read_cases
from aftersales_rules.testing import generate_cases

from conftest import RULES

SHANGHAI = ZoneInfo("Asia/Shanghai")


def policy_copy(tmp_path: Path, name: str, **replace: str) -> Path:
    """rules/ (without its tests) copied to ``tmp_path/name`` with text replaced in policy.yaml."""
    target = tmp_path / name
    shutil.copytree(RULES, target, ignore=shutil.ignore_patterns("tests"))
    header = (target / "policy.yaml").read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in header
        header = header.replace(old, new)
    (target / "policy.yaml").write_text(header, encoding="utf-8")
    return target


def fifteen_days(tmp_path: Path) -> Path:
    return policy_copy(
        tmp_path,
        "rules15",
        **{"no_reason_days: 7 ": "no_reason_days: 15", 'version: "2026.11"': 'version: "2026.11-15d"'},
    )


def write_jsonl(path: Path, cases) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for case in cases:
            out.write(json.dumps(case, ensure_ascii=False) + "\n")
    return path


def days_after_delivery(case: dict) -> int | None:
    """Calendar days (Asia/Shanghai) from the day of delivery to the day the case was opened."""
    delivered = case["order"]["delivered_at"]
    if delivered is None:
        return None
    opened = datetime.fromisoformat(case["opened_at"]).astimezone(SHANGHAI).date()
    return (opened - datetime.fromisoformat(delivered).astimezone(SHANGHAI).date()).days


def no_reason_request_between_day_8_and_15(case: dict) -> bool:
    """The cases the 7 → 15 day change must turn from a decline into a return and refund (decisions 4 and 5)."""
    issue, attributes = case["issue"], case.get("attributes", {})
    if attributes.get("custom_made") is True:
        return False
    if issue["kind"] == "return_request":
        # a no-reason return is the buyer's; one the warehouse found not resellable is declined either way
        inspection = case["progress"].get("inspection") or {}
        if issue.get("fault") != "buyer" or inspection.get("resellable") is False:
            return False
    elif issue["kind"] == "refund_request":
        if issue.get("fault", "unknown") == "seller":
            return False
    else:
        return False
    days = days_after_delivery(case)
    return days is not None and 7 < days <= 15


def affected_goods(case: dict) -> Decimal:
    prices = {item["sku"]: (Decimal(item["unit_price"]), item.get("quantity", 1)) for item in case["order"]["items"]}
    affected = case["issue"].get("items") or [{"sku": sku} for sku in prices]
    return sum((prices[a["sku"]][0] * (a.get("quantity") or prices[a["sku"]][1]) for a in affected), Decimal("0.00"))


@pytest.mark.slow
def test_fifteen_day_window_changes_exactly_the_no_reason_requests_of_days_8_to_15(tmp_path):
    cases = list(generate_cases(3000, seed=7))
    path = write_jsonl(tmp_path / "cases.jsonl", cases)
    report = diff_policies(RULES, fifteen_days(tmp_path), path)

    expected = {c["case_id"]: c for c in cases if no_reason_request_between_day_8_and_15(c)}
    assert len(expected) > 50 and {c["issue"]["kind"] for c in expected.values()} == {
        "return_request",
        "refund_request",
    }
    assert {c.case_id for c in report.changes} == set(expected)
    for change in report.changes:
        assert (change.old.resolution, change.new.resolution) == ("decline", "return_and_refund")
        assert (change.old.return_borne_by, change.new.return_borne_by) == (None, "buyer")
        assert change.refund_delta == affected_goods(expected[change.case_id])
    assert report.refund_delta == {"CNY": sum((affected_goods(c) for c in expected.values()), Decimal("0.00"))}
    assert report.changed_by_kind == {
        k: sum(1 for c in expected.values() if c["issue"]["kind"] == k) for k in ("return_request", "refund_request")
    }
    assert (report.cases, report.failed_both) == (3000, 0)


def test_the_same_policy_changes_nothing(tmp_path, reference_policy):
    path = write_jsonl(tmp_path / "cases.jsonl", generate_cases(300, seed=8))
    other = Policy.load(RULES)
    report = compare_policies(reference_policy, other, read_cases(path))
    assert (report.cases, report.changes, report.refund_delta) == (300, [], {})


def test_a_case_that_fails_under_one_policy_only_is_a_change(tmp_path):
    later = policy_copy(tmp_path, "later", **{"effective_from: 2026-01-01": "effective_from: 2026-06-01"})
    case = next(generate_cases(1, seed=9))
    case["opened_at"] = "2026-03-02T10:00:00+08:00"
    case["order"]["delivered_at"] = "2026-03-01T09:00:00+08:00"
    path = tmp_path / "cases.jsonl"
    path.write_text(json.dumps(case) + "\n" + "not json\n", encoding="utf-8")
    report = diff_policies(RULES, later, path)
    (change,) = report.changes
    assert change.changed == ["error"] and change.old.error is None
    assert change.new.error.startswith(f"case {case['case_id']} opened on 2026-03-02, before policy reference")
    assert next(iter(describe(change))).startswith("error none → case ")
    assert (report.cases, report.failed_both) == (2, 1)


def test_report_as_json(tmp_path):
    cases = [c for c in generate_cases(400, seed=7) if no_reason_request_between_day_8_and_15(c)][:2]
    assert len(cases) == 2
    report = diff_policies(RULES, fifteen_days(tmp_path), write_jsonl(tmp_path / "c.jsonl", cases)).to_dict()
    first = report["changes"][0]
    assert first["case_id"] == cases[0]["case_id"] and first["line"] == 1
    assert first["changed"] == [
        "resolution",
        "refund.total",
        "refund.lines",
        "refund.release",
        "postage.return_leg",
        "steps.action",
        "steps.actor",
        "steps.due_by",
    ]
    assert first["old"]["resolution"] == "decline" and first["new"]["refund.total"] == f"{affected_goods(cases[0]):.2f}"
    assert report["summary"]["changed"] == 2 and report["summary"]["cases"] == 2


@pytest.mark.parametrize("days", [7, 8, 15, 16])
def test_the_window_boundaries(tmp_path, days):
    """Signed on the 1st: day 7 is inside both windows, 8 and 15 only the new one, 16 neither."""
    case = {
        "case_id": f"B-{days}",
        "opened_at": f"2026-03-{1 + days:02d}T23:30:00+08:00",
        "order": {
            "order_id": "O",
            "delivered_at": "2026-03-01T00:10:00+08:00",
            "items": [{"sku": "ASH-CHAIR", "unit_price": "399.00"}],
        },
        "issue": {"kind": "return_request", "fault": "buyer", "wants": "return"},
    }
    assert days_after_delivery(case) == days
    report = diff_policies(RULES, fifteen_days(tmp_path), write_jsonl(tmp_path / "c.jsonl", [case]))
    assert bool(report.changes) == (7 < days <= 15)
