"""A policy's own issue kinds (x_...): declared in `kinds:`, a partition of the engine each, refused when undeclared.

Issue 10 point 7: lint, policy tests, batch, diff and the case schema know them too.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from aftersales_rules import CaseError, Policy, PolicyError, parse_case
from aftersales_rules.authoring.batch import run_batch
from aftersales_rules.authoring.impact import diff_policies
from aftersales_rules.authoring.lint import check_policy
from aftersales_rules.authoring.policytests import load_tests, run_tests
from aftersales_rules.authoring.schema import json_schema
from aftersales_rules.cli import cli
from aftersales_rules.engine.compiler import compile_policy
from aftersales_rules.errors import quoted
from aftersales_rules.language import read_policy
from aftersales_rules.loader import load_document
from aftersales_rules.vocabulary import ISSUE_KINDS

from conftest import FIXTURES, RULES

OWN = FIXTURES / "policies" / "own_kinds"


def case(kind: str, case_id: str = "K-1") -> dict:
    return {
        "case_id": case_id,
        "opened_at": "2026-07-15T14:05:00+08:00",
        "order": {"order_id": "O-1", "items": [{"sku": "STOOL", "unit_price": "299.00"}]},
        "issue": {"kind": kind},
    }


@pytest.fixture(scope="module")
def own() -> Policy:
    return Policy.load(OWN)


def write_policy(tmp_path: Path, text: str, name: str = "policy.yaml") -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


HEADER = 'policy: {name: p, version: "1"}\ndefaults: {resolution: escalate}\n'


# ----------------------------------------------------------------------------- the engine


def test_a_declared_kind_is_decided_by_its_rules_and_by_the_rules_of_every_kind(own):
    plan = own.evaluate(case("x_late_shipment"))
    assert plan.resolution == "explain"
    assert [s.action for s in plan.steps] == ["apologize", "note_order"]
    assert [t.rule for t in plan.trace] == ["late.apologize", "close.note"]
    assert own.evaluate(case("x_counterfeit")).resolution == "return_and_refund"
    assert own.evaluate(case("damaged")).resolution == "return_and_refund"  # the standard kinds as before


def test_each_declared_kind_is_a_partition_of_its_own():
    source = read_policy(OWN)
    assert source.scope.issue_kinds() == (*ISSUE_KINDS, "x_late_shipment", "x_counterfeit")
    partitions = compile_policy(source, "t").partitions
    assert list(partitions) == list(source.scope.issue_kinds())
    rules = {kind: [r.id for s in part.strata for r in s.rules] for kind, part in partitions.items()}
    assert rules["x_late_shipment"] == ["late.apologize", "close.note"]
    assert rules["x_counterfeit"] == ["counterfeit.refund", "close.note"]
    assert rules["lost_parcel"] == ["close.note"]


def test_a_kind_the_policy_does_not_declare_is_a_case_error_with_did_you_mean(own, reference_policy):
    with pytest.raises(CaseError) as exc:
        own.evaluate(case("x_late_shipmnt"))
    (problem,) = exc.value.problems
    assert (problem.code, problem.path, problem.suggestion) == ("unknown_kind", "issue.kind", "x_late_shipment")
    assert problem.message == (
        "issue.kind: policy own_kinds declares no issue kind 'x_late_shipmnt' (did you mean 'x_late_shipment'?)"
    )
    with pytest.raises(CaseError) as exc:
        own.evaluate(case("x_refund_fraud"))
    assert exc.value.problems[0].message.endswith("(its own kinds are x_late_shipment, x_counterfeit)")
    with pytest.raises(CaseError) as exc:
        reference_policy.evaluate(case("x_late_shipment"))
    assert exc.value.problems[0].message == (
        "issue.kind: policy reference declares no issue kind 'x_late_shipment' (it declares no kinds of its own)"
    )


def test_explain_refuses_an_undeclared_kind_as_evaluate_does(own):
    """Policy.explain reads the case the way evaluate does: the same CaseError, not a bare KeyError."""
    with pytest.raises(CaseError) as exc:
        own.explain(case("x_late_shipmnt"))
    assert [p.code for p in exc.value.problems] == ["unknown_kind"]


def test_a_case_without_a_policy_takes_any_own_kind_and_refuses_other_unknown_kinds():
    assert parse_case(case("x_anything")).issue.kind == "x_anything"
    bad_kinds = (
        ("wrong_itme", "wrong_item"),
        ("X_Late", None),
        ("x_", None),
        ("late_shipment", None),
        ("x_own\n", None),
    )
    for bad, suggestion in bad_kinds:  # "x_own\n": the pattern's $ must not stop before a line break
        with pytest.raises(CaseError) as exc:
            parse_case(case(bad))
        (problem,) = exc.value.problems
        assert (problem.code, problem.path, problem.suggestion) == ("invalid_value", "issue.kind", suggestion)
        assert problem.message.startswith(f"issue.kind: {quoted(bad)} is not one of not_as_described, damaged, ")


# ----------------------------------------------------------------------------- the rule files


def test_a_rule_may_test_a_declared_kind_and_a_misspelt_one_is_refused(tmp_path):
    write_policy(
        tmp_path,
        HEADER + "kinds:\n  x_late_shipment: {description: shipped late}\n"
        "rules:\n  - id: late\n    when: {issue.kind: x_late_shipmnt}\n    then: {resolution: explain}\n",
    )
    with pytest.raises(PolicyError) as exc:
        Policy.load(tmp_path)
    (problem,) = exc.value.problems
    assert (problem.code, problem.suggestion) == ("invalid_value", "x_late_shipment")


@pytest.mark.parametrize(
    "kinds, code, message",
    [
        ("damaged: {description: ours}", "invalid_kind", "'damaged' is a standard issue kind"),
        ("late_shipment: {description: ours}", "invalid_kind", "a policy's own issue kind is named x_"),
        ("x_Late: {description: ours}", "invalid_kind", "a policy's own issue kind is named x_"),
        ("x_late: {}", "missing_field", "missing field 'kinds.x_late.description'"),
        ("x_late: {description: ''}", "invalid_value", "kinds.x_late.description: must have at least 1"),
    ],
)
def test_a_declared_kind_is_x_and_lowercase_with_a_description(tmp_path, kinds, code, message):
    write_policy(tmp_path, HEADER + f"kinds:\n  {kinds}\n" + "rules:\n  - {id: r, then: {resolution: explain}}\n")
    with pytest.raises(PolicyError) as exc:
        Policy.load(tmp_path)
    (problem,) = exc.value.problems
    assert problem.code == code and problem.message.startswith(message), problem.message
    assert problem.location.line == 4


def test_a_kind_declared_in_two_files_names_both_places(tmp_path):
    write_policy(
        tmp_path, HEADER + "kinds:\n  x_late: {description: one}\nrules:\n  - {id: r, then: {resolution: explain}}\n"
    )
    write_policy(tmp_path, "kinds:\n  x_late: {description: two}\n", "more.yaml")
    with pytest.raises(PolicyError) as exc:
        Policy.load(tmp_path)
    (problem,) = exc.value.problems
    assert problem.code == "duplicate_definition" and problem.location.file.endswith("more.yaml")
    assert "kind 'x_late' is already declared at" in problem.message and "policy.yaml:4:3" in problem.message


# ----------------------------------------------------------------------------- the tools


def test_check_reports_a_declared_kind_no_rule_resolves_as_a_gap_confirmed_on_a_case_of_that_kind(tmp_path):
    shutil.copy(OWN / "policy.yaml", tmp_path / "policy.yaml")
    text = (tmp_path / "policy.yaml").read_text(encoding="utf-8")
    text = text.replace("kinds:\n", "kinds:\n  x_price_gouging:\n    description: the price rose at checkout\n", 1)
    (tmp_path / "policy.yaml").write_text(text, encoding="utf-8")
    gaps = {
        f.message.split(" cases")[0].rsplit(" ", 1)[-1]: f for f in check_policy(tmp_path).findings if f.code == "gap"
    }
    assert "x_price_gouging" in gaps and "x_late_shipment" not in gaps and "x_counterfeit" not in gaps
    finding = gaps["x_price_gouging"]
    assert finding.message == "no rule sets a resolution for x_price_gouging cases; the default (escalate) applies"
    assert finding.example is not None and finding.example["issue"]["kind"] == "x_price_gouging"


def test_policy_tests_run_cases_of_the_policys_own_kinds(own):
    report = run_tests(own, load_tests(OWN / "tests"))
    assert (report.passed, report.failed) == (2, 0)


def test_batch_and_diff_take_the_policys_own_kinds(tmp_path):
    cases = tmp_path / "cases.jsonl"
    records = [case("x_late_shipment", "B-1"), case("x_counterfeit", "B-2"), case("x_late_shipmnt", "B-3")]
    cases.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    summary = run_batch(cases, tmp_path / "plans.jsonl", OWN)
    assert (summary.cases, summary.errors) == (3, 1)
    assert summary.resolutions == {"explain": 1, "return_and_refund": 1}
    error = json.loads((tmp_path / "plans.jsonl").read_text(encoding="utf-8").splitlines()[2])
    assert error["problems"][0]["code"] == "unknown_kind"

    new = tmp_path / "new"
    new.mkdir()
    text = (OWN / "policy.yaml").read_text(encoding="utf-8")
    (new / "policy.yaml").write_text(text.replace("resolution: explain\n", "resolution: partial_refund\n"), "utf-8")
    report = diff_policies(OWN, new, cases)
    assert [(c.case_id, c.kind) for c in report.changes] == [("B-1", "x_late_shipment")]
    assert report.changed_by_kind == {"x_late_shipment": 1}


def test_the_case_schema_fitted_to_a_policy_lists_its_kinds():
    generic = Draft202012Validator(json_schema("case"))
    fitted = Draft202012Validator(json_schema("case", read_policy(OWN)))
    assert generic.is_valid(case("x_late_shipmnt")) and not generic.is_valid(case("wrong_itme"))
    assert fitted.is_valid(case("x_late_shipment")) and fitted.is_valid(case("damaged"))
    assert not fitted.is_valid(case("x_late_shipmnt"))
    kind = json_schema("case", read_policy(OWN))["$defs"]["Issue"]["properties"]["kind"]
    assert kind["enum"] == [*ISSUE_KINDS, "x_late_shipment", "x_counterfeit"]
    assert "x_counterfeit: the buyer says the goods are not genuine" in kind["description"]
    tests = Draft202012Validator(json_schema("test", read_policy(OWN)))
    assert not tests.is_valid({"tests": [{"name": "n", "case": case("x_late_shipmnt"), "expect": {"resolution": "x"}}]})


def test_schema_case_with_rules_on_the_command_line():
    result = CliRunner().invoke(cli, ["schema", "case", "--rules", str(OWN)])
    assert result.exit_code == 0, result.output
    assert "x_counterfeit" in json.loads(result.output)["$defs"]["Issue"]["properties"]["kind"]["enum"]
    plain = json.loads(CliRunner().invoke(cli, ["schema", "case"]).output)
    assert plain == json_schema("case")
    reference = json.loads(CliRunner().invoke(cli, ["schema", "case", "--rules", str(RULES)]).output)
    assert reference["$defs"]["Issue"]["properties"]["kind"]["enum"] == list(ISSUE_KINDS)


def test_the_rule_file_and_test_file_schemas_take_kinds():
    policy = Draft202012Validator(json_schema("policy"))
    assert list(policy.iter_errors(load_document(OWN / "policy.yaml").data)) == []
    assert not policy.is_valid({"kinds": {"x_late": {"description": "late", "escalate": True}}})
    tests = Draft202012Validator(json_schema("test"))
    assert list(tests.iter_errors(load_document(OWN / "tests" / "kinds.yaml").data)) == []
