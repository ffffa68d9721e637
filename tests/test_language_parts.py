"""Unit tests of the language's parts: moments, amounts and condition parsing, each with its errors."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from aftersales_rules.errors import SourceLocation
from aftersales_rules.language.amounts import parse_amount
from aftersales_rules.language.conditions import All, AnyOf, FactRef, Not, Test, parse_condition
from aftersales_rules.language.moments import Moment, parse_clock, parse_duration, parse_moment
from aftersales_rules.language.scope import Definition, Reader, Scope
from aftersales_rules.loader import parse_document

CST = timezone(timedelta(hours=8))


def reader(text: str, **values) -> Reader:
    doc = parse_document(text.encode(), "t.yaml")
    scope = Scope()
    for name, value in values.items():
        scope.definitions[name] = Definition(name, "value", value, SourceLocation("t.yaml", 1, 1))
    return Reader(doc, ("x",), scope, [])


def problems(r: Reader) -> list[str]:
    return [str(p) for p in r.problems]


# --------------------------------------------------------------------------- moments


def test_clock_and_duration_parsing():
    assert parse_clock("20:00") == time(20, 0) and parse_clock("7:05:30") == time(7, 5, 30)
    assert parse_clock(1200) == time(20, 0)  # YAML 1.1 reads an unquoted 20:00 as 1200
    assert parse_clock("24:00") is None and parse_clock("8pm") is None
    assert parse_duration("20s") == 20 and parse_duration("1d12h") == 129600 and parse_duration("2h30m") == 9000
    assert parse_duration("") is None and parse_duration("3 days") is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("x: opened_at", "2026-07-15T21:30:00+08:00"),
        ("x: {day_of: opened_at, at: '20:00'}", "2026-07-15T20:00:00+08:00"),
        ("x: {day_of: opened_at, plus_days: 1, at: '20:00'}", "2026-07-16T20:00:00+08:00"),
        ("x: {next: '20:00', after: opened_at}", "2026-07-16T20:00:00+08:00"),
        ("x: {next: '22:00', after: opened_at}", "2026-07-15T22:00:00+08:00"),
        ("x: {from: opened_at, plus: 20s}", "2026-07-15T21:30:20+08:00"),
        ("x: {day_of: order.delivered_at, plus_days: 8}", "2026-07-20T00:00:00+08:00"),
    ],
)
def test_moment_forms(text, expected):
    r = reader(text)
    moment = parse_moment(r, r.doc.data["x"])
    assert problems(r) == []
    facts = {
        "opened_at": datetime(2026, 7, 15, 13, 30, tzinfo=UTC),
        "order.delivered_at": datetime(2026, 7, 12, 10, 0, tzinfo=CST),
    }
    assert moment.value(facts, ZoneInfo("Asia/Shanghai")) == datetime.fromisoformat(expected)


def test_calendar_days_follow_the_shop_zone_not_the_buyer_offset():
    m = Moment("day_of", "opened_at", clock=time(20, 0))
    opened = {"opened_at": datetime(2026, 7, 15, 17, 0, tzinfo=UTC)}  # 01:00 on the 16th in Shanghai
    assert m.value(opened, ZoneInfo("Asia/Shanghai")).isoformat() == "2026-07-16T20:00:00+08:00"
    assert m.value(opened, None).isoformat() == "2026-07-15T20:00:00+00:00"  # no zone: the case's own offset
    assert m.value({"opened_at": None}, None) is None


def test_daylight_saving_is_respected():
    m = Moment("day_of", "opened_at", days=1, clock=time(9, 0))
    berlin = ZoneInfo("Europe/Berlin")
    before_change = {"opened_at": datetime(2026, 3, 28, 12, 0, tzinfo=berlin)}
    assert m.value(before_change, berlin).isoformat() == "2026-03-29T09:00:00+02:00"


@pytest.mark.parametrize(
    "text, message",
    [
        ("x: delivered", "'delivered' is not a time fact"),
        ("x: {day_of: opened_at, at: '25:00'}", "expected a clock time such as \"20:00\", got '25:00'"),
        (
            "x: {day_of: opened_at, plus_day: 1}",
            "unknown field 'plus_day' in a day_of moment (did you mean 'plus_days'?)",
        ),
        ("x: {next: '20:00'}", "a next moment needs 'after'"),
        ("x: {from: opened_at, plus: 3 days}", "'3 days' is not a duration"),
        ("x: {at: '20:00'}", "a moment needs one of day_of, next or from"),
        ("x: [1]", "expected a time fact"),
        ("x: {day_of: opened_at, at: $cutof}", "no shared value named 'cutof' (did you mean 'cutoff'?)"),
    ],
)
def test_moment_errors(text, message):
    r = reader(text, cutoff="20:00")
    assert parse_moment(r, r.doc.data["x"]) is None
    assert len(r.problems) == 1 and message in str(r.problems[0])


# --------------------------------------------------------------------------- amounts


def test_amount_forms_and_values():
    r = reader(
        "x: {first_known: [progress.agreed_partial_refund, {min: [order.profit, {percent: 12.5, of: affected.goods}]}]}"
    )
    amount = parse_amount(r, r.doc.data["x"])
    assert problems(r) == []
    facts = {
        "progress.agreed_partial_refund": None,
        "order.profit": Decimal("119.00"),
        "affected.goods": Decimal("299.00"),
    }
    assert amount.value(facts) == Decimal("37.38")
    assert amount.value({**facts, "progress.agreed_partial_refund": Decimal("50.00")}) == Decimal("50.00")
    assert amount.value({**facts, "order.profit": None}) is None
    assert (
        amount.describe() == "first_known(progress.agreed_partial_refund, min(order.profit, 12.5% of affected.goods))"
    )
    assert (
        amount.upper_bound(
            {"affected.goods": Decimal("299.00"), "order.profit": None, "progress.agreed_partial_refund": None}
        )
        is None
    )


@pytest.mark.parametrize(
    "text, message",
    [
        ("x: '-5'", "amount -5 is negative"),
        ("x: order.profitt", "'order.profitt' is not a money fact (did you mean 'order.profit'?)"),
        ("x: affected.quantity", "'affected.quantity' is not a money fact"),
        ("x: {percent: 10001, of: affected.goods}", "a percentage must be a number from 0 to 10,000"),
        ("x: {percent: 10}", "a percentage needs both 'percent' and 'of'"),
        ("x: {minimum: [1, 2]}", "unknown formula 'minimum' (did you mean 'min'?)"),
        ("x: {sum: []}", "sum takes a list of amounts"),
        ("x: true", "expected an amount"),
    ],
)
def test_amount_errors(text, message):
    r = reader(text)
    assert parse_amount(r, r.doc.data["x"]) is None
    assert message in problems(r)[0]


# --------------------------------------------------------------------------- conditions


def test_condition_tree_shapes():
    r = reader("""x:
  issue.kind: [wrong_item, missing_item]
  issue.wants: {is_not: return}
  any:
    - customer.tier: vip
    - not: {customer.urgent: false}
  issue.requested_amount: {at_most: order.shipping_fee, above: '1.00'}
  evidence.outbound_check: null
