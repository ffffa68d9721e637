"""Errors are data: a problem's place, code and suggestion are fields, never read back out of a message."""

from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from aftersales_rules import (
    CaseError,
    ConflictError,
    EvaluationError,
    Policy,
    PolicyError,
    Problem,
    SourceLocation,
    UndecidedError,
    diagnostics,
)
from aftersales_rules.authoring.findings import CheckReport, Finding
from aftersales_rules.authoring.lint import check_policy
from aftersales_rules.authoring.policytests import load_tests
from aftersales_rules.case import Case, load_case, parse_case
from aftersales_rules.cli import cli
from aftersales_rules.cli.check import report_lines
from aftersales_rules.engine.decision import Conflict, apply_groups

from conftest import FIXTURES, RULES

LINT = FIXTURES / "policies" / "lint"

CASE = {
    "case_id": "C-1",
    "opened_at": "2026-07-15T14:05:00+08:00",
    "order": {"order_id": "O-1", "items": [{"sku": "WIDGET", "unit_price": "10.00", "quantity": 2}]},
    "issue": {"kind": "damaged"},
}


def case_with(**changes) -> dict:
    data = copy.deepcopy(CASE)
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = data
        for p in parents:
            node = node[int(p)] if p.isdigit() else node[p]
        node[int(last) if last.isdigit() else last] = value
    return data


def case_problems(data) -> list[Problem]:
    with pytest.raises(CaseError) as err:
        parse_case(data)
    return err.value.problems


