"""Per-item amounts (issue 10, the marketplace's gaps): a compensation or refund line with ``per_item: true``
is worked out once per affected item, its formula naming ``item.unit_price``, ``item.line_total``,
``item.quantity`` (as a factor) and ``item.attributes.<money attribute>``; each result is rounded and
bounded on its own and gives one plan line per SKU; an item whose value is unknown gets no line and the
component is pending."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from aftersales_rules import Policy, PolicyError
from aftersales_rules.authoring.lint import check_policy
from aftersales_rules.cli import cli
from test_engine import case, make_policy

D = Decimal
MARKETPLACE = Path(__file__).resolve().parent.parent / "examples" / "policies" / "marketplace"

ITEMS = {
    "current_price": {"type": "money", "description": "today's unit price"},
    "food": {"type": "bool", "default": False},
}
LATE = {  # 5 % of each line, at least 5.00, at most 30.00
    "component": "late_shipment",
    "per_item": True,
    "amount": {"percent": 5, "of": "item.line_total"},
    "at_least": "5.00",
    "at_most": "30.00",
}
DIFFERENCE = {  # (unit price − today's price) × quantity, never below 0.00
    "component": "price_difference",
    "per_item": True,
    "amount": {"times": "item.quantity", "of": {"minus": ["item.unit_price", "item.attributes.current_price"]}},
    "cap": "item.line_total",
}


def policy_with(tmp_path, then: dict, name: str = "t") -> Policy:
    return make_policy(tmp_path, [{"id": "r", "then": {"resolution": "explain", **then}}], name, item_attributes=ITEMS)


def order(*lines: tuple) -> dict:
    """A case with these (sku, unit price, quantity, attributes) lines."""
    items = [{"sku": s, "unit_price": p, "quantity": q, "attributes": a} for s, p, q, a in lines]
    return case(order__items=items)


def compensation_lines(plan) -> list[tuple]:
    return [(c.component, c.sku, c.amount) for c in plan.compensation.lines]


# --------------------------------------------------------------------------- compensation per item


def test_minimum_and_maximum_apply_to_each_line_and_the_lines_add_up(tmp_path):
    policy = policy_with(tmp_path, {"compensation": [LATE]})
    plan = policy.evaluate(order(("SOCKS", "50.00", 1, {}), ("PHONE", "2000.00", 1, {}), ("LAMP", "400.00", 1, {})))
    assert compensation_lines(plan) == [
        ("late_shipment", "SOCKS", D("5.00")),  # 2.50 raised to the minimum
        ("late_shipment", "PHONE", D("30.00")),  # 100.00 cut to the maximum
        ("late_shipment", "LAMP", D("20.00")),  # in range
    ]
    assert plan.compensation.total == D("55.00") == sum(c.amount for c in plan.compensation.lines)
    assert plan.compensation.pending == []
    # bounded together it would have been 30.00: the per-item line is what makes 55.00
    together = make_policy(
        tmp_path,
        [
            {
                "id": "r",
                "then": {
                    "resolution": "explain",
                    "compensation": [{**LATE, "per_item": False, "amount": {"percent": 5, "of": "affected.goods"}}],
                },
            }
        ],
        name="together",
    )
    assert together.evaluate(order(("SOCKS", "50.00", 1, {}), ("PHONE", "2000.00", 1, {}))).compensation.total == D(
        "30.00"
    )


def test_each_line_is_rounded_half_up_on_its_own(tmp_path):
    policy = policy_with(tmp_path, {"compensation": [{**LATE, "at_least": None, "at_most": None}]})
    # 5 % of 100.10 = 5.005 → 5.01 per line; rounding the sum (10.01) instead would give 10.01, not 10.02
    plan = policy.evaluate(order(("A", "100.10", 1, {}), ("B", "100.10", 1, {})))
    assert [c.amount for c in plan.compensation.lines] == [D("5.01"), D("5.01")]
    assert plan.compensation.total == D("10.02")


def test_line_total_is_of_the_affected_quantity(tmp_path):
    policy = policy_with(tmp_path, {"compensation": [LATE]})
    data = order(("CUP", "100.00", 5, {}), ("PLATE", "300.00", 1, {}))
    data["issue"]["items"] = [{"sku": "CUP", "quantity": 3}]  # 3 of the 5 cups: 300.00, 5 % = 15.00
    plan = policy.evaluate(data)
    assert compensation_lines(plan) == [("late_shipment", "CUP", D("15.00"))]


def test_only_and_except_choose_the_items(tmp_path):
    lines = (("BREAD", "200.00", 1, {"food": True}), ("PHONE", "400.00", 1, {}))
    only = policy_with(tmp_path, {"compensation": [{**LATE, "only": {"food": True}}]}, "only")
    assert compensation_lines(only.evaluate(order(*lines))) == [("late_shipment", "BREAD", D("10.00"))]
    excluded = policy_with(tmp_path, {"compensation": [{**LATE, "except": {"food": True}}]}, "except")
    assert compensation_lines(excluded.evaluate(order(*lines))) == [("late_shipment", "PHONE", D("20.00"))]
    # an item the condition is unknown for gets no line; the component is pending
    plan = excluded.evaluate(order(("BREAD", "200.00", 1, {"food": None}), ("PHONE", "400.00", 1, {})))
    assert compensation_lines(plan) == [("late_shipment", "PHONE", D("20.00"))]
    assert plan.compensation.pending == ["late_shipment"]


def test_an_unknown_item_value_makes_the_component_pending(tmp_path):
    policy = policy_with(
        tmp_path,
        {"compensation": [{"component": "goodwill", "per_item": True, "amount": "item.attributes.current_price"}]},
    )
    plan = policy.evaluate(order(("A", "100.00", 1, {"current_price": "12.00"}), ("B", "50.00", 1, {})))
    assert compensation_lines(plan) == [("goodwill", "A", D("12.00"))]
    assert (plan.compensation.total, plan.compensation.pending) == (D("12.00"), ["goodwill"])


def test_step_texts_show_the_sum_of_a_per_item_component(tmp_path):
    step = {"actor": "operations", "action": "x_pay", "text": {"en": "Pay {compensation.late_shipment}."}}
    policy = policy_with(tmp_path, {"compensation": [LATE], "steps": [step]})
    plan = policy.evaluate(order(("SOCKS", "50.00", 1, {}), ("PHONE", "2000.00", 1, {})))
    assert plan.steps[-1].text.en == "Pay 35.00."


def test_the_plan_names_the_sku_and_other_lines_have_null(tmp_path):
    policy = policy_with(tmp_path, {"compensation": [LATE, {"component": "goodwill", "amount": "8.00"}]})
    data = json.loads(policy.evaluate(order(("SOCKS", "50.00", 1, {}))).model_dump_json())
    assert data["compensation"]["lines"] == [
        {"component": "late_shipment", "amount": "5.00", "paid_by": "seller", "sku": "SOCKS"},
        {"component": "goodwill", "amount": "8.00", "paid_by": "seller", "sku": None},
    ]


# --------------------------------------------------------------------------- refund lines per item


def test_price_difference_per_line_floored_at_zero_and_summed(tmp_path):
    policy = policy_with(tmp_path, {"refund": {"lines": [DIFFERENCE], "release": "immediately"}})
    plan = policy.evaluate(
        order(
            ("SOAP", "59.90", 3, {"current_price": "49.90"}),  # 10.00 × 3
            ("HEATER", "399.00", 1, {"current_price": "419.00"}),  # went up: 0.00, no line
            ("LAMP", "100.00", 2, {"current_price": "99.99"}),  # 0.01 × 2
        )
    )
    assert [(line.component, line.sku, line.amount) for line in plan.refund.lines] == [
        ("price_difference", "SOAP", D("30.00")),
        ("price_difference", "LAMP", D("0.02")),
    ]
    assert plan.refund.total == D("30.02") == sum(line.amount for line in plan.refund.lines)
    assert plan.refund.pending == []


def test_an_unknown_per_item_attribute_leaves_the_refund_line_pending(tmp_path):
    policy = policy_with(tmp_path, {"refund": {"lines": [DIFFERENCE], "release": "immediately"}})
    plan = policy.evaluate(order(("SOAP", "59.90", 3, {"current_price": "49.90"}), ("HEATER", "399.00", 1, {})))
    assert [line.sku for line in plan.refund.lines] == ["SOAP"]
    assert (plan.refund.total, plan.refund.pending) == (D("30.00"), ["price_difference"])


def test_check_bounds_a_per_item_refund_by_its_line_total(tmp_path):
    policy_with(tmp_path, {"refund": {"lines": [DIFFERENCE], "release": "immediately"}})
    findings = check_policy(tmp_path / "t-1").findings
    assert findings and [f for f in findings if f.code == "refund_exceeds_paid"] == []


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"component": "goodwill", "amount": "item.line_total"}, "an item's own figures need a per_item line"),
        ({"component": "goodwill", "per_item": True, "amount": "item.attributes.food"}, "is not a money fact"),
        ({"component": "goodwill", "amount": "5.00", "only": {"food": True}}, "add per_item: true"),
        ({"component": "goodwill", "per_item": True, "amount": "item.linetotal"}, "did you mean 'item.line_total'"),
    ],
)
def test_mistakes_in_a_per_item_compensation_line(tmp_path, line, message):
    with pytest.raises(PolicyError) as exc:
        policy_with(tmp_path, {"compensation": [line]})
    assert message in str(exc.value)


def test_a_per_item_refund_line_needs_an_amount_and_takes_no_offer(tmp_path):
    with pytest.raises(PolicyError, match="a per_item line needs an amount"):
        policy_with(tmp_path, {"refund": {"lines": [{"component": "partial", "per_item": True}]}}, "a")
    offer = {"component": "partial", "per_item": True, "amount": "1.00", "agreed": "order.profit", "cap": "1.00"}
    with pytest.raises(PolicyError, match="not per item"):
        policy_with(tmp_path, {"refund": {"lines": [offer]}}, "b")


# --------------------------------------------------------------------------- the marketplace policy


def _case(name: str) -> dict:
    return yaml.safe_load((MARKETPLACE / "cases" / name).read_text(encoding="utf-8"))


def test_marketplace_ls7_pays_35_per_line():
    policy = Policy.load(MARKETPLACE)
    plan = policy.evaluate(_case("ls7_two_late_lines.yaml"))
    assert compensation_lines(plan) == [("late_shipment", "SOCKS", D("5.00")), ("late_shipment", "PHONE", D("30.00"))]
    assert plan.compensation.total == D("35.00")
    assert plan.refund.total == D("0.00")  # never a refund


def test_marketplace_price_protection_reads_todays_price_per_line():
    policy = Policy.load(MARKETPLACE)
    plan = policy.evaluate(_case("pp7_two_lines_one_dropped.yaml"))
    assert [(line.sku, line.amount) for line in plan.refund.lines] == [("SOAP", D("30.00"))]
    result = CliRunner().invoke(cli, ["check", str(MARKETPLACE)])
    assert result.exit_code == 0 and "0 errors, 0 warnings" in result.output
