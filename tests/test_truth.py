"""What an unknown fact means, stated once (language/truth.py), and read the same way by all three
that evaluate a condition: the compiled durable_rules network, the linter's abstract evaluation
(authoring/casespace.py) and the test suite's reading of conditions (tests/ir_eval.py); and by the
explanations' reading (``truth.evaluate``, engine/explain.py), which also says when three-valued logic
leaves a condition undecided.

The table is pinned here operator by operator, known and unknown, under ``not`` or not; then one
tiny policy, one rule per operator (and per operator under ``not``), is run over generated values
(each fact known or unknown) and every rule's match is compared between the three and with this
file's own expectation. The same is done with the table flipped: all three follow it, so the table
is the one place the meaning is decided.
"""

from __future__ import annotations

import copy
import operator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from aftersales_rules import Policy, parse_case
from aftersales_rules.authoring.casespace import Space
from aftersales_rules.authoring.witness import abstract_value
from aftersales_rules.language import truth
from aftersales_rules.language.conditions import All, AnyOf, FactRef, Not, Test
from aftersales_rules.language.facts import FACTS
from aftersales_rules.language.moments import Moment
from aftersales_rules.language.truth import holds_when_unknown, negate_known

from ir_eval import holds

# op: (holds when its fact is unknown, holds under `not` when its fact is unknown)
TABLE = {
    "eq": (False, True),
    "ne": (True, False),
    "in": (False, True),
    "not_in": (True, False),
    "known": (False, True),
    "unknown": (True, False),
    "lt": (False, True),
    "le": (False, True),
    "gt": (False, True),
    "ge": (False, True),
}
VALUE_OPS = ("eq", "ne", "in", "not_in", "lt", "le", "gt", "ge")  # known/unknown are about known-ness itself
COMPARE = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge}


def test_the_table_operator_by_operator():
    assert set(truth.HOLDS_WHEN_UNKNOWN) == set(TABLE)
    for op, (plain, negated) in TABLE.items():
        assert holds_when_unknown(op) is plain, op
        assert holds_when_unknown(op, negated=True) is negated, op
        assert truth.test_holds(Test("issue.requested_amount", op, _operand(op)), None) is plain, op


def _operand(op: str):
    if op in ("in", "not_in"):
        return (Decimal("10.00"), Decimal("12.00"))
    return None if op in ("known", "unknown") else Decimal("10.00")


@given(op=st.sampled_from(sorted(TABLE)), value=st.sampled_from([Decimal(v) for v in ("9.99", "10.00", "11", "12")]))
def test_on_a_known_value_the_negated_operator_is_the_negation(op, value):
    test = Test("issue.requested_amount", op, _operand(op))
    opposite = Test(test.path, negate_known(op), _operand(negate_known(op)))
    assert negate_known(negate_known(op)) == op
    assert truth.test_holds(opposite, value) is not truth.test_holds(test, value)


# --------------------------------------------------------------------------- three readers, one table

A, B, E = "issue.requested_amount", "progress.agreed_partial_refund", "issue.severity"
TZ = "Asia/Shanghai"
# (rule condition, the test it parses to: op and the kind of its other side)
CONDITIONS = {
    "a_eq": ({A: {"is": "10.00"}}, "eq"),
    "a_ne": ({A: {"is_not": "10.00"}}, "ne"),
    "a_in": ({A: {"in": ["10.00", "12.00"]}}, "in"),
    "a_not_in": ({A: {"not_in": ["10.00", "12.00"]}}, "not_in"),
    "a_known": ({A: {"known": True}}, "known"),
    "a_unknown": ({A: None}, "unknown"),
    "a_ge": ({A: {"at_least": "10.00"}}, "ge"),
    "a_le": ({A: {"at_most": "10.00"}}, "le"),
    "a_gt": ({A: {"above": "10.00"}}, "gt"),
    "a_lt": ({A: {"below": "10.00"}}, "lt"),
    "e_eq": ({E: "severe"}, "eq"),
    "e_ne": ({E: {"is_not": "severe"}}, "ne"),
    "e_in": ({E: ["minor", "severe"]}, "in"),
    "e_not_in": ({E: {"not_in": ["minor", "severe"]}}, "not_in"),
    "ab_ge": ({A: {"at_least": B}}, "ge"),
    "ab_le": ({A: {"at_most": B}}, "le"),
    "ab_gt": ({A: {"above": B}}, "gt"),
    "ab_lt": ({A: {"below": B}}, "lt"),
    "t_lt": ({"opened_at": {"before": {"day_of": "order.delivered_at", "plus_days": 3}}}, "lt"),
    "t_ge": ({"opened_at": {"on_or_after": {"day_of": "order.delivered_at", "plus_days": 3}}}, "ge"),
    "t_within": ({"opened_at": {"within_days_after": {"time": "order.delivered_at", "days": 2}}}, "lt"),
}
RULES = {**{k: v for k, (v, _) in CONDITIONS.items()}, **{f"not_{k}": {"not": v} for k, (v, _) in CONDITIONS.items()}}

