"""Case problems found when a case meets the policy: undeclared attributes, and every problem shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from aftersales_rules import CaseError, load_case
from aftersales_rules.authoring.batch import run_batch
from aftersales_rules.authoring.impact import diff_policies
from aftersales_rules.cli import cli

from conftest import EXAMPLES, RULES, SMALL_CASE

CUSTOM_MADE = EXAMPLES / "refund_request_custom_made_declined.yaml"


def custom_made_case(attributes: dict) -> dict:
    data = yaml.safe_load(CUSTOM_MADE.read_text(encoding="utf-8"))
    data["attributes"] = attributes
    return data


# --------------------------------------------------------------------------- point 5: undeclared attributes


def test_a_declared_attribute_still_decides(reference_policy):
    assert reference_policy.evaluate(custom_made_case({"custom_made": True})).resolution == "decline"


def test_a_misspelt_attribute_is_an_error_with_its_suggestion(reference_policy):
    with pytest.raises(CaseError) as caught:
        reference_policy.evaluate(custom_made_case({"custom_mad": True}))
    (problem,) = caught.value.problems
    assert (problem.code, problem.path, problem.suggestion) == (
        "unknown_attribute",
        "attributes.custom_mad",
        "custom_made",
    )
    assert str(problem) == (
        "unknown_attribute: attributes.custom_mad: policy reference declares no attribute 'custom_mad' "
        "(did you mean 'custom_made'?)"
    )


def test_an_attribute_unlike_any_declared_lists_the_declared_ones(reference_policy):
    with pytest.raises(CaseError) as caught:
        reference_policy.evaluate(custom_made_case({"colour": "red"}))
    (problem,) = caught.value.problems
    assert problem.suggestion is None
    assert problem.message.endswith("(it declares custom_made, negative_review, price_drop, price_protected)")


def test_every_attribute_problem_of_a_case_is_reported(reference_policy):
    with pytest.raises(CaseError) as caught:
        reference_policy.evaluate(custom_made_case({"custom_mad": True, "negative_review": "yes"}))
    assert [p.code for p in caught.value.problems] == ["invalid_value", "unknown_attribute"]


def test_dry_run_prints_the_misspelt_attribute_in_one_line(tmp_path):
    case_file = tmp_path / "case.yaml"
    case_file.write_text(yaml.safe_dump(custom_made_case({"custom_mad": True})), encoding="utf-8")
    result = CliRunner().invoke(cli, ["dry-run", str(case_file), "--rules", str(RULES)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (  # at the attribute's key in the case file
        f"{case_file}:2:3: unknown_attribute: attributes.custom_mad: policy reference declares no attribute "
        "'custom_mad' (did you mean 'custom_made'?)\n"
    )
    assert load_case(case_file).attributes == {"custom_mad": True}


# --------------------------------------------------------------------------- point 8: every problem shown


def several_mistakes() -> dict:
    data = json.loads(json.dumps(SMALL_CASE))
    data["isue"] = data.pop("issue")
    data["order"]["shipping_fee"] = "-1"
    data["order"]["items"][0]["quantity"] = 0
    return data


SEVERAL_MISTAKES_YAML = """\
case_id: T-9
opened_at: 2026-07-15T14:05:00+08:00
order:
  order_id: O-9
  shipping_fee: "-1"
  items:
    - {sku: STOOL, unit_price: "299.00", quantity: 0}
isue: {kind: damaged}
"""


def test_a_case_error_lists_every_problem_a_line_each_sorted(reference_policy):
    with pytest.raises(CaseError) as caught:
        reference_policy.evaluate(several_mistakes())
    error = caught.value
    lines = str(error).splitlines()
    assert len(error.problems) == 3 and lines[0] == "3 errors occurred:"
    assert lines[1:] == [str(p) for p in error.problems]
    assert error.problems == sorted(error.problems, key=lambda p: p.sort_key())


def test_dry_run_prints_every_problem_of_a_case_on_its_own_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sofa.yaml").write_text(SEVERAL_MISTAKES_YAML, encoding="utf-8")
    result = CliRunner().invoke(cli, ["dry-run", "sofa.yaml", "--rules", str(RULES)], catch_exceptions=False)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.splitlines() == EXPECTED_LINES


EXPECTED_LINES = [
    "3 errors occurred:",
    "sofa.yaml:5:17: invalid_value: order.shipping_fee: amount -1 is negative",
    "sofa.yaml:7:52: invalid_value: order.items[0].quantity: must be at least 1 (got 0)",
    "sofa.yaml:8:1: unknown_field: unknown field 'isue' (did you mean 'issue'?)",
]


def test_a_batch_error_record_keeps_every_problem_and_the_case_id(tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps(several_mistakes()) + "\n", encoding="utf-8")
    out = tmp_path / "plans.jsonl"
    run_batch(cases, out, RULES)
    (record,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    (tmp_path / "case.json").write_text(json.dumps(several_mistakes()), encoding="utf-8")
    with pytest.raises(CaseError) as caught:  # the same case as a file: the same problems, in the same places
        load_case(tmp_path / "case.json")
    assert record["case_id"] == "T-1" and record["line"] == 1
    assert record["error"] == str(caught.value).replace(str(tmp_path / "case.json"), str(cases))
    assert record["problems"] == [{**p.to_dict(), "file": str(cases)} for p in caught.value.problems]
    assert [(p["code"], p["path"]) for p in record["problems"]] == [
        ("invalid_value", "order.shipping_fee"),
        ("invalid_value", "order.items[0].quantity"),
        ("unknown_field", "isue"),
    ]


def test_a_batch_record_of_a_case_file_keeps_its_case_id_and_located_problems(tmp_path):
    (tmp_path / "sofa.yaml").write_text(SEVERAL_MISTAKES_YAML, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    run_batch(tmp_path, out, RULES)
    (record,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert record["case_id"] == "T-9"
    assert [(p["line"], p["code"]) for p in record["problems"]] == sorted(
        (p["line"], p["code"]) for p in record["problems"]
    )
    assert all(p["file"] == str(tmp_path / "sofa.yaml") for p in record["problems"])
    assert len(record["problems"]) == 3 and record["error"].startswith("3 errors occurred:\n")


def test_a_failure_record_of_diff_keeps_its_problems(tmp_path):
    def policy(name: str, attributes: dict) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        document = {
            "policy": {"name": name, "version": "1"},
            "defaults": {"resolution": "escalate"},
            "attributes": attributes,
            "rules": [{"id": "r", "when": {"issue.kind": "damaged"}, "then": {"resolution": "explain"}}],
        }
        (folder / "policy.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
        return folder

    old = policy("old", {"flag": {"type": "bool"}})
    new = policy("new", {"flags": {"type": "bool"}})
    case = json.loads(json.dumps(SMALL_CASE))
    case["attributes"] = {"flag": True}
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps(case) + "\n", encoding="utf-8")
    (change,) = diff_policies(old, new, cases).changes
    record = change.to_dict()
    assert record["old"]["resolution"] == "explain" and "error" not in record["old"]
    (problem,) = record["new"]["problems"]
    assert (problem["code"], problem["path"], problem["suggestion"]) == (
        "unknown_attribute",
        "attributes.flag",
        "flags",
    )
    assert (problem["file"], problem["line"]) == (str(cases), 1)  # placed in the JSONL file, as batch places it
    assert record["new"]["error"] == (
        f"{cases}:1:{problem['column']}: unknown_attribute: attributes.flag: "
        "policy new declares no attribute 'flag' (did you mean 'flags'?)"
    )
