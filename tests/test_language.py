"""Every capability of the rule language, as docs/rule-language.md shows it, in one small policy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aftersales_rules import Policy
from aftersales_rules.language.conditions import All, AnyOf, Not, Ref, Test, walk

SHOWCASE = Path(__file__).parent / "fixtures" / "policies" / "showcase"

BASE = {
    "case_id": "S-1",
    "opened_at": "2026-07-15T14:05:00+08:00",
    "order": {
        "order_id": "O-S",
        "shipping_fee": "15.00",
        "delivered_at": "2026-07-12T10:00:00+08:00",
        "items": [{"sku": "A", "unit_price": "299.00", "quantity": 2, "unit_cost": "180.00"}],
    },
    "customer": {"tier": "vip"},
    "issue": {"kind": "wrong_item", "wants": "reship"},
}


@pytest.fixture(scope="module")
def showcase() -> Policy:
    return Policy.load(SHOWCASE)


def case(**over):
    import copy

    data = copy.deepcopy(BASE)
    for key, value in over.items():
        section, _, field = key.partition("__")
        if field:
            data.setdefault(section, {})[field] = value
        else:
            data[section] = value
    return data


def test_conditions_are_plain_data_anyone_can_inspect(showcase):
    rule = next(r for r in showcase.rules if r.id == "plan.reship")
    kinds = {type(n) for n in walk(rule.when)}
    assert {All, AnyOf, Not, Test} <= kinds
    named = next(r for r in showcase.rules if r.id == "same_day").when
    assert isinstance(named, Ref) and named.name == "opened_before_cutoff"
    tests = [n for n in walk(rule.when) if isinstance(n, Test)]
    assert Test("issue.kind", "in", ("wrong_item", "missing_item")) in tests
    assert rule.when.describe().startswith("issue.kind in [wrong_item, missing_item] and (issue.wants == reship")


def test_any_all_not_and_groups(showcase):
    plan = showcase.evaluate(case())
    assert plan.resolution == "reship"
    assert [s.action for s in plan.steps] == ["apologize", "x_first_reply", "reship", "note_order"]
    assert plan.steps[1].text.en == "Hello, we have {your} case S-1"
    assert plan.steps[2].text.en == "Reship O-S by 2026-07-15 20:00"
    assert showcase.evaluate(case(customer={"tier": "regular"})).resolution == "escalate"
    assert showcase.evaluate(case(customer={"tier": "regular", "urgent": True})).resolution == "reship"
    assert showcase.evaluate(case(attributes={"custom_made": True})).resolution == "escalate"


def test_derived_facts_set_by_rules_and_what_if(showcase):
    plan = showcase.evaluate(case(customer={"tier": "regular"}, evidence={"outbound_check": "error_confirmed"}))
    assert plan.resolution == "reship" and [g.kind for g in plan.gestures] == ["coupon"]
    refuted = case(
        customer={"tier": "regular"},
        evidence={"outbound_check": "error_confirmed"},
        issue={"kind": "wrong_item", "wants": "reship"},
        progress={"inspection": {"error_confirmed": False}},
    )
    assert showcase.evaluate(refuted).resolution == "escalate"


def test_comparing_two_facts_and_law_style_days(showcase):
    day_8 = case(issue={"kind": "refund_request", "requested_amount": "15.00"}, opened_at="2026-07-19T23:59:00+08:00")
    plan = showcase.evaluate(day_8)
    assert plan.resolution == "refund_without_return" and str(plan.refund.total) == "15.00"
    late = dict(day_8, opened_at="2026-07-20T00:00:00+08:00")
    assert showcase.evaluate(late).resolution == "escalate"
    more = case(issue={"kind": "refund_request", "requested_amount": "15.01"})
    assert showcase.evaluate(more).resolution == "escalate"


def test_amount_formulas_percent_caps_first_known(showcase):
    plan = showcase.evaluate(case(issue={"kind": "damaged"}, attributes={"channel": "app"}))
    assert [str(line.amount) for line in plan.refund.lines] == ["30.00", "5.00"]  # 10% of 598 capped at 30; 5
    assert plan.refund.release == "on_agreement"  # from defaults
    assert plan.postage.return_leg is None
    plan = showcase.evaluate(case(issue={"kind": "damaged"}, attributes={"channel": "web"}))
    assert plan.resolution == "escalate"


def test_awaitable_attribute_gives_branches(showcase):
    plan = showcase.evaluate(case(issue={"kind": "return_request"}))
    assert plan.awaiting == ["attributes.price_protected"]
    assert [(b.when["attributes.price_protected"], b.resolution) for b in plan.branches] == [
        (True, "return_and_refund"),
        (False, "escalate"),
    ]
    assert plan.refund.pending == ["return_postage"]


def test_moments_day_of_and_cutoffs(showcase):
    before = showcase.evaluate(case())
    assert before.steps[-1].due_by.isoformat() == "2026-07-15T20:00:00+08:00"
    after = showcase.evaluate(case(opened_at="2026-07-15T20:00:00+08:00"))
    assert "note_order" not in [s.action for s in after.steps]
    assert next(s for s in after.steps if s.action == "reship").due_by.isoformat() == "2026-07-16T20:00:00+08:00"


def test_bad_attribute_value_is_a_case_error(showcase):
    from aftersales_rules import CaseError

    expected = "attributes.channel: the policy expects one of app, web, got 'phone'"
    with pytest.raises(CaseError, match=re.escape(expected)):
        showcase.evaluate(case(attributes={"channel": "phone"}))


def test_arithmetic_and_compensation(showcase):
    one = {"sku": "B", "unit_price": "100.00", "quantity": 1}
    data = case(issue={"kind": "lost_parcel", "items": [{"sku": "B"}]})
    data["order"]["items"].append(one)
    plan = showcase.evaluate(data)
    # goods 100.00; price difference: 698.00 less 1.5 × 100.00, floored at 0 → 548.00, capped at what was paid
    assert [(line.component, str(line.amount)) for line in plan.refund.lines] == [
        ("goods", "100.00"),
        ("price_difference", "15.00"),
    ]
    assert str(plan.refund.capped_at) == "115.00"
    # compensation: 150% of 15.00 postage = 22.50 cut to 20.00; 3 × 100.00 raised to 500.00; not cut back
    assert [(c.component, str(c.amount), c.paid_by) for c in plan.compensation.lines] == [
        ("late_shipment", "20.00", "seller"),
        ("x_lost_parcel", "500.00", "courier"),
    ]
    assert str(plan.compensation.total) == "520.00"
    assert (
        next(s for s in plan.steps if s.action == "refund").text.en
        == "Also pay 520.00 in compensation, 500.00 of it from the courier"
    )