""")
    node = parse_condition(r, r.doc.data["x"])
    assert problems(r) == []
    assert isinstance(node, All)
    kind, wants, any_, amount, check = node.items
    assert kind == Test("issue.kind", "in", ("wrong_item", "missing_item"))
    assert wants == Test("issue.wants", "ne", "return")
    assert isinstance(any_, AnyOf) and isinstance(any_.items[1], Not)
    assert amount.items == (
        Test("issue.requested_amount", "le", FactRef("order.shipping_fee")),
        Test("issue.requested_amount", "gt", Decimal("1.00")),
    )
    assert check == Test("evidence.outbound_check", "unknown")
    assert node.items[0].location.line == 2
    assert node.describe().startswith(
        "issue.kind in [wrong_item, missing_item] and issue.wants != return and "
        "(customer.tier == vip or not (customer.urgent == false))"
    )


@pytest.mark.parametrize(
    "text, message",
    [
        ("x: {issue.knd: damaged}", "unknown fact 'issue.knd' (did you mean 'issue.kind'?)"),
        ("x: {issue.kind: damagd}", "issue.kind is never 'damagd'"),
        ("x: {customer.urgent: 'yes'}", "customer.urgent is true or false, not 'yes'"),
        ("x: {order.shipping_fee: {before: opened_at}}", "'before' does not apply to order.shipping_fee (money)"),
        ("x: {opened_at: {at_least: '1.00'}}", "'at_least' does not apply to opened_at (time)"),
        ("x: {opened_at: wrong}", "opened_at is a time: compare it with before/after"),
        ("x: {affected.quantity: {at_least: 1.5}}", "affected.quantity is a whole number; Decimal('1.5') is not"),
        (
            "x: {order.shipping_fee: {at_most: affected.quantity}}",
            "cannot compare order.shipping_fee (money) with affected.quantity (int)",
        ),
        ("x: {issue.kind: {in: []}}", "'in' takes a list of values"),
        ("x: {issue.kind: {eq: damaged}}", "unknown test 'eq' for issue.kind"),
        (
            "x: {attributes.vip_level: 3}",
            "unknown attribute 'attributes.vip_level' (declare it under 'attributes:' first)",
        ),
        ("x: {facts.nothing: true}", "unknown fact 'facts.nothing' (declare it under 'facts:' first)"),
        ("x: {all: damaged}", "'all' takes a list of conditions"),
        ("x: {progress.inspection: true}", "progress.inspection can only be tested with known: true or known: false"),
        ("x: {opened_at: {within_days_after: 7}}", "within_days_after takes {time: <a time fact>, days: <whole days>}"),
        ("x: 5", "a condition is a mapping of facts to tests"),
    ],
)
def test_condition_errors(text, message):
    r = reader(text)
    assert parse_condition(r, r.doc.data["x"]) is None
    assert message in problems(r)[0], problems(r)


def test_an_empty_condition_always_holds():
    r = reader("x: null")
    node = parse_condition(r, None)
    assert isinstance(node, All) and node.items == () and node.describe() == "always"
