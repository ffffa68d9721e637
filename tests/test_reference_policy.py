"""The shipped policy: its own tests (rules/tests), its examples, its clauses, and a property test."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales_rules.authoring.policytests import load_tests, run_tests
from aftersales_rules.case import ACTORS, ISSUE_KINDS, parse_case
from aftersales_rules.language.rulefile import ACTIONS
from aftersales_rules.testing import random_case

ROOT = Path(__file__).resolve().parent.parent
TESTS = load_tests(ROOT / "rules" / "tests", policy_folder=ROOT / "rules", examples=ROOT / "examples")
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


@pytest.mark.parametrize("policy_test", TESTS, ids=[t.id for t in TESTS])
def test_expected_plan(reference_policy, policy_test):
    result = run_tests(reference_policy, [policy_test]).results[0]
    assert result.error is None, result.error
    assert result.mismatches == []


def test_every_example_has_an_expected_plan_and_every_kind_an_example():
    tested = {Path(t.case_file).resolve() for t in TESTS if t.case_file}
    assert [e.name for e in EXAMPLES if e.resolve() not in tested] == []
    kinds = {parse_case(t.case).issue.kind for t in TESTS}
    assert kinds == set(ISSUE_KINDS)
    assert len(EXAMPLES) >= 30


def test_every_rule_is_exercised_by_a_test(reference_policy):
    report = run_tests(reference_policy, TESTS)
    assert report.failed == 0
    assert [r.id for r in report.unexercised(reference_policy)] == []


def test_every_rule_names_its_clause_and_every_step_speaks_both_languages(reference_policy):
    for rule in reference_policy.rules:
        assert rule.clause, rule.id
        assert rule.description and rule.description[0].isdigit(), rule.id
        for step in rule.steps:
            assert step.text.zh and step.text.en, (rule.id, step.action)
            assert step.actor in ACTORS
            assert step.action in ACTIONS or step.action.startswith("x_")


def test_every_kind_has_its_own_rule_file(root):
    files = {p.stem for p in (root / "rules").glob("*.yaml")}
    assert set(ISSUE_KINDS) <= files


@given(st.randoms(use_true_random=False), st.sampled_from(ISSUE_KINDS))
def test_generated_cases_always_get_a_plan_within_bounds(reference_policy, rng, kind):
    data = random_case(random.Random(rng.random()), kind)
    case = parse_case(data)
    plan = reference_policy.evaluate(case)
    assert plan.resolution
    goods = sum((item.unit_price * qty for item, qty in case.affected()), Decimal(0))
    shipment = case.progress.return_shipment
    paid = goods + case.order.shipping_fee + (shipment.postage_paid or 0 if shipment else 0)
    assert Decimal(0) <= plan.refund.total <= paid
    assert plan.refund.total == sum((line.amount for line in plan.refund.lines), Decimal(0))
    assert (plan.refund.release is None) == (
        not plan.refund.lines and not plan.refund.pending and plan.refund.offer_limit is None
    )
    assert plan.refund.offer_limit is None or 0 <= plan.refund.total + plan.refund.offer_limit <= paid
    assert [s.action for s in plan.steps][-3:] == ["note_order", "register_case", "follow_up"]


SHARED = ROOT.parent / "shared"


@pytest.mark.skipif(not (SHARED / "tools" / "plan_check.py").exists(), reason="../shared is not beside this checkout")
def test_the_shared_plan_contract_suite_passes(root):
    exe = Path(sys.executable).with_name("aftersales")
    proc = subprocess.run(
        [
            sys.executable,
            str(SHARED / "tools" / "plan_check.py"),
            str(SHARED / "contract" / "suite.json"),
            "--cli",
            str(exe),
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().endswith("0 failed")