CASE = {
    "case_id": "T-1",
    "opened_at": "2026-07-15T14:05:00+08:00",
    "order": {
        "order_id": "O-1",
        "shipping_fee": "15.00",
        "items": [{"sku": "STOOL", "unit_price": "299.00", "quantity": 1, "unit_cost": "180.00"}],
    },
    "customer": {"tier": "regular"},
    "issue": {"kind": "damaged", "wants": "return"},
    "progress": {},
}
AMOUNTS = st.sampled_from([None, "0.00", "9.99", "10.00", "10.01", "11.99", "12.00", "15.00"])
OPENED = datetime.fromisoformat(CASE["opened_at"])
DELIVERED = st.one_of(
    st.none(),
    st.builds(lambda d, h: (OPENED - timedelta(days=d, hours=h)).isoformat(), st.integers(0, 6), st.integers(0, 23)),
)


def _policy(folder: Path) -> Policy:
    rules = [{"id": name, "when": when, "then": {"steps": [_step(name)]}} for name, when in sorted(RULES.items())]
    doc = {"policy": {"name": "t", "version": "1", "timezone": TZ}, "defaults": {"resolution": "escalate"}}
    (folder / "policy.yaml").write_text(yaml.safe_dump({**doc, "rules": rules}), encoding="utf-8")
    return Policy.load(folder)


def _step(action: str) -> dict:
    return {"actor": "customer_service", "action": f"x_{action}", "text": {"zh": action, "en": action}}


def _expected(name: str, values: dict, table: dict, tz) -> bool:
    """This file's own reading of a rule of the tiny policy: ``table`` for an unknown side, Python otherwise."""
    negated = name.startswith("not_")
    base = name.removeprefix("not_")
    op = CONDITIONS[base][1]
    path = "opened_at" if base.startswith("t_") else (E if base.startswith("e_") else A)
    value = values[path]
    if base.startswith("ab_"):
        other = values[B]
    elif base.startswith("t_"):
        # 3 days after the day of delivery; "within 2 days after" ends there too (the law's count)
        delivered = values["order.delivered_at"]
        other = None if delivered is None else _day_start(delivered, tz) + timedelta(days=3)
    else:
        other = True  # a constant: always known
    if value is None or other is None:
        return table[op] is not negated
    if op == "known":
        held = True
    elif op == "unknown":
        held = False
    elif base.startswith(("ab_", "t_")):
        held = COMPARE[op](value, other)
    else:
        want = {"a": Decimal("10.00"), "e": "severe"}[base[0]]
        wants = {"a": (Decimal("10.00"), Decimal("12.00")), "e": ("minor", "severe")}[base[0]]
        held = {
            "eq": value == want,
            "ne": value != want,
            "in": value in wants,
            "not_in": value not in wants,
            "ge": value >= want,
            "le": value <= want,
            "gt": value > want,
            "lt": value < want,
        }[op]
    return held is not negated


