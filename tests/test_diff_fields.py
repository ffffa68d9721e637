"""diff compares every contract field of the plan, keeps money per currency, names both digests, loses no line."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from aftersales_rules import Policy
from aftersales_rules.authoring import impact
from aftersales_rules.authoring.impact import diff_policies
from aftersales_rules.cli import cli
from test_impact import policy_copy, write_jsonl

from conftest import EXAMPLES, RULES


def example(name: str) -> dict:
    return json.loads(json.dumps(yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8")), default=str))


def return_request(case_id: str, currency: str = "CNY", day: int = 3) -> dict:
    return {
        "case_id": case_id,
        "opened_at": f"2026-03-{day:02d}T10:00:00+08:00",
        "order": {
            "order_id": "O-" + case_id,
            "currency": currency,
            "delivered_at": "2026-03-01T09:00:00+08:00",
            "items": [{"sku": "ASH-CHAIR", "unit_price": "399.00", "quantity": 2}],
        },
        "issue": {"kind": "return_request", "fault": "buyer"},
    }


def test_a_release_change_is_a_change(tmp_path):
    immediately = policy_copy(tmp_path, "imm", **{"release: on_return_at_hub": "release: immediately"})
    report = diff_policies(RULES, immediately, write_jsonl(tmp_path / "c.jsonl", [return_request("R-1")]))
    (change,) = report.changes
    assert change.changed == ["refund.release"]
    assert change.to_dict()["changed"] == ["refund.release"]
    assert list(impact.describe(change)) == ["refund.release on_return_at_hub → immediately"]


def test_a_gift_on_every_plan_is_a_change(tmp_path):
    close = "    then:\n      steps:\n        - {stage: close, actor: customer_service, action: note_order"
    gift = policy_copy(
        tmp_path,
        "gift",
        **{
            close: close.replace(
                "then:\n", "then:\n      gestures:\n        - {kind: gift, detail: a thank-you card}\n"
            )
        },
    )
    cases = [return_request("R-1"), example("wrong_item_reship_before_cutoff.yaml")]
    report = diff_policies(RULES, gift, write_jsonl(tmp_path / "c.jsonl", cases))
    assert [c.changed for c in report.changes] == [["gestures"], ["gestures"]]
    assert "gestures +{kind: gift, detail: a thank-you card}" in list(impact.describe(report.changes[0]))


def test_a_moved_reship_deadline_is_a_change(tmp_path):
    later = policy_copy(tmp_path, "later", **{'last_pickup: "20:00"': 'last_pickup: "21:00"'})
    case = example("wrong_item_reship_before_cutoff.yaml")
    report = diff_policies(RULES, later, write_jsonl(tmp_path / "c.jsonl", [case]))
    (change,) = report.changes
    assert change.changed == ["steps.due_by"]
    (part,) = impact.describe(change)
    assert part.startswith("steps.due_by -2026-07-15T20:00:00+08:00 +2026-07-15T21:00:00+08:00")


def test_money_deltas_are_kept_per_currency(tmp_path):
    fifteen = policy_copy(tmp_path, "r15", **{"no_reason_days: 7 ": "no_reason_days: 15"})
    cases = [return_request("C-1", "CNY", 11), return_request("U-1", "USD", 11), return_request("U-2", "USD", 12)]
    report = diff_policies(RULES, fifteen, write_jsonl(tmp_path / "c.jsonl", cases))
    assert len(report.changes) == 3
    as_json = report.to_dict()["summary"]
    assert as_json["refund_delta"] == {"CNY": "798.00", "USD": "1596.00"}
    assert as_json["refund_delta_per_changed_case"] == {"CNY": "798.00", "USD": "798.00"}
    assert report.to_dict()["changes"][1]["currency"] == "USD"
    out = CliRunner().invoke(cli, ["diff", str(RULES), str(fifteen), str(tmp_path / "c.jsonl")]).stdout
    assert "refund delta CNY: +798.00 in total, +798.00 per changed case" in out.splitlines()
    assert "refund delta USD: +1,596.00 in total, +798.00 per changed case" in out.splitlines()
    assert "(+798.00 USD)" in out


def test_both_digests_are_in_the_header(tmp_path):
    other = policy_copy(tmp_path, "other", **{"no_reason_days: 7 ": "no_reason_days: 15"})
    old, new = Policy.load(RULES), Policy.load(other)
    digests = old.digest, new.digest
    old.close(), new.close()
    assert digests[0] != digests[1]
    path = write_jsonl(tmp_path / "c.jsonl", [return_request("R-1")])
    lines = CliRunner().invoke(cli, ["diff", str(RULES), str(other), str(path)]).stdout.splitlines()
    assert lines[:2] == [f"old: reference 2026.11 ({digests[0]})", f"new: reference 2026.11 ({digests[1]})"]
    as_json = json.loads(
        CliRunner().invoke(cli, ["diff", str(RULES), str(other), str(path), "--format", "json"]).stdout
    )
    assert (as_json["old_digest"], as_json["new_digest"]) == digests


def test_bad_lines_and_failing_cases_are_recorded_and_the_run_completes(tmp_path, monkeypatch):
    later = policy_copy(tmp_path, "later", **{"effective_from: 2026-01-01": "effective_from: 2026-06-01"})
    early = return_request("EARLY")  # opened before the new policy is in force: fails under it only
    path = tmp_path / "c.jsonl"
    lines = [json.dumps(early), "{not json", json.dumps({"case_id": "HALF"}), json.dumps(return_request("BUG"))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    evaluate = Policy.evaluate

    def flaky(self, case, **kw):  # a bug (not a library error) for one case under every policy
        if case.case_id == "BUG":
            raise ValueError("boom")
        return evaluate(self, case, **kw)

    monkeypatch.setattr(Policy, "evaluate", flaky)
    result = CliRunner().invoke(cli, ["diff", str(RULES), str(later), str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    (change,) = report["changes"]
    assert (change["case_id"], change["changed"], change["line"]) == ("EARLY", ["error"], 1)
    errors = report["errors"]
    assert [(e["case_id"], e["line"]) for e in errors] == [(None, 2), ("HALF", 3), ("BUG", 4)]
    assert errors[0]["error"] == f"{path}:2:10: syntax: invalid JSON: a ',' or '}}' is missing in this {{...}} mapping"
    assert {p["path"] for p in errors[1]["problems"]} >= {"opened_at", "order", "issue"}
    assert errors[2]["error"] == "internal error (please report): ValueError: boom"
    assert report["summary"]["cases"] == 4 and report["summary"]["failed_under_both"] == 3
    text = CliRunner().invoke(cli, ["diff", str(RULES), str(later), str(path)]).stdout
    assert f"? (line 2): not decided by either policy: {path}:2:10: syntax: invalid JSON" in text
    assert "4 cases, 1 changed, 3 failed under both" in text


@pytest.mark.parametrize("path", impact.CONTRACT)
def test_every_contract_path_reads_a_field_of_a_plan(path, reference_policy):
    plan = reference_policy.evaluate(example("wrong_item_reship_before_cutoff.yaml")).model_dump(mode="json")
    head, _, rest = path.partition(".")
    assert head in plan and (
        not rest or rest.split(".")[0] in (plan[head][0] if isinstance(plan[head], list) else plan[head])
    )


def test_a_path_through_a_list_takes_every_element():
    assert impact.field_value({"steps": [{"due_by": 1}, {"due_by": None}]}, "steps.due_by") == [1, None]
    assert impact.field_value({"postage": {"return_leg": None}}, "postage.return_leg") == None  # noqa: E711
