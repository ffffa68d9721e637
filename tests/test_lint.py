"""The linter: seeded defects, the clean fixture, the reference policy, and its model of the engine."""

from __future__ import annotations

import shutil
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from aftersales_rules import ConflictError, EvaluationError, Policy, parse_case
from aftersales_rules.authoring import casespace
from aftersales_rules.authoring.casespace import Space
from aftersales_rules.authoring.lint import check_policy, lint
from aftersales_rules.authoring.witness import abstract_value, example_case, reads_as
from aftersales_rules.testing import generate_cases

from conftest import FIXTURES, RULES

LINT = FIXTURES / "policies" / "lint"
SEEDED = sorted(p.name for p in LINT.iterdir() if p.is_dir() and p.name != "clean")
CODES = {
    "unreachable_rule",
    "overlap",
    "gap",
    "gap_default",
    "unknown_action",
    "missing_text",
    "unused_definition",
    "refund_exceeds_paid",
    "spelled_value",
    "unreached_escalation",
}


def _finding_lines(name: str) -> list[str]:
    text = (LINT / name / "expected.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines()[:-1] if not line.startswith("    example: ")]


def test_every_finding_kind_has_a_seeded_fixture():
    assert set(SEEDED) == CODES


@pytest.mark.parametrize("name", SEEDED)
def test_seeded_defect_is_reported_with_its_location_and_code(name, monkeypatch):
    monkeypatch.chdir(LINT)  # a location names the file as it was given: here relative to LINT
    report = check_policy(name)
    lines = [f.line() for f in report.findings]
    assert lines == _finding_lines(name)
    code = "gap" if name == "gap_default" else name
    assert any(f.code == code and f.location.line > 0 for f in report.findings)


def test_clean_fixture_passes_with_no_findings():
    report = check_policy(LINT / "clean")
    assert report.findings == [] and report.exit_code == 0


def test_errors_and_warnings_decide_the_exit_code():
    assert check_policy(LINT / "overlap").exit_code == 1
    assert check_policy(LINT / "gap_default").exit_code == 0
    assert check_policy(LINT / "unknown_action").errors == 1


def test_the_overlap_example_raises_the_conflict_it_reports():
    (finding,) = check_policy(LINT / "overlap").findings
    with pytest.raises(ConflictError) as info:
        Policy.load(LINT / "overlap").evaluate(finding.example)
    assert set(info.value.rules) == {"damaged.return", "damaged.vip"}


def test_gap_examples_get_no_rule_set_resolution():
    (finding,) = check_policy(LINT / "gap").findings
    with pytest.raises(EvaluationError, match="no rule decided a resolution"):
        Policy.load(LINT / "gap").evaluate(finding.example)
    (finding,) = check_policy(LINT / "gap_default").findings
    plan = Policy.load(LINT / "gap_default").evaluate(finding.example)
    assert plan.resolution == "escalate" and not [t for t in plan.trace if "resolution" in t.decided]


def test_reference_policy_has_no_errors(reference_policy):
    findings = lint(reference_policy)
    assert [f.line() for f in findings if f.severity == "error"] == []
    assert not [f for f in findings if f.code == "analysis_incomplete"]


def test_a_removed_rule_leaves_exactly_its_cases_as_a_gap(tmp_path, monkeypatch):
    """Drop plan A of refund_request (declined outside the no-reason window) and the default."""
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules, ignore=shutil.ignore_patterns("tests"))
    text = (rules / "refund_request.yaml").read_text(encoding="utf-8")
    start = text.index("  - id: refund_request.A.no_refund")
    end = text.index("  - id: refund_request.B.postage_only")
    (rules / "refund_request.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    header = (rules / "policy.yaml").read_text(encoding="utf-8").replace("  resolution: escalate\n", "")
    (rules / "policy.yaml").write_text(header, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    errors = [f for f in check_policy("rules").findings if f.severity == "error"]
    assert [(f.code, f.location.file) for f in errors] == [("gap", "rules/refund_request.yaml")]
    assert "issue.fault in {buyer, unknown}" in errors[0].message
    case = errors[0].example
    assert case["issue"]["fault"] in ("buyer", "unknown") and not case.get("attributes", {}).get("custom_made")
    shanghai = ZoneInfo("Asia/Shanghai")
    days = (
        datetime.fromisoformat(case["opened_at"]).astimezone(shanghai).date()
        - datetime.fromisoformat(case["order"]["delivered_at"]).astimezone(shanghai).date()
    ).days
    assert days > 7
    with pytest.raises(EvaluationError, match="no rule decided a resolution"):
        Policy.load(rules).evaluate(case)


def test_a_rule_whose_condition_never_holds_is_unreachable(tmp_path, monkeypatch):
    (tmp_path / "p.yaml").write_text(
        """\
policy: {name: p, version: "1"}
rules:
  - id: all
    then: {resolution: escalate}
  - id: never
    when: {issue.kind: damaged, all: [{issue.kind: lost_parcel}]}
    then: {steps: [{actor: customer_service, action: apologize, text: {zh: 抱歉, en: Sorry}}]}
""",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    (finding,) = check_policy("p.yaml").findings
    assert finding.line() == (
        "p.yaml:5:5: error unreachable_rule: rule 'never' can never apply: no case satisfies its condition"
    )


def test_unused_texts_attributes_and_derived_facts(tmp_path, monkeypatch):
    (tmp_path / "p.yaml").write_text(
        """\
policy: {name: p, version: "1"}
texts:
  spare: {zh: 備用, en: Spare}
attributes:
  gift_wrapped: {type: bool}
facts:
  flagged: {type: bool}
  recent: {when: {customer.urgent: true}}
rules:
  - id: all
    then: {resolution: escalate, set: {flagged: true}}
""",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    lines = [f.line() for f in check_policy("p.yaml").findings]
    assert lines == [
        "p.yaml:3:3: warning unused_definition: text 'spare' is never used",
        "p.yaml:5:3: warning unused_definition: attribute 'gift_wrapped' is never used",
        "p.yaml:7:3: warning unused_definition: derived fact 'flagged' is never used",
        "p.yaml:8:3: warning unused_definition: derived fact 'recent' is never used",
    ]


def test_a_search_too_large_says_so_and_claims_no_unreachable_rule(reference_policy, monkeypatch):
    monkeypatch.setattr(casespace, "MAX_LEAVES", 5)
    findings = lint(reference_policy)
    incomplete = [f for f in findings if f.code == "analysis_incomplete"]
    assert incomplete and all(f.severity == "warning" for f in incomplete)
    assert not [f for f in findings if f.code == "unreachable_rule"]


def test_the_abstract_model_agrees_with_the_engine(reference_policy):
    """For generated cases, the leaf a case falls in names exactly the rules of the engine's trace."""
    space = Space(reference_policy.source)
    for data in generate_cases(1500, seed=11):
        case = parse_case(data)
        seen: dict = {}
        leaf = space.leaf_of(case.issue.kind, lambda key, case=case, seen=seen: abstract_value(space, case, key, seen))
        assert not leaf.conflicts
        expected = {rule.id for rule in leaf.applied if leaf.contributes(rule)}
        assert expected == {t.rule for t in reference_policy.evaluate(case, branches=False).trace}, data["case_id"]


def test_example_cases_read_back_as_their_leaf(reference_policy):
    space = Space(reference_policy.source)
    for kind in ("return_request", "damaged", "wrong_item", "courier_change"):
        leaves = space.explore(kind).leaves
        for leaf in leaves[:: max(1, len(leaves) // 25)]:
            case = example_case(space, kind, leaf.assign)
            assert case is not None, leaf.assign
            assert reads_as(space, parse_case(case), leaf.assign)


def test_a_refund_line_with_no_bound_in_what_was_paid(tmp_path, monkeypatch):
    (tmp_path / "p.yaml").write_text(
        """\
policy: {name: p, version: "1"}
rules:
  - id: all
    then: {resolution: escalate}
  - id: price
    when: {issue.kind: price_difference}
    then:
      refund:
        lines:
          - {component: price_difference, amount: issue.requested_amount}
          - {component: partial, amount: {min: [order.profit, affected.goods]}}
""",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    lines = [f.line() for f in check_policy("p.yaml").findings]
    assert lines == [
        "p.yaml:8:7: warning refund_exceeds_paid: the price_difference refund line of rule 'price' has no bound in "
        "what the buyer paid (amount issue.requested_amount); cap it, e.g. cap: affected.goods; the engine cuts the "
        "total back to what was paid"
    ]


def test_a_thousand_rules_are_searched_to_the_end(tmp_path, root, monkeypatch):
    """The benchmark's generated policy: 924 deciding rules and 76 that only add steps or gestures."""
    monkeypatch.syspath_prepend(str(root / "benchmarks"))
    import gen_policy

    assert gen_policy.write_policy(tmp_path / "generated") == 1000
    monkeypatch.chdir(tmp_path)
    report = check_policy("generated")
    # the attributes it declares only because generated cases may set them
    assert [f.line() for f in report.findings] == [
        "generated/policy.yaml:10:3: warning unused_definition: attribute 'custom_made' is never used",
        "generated/policy.yaml:12:3: warning unused_definition: attribute 'price_protected' is never used",
        "generated/policy.yaml:13:3: warning unused_definition: attribute 'price_drop' is never used",
    ]