def policy_problems(tmp_path, text: str) -> list[Problem]:
    (tmp_path / "p.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as err:
        Policy.load(tmp_path / "p.yaml")
    return err.value.problems


# ----------------------------------------------------------------------------- 1. a validator's place is data


def test_a_model_validator_error_carries_its_place_in_the_context_not_the_text():
    with pytest.raises(ValidationError) as err:
        Case.model_validate(case_with(issue__items=[{"sku": "GADGET"}]))
    (e,) = err.value.errors(include_url=False)
    assert e["type"] == diagnostics.ERROR_AT
    assert e["ctx"]["path"] == ("issue", "items", 0, "sku")
    assert e["msg"] == "SKU 'GADGET' is not in the order"
    assert not hasattr(diagnostics, "at_path") and not hasattr(diagnostics, "_split_at")


def test_a_validator_message_is_placed_at_the_field_it_names(tmp_path):
    f = tmp_path / "case.yaml"
    f.write_text(
        "case_id: C-1\nopened_at: 2026-07-15T14:05:00+08:00\norder:\n  order_id: O\n"
        "  items: [{sku: A, unit_price: '1.00'}, {sku: A, unit_price: '2.00'}]\nissue: {kind: damaged}\n",
        encoding="utf-8",
    )
    with pytest.raises(CaseError) as err:
        load_case(f)
    (p,) = err.value.problems
    assert (p.location.line, p.location.column, p.path) == (5, 47, "order.items[1].sku")
    assert p.message == "order.items[1].sku: SKU 'A' is listed twice; give one line per SKU with a quantity"


@pytest.mark.parametrize("sku", ["{path}", "{message}", "@issue@ x", "{suggestion}"])
def test_braces_and_markers_in_a_value_are_printed_as_written(sku):
    (p,) = case_problems(case_with(issue__items=[{"sku": sku}]))
    assert p.message == f"issue.items[0].sku: SKU '{sku}' is not in the order"
    assert p.path == "issue.items[0].sku"


def test_a_validator_raising_value_error_is_read_from_the_exception_not_pydantics_text():
    (p,) = case_problems(case_with(opened_at="1900-01-01T00:00:00+08:00"))
    assert p.message.startswith("opened_at: a time between the years ")
    assert "Value error" not in p.message


# ----------------------------------------------------------------------------- 2. the suggestion is a field


def test_a_misspelt_case_key_carries_its_suggestion_and_hides_the_missing_one():
    data = case_with()
    data["isue"] = data.pop("issue")
    (p,) = case_problems(data)  # no "missing field 'issue'" besides
    assert (p.code, p.suggestion, p.path) == ("unknown_field", "issue", "isue")
    assert p.message == "unknown field 'isue' (did you mean 'issue'?)"
    assert p.to_dict()["suggestion"] == "issue"


def test_a_misspelt_nested_required_key_is_merged_by_its_path():
    data = case_with()
    data["order"]["items"][0]["skuu"] = data["order"]["items"][0].pop("sku")
    (p,) = case_problems(data)
    assert (p.path, p.suggestion) == ("order.items[0].skuu", "sku")


def test_a_suggestion_no_longer_hides_a_missing_field_elsewhere():
    data = case_with()
    data["isue"] = data.pop("issue")
    del data["order"]["items"][0]["unit_price"]
    problems = case_problems(data)
    assert sorted((p.code, p.path) for p in problems) == [
        ("missing_field", "order.items[0].unit_price"),
        ("unknown_field", "isue"),
    ]


def test_a_value_suggestion_and_its_absence():
    (p,) = case_problems(case_with(issue__kind="damagd"))
    assert p.suggestion == "damaged" and p.message.endswith("(did you mean 'damaged'?)")
    (p,) = case_problems(case_with(issue__kind="zzz"))
    assert p.suggestion is None and p.to_dict()["suggestion"] is None and "did you mean" not in p.message


def test_a_validator_suggestion_rides_in_the_context():
    (p,) = case_problems(case_with(issue__items=[{"sku": "widget"}]))
    assert p.suggestion == "WIDGET"
    assert p.message == "issue.items[0].sku: SKU 'widget' is not in the order (did you mean 'WIDGET'?)"


def test_a_misspelt_rule_key_carries_its_suggestion(tmp_path):
    problems = policy_problems(
        tmp_path,
        'policy: {name: p, version: "1"}\nrules:\n  - id: r\n    wen: {issue.kind: damaged}\n'
        "    thn: {resolution: escalate}\n",
    )
    found = {(p.code, p.suggestion) for p in problems}
    assert ("unknown_field", "when") in found and ("unknown_field", "then") in found
    assert not [p for p in problems if p.code == "missing_field"]  # 'then' is reported once, as misspelt


def test_language_problems_carry_their_suggestion(tmp_path):
    problems = policy_problems(
        tmp_path,
        'policy: {name: p, version: "1"}\nrules:\n  - id: r\n    when: {issue.knd: damaged}\n'
        "    then: {resolution: escalate}\n",
    )
    (p,) = problems
    assert (p.code, p.suggestion) == ("unknown_fact", "issue.kind")
    assert p.message == "unknown fact 'issue.knd' (did you mean 'issue.kind'?)"


def test_a_policy_test_file_problem_carries_its_suggestion(tmp_path):
    (tmp_path / "t.yaml").write_text(
        "tests:\n  - name: one\n    case: {case_id: C}\n    expect: {resolutoin: escalate}\n", encoding="utf-8"
    )
    with pytest.raises(PolicyError) as err:
        load_tests(tmp_path / "t.yaml")
    (p,) = err.value.problems
    assert (p.code, p.suggestion) == ("unknown_field", "resolution")


def test_check_json_shows_the_suggestion():
    result = CliRunner().invoke(cli, ["check", str(LINT / "unknown_action"), "--format", "json"])
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["code"] == "unknown_action" and finding["suggestion"] == "refund"


def test_check_json_keeps_a_load_problems_suggestion(tmp_path):
    (tmp_path / "p.yaml").write_text('policy: {name: p, version: "1"}\nrulez: []\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(tmp_path), "--format", "json"])
    (finding,) = json.loads(result.stdout)["findings"]
    assert (finding["code"], finding["suggestion"]) == ("unknown_field", "rules")


def test_a_load_problem_becomes_a_finding_with_every_field():
    p = Problem(SourceLocation("p.yaml", 1, 1), "unknown_field", "m", "error", "a.b", "ab")
    f = Finding.of(p)
    assert (f.location, f.code, f.message, f.severity, f.path, f.suggestion) == (
        p.location,
        "unknown_field",
        "m",
        "error",
        "a.b",
        "ab",
    )


# ----------------------------------------------------------------------------- 3. an undecided case is a type


def test_no_resolution_and_no_default_raises_undecided_with_its_fields():
    (finding,) = check_policy(LINT / "gap").findings
    with pytest.raises(UndecidedError) as err:
        Policy.load(LINT / "gap").evaluate(finding.example)
    assert isinstance(err.value, EvaluationError)
    assert (err.value.case_id, err.value.kind) == (finding.example["case_id"], "damaged")


def test_the_linter_confirms_a_gap_by_the_error_type_not_its_text(monkeypatch):
    def refuse(error):
        def evaluate(self, case, branches=True):
            raise error

        return evaluate

    # the right words in the wrong type: not a confirmation
    monkeypatch.setattr(Policy, "evaluate", refuse(EvaluationError("no rule decided a resolution")))
    (finding,) = check_policy(LINT / "gap").findings
    assert (finding.code, finding.severity) == ("gap", "warning")
    assert finding.message.endswith("; no concrete case confirmed it")
    # the type, whatever its words: confirmed
    monkeypatch.setattr(Policy, "evaluate", refuse(UndecidedError("undecided", "C", "damaged")))
    (finding,) = check_policy(LINT / "gap").findings
    assert (finding.code, finding.severity) == ("gap", "error") and finding.example is not None


# ----------------------------------------------------------------------------- 4. one way to print a problem


def test_a_finding_is_printed_as_a_problem_is_escaped_on_one_line():
    where = SourceLocation("p.yaml", 3, 5)
    finding = Finding(where, "gap", "first\nsecond\x00", "error")
    assert finding.line() == str(finding) == "p.yaml:3:5: error gap: first\\nsecond\\x00"
    assert str(Finding(where, "overlap", "x", "warning")) == "p.yaml:3:5: warning overlap: x"
    assert str(Problem(where, "gap", "first\nsecond")) == "p.yaml:3:5: gap: first\\nsecond"
    assert str(Problem(where, "unused", "x", "warning")) == "p.yaml:3:5: warning unused: x"
    assert str(Finding.of(Problem(where, "unknown_field", "m"))) == "p.yaml:3:5: error unknown_field: m"
    assert report_lines(CheckReport([finding]))[0] == "p.yaml:3:5: error gap: first\\nsecond\\x00"


def test_check_text_prints_a_key_with_a_newline_escaped(tmp_path):
    (tmp_path / "p.yaml").write_text('policy: {name: p, version: "1"}\n"rul\\nes": []\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(tmp_path)])
    first, count = result.stdout.splitlines()
    assert first == f"{tmp_path}/p.yaml:2:1: error unknown_field: unknown field 'rul\\nes' (did you mean 'rules'?)"
    assert count == "1 error, 0 warnings"


def test_dry_run_and_batch_print_a_case_problem_as_str_does(tmp_path):
    data = case_with()
    data["is\nsue"] = data.pop("issue")
    (tmp_path / "c.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CaseError) as err:
        load_case(tmp_path / "c.json")
    assert "\n" not in str(err.value) and "'is\\nsue'" in str(err.value)
    result = CliRunner().invoke(cli, ["dry-run", str(tmp_path / "c.json"), "--rules", str(RULES)])
    assert (result.exit_code, result.stderr) == (1, str(err.value) + "\n")
    (tmp_path / "cases.jsonl").write_text(json.dumps(data) + "\n", encoding="utf-8")
    out = tmp_path / "plans.jsonl"
    result = CliRunner().invoke(cli, ["batch", str(tmp_path / "cases.jsonl"), "--out", str(out), "--rules", str(RULES)])
    (record,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    (problem,) = case_problems(data)
    assert str(problem) == "unknown_field: unknown field 'is\\nsue' (did you mean 'issue'?)"
    # the same words, placed as in the case file (one line there too, so the same column)
    assert record["error"] == str(err.value).replace(str(tmp_path / "c.json"), str(tmp_path / "cases.jsonl"))
    assert record["error"].startswith(f"{tmp_path / 'cases.jsonl'}:1:") and record["error"].endswith(str(problem))


# ----------------------------------------------------------------------------- 5. a conflict's group is a field


def test_a_tie_within_a_group_names_its_group_as_a_field(tmp_path):
    (tmp_path / "p.yaml").write_text(
        'policy: {name: p, version: "1"}\nrules:\n'
        "  - {id: g.a, group: g, then: {resolution: explain}}\n"
        "  - {id: g.b, group: g, then: {resolution: decline}}\n",
        encoding="utf-8",
    )
    policy = Policy.load(tmp_path / "p.yaml")
    seen: list[Conflict] = []
    apply_groups(list(policy.rules), seen.append)
    (conflict,) = seen
    assert (conflict.group, conflict.output) == ("g", "group g")
    with pytest.raises(ConflictError) as err:
        policy.evaluate(case_with())
    assert (err.value.output, err.value.rules) == ("group g", ("g.a", "g.b"))
    assert "of group 'g' both match" in str(err.value)
