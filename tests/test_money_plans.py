"""Plans you can trust with money: a plan states only amounts it decided (issue 9, points 1–3).

* an amount still to be agreed is an offer (``refund.offer_limit``), never a refund line or part
  of ``refund.total``; the plan awaits the agreement, and the agreed amount is capped;
* every amount a step text names is one of the plan's own figures, and never 0.00;
* a price-difference claim is paid only once the price protection is verified, and at most the
  verified drop in price.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given, settings

from aftersales_rules import Plan, load_case
from aftersales_rules.case import ISSUE_KINDS
from aftersales_rules.errors import PolicyError
from aftersales_rules.testing import generate_cases
from test_engine import case, make_policy

from conftest import EXAMPLES
from strategies import cases, corpus_cases

AMOUNT = re.compile(r"(?<![\d.])\d+\.\d{2}(?![\d])")

# ------------------------------------------------------------------ 1. a ceiling is not an amount to pay


def test_an_offer_not_yet_agreed_is_a_limit_not_a_refund(reference_policy):
    plan = reference_policy.evaluate(load_case(EXAMPLES / "damaged_minor_partial_refund.yaml"))
    refund = plan.refund
    assert (refund.total, refund.lines, refund.pending) == (Decimal("0.00"), [], [])
    assert refund.offer_limit == Decimal("399.00")
    assert refund.release == "on_agreement"
    assert plan.awaiting[0] == "progress.agreed_partial_refund"
    assert '"offer_limit":"399.00"' in plan.model_dump_json()


def test_an_agreed_amount_is_the_line_capped_and_closes_the_offer(reference_policy):
    data = load_case(EXAMPLES / "damaged_minor_partial_refund.yaml").model_dump(mode="json")
    for agreed, paid in (("120.00", "120.00"), ("5000.00", "399.00")):
        data["progress"]["agreed_partial_refund"] = agreed
        plan = reference_policy.evaluate(data)
        assert [(line.component, str(line.amount)) for line in plan.refund.lines] == [("partial", paid)]
        assert str(plan.refund.total) == paid and plan.refund.offer_limit is None
        assert "progress.agreed_partial_refund" not in plan.awaiting


def _offer_policy(tmp_path, line):
    rule = {"id": "r", "then": {"resolution": "partial_refund", "refund": {"lines": [line], "release": "on_agreement"}}}
    return make_policy(tmp_path, [rule])


def test_any_policy_gets_offers_from_the_line_form(tmp_path):
    policy = _offer_policy(tmp_path, {"component": "partial", "agreed": "progress.agreed_partial_refund", "cap": "50"})
    plan = policy.evaluate(case())
    assert (str(plan.refund.total), plan.refund.lines, str(plan.refund.offer_limit)) == ("0.00", [], "50.00")
    assert plan.awaiting == ["progress.agreed_partial_refund"]
    assert policy.evaluate(case(), branches=False).awaiting == ["progress.agreed_partial_refund"]
    plan = policy.evaluate(case(progress={"agreed_partial_refund": "80.00"}))
    assert str(plan.refund.total) == "50.00" and plan.refund.offer_limit is None


def test_an_offer_never_takes_the_refund_past_what_was_paid(tmp_path):
    policy = _offer_policy(tmp_path, {"component": "partial", "agreed": "progress.agreed_partial_refund", "cap": "900"})
    assert str(policy.evaluate(case()).refund.offer_limit) == "314.00"  # 299.00 goods + 15.00 postage


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"component": "partial", "agreed": "progress.agreed_partial_refund"}, "an offer ('agreed') needs a 'cap'"),
        (
            {"component": "partial", "agreed": "progress.agreed_partial_refund", "amount": "5", "cap": "9"},
            "a line with 'agreed' is an offer",
        ),
    ],
)
def test_an_offer_needs_a_cap_and_no_amount(tmp_path, line, message):
    with pytest.raises(PolicyError, match=re.escape(message)):
        _offer_policy(tmp_path, line)


# ------------------------------------------------------------------ 2. steps name only the plan's figures


def _figures(plan: Plan) -> set[str]:
    refund = plan.refund
    amounts = [refund.total, refund.offer_limit, *(line.amount for line in refund.lines)]
    legs = [leg for leg in (plan.postage.return_leg, plan.postage.outbound_leg) if leg is not None]
    amounts += [leg.amount for leg in legs]
    amounts += [a for leg in legs for a in (leg.cap, *(share.amount for share in leg.shares or ()))]  # split legs
    amounts += [plan.compensation.total, *(line.amount for line in plan.compensation.lines)]  # held apart
    return {f"{a:.2f}" for a in amounts if a is not None and a > 0}


def _stray_amounts(plan: Plan) -> list[str]:
    figures = _figures(plan)
    out = []
    for step in plan.steps:
        for text in (step.text.zh, step.text.en):
            out += [f"{step.action}: {a} in {text!r}" for a in AMOUNT.findall(text or "") if a not in figures]
    return out


@pytest.mark.parametrize("case_file", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_example_steps_name_only_the_plans_figures(reference_policy, case_file):
    assert _stray_amounts(reference_policy.evaluate(load_case(case_file))) == []


def test_generated_steps_name_only_the_plans_figures(reference_policy):
    stray = []
    for data in generate_cases(2_000, seed=9, kinds=list(ISSUE_KINDS)):
        stray += [f"{data['case_id']} {s}" for s in _stray_amounts(reference_policy.evaluate(data, branches=False))]
    assert stray[:5] == []


@settings(max_examples=300)
@given(data=cases())
def test_steps_of_any_case_name_only_the_plans_figures(reference_policy, data):
    assert _stray_amounts(reference_policy.evaluate(data, branches=False)) == []


@given(data=corpus_cases("damaged"))
def test_steps_of_damage_cases_name_only_the_plans_figures(reference_policy, data):
    assert _stray_amounts(reference_policy.evaluate(data, branches=False)) == []


# ------------------------------------------------------------------ 3. a price difference is the verified drop


def test_an_unverified_price_difference_pays_nothing_and_awaits_the_protection(reference_policy):
    plan = reference_policy.evaluate(load_case(EXAMPLES / "price_difference_unverified_full_price.yaml"))
    assert (str(plan.refund.total), plan.refund.lines, plan.refund.release) == ("0.00", [], None)
    assert plan.awaiting == ["attributes.price_protected"]
    assert not any(branch.refund_total > 0 for branch in plan.branches)  # the drop is not known either


def test_a_price_difference_is_at_most_the_verified_drop(reference_policy):
    data = load_case(EXAMPLES / "price_difference_unverified_full_price.yaml").model_dump(mode="json")
    data["attributes"] = {"price_protected": True}
    plan = reference_policy.evaluate(data)  # protected, but how much the price dropped is not entered yet
    assert (str(plan.refund.total), plan.refund.pending) == ("0.00", ["price_difference"])
    data["attributes"]["price_drop"] = "200.00"
    plan = reference_policy.evaluate(data)
    assert [(line.component, str(line.amount)) for line in plan.refund.lines] == [("price_difference", "200.00")]
    data["issue"]["requested_amount"] = "150.00"  # a claim below the drop is paid as claimed
    assert str(reference_policy.evaluate(data).refund.total) == "150.00"
