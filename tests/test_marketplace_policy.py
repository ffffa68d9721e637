"""The second shipped policy, examples/policies/marketplace (issue 10 point 10).

It passes ``aftersales check`` without an error or a warning, its own policy tests (at least 25,
every rule exercised), every case in its cases folder dry-runs, the case schema fitted to it takes
its own kinds and item attributes, and its plans keep the money apart: compensation never inside
``refund.total``, a split leg's shares adding up to the leg. Its README maps every rule's clause.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
import yaml
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from aftersales_rules import Policy, load_case
from aftersales_rules.authoring.schema import json_schema
from aftersales_rules.cli import cli
from aftersales_rules.language import read_policy

from conftest import EXAMPLES

MARKETPLACE = EXAMPLES / "policies" / "marketplace"
CASES = sorted((MARKETPLACE / "cases").glob("*.yaml"))


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def policy():
    loaded = Policy.load(MARKETPLACE)
    yield loaded
    loaded.close()


@pytest.fixture(scope="module")
def plans(policy):
    return {path.stem: policy.evaluate(load_case(path)) for path in CASES}


def test_check_reports_no_error_and_no_warning():
    result = run("check", MARKETPLACE)
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines()[-1] == "0 errors, 0 warnings"


def test_policy_tests_pass_at_least_25_and_exercise_every_rule():
    result = run("test", MARKETPLACE, "--coverage")
    assert result.exit_code == 0, result.stdout
    passed, failed = map(int, re.search(r"^(\d+) passed, (\d+) failed$", result.stdout, re.M).groups())
    assert passed >= 25 and failed == 0
    assert "every rule is exercised by a passing test" in result.stdout


def test_the_cases_live_inside_the_policy_folder_and_each_has_a_test():
    named = set()
    for path in (MARKETPLACE / "tests").glob("*.yaml"):
        for test in yaml.safe_load(path.read_text(encoding="utf-8"))["tests"]:
            target = (path.parent / test["case"]).resolve()
            assert target.is_relative_to(MARKETPLACE.resolve())
            named.add(target)
    assert len(CASES) >= 25
    assert named == {p.resolve() for p in CASES}


@pytest.mark.parametrize("case_file", CASES, ids=lambda p: p.stem)
def test_every_case_dry_runs(case_file):
    result = run("dry-run", case_file, "--rules", MARKETPLACE, "--format", "json")
    assert result.exit_code == 0, result.stdout
    assert json.loads(result.stdout)["policy"]["name"] == "marketplace"


def _case_with(kind: str, attributes: dict) -> dict:
    return {
        "case_id": "S-1",
        "opened_at": "2026-06-03T12:00:00+08:00",
        "order": {"order_id": "O-1", "items": [{"sku": "A", "unit_price": "10.00", "attributes": attributes}]},
        "issue": {"kind": kind},
    }


def test_the_case_schema_fitted_to_the_policy_takes_its_kinds_and_item_attributes():
    result = run("schema", "case", "--rules", MARKETPLACE)
    assert result.exit_code == 0
    fitted = Draft202012Validator(json.loads(result.stdout))
    assert fitted.is_valid(_case_with("x_late_shipment", {"custom_made": True, "food": False}))
    assert fitted.is_valid(_case_with("x_fraud", {"digital_unsealed": True}))
    assert not fitted.is_valid(_case_with("x_late_shipmnt", {}))  # a misspelt kind
    assert not fitted.is_valid(_case_with("x_counterfeit", {}))  # a kind this policy does not declare
    assert not fitted.is_valid(_case_with("return_request", {"custom_mad": True}))  # a misspelt item attribute
    assert fitted == Draft202012Validator(json_schema("case", read_policy(MARKETPLACE)))


def test_compensation_is_never_inside_the_refund(plans):
    compensated = 0
    for stem, plan in plans.items():
        assert plan.refund.total == sum((line.amount for line in plan.refund.lines), Decimal("0")), stem
        assert plan.compensation.total == sum((line.amount for line in plan.compensation.lines), Decimal("0")), stem
        refunded = {line.component for line in plan.refund.lines}
        assert refunded <= {"goods", "original_shipping", "return_postage", "price_difference"}, stem
        compensated += bool(plan.compensation.lines)
    assert compensated >= 15
    # art. 55's minimum is more than the buyer paid, and the refund stays what was paid
    f1 = plans["f1_minimum_500"]
    assert (f1.refund.total, f1.compensation.total) == (Decimal("100.00"), Decimal("500.00"))
    assert [(line.component, line.paid_by) for line in f1.compensation.lines] == [("fraud", "seller")]


def test_split_legs_add_up_to_the_leg(plans):
    split = 0
    for stem, plan in plans.items():
        for leg in (plan.postage.return_leg, plan.postage.outbound_leg):
            if leg is None or leg.shares is None:
                continue
            split += 1
            assert leg.borne_by == "insurer" and leg.cap == Decimal("10.00"), stem
            if leg.amount is None:
                assert leg.shares == [] and leg.pending, stem
                continue
            assert sum((share.amount for share in leg.shares), Decimal("0")) == leg.amount, stem
            assert all(share.amount >= 0 for share in leg.shares), stem
            assert leg.shares[0].party == "insurer" and leg.shares[0].amount <= leg.cap, stem
    assert split >= 6


def test_every_rule_names_its_clause_and_the_readme_maps_it(policy):
    readme = (MARKETPLACE / "README.md").read_text(encoding="utf-8")
    clause_map = readme.split("## Clause map", 1)[1].split("## Encoding choices", 1)[0]
    for rule in policy.rules:
        assert rule.id.startswith(rule.clause), rule.id
        assert rule.clause in rule.description, rule.id
        assert f"`{rule.id}`" in clause_map, rule.id


def test_the_readme_marks_the_figures_that_are_not_authoritative():
    readme = (MARKETPLACE / "README.md").read_text(encoding="utf-8")
    clause_map = readme.split("## Clause map", 1)[1].split("## Encoding choices", 1)[0]
    for value in ("insurance_cap", "late_penalty_", "price_protection_days"):
        row = next(line for line in clause_map.splitlines() if value in line)
        assert "**not authoritative**" in row, value
    assert "## What the language could not say" in readme


def test_every_value_names_its_source():
    text = (MARKETPLACE / "policy.yaml").read_text(encoding="utf-8")
    block = re.search(r"^values:\n((?:  .*\n)+)", text, re.M).group(1).splitlines()
    assert len(block) == len(yaml.safe_load(text)["values"]) == 10
    assert all(re.search(r"# F\d", line) for line in block)
    not_authoritative = {line.split(":")[0].strip() for line in block if "NOT AUTHORITATIVE" in line}
    assert not_authoritative == {
        "insurance_cap",
        "late_penalty_percent",
        "late_penalty_min",
        "late_penalty_max",
        "price_protection_days",
    }