def _day_start(moment: datetime, tz) -> datetime:
    local = moment.astimezone(tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


@pytest.mark.parametrize("flipped", [False, True], ids=["as shipped", "flipped"])
def test_compiler_linter_and_ir_eval_follow_the_one_table(tmp_path, monkeypatch, flipped):
    table = {op: plain for op, (plain, _) in TABLE.items()}
    if flipped:
        for op in VALUE_OPS:
            table[op] = not table[op]
            monkeypatch.setitem(truth.HOLDS_WHEN_UNKNOWN, op, table[op])
    policy = _policy(tmp_path)  # compiled under the table as it now is
    space = Space(policy.source)
    tz = policy.source.scope.timezone
    by_id = {r.id: r for r in policy.source.rules}

    @given(a=AMOUNTS, b=AMOUNTS, e=st.sampled_from([None, "minor", "severe"]), delivered=DELIVERED)
    def check(a, b, e, delivered):
        data = copy.deepcopy(CASE)
        data["issue"].update(requested_amount=a, severity=e)
        data["progress"]["agreed_partial_refund"] = b
        data["order"]["delivered_at"] = delivered
        case = parse_case(data)
        values = {p: FACTS[p].read(case) for p in (A, B, E, "opened_at", "order.delivered_at")}
        engine = {t.rule for t in policy.evaluate(data, branches=False).trace}
        seen: dict = {}
        leaf = space.leaf_of("damaged", lambda key: abstract_value(space, case, key, seen))
        linter = {r.id for r in leaf.matched}
        reading = {name for name in RULES if holds(by_id[name].when, values, tz)}
        explained = {name: truth.evaluate(by_id[name].when, values, tz) for name in RULES}
        expected = {name for name in RULES if _expected(name, values, table, tz)}
        assert engine == expected
        assert linter == expected
        assert reading == expected
        assert {name for name, t in explained.items() if t.holds} == expected
        for name, t in explained.items():  # undecided exactly where a side is unknown, for a test of a value
            assert t.decided is None or t.decided == t.holds, name
            assert (t.decided is None) == bool(t.waits_on), name

    check()


def test_three_valued_reading_of_conditions():
    severe, vip = Test("issue.severity", "eq", "severe"), Test("customer.tier", "eq", "vip")
    values = {"customer.tier": "vip"}  # the severity is unknown
    assert truth.evaluate(severe, values, None) == truth.Truth(False, None, ("issue.severity",))
    assert truth.evaluate(Not(severe), values, None) == truth.Truth(True, None, ("issue.severity",))
    assert truth.evaluate(AnyOf((severe, vip)), values, None) == truth.Truth(True, True)  # one true item decides
    assert truth.evaluate(All((severe, Not(vip))), values, None) == truth.Truth(False, False)  # one false item decides
    assert truth.evaluate(All((severe, vip)), values, None) == truth.Truth(False, None, ("issue.severity",))
    assert truth.evaluate(Test("issue.severity", "unknown"), values, None) == truth.Truth(True, True)  # known-ness is
    fee = Test("issue.requested_amount", "le", FactRef("order.shipping_fee"))
    assert truth.evaluate(fee, {"issue.requested_amount": Decimal("6.00")}, None).waits_on == ("order.shipping_fee",)
    both = {"issue.requested_amount": Decimal("6.00"), "order.shipping_fee": Decimal("5.00")}
    assert truth.evaluate(fee, both, None) == truth.Truth(False, False)


def test_the_tiny_policy_parses_to_the_operators_it_is_meant_to_test(tmp_path):
    policy = _policy(tmp_path)
    for rule in policy.source.rules:
        node = rule.when.item if isinstance(rule.when, Not) else rule.when
        assert isinstance(node, Test), rule.id
        base = rule.id.removeprefix("not_")
        assert isinstance(rule.when, Not) is rule.id.startswith("not_")
        assert node.op == CONDITIONS[base][1], rule.id
        kind = FactRef if base.startswith("ab_") else Moment if base.startswith("t_") else type(None)
        if kind is type(None):
            assert not isinstance(node.value, (FactRef, Moment)), rule.id
        else:
            assert isinstance(node.value, kind), rule.id


def test_the_compiler_writes_an_absent_alternative_where_the_table_says_so(monkeypatch):
    from aftersales_rules.engine.compiler import condition_json

    ne = Test("customer.tier", "ne", "vip")
    assert condition_json(ne, {}) == {"$or": [{"$nex": {"customer__tier": 1}}, {"$neq": {"customer__tier": "vip"}}]}
    monkeypatch.setitem(truth.HOLDS_WHEN_UNKNOWN, "ne", False)
    assert condition_json(ne, {}) == {"$neq": {"customer__tier": "vip"}}
    assert condition_json(Not(ne), {}) == {"$or": [{"$nex": {"customer__tier": 1}}, {"customer__tier": "vip"}]}
