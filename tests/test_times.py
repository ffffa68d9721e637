"""More times (issue 10, point 6): when the order was paid, shipped and promised to ship, when the
return shipped and was received; conditions and due times relative to any of them, and a
policy's own time attributes as moments on either side of a comparison."""

from __future__ import annotations

from datetime import datetime

import pytest

from aftersales_rules import CaseError, PolicyError, parse_case
from aftersales_rules.authoring.lint import check_policy
from aftersales_rules.authoring.schema import json_schema
from aftersales_rules.language.facts import FACTS
from test_engine import case, make_policy

NEW_TIMES = (
    "order.paid_at",
    "order.shipped_at",
    "order.ship_by",
    "progress.return_shipment.shipped_at",
    "progress.return_shipment.received_at",
)


def _step(action: str, due=None) -> dict:
    step = {"actor": "customer_service", "action": action, "text": {"zh": f"{action} {{due_by}}", "en": action}}
    return step if due is None else {**step, "due": due}


def _rule(rule_id: str, when: dict, due=None) -> dict:
    return {"id": rule_id, "when": when, "then": {"steps": [_step(f"x_{rule_id}", due)]}}


def _policy(tmp_path, rules: list, **extra):
    return make_policy(tmp_path, rules, defaults={"resolution": "escalate"}, **extra)


def _fired(policy, data) -> list[str]:
    return [s.action[2:] for s in policy.evaluate(data).steps]


def test_the_new_times_are_facts_of_type_time_and_may_be_unknown():
    for path in NEW_TIMES:
        assert (FACTS[path].type, FACTS[path].nullable) == ("time", True), path
        assert FACTS[path].read(parse_case(case())) is None, path  # an old case: none of them known


def test_a_case_states_the_new_times_and_old_cases_stay_valid():
    data = case(
        order__paid_at="2026-07-08T10:00:00+08:00",
        order__shipped_at="2026-07-09T10:00:00+08:00",
        order__ship_by="2026-07-10T18:00:00+08:00",
        progress__return_shipment={
            "shipped_at": "2026-07-15T16:00:00+08:00",
            "received_at": "2026-07-17T09:30:00+08:00",
        },
    )
    parsed = parse_case(data)
    assert parsed.order.ship_by == datetime.fromisoformat("2026-07-10T18:00:00+08:00")
    assert parsed.progress.return_shipment is not None
    assert parsed.progress.return_shipment.received_at == datetime.fromisoformat("2026-07-17T09:30:00+08:00")
    assert parse_case(case()).order.paid_at is None
    with pytest.raises(CaseError, match=r"order\.ship_by"):  # a time needs its offset, like every time of a case
        parse_case(case(order__ship_by="2026-07-10T18:00:00"))
    properties = json_schema("case")["$defs"]
    assert {"paid_at", "shipped_at", "ship_by"} <= set(properties["Order"]["properties"])
    assert {"shipped_at", "received_at"} <= set(properties["ReturnShipment"]["properties"])


def test_shipped_after_the_promised_time(tmp_path):
    policy = _policy(tmp_path, [_rule("late", {"order.shipped_at": {"after": "order.ship_by"}})])
    promised = "2026-07-10T18:00:00+08:00"
    assert _fired(policy, case(order__ship_by=promised, order__shipped_at="2026-07-10T18:00:01+08:00")) == ["late"]
    assert _fired(policy, case(order__ship_by=promised, order__shipped_at="2026-07-10T17:59:59+08:00")) == []
    assert _fired(policy, case(order__ship_by=promised)) == []  # not shipped yet: unknown, the test does not hold
    assert _fired(policy, case(order__shipped_at=promised)) == []
    trace = policy.evaluate(case(order__ship_by=promised, order__shipped_at="2026-07-11T09:00:00+08:00")).trace
    assert trace[0].because == ["order.shipped_at > order.ship_by"]


def test_refund_within_seven_days_of_receiving_the_return(tmp_path):
    policy = _policy(
        tmp_path,
        [
            _rule(
                "refund",
                {"progress.return_shipment.received_at": {"known": True}},
                due={"from": "progress.return_shipment.received_at", "plus": "7d"},
            )
        ],
    )
    plan = policy.evaluate(case(progress__return_shipment={"received_at": "2026-07-17T09:30:00+08:00"}))
    assert [s.due_by.isoformat() for s in plan.steps] == ["2026-07-24T09:30:00+08:00"]
    assert plan.steps[0].text.zh == "x_refund 2026-07-24 09:30"
    assert policy.evaluate(case(progress__return_shipment={"status": "in_transit"})).steps == []


