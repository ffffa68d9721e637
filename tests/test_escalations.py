"""Intended escalations (issue 10 point 9): what a policy sends to a person on purpose is no gap for check."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from aftersales_rules import Policy, PolicyError
from aftersales_rules.authoring.lint import check_policy
from aftersales_rules.authoring.schema import json_schema
from aftersales_rules.loader import load_document

from conftest import FIXTURES

OWN = FIXTURES / "policies" / "own_kinds"
GAP_DEFAULT = FIXTURES / "policies" / "lint" / "gap_default"

UNHANDLED = """
escalations:
  unhandled_kinds:
    description: the kinds this shop has no rules for go to a person (轉人工)
    when:
      issue.kind: {not_in: [x_late_shipment, x_counterfeit, damaged, wrong_item]}
"""


def with_text(tmp_path: Path, source: Path, extra: str) -> Path:
    out = tmp_path / source.name
    shutil.copytree(source, out, ignore=shutil.ignore_patterns("tests", "expected.txt"))
    policy = out / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return out


def gaps(path: Path) -> list[str]:
    return [f.message for f in check_policy(path).findings if f.code == "gap"]


def test_every_kind_a_policy_does_not_handle_is_no_gap_once_declared(tmp_path):
    assert len(gaps(OWN)) == 9  # the nine standard kinds it has no rules for
    report = check_policy(with_text(tmp_path, OWN, UNHANDLED))
    assert report.findings == [] and report.exit_code == 0


def test_a_kind_left_out_of_the_declaration_is_still_a_gap(tmp_path):
    declared = UNHANDLED.replace("wrong_item]", "wrong_item, lost_parcel]")
    assert gaps(with_text(tmp_path, OWN, declared)) == [
        "no rule sets a resolution for lost_parcel cases; the default (escalate) applies"
    ]


def test_a_declaration_covering_part_of_a_gap_leaves_the_rest_with_what_keeps_it_outside(tmp_path):
    (before,) = gaps(GAP_DEFAULT)
    assert before.startswith(
        "no rule sets a resolution for damaged cases with issue.severity=severe, issue.wants=keep;"
    )
    vip = "\nescalations:\n  vip_keeps:\n    description: a VIP keeping severely damaged goods is called\n" + (
        "    when: {issue.kind: damaged, customer.tier: vip}\n"
    )
    report = check_policy(with_text(tmp_path, GAP_DEFAULT, vip))
    assert [f.message for f in report.findings] == [
        "no rule sets a resolution for damaged cases with customer.tier=regular, issue.severity=severe, "
        "issue.wants=keep; the default (escalate) applies"
    ]
    (finding,) = report.findings
    assert finding.example is not None and finding.example.get("customer", {}).get("tier", "regular") == "regular"


def test_a_declaration_that_covers_the_whole_gap_silences_it(tmp_path):
    severe = "\nescalations:\n  severe_keeps:\n    description: severe damage kept by the buyer\n" + (
        "    when: {issue.severity: severe, issue.wants: keep}\n"
    )
    report = check_policy(with_text(tmp_path, GAP_DEFAULT, severe))
    assert report.findings == []


def test_the_plans_are_those_of_the_default(tmp_path):
    """A declaration is for check: the engine sends such cases to the default as before."""
    case = {
        "case_id": "E-1",
        "opened_at": "2026-07-15T14:05:00+08:00",
        "order": {"order_id": "O", "items": [{"sku": "S", "unit_price": "10.00"}]},
        "issue": {"kind": "lost_parcel"},
    }
    before = Policy.load(OWN).evaluate(case).model_dump(mode="json")
    after = Policy.load(with_text(tmp_path, OWN, UNHANDLED)).evaluate(case).model_dump(mode="json")
    assert before["resolution"] == "escalate"
    before["policy"].pop("digest"), after["policy"].pop("digest")
    assert before == after


HEADER = 'policy: {name: p, version: "1"}\n'
RULE = "rules:\n  - {id: r, when: {issue.kind: damaged}, then: {resolution: explain}}\n"


@pytest.mark.parametrize(
    "text, code, message",
    [
        (
            "escalations:\n  others: {description: d, when: {issue.kind: {is_not: damaged}}}\n",
            "invalid_escalation",
            "intended escalations go to a person through the default resolution: add defaults: "
            "{resolution: escalate} (there is no default)",
        ),
        (
            "defaults: {resolution: explain}\n"
            "escalations:\n  others: {description: d, when: {issue.kind: {is_not: damaged}}}\n",
            "invalid_escalation",
            "intended escalations go to a person through the default resolution: add defaults: "
            "{resolution: escalate} (the default is explain)",
        ),
        (
            "defaults: {resolution: escalate}\n"
            "escalations:\n  others: {description: d, when: {issue.knd: lost_parcel}}\n",
            "unknown_fact",
            "unknown fact 'issue.knd'",
        ),
        (
            "defaults: {resolution: escalate}\nescalations:\n  others: {description: d}\n",
            "missing_field",
            "missing field 'escalations.others.when'",
        ),
        (
            "defaults: {resolution: escalate}\nescalations:\n  others: {when: {issue.kind: lost_parcel}}\n",
            "missing_field",
            "missing field 'escalations.others.description'",
        ),
        (
            "defaults: {resolution: escalate}\nescalations:\n  others: {description: d, when: null}\n",
            "invalid_escalation",
            "an intended escalation needs a condition (when: ...)",
        ),
    ],
)
def test_a_declaration_is_checked_at_load(tmp_path, text, code, message):
    (tmp_path / "policy.yaml").write_text(HEADER + text + RULE, encoding="utf-8")
    with pytest.raises(PolicyError) as exc:
        Policy.load(tmp_path)
    (problem,) = exc.value.problems
    assert problem.code == code and problem.message.startswith(message), problem.message


def test_a_name_declared_twice_names_both_places(tmp_path):
    one = (
        "defaults: {resolution: escalate}\nescalations:\n  others: {description: d, when: {issue.kind: lost_parcel}}\n"
    )
    (tmp_path / "policy.yaml").write_text(HEADER + one + RULE, encoding="utf-8")
    (tmp_path / "more.yaml").write_text(
        "escalations:\n  others: {description: e, when: {issue.kind: courier_change}}\n", encoding="utf-8"
    )
    with pytest.raises(PolicyError) as exc:
        Policy.load(tmp_path)
    (problem,) = exc.value.problems
    assert problem.code == "duplicate_definition" and problem.location.file.endswith("more.yaml")
    assert "intended escalation 'others' is already declared at" in problem.message


def test_the_rule_file_schema_takes_escalations_with_a_condition():
    policy = Draft202012Validator(json_schema("policy"))
    good = {"escalations": {"others": {"description": "d", "when": {"issue.kind": {"not_in": ["damaged"]}}}}}
    assert list(policy.iter_errors(good)) == []
    assert not policy.is_valid({"escalations": {"others": {"description": "d", "when": 3}}})
    assert not policy.is_valid({"escalations": {"others": {"when": {"issue.kind": "damaged"}}}})
    fixture = load_document(FIXTURES / "policies" / "lint" / "unreached_escalation" / "policy.yaml")
    assert list(policy.iter_errors(fixture.data)) == []
