"""A refund released when the return ships (issue 10, point 3): ``release: on_return_shipped``, the
marketplace's fast refund for buyers it trusts. Until the buyer enters the return's tracking number
the plan awaits it."""

from __future__ import annotations

import pytest

from aftersales_rules import PolicyError
from aftersales_rules.authoring.schema import json_schema
from aftersales_rules.render import render_text
from aftersales_rules.vocabulary import RELEASES
from test_engine import case, make_policy

TRACKING = "progress.return_shipment.tracking_number"
FAST = {
    "id": "fast_refund",
    "when": {"attributes.trusted": True},
    "then": {"resolution": "return_and_refund", "refund": {"lines": ["goods"], "release": "on_return_shipped"}},
}
USUAL = {
    "id": "usual_refund",
    "then": {"resolution": "return_and_refund", "refund": {"lines": ["goods"], "release": "on_return_received"}},
}
TRUSTED = {"trusted": {"type": "bool", "awaitable": True, "description": "the platform trusts this buyer"}}


@pytest.fixture
def policy(tmp_path):
    return make_policy(tmp_path, [FAST, {**USUAL, "priority": -1}], attributes=TRUSTED)


def test_the_release_is_appended_to_the_vocabulary_and_the_schemas():
    assert RELEASES[-1] == "on_return_shipped" and RELEASES[:4] == (
        "immediately",
        "on_return_at_hub",
        "on_return_received",
        "on_agreement",
    )
    releases = json_schema("plan")["$defs"]["Refund"]["properties"]["release"]["anyOf"][0]["enum"]
    assert releases == list(RELEASES)
    assert (
        "on_return_shipped"
        in json_schema("policy")["$defs"]["RefundModel"]["properties"]["release"]["anyOf"][0]["enum"]
    )


@pytest.mark.parametrize("branches", [True, False])
def test_before_the_tracking_number_the_plan_awaits_it(policy, branches):
    plan = policy.evaluate(case(attributes={"trusted": True}), branches=branches)
    assert (plan.refund.release, str(plan.refund.total)) == ("on_return_shipped", "299.00")
    assert plan.awaiting == [TRACKING]
    assert plan.branches == []  # the tracking number releases the refund; it changes no key figure
    text = render_text(plan)
    assert "released once the return has shipped" in text and f"Waiting for:\n  {TRACKING}\n" in text


def test_once_the_return_has_shipped_nothing_is_awaited(policy):
    shipped = case(
        attributes={"trusted": True}, progress__return_shipment={"tracking_number": "SF1", "status": "in_transit"}
    )
    plan = policy.evaluate(shipped)
    assert (plan.refund.release, plan.awaiting) == ("on_return_shipped", [])
    booked = case(attributes={"trusted": True}, progress__return_shipment={"status": "created"})
    assert policy.evaluate(booked).awaiting == [TRACKING]  # booked, but no tracking number yet


def test_other_releases_await_nothing_new(policy):
    plan = policy.evaluate(case(attributes={"trusted": False}))
    assert (plan.refund.release, plan.awaiting) == ("on_return_received", [])


def test_branches_show_the_fast_release_under_the_answer_that_gives_it(policy):
    plan = policy.evaluate(case())  # trust not known yet: the usual release, and what trust would change
    assert (plan.refund.release, plan.awaiting) == ("on_return_received", ["attributes.trusted"])
    assert {b.when["attributes.trusted"]: b.release for b in plan.branches} == {
        True: "on_return_shipped",
        False: "on_return_received",
    }


def test_a_release_awaited_after_the_agreement_of_an_offer(tmp_path):
    offer = {"component": "partial", "agreed": "progress.agreed_partial_refund", "cap": "50.00"}
    rule = {
        "id": "r",
        "then": {"resolution": "partial_refund", "refund": {"lines": [offer], "release": "on_return_shipped"}},
    }
    plan = make_policy(tmp_path, [rule]).evaluate(case())
    assert plan.awaiting == ["progress.agreed_partial_refund", TRACKING]


def test_the_default_release_may_be_the_fast_one(tmp_path):
    rule = {"id": "r", "then": {"resolution": "return_and_refund", "refund": {"lines": ["goods"]}}}
    plan = make_policy(tmp_path, [rule], defaults={"release": "on_return_shipped"}).evaluate(case())
    assert (plan.refund.release, plan.awaiting) == ("on_return_shipped", [TRACKING])


def test_no_refund_no_release_and_nothing_awaited(tmp_path):
    rule = {"id": "r", "then": {"resolution": "decline", "refund": {"release": "on_return_shipped"}}}
    plan = make_policy(tmp_path, [rule]).evaluate(case())
    assert (plan.refund.release, plan.awaiting) == (None, [])


def test_a_misspelt_release_is_refused(tmp_path):
    rule = {"id": "r", "then": {"resolution": "return_and_refund", "refund": {"release": "on_return_shiped"}}}
    with pytest.raises(PolicyError, match="on_return_shipped"):
        make_policy(tmp_path, [rule])