def test_conditions_relative_to_each_new_time(tmp_path):
    rules = [
        _rule("paid_recently", {"opened_at": {"within_days_after": {"time": "order.paid_at", "days": 7}}}),
        _rule("shipped_before_noon", {"order.shipped_at": {"before": {"day_of": "order.shipped_at", "at": "12:00"}}}),
        _rule(
            "return_shipped_late",
            {"progress.return_shipment.shipped_at": {"after": {"from": "order.delivered_at", "plus": "7d"}}},
        ),
    ]
    policy = _policy(tmp_path, rules)
    data = case(
        order__paid_at="2026-07-08T23:00:00+08:00",  # opened on the 15th: the 7 days run to the end of the 15th
        order__shipped_at="2026-07-09T11:00:00+08:00",
        progress__return_shipment={"shipped_at": "2026-07-19T10:00:01+08:00"},  # delivered 12th 10:00
    )
    assert _fired(policy, data) == ["paid_recently", "shipped_before_noon", "return_shipped_late"]
    data = case(
        order__paid_at="2026-07-07T23:00:00+08:00",
        order__shipped_at="2026-07-09T12:00:00+08:00",
        progress__return_shipment={"shipped_at": "2026-07-19T10:00:00+08:00"},
    )
    assert _fired(policy, data) == []


ATTRIBUTES = {"promised_at": {"type": "time", "description": "the delivery the shop promised"}}


@pytest.mark.parametrize(
    "when",
    [
        {"attributes.promised_at": {"before": "order.shipped_at"}},  # the attribute on the left
        {"order.shipped_at": {"after": "attributes.promised_at"}},  # on the right
        {"order.shipped_at": {"on_or_after": {"from": "attributes.promised_at", "plus": "1s"}}},  # in a moment
    ],
)
def test_a_time_attribute_is_a_moment_on_either_side(tmp_path, when):
    policy = _policy(tmp_path, [_rule("late", when)], attributes=ATTRIBUTES)
    shipped = "2026-07-10T12:00:00+08:00"
    assert _fired(policy, case(order__shipped_at=shipped, attributes={"promised_at": "2026-07-10T11:00:00+08:00"}))
    assert not _fired(policy, case(order__shipped_at=shipped, attributes={"promised_at": "2026-07-10T13:00:00+08:00"}))
    assert not _fired(policy, case(order__shipped_at=shipped))  # the attribute unknown


def test_a_due_time_from_a_time_attribute(tmp_path):
    due = {"day_of": "attributes.promised_at", "plus_days": 1, "at": "20:00"}
    policy = _policy(tmp_path, [_rule("remind", {}, due=due)], attributes=ATTRIBUTES)
    plan = policy.evaluate(case(attributes={"promised_at": "2026-07-10T11:00:00+08:00"}))
    assert plan.steps[0].due_by.isoformat() == "2026-07-11T20:00:00+08:00"
    assert policy.evaluate(case()).steps[0].due_by is None  # unknown moment, no due time


def test_a_misspelt_time_is_reported_with_the_new_ones_offered(tmp_path):
    with pytest.raises(PolicyError, match=r"'order\.shiped_at' is not a time fact .*did you mean 'order\.shipped_at'"):
        _policy(tmp_path, [_rule("late", {"opened_at": {"after": "order.shiped_at"}})])


def test_the_linter_finds_example_cases_for_comparisons_of_the_new_times(tmp_path):
    late = {"issue.kind": "lost_parcel", "order.shipped_at": {"after": "order.ship_by"}}
    make_policy(
        tmp_path,
        [{"id": "late", "when": late, "then": {"resolution": "explain"}}],
        defaults={"resolution": "escalate"},
    )
    findings = check_policy(next(tmp_path.iterdir())).findings
    assert not [f for f in findings if f.severity == "error" or "no concrete case" in f.message]
    on_time = [
        f for f in findings if "lost_parcel" in f.message and "(order.shipped_at > order.ship_by) is false" in f.message
    ]
    assert len(on_time) == 1 and on_time[0].example is not None  # the search found a case shipped on time
    order = on_time[0].example["order"]
    assert datetime.fromisoformat(order["shipped_at"]) <= datetime.fromisoformat(order["ship_by"])
