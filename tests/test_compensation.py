"""Compensation that is not a refund (issue 10, point 2): late-shipment penalties, the statutory extra
compensation for fraud (消费者权益保护法 art. 55: three times the price, at least 500 yuan), cash goodwill.

A plan's ``compensation`` ``{total, currency, lines: [{component, amount, paid_by}], pending}`` is outside
``refund.total`` and not bounded by what the buyer paid, only by each line's own formula, minimum and
maximum. Each component is one output of the conflict policy; step texts name its figures; what-if
branches report its total; check, batch and diff count it apart from refunds.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings

from aftersales_rules import ConflictError, EvaluationError, Policy, PolicyError
from aftersales_rules.authoring.batch import run_batch
from aftersales_rules.authoring.impact import compare_policies, describe, diff_policies
from aftersales_rules.authoring.lint import check_policy
from aftersales_rules.authoring.records import Record
from aftersales_rules.authoring.schema import json_schema
from aftersales_rules.cli import cli
from aftersales_rules.cli.batch import summary_table
from aftersales_rules.render import render_text
from test_engine import case, make_policy, step
from test_impact import policy_copy, write_jsonl
from test_money_plans import _stray_amounts

from conftest import RULES
from strategies import cases

D = Decimal

FRAUD = {  # art. 55: three times the price, at least 500.00
    "component": "fraud",
    "amount": {"times": 3, "of": "affected.goods"},
    "at_least": "500.00",
    "paid_by": "seller",
}
LATE = {  # 5% of the price, at least 5.00, at most 30.00
    "component": "late_shipment",
    "amount": {"percent": 5, "of": "affected.goods"},
    "at_least": "5.00",
    "at_most": "30.00",
}
RETURN = {"resolution": "return_and_refund", "refund": {"lines": ["goods"], "release": "immediately"}}


def rule(rule_id: str, then: dict, **more) -> dict:
    return {"id": rule_id, "then": then, **more}


def goods(price: str) -> dict:
    return case(order__items=[{"sku": "S", "unit_price": price, "quantity": 1}])


# --------------------------------------------------------------------------- the plan section


def test_fraud_is_three_times_the_price_at_least_500_and_outside_the_refund(tmp_path):
    policy = make_policy(tmp_path, [rule("fraud", {**RETURN, "compensation": [FRAUD]})])
    plan = policy.evaluate(goods("299.00"))
    assert (plan.refund.total, [line.component for line in plan.refund.lines]) == (D("299.00"), ["goods"])
    assert plan.refund.capped_at is None  # 897.00 more than was paid, and nothing is cut back
    paid = plan.compensation
    assert (paid.total, paid.currency, paid.pending) == (D("897.00"), "CNY", [])
    assert [(c.component, c.amount, c.paid_by) for c in paid.lines] == [("fraud", D("897.00"), "seller")]
    assert policy.evaluate(goods("100.00")).compensation.total == D("500.00")  # the minimum
    data = json.loads(plan.model_dump_json())
    assert data["compensation"] == {
        "total": "897.00",
        "currency": "CNY",
        "lines": [{"component": "fraud", "amount": "897.00", "paid_by": "seller", "sku": None}],
        "pending": [],
    }


@pytest.mark.parametrize(("price", "expected"), [("20.00", "5.00"), ("299.00", "14.95"), ("2000.00", "30.00")])
def test_late_shipment_is_5_percent_between_its_minimum_and_maximum(tmp_path, price, expected):
    policy = make_policy(tmp_path, [rule("late", {"resolution": "explain", "compensation": [LATE]})])
    plan = policy.evaluate(goods(price))
    assert [(c.component, str(c.amount), c.paid_by) for c in plan.compensation.lines] == [
        ("late_shipment", expected, "seller")  # paid_by defaults to the seller
    ]
    assert plan.refund.total == 0 and plan.refund.release is None


def test_a_plan_without_compensation_has_an_empty_section(tmp_path):
    plan = make_policy(tmp_path, [rule("r", RETURN)]).evaluate(case(order__currency="USD"))
    assert plan.compensation.model_dump(mode="json") == {"total": "0.00", "currency": "USD", "lines": [], "pending": []}


def test_components_from_several_rules_add_up_and_one_rule_may_list_several(tmp_path):
    goodwill = {"component": "goodwill", "amount": "20.00"}
    own = {
        "component": "x_courier_delay",
        "amount": {"minus": ["affected.goods", "order.shipping_fee"]},
        "paid_by": "courier",
    }
    policy = make_policy(
        tmp_path,
        [
            rule("plan", {**RETURN, "compensation": [FRAUD, goodwill]}),
            rule("late", {"compensation": [LATE, own]}),
        ],
    )
    plan = policy.evaluate(goods("299.00"))
    assert [(c.component, str(c.amount), c.paid_by) for c in plan.compensation.lines] == [
        ("fraud", "897.00", "seller"),
        ("goodwill", "20.00", "seller"),
        ("late_shipment", "14.95", "seller"),
        ("x_courier_delay", "284.00", "courier"),
    ]
    assert plan.compensation.total == D("1215.95")
    assert plan.refund.total == D("299.00")
    trace = {t.rule: t.decided for t in plan.trace}
    assert trace["plan"] == [
        "resolution",
        "refund.lines",
        "refund.release",
        "compensation.fraud",
        "compensation.goodwill",
    ]
    assert trace["late"] == ["compensation.late_shipment", "compensation.x_courier_delay"]


def test_each_component_is_decided_by_the_conflict_policy(tmp_path):
    more = {**FRAUD, "at_least": "800.00"}
    waive = {**LATE, "amount": "0", "at_least": None}
    rules = [
        rule("base", {**RETURN, "compensation": [FRAUD, LATE]}),
        rule("more", {"compensation": [more, waive]}, priority=5, when={"customer.tier": "vip"}),
    ]
    policy = make_policy(tmp_path, rules)
    plan = policy.evaluate(goods("100.00"))
    assert [(c.component, str(c.amount)) for c in plan.compensation.lines] == [
        ("fraud", "500.00"),
        ("late_shipment", "5.00"),
    ]
    plan = policy.evaluate({**goods("100.00"), "customer": {"tier": "vip"}})
    assert [(c.component, str(c.amount)) for c in plan.compensation.lines] == [("fraud", "800.00")]  # late waived
    tie = make_policy(tmp_path, [rules[0], {**rules[1], "priority": 0}], name="tie")
    with pytest.raises(ConflictError) as exc:
        tie.evaluate({**goods("100.00"), "customer": {"tier": "vip"}})
    assert exc.value.output == "compensation.fraud"


def test_an_amount_not_known_yet_is_pending_never_guessed(tmp_path):
    text = {
        "zh": "赔偿 {compensation.total} 元，其中违约金 {compensation.late_shipment} 元",
        "en": "Pay {compensation.total}, of which {compensation.late_shipment} for the delay",
    }
    claim = {"component": "late_shipment", "amount": "issue.requested_amount", "at_most": "30.00"}
    policy = make_policy(
        tmp_path,
        [rule("late", {"resolution": "explain", "compensation": [claim], "steps": [{**step("x_pay"), "text": text}]})],
    )
    plan = policy.evaluate(case())
    assert (plan.compensation.total, plan.compensation.lines, plan.compensation.pending) == (
        D("0.00"),
        [],
        ["late_shipment"],
    )
    assert plan.steps[0].text.en == (
        "Pay the late-shipment compensation (amount not known yet), "
        "of which the late-shipment compensation (amount not known yet) for the delay"
    )
    assert (
        plan.steps[0].text.zh == "赔偿 延迟发货违约金（金额待定），其中违约金 延迟发货违约金（金额待定）"
    )  # no 元 after words
    plan = policy.evaluate(case(issue__requested_amount="50.00"))
    assert [(c.component, str(c.amount)) for c in plan.compensation.lines] == [("late_shipment", "30.00")]
    assert plan.steps[0].text.en == "Pay 30.00, of which 30.00 for the delay"
    assert plan.steps[0].text.zh == "赔偿 30.00 元，其中违约金 30.00 元"


def test_step_texts_name_each_line_and_say_nothing_for_a_line_the_plan_does_not_hold(tmp_path):
    text = {
        "zh": "欺诈赔偿 {compensation.fraud} 元，补偿 {compensation.goodwill} 元",
        "en": "fraud {compensation.fraud}, goodwill {compensation.goodwill}",
    }
    policy = make_policy(
        tmp_path, [rule("fraud", {**RETURN, "compensation": [FRAUD], "steps": [{**step("x_pay"), "text": text}]})]
    )
    plan = policy.evaluate(goods("299.00"))
    assert plan.steps[0].text.en == "fraud 897.00, goodwill nothing"
    assert plan.steps[0].text.zh == "欺诈赔偿 897.00 元，补偿 无"  # a currency word after words is left out


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([{**FRAUD, "component": "frued"}], "unknown compensation component 'frued' (did you mean 'fraud'?)"),
        (
            [{**FRAUD, "component": "penalty"}],
            "(it is one of late_shipment, fraud, goodwill, or the policy's own x_...)",
        ),
        ([FRAUD, {**FRAUD, "amount": "1"}], "compensation component 'fraud' is listed twice in this rule"),
        ([{**LATE, "at_least": "40.00"}], "at_least 40.00 is above at_most 30.00"),
        ([{**FRAUD, "paid_by": "bank"}], "paid_by"),
        ([{"component": "fraud"}], "amount"),
        ([{**FRAUD, "amount": {"triple": "affected.goods"}}], "unknown formula 'triple' (formulas: percent, times"),
        ([{**FRAUD, "cap": "5"}], "unknown field 'cap'"),
        ("fraud", "then.compensation: expected a list of lines"),
    ],
)
def test_compensation_mistakes_are_load_errors(tmp_path, lines, message):
    with pytest.raises(PolicyError) as exc:
        make_policy(tmp_path, [rule("r", {"resolution": "explain", "compensation": lines})])
    assert message in str(exc.value)


def test_a_text_may_name_only_compensation_it_can_hold(tmp_path):
    text = {"zh": "{compensation.frud}", "en": "{compensation.fraud}"}
    with pytest.raises(PolicyError, match=r"unknown placeholder '\{compensation.frud\}'"):
        make_policy(tmp_path, [rule("r", {"resolution": "explain", "steps": [{**step("x_pay"), "text": text}]})])


def test_more_than_a_plan_states_is_an_evaluation_error(tmp_path):
    huge = {**FRAUD, "amount": {"times": 100, "of": "affected.goods"}}
    policy = make_policy(tmp_path, [rule("r", {"resolution": "explain", "compensation": [huge]})])
    with pytest.raises(EvaluationError, match=r"the fraud compensation comes to 29,900,000,000\.00"):
        policy.evaluate(goods("299000000.00"))


# --------------------------------------------------------------------------- what-if branches


def test_branches_report_the_compensation_total(tmp_path):
    attributes = {"fraud_confirmed": {"type": "bool", "awaitable": True}}
    rules = [
        rule("base", RETURN),
        rule("fraud", {"compensation": [FRAUD]}, when={"attributes.fraud_confirmed": True}),
    ]
    policy = make_policy(tmp_path, rules, attributes=attributes)
    plan = policy.evaluate(goods("299.00"))
    assert plan.awaiting == [
        "attributes.fraud_confirmed"
    ]  # the refund is the same either way: only compensation differs
    assert [(b.when, b.refund_total, b.compensation_total) for b in plan.branches] == [
        ({"attributes.fraud_confirmed": True}, D("299.00"), D("897.00")),
        ({"attributes.fraud_confirmed": False}, D("299.00"), D("0.00")),
    ]
    assert "if true             → return and refund, refund 299.00, return postage borne by -, compensation 897.00" in (
        render_text(plan)
    )


def test_the_text_plan_shows_compensation_apart_from_the_refund(tmp_path):
    policy = make_policy(tmp_path, [rule("fraud", {**RETURN, "compensation": [FRAUD, LATE]})])
    text = render_text(policy.evaluate(goods("299.00")))
    assert "Refund: 299.00 CNY, released immediately\n" in text
    assert "Compensation: 911.95 CNY (not part of the refund)\n" in text
    assert "  fraud, paid by seller" in text and "  late shipment, paid by seller" in text
    assert "Compensation" not in render_text(make_policy(tmp_path, [rule("r", RETURN)], name="none").evaluate(case()))


# --------------------------------------------------------------------------- check, schema, batch, diff


def test_check_warns_on_refunds_above_what_was_paid_and_not_on_compensation(tmp_path):
    triple = {"component": "partial", "amount": {"times": 3, "of": "affected.goods"}}
    refund = {"resolution": "partial_refund", "refund": {"lines": [triple], "release": "immediately"}}
    make_policy(tmp_path, [rule("r", refund)], name="refund")
    make_policy(
        tmp_path, [rule("r", {**RETURN, "compensation": [FRAUD, {**FRAUD, "component": "goodwill"}]})], name="comp"
    )
    codes = [f.code for f in check_policy(tmp_path / "refund-1").findings]
    assert "refund_exceeds_paid" in codes
    assert [f.code for f in check_policy(tmp_path / "comp-1").findings if f.code == "refund_exceeds_paid"] == []


def test_check_reports_two_rules_deciding_one_component_differently(tmp_path):
    rules = [
        rule("plan", RETURN),
        rule("a", {"compensation": [FRAUD]}, when={"customer.tier": "vip"}),
        rule("b", {"compensation": [{**FRAUD, "at_least": "600.00"}]}, when={"customer.urgent": True}),
    ]
    make_policy(tmp_path, rules)
    overlaps = [f for f in check_policy(tmp_path / "t-1").findings if f.code == "overlap"]
    assert len(overlaps) == 1 and "both set compensation.fraud, differently" in overlaps[0].message
    assert overlaps[0].severity == "error"  # confirmed on an example case


def test_the_schemas_know_compensation():
    plan = json_schema("plan")
    assert plan["properties"]["compensation"]["$ref"] == "#/$defs/Compensation"
    line = plan["$defs"]["CompensationLine"]["properties"]
    assert line["component"]["anyOf"][0]["enum"] == ["late_shipment", "fraud", "goodwill"]
    assert line["component"]["anyOf"][1]["pattern"] == "^x_[A-Za-z0-9_]{1,62}$"
    assert "compensation_total" in plan["$defs"]["Branch"]["properties"]
    policy = json.dumps(json_schema("policy"))
    assert '"at_least"' in policy and '"paid_by"' in policy


def _with_compensation(tmp_path, name: str, at_least: str = "500.00"):
    """The reference policy, with the fraud compensation on every not-as-described case."""
    folder = policy_copy(tmp_path, name)
    extra = {
        "rules": [
            {
                "id": "x.fraud",
                "when": {"issue.kind": "not_as_described"},
                "then": {"compensation": [{**FRAUD, "at_least": at_least}]},
            }
        ]
    }
    (folder / "zz_compensation.yaml").write_text(yaml.safe_dump(extra), encoding="utf-8")
    return folder


def _nad(case_id: str, currency: str = "CNY") -> dict:
    data = case(case_id=case_id, order__currency=currency, issue={"kind": "not_as_described", "wants": "keep"})
    return data


def test_batch_counts_compensation_apart_from_refunds(tmp_path):
    rules = _with_compensation(tmp_path, "comp")
    cases_file = write_jsonl(tmp_path / "c.jsonl", [_nad("A"), _nad("B", "USD"), case(case_id="C")])
    plain = run_batch(cases_file, tmp_path / "plain.jsonl", RULES)
    summary = run_batch(cases_file, tmp_path / "out.jsonl", rules)
    assert summary.refunds == plain.refunds  # compensation is never counted as a refund
    assert summary.compensation == {"CNY": D("897.00"), "USD": D("897.00")}
    assert summary.compensated == {"CNY": 1, "USD": 1} and plain.compensation == {}
    rows = _rows(summary_table(summary))
    assert ("compensation total (CNY)", "897.00 (1 case)") in rows
    assert not any(label.startswith("compensation") for label, _ in _rows(summary_table(plain)))


def _rows(table) -> list[tuple[str, str]]:
    labels, values = (list(column.cells) for column in table.columns)
    return [(str(a), str(b)) for a, b in zip(labels, values, strict=True)]


def test_diff_reports_a_compensation_change_and_its_delta_apart(tmp_path):
    old, new = _with_compensation(tmp_path, "old"), _with_compensation(tmp_path, "new", at_least="1000.00")
    cases_file = write_jsonl(tmp_path / "c.jsonl", [_nad("A"), _nad("B", "USD"), case(case_id="C")])
    report = diff_policies(old, new, cases_file)
    assert [(c.case_id, c.changed) for c in report.changes] == [
        ("A", ["compensation.total", "compensation.lines"]),
        ("B", ["compensation.total", "compensation.lines"]),
    ]
    assert next(iter(describe(report.changes[0]))) == "compensation.total 897.00 → 1000.00 (+103.00 CNY)"
    assert report.compensation_delta == {"CNY": D("103.00"), "USD": D("103.00")}
    assert report.refund_delta == {"CNY": D("0.00"), "USD": D("0.00")}
    summary = report.to_dict()["summary"]
    assert summary["compensation_delta"] == {"CNY": "103.00", "USD": "103.00"}
    assert report.changes[0].to_dict()["compensation_delta"] == "103.00"
    result = CliRunner().invoke(cli, ["diff", str(old), str(new), str(cases_file)])
    assert result.exit_code == 0, result.output
    assert "compensation delta CNY: +103.00 in total\ncompensation delta USD: +103.00 in total\n" in result.output
    assert "compensation delta" not in CliRunner().invoke(cli, ["diff", str(RULES), str(RULES), str(cases_file)]).output


def test_a_policy_that_adds_compensation_changes_the_cases_it_pays(tmp_path):
    old, new = Policy.load(RULES), Policy.load(_with_compensation(tmp_path, "comp"))
    records = [
        Record("line", n, json.dumps(c).encode(), "cases.jsonl") for n, c in ((1, _nad("A")), (2, case(case_id="C")))
    ]
    report = compare_policies(old, new, records)
    assert [c.case_id for c in report.changes] == ["A"]
    assert report.compensation_delta == {"CNY": D("897.00")}


# --------------------------------------------------------------------------- money invariants


PAY_TEXT = {
    "zh": "退款 {refund.total} 元；另付赔偿 {compensation.total} 元（违约金 {compensation.late_shipment} 元，"
    "补偿 {compensation.goodwill} 元）",
    "en": "Refund {refund.total}; compensation {compensation.total} (late shipment {compensation.late_shipment}, "
    "goodwill {compensation.goodwill})",
}


@pytest.fixture(scope="module")
def paired(tmp_path_factory):
    """One policy refunding and compensating, and the same policy with no compensation at all."""
    folder = tmp_path_factory.mktemp("paired")
    refund = {
        "resolution": "return_and_refund",
        "return_leg": {"borne_by": "seller"},
        "refund": {"lines": ["goods", "return_postage", "original_shipping"], "release": "immediately"},
    }
    claim = {
        "component": "goodwill",
        "amount": {"minus": [{"percent": 150, "of": "attributes.price_drop"}, "order.shipping_fee"]},
        "at_least": "1.00",
        "at_most": {"max": ["20.00", {"percent": 10, "of": "order.goods_total"}]},
    }
    rules = [rule("plan", refund)]
    compensating = [
        {**rules[0], "then": {**refund, "compensation": [FRAUD]}},
        rule(
            "late",
            {"compensation": [LATE, claim], "steps": [{**step("x_pay"), "text": PAY_TEXT}]},
            when={"customer.tier": {"is_not": "vip"}},
        ),
    ]
    attributes = yaml.safe_load((RULES / "policy.yaml").read_text(encoding="utf-8"))["attributes"]  # the cases' own
    return (
        make_policy(folder, compensating, name="with", attributes=attributes),
        make_policy(folder, rules, name="without", attributes=attributes),
    )


@settings(max_examples=200)
@given(data=cases())
def test_money_invariants_of_compensation(paired, data):
    with_it, without = paired
    plan, plain = with_it.evaluate(data, branches=False), without.evaluate(data, branches=False)
    assert plan.refund == plain.refund  # compensation is never inside refund.total (nor its lines, nor its cap)
    paid = plan.compensation
    assert paid.total == sum((line.amount for line in paid.lines), D("0.00"))
    assert paid.currency == plan.refund.currency
    assert all(line.amount > 0 for line in paid.lines) and paid.total >= 0
    lines = {line.component: line.amount for line in paid.lines}
    goods = sum((line.amount for line in plan.refund.lines if line.component == "goods"), D("0.00"))  # affected.goods
    assert lines["fraud"] == max(3 * goods, D("500.00"))  # at least its minimum, and not bounded by what was paid
    if "late_shipment" in lines:
        assert D("5.00") <= lines["late_shipment"] <= D("30.00")
    order_goods = sum((D(i["unit_price"]) * i.get("quantity", 1) for i in data["order"]["items"]), D(0))
    if "goodwill" in lines:
        assert D("1.00") <= lines["goodwill"] <= max(D("20.00"), (order_goods * D("0.1")).quantize(D("0.01")))
    vip = (data.get("customer") or {}).get("tier") == "vip"
    claimed = (data.get("attributes") or {}).get("price_drop") is not None
    assert paid.pending == ([] if vip or claimed else ["goodwill"])
    assert ("late_shipment" in lines) is not vip
    assert _stray_amounts(plan) == []  # every amount a step names is one of the plan's figures (issue 9 point 2)
