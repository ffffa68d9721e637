"""Arithmetic on money (issue 10, point 4): factors, floored subtraction, percentages above 100.

Rounding, as language/amounts.py documents it: every amount is in cents; each percentage and each
factor is rounded half-up to the cent as soon as it is worked out, before an enclosing formula
uses it; min, max, sum and minus of amounts in cents are exact.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales_rules.language.amounts import FORMULAS, parse_amount
from aftersales_rules.money import percent_of, times
from test_language_parts import problems, reader

D = Decimal


def amount(text: str, **values):
    r = reader(f"x: {text}", **values)
    parsed = parse_amount(r, r.doc.data["x"])
    assert problems(r) == [], problems(r)
    return parsed


def value(text: str, **facts) -> Decimal | None:
    return amount(text).value({k.replace("__", "."): (D(v) if v is not None else None) for k, v in facts.items()})


# --------------------------------------------------------------------------- rounding at 0.005 boundaries


@pytest.mark.parametrize(
    ("text", "goods", "expected"),
    [
        ("{percent: 50, of: affected.goods}", "0.01", "0.01"),  # 0.005 → half-up
        ("{percent: 50, of: affected.goods}", "0.03", "0.02"),  # 0.015 → 0.02
        ("{percent: 50, of: affected.goods}", "0.05", "0.03"),  # 0.025 → 0.03 (half-up, not half-even)
        ("{percent: 150, of: affected.goods}", "0.01", "0.02"),  # 0.015 → 0.02
        ("{percent: 33.3, of: affected.goods}", "10.00", "3.33"),  # 3.33
        ("{percent: 0.5, of: affected.goods}", "1.00", "0.01"),  # 0.005 → 0.01
        ("{percent: 0.5, of: affected.goods}", "0.99", "0.00"),  # 0.00495 → 0.00
        ("{times: 1.5, of: affected.goods}", "0.01", "0.02"),  # 0.015 → 0.02
        ("{times: 0.5, of: affected.goods}", "0.05", "0.03"),  # 0.025 → 0.03
        ("{times: 0.333, of: affected.goods}", "0.15", "0.05"),  # 0.04995 → 0.05
        ("{times: 0.333, of: affected.goods}", "0.01", "0.00"),  # 0.00333 → 0.00
    ],
)
def test_each_percentage_and_factor_is_rounded_half_up_to_the_cent(text, goods, expected):
    assert value(text, affected__goods=goods) == D(expected)


def test_rounding_happens_at_each_step_not_at_the_end():
    # 50% of 0.01 is 0.005 → 0.01, then 50% of that is 0.005 → 0.01; rounding only at the end would give 0.0025 → 0.00
    assert value("{percent: 50, of: {percent: 50, of: affected.goods}}", affected__goods="0.01") == D("0.01")
    # 33.5% of 3.00 is 1.005 → 1.01, three times that 3.03; rounding only at the end would give 3.015 → 3.02
    assert value("{times: 3, of: {percent: 33.5, of: affected.goods}}", affected__goods="3.00") == D("3.03")
    assert value(
        "{sum: [{percent: 50, of: affected.goods}, {percent: 50, of: affected.goods}]}", affected__goods="0.01"
    ) == D("0.02")  # each half rounded up: 0.01 + 0.01


@given(
    base=st.decimals(min_value=0, max_value=10_000, places=2),
    factor=st.decimals(min_value=0, max_value=100, places=3),
)
def test_a_factor_is_the_exact_product_rounded_half_up(base, factor):
    got = times(factor, base)
    exact = base * factor
    assert got == got.quantize(D("0.01")) and abs(got - exact) <= D("0.005")
    assert got - exact != D("-0.005")  # a half cent goes up, never down
    assert percent_of(factor * 100, base) == got  # n times is n×100 percent


# --------------------------------------------------------------------------- factors, percentages above 100


def test_three_times_the_price():
    assert value("{times: 3, of: affected.goods}", affected__goods="299.00") == D("897.00")
    assert value("{times: 0, of: affected.goods}", affected__goods="299.00") == D("0.00")
    assert value("{times: 3, of: order.profit}", order__profit=None) is None  # unknown when its base is
    assert amount("{times: 3, of: affected.goods}").describe() == "3 times affected.goods"


def test_percentages_above_100():
    assert value("{percent: 300, of: affected.goods}", affected__goods="299.00") == D("897.00")
    assert value("{percent: 10000, of: affected.goods}", affected__goods="1.00") == D("100.00")
    assert amount("{percent: 250, of: affected.goods}").describe() == "250% of affected.goods"


def test_factors_and_percentages_read_shared_values():
    assert amount("{times: $factor, of: affected.goods}", factor=3).value({"affected.goods": D("10.00")}) == D("30.00")
    r = reader("x: {percent: $pct, of: affected.goods}", pct="125")
    assert parse_amount(r, r.doc.data["x"]).value({"affected.goods": D("8.00")}) == D("10.00")


# --------------------------------------------------------------------------- subtraction, floored at zero


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [("399.00", "299.00", "100.00"), ("299.00", "399.00", "0.00"), ("299.00", "299.00", "0.00"), ("0.01", "0", "0.01")],
)
def test_minus_is_the_difference_floored_at_zero(old, new, expected):
    text = "{minus: [affected.goods, order.shipping_fee]}"
    assert value(text, affected__goods=old, order__shipping_fee=new) == D(expected)


def test_minus_takes_off_every_further_amount_and_is_unknown_when_any_is():
    text = "{minus: [affected.goods, order.shipping_fee, '10.00']}"
    assert value(text, affected__goods="100.00", order__shipping_fee="15.00") == D("75.00")
    assert value(text, affected__goods="100.00", order__shipping_fee=None) is None
    assert value("{minus: [affected.goods]}", affected__goods="5.00") == D("5.00")
    assert amount(text).describe() == "minus(affected.goods, order.shipping_fee, 10.00)"


def test_minus_is_bounded_by_its_first_amount():
    parsed = amount("{minus: [affected.goods, order.shipping_fee]}")
    assert parsed.upper_bound({"affected.goods": D("300.00"), "order.shipping_fee": None}) == D("300.00")
    assert parsed.upper_bound({"affected.goods": None, "order.shipping_fee": D("1.00")}) is None
    assert amount("{times: 3, of: affected.goods}").upper_bound({"affected.goods": D("1.00")}) == D("3.00")


# --------------------------------------------------------------------------- nested with min and max


def test_min_and_max_around_the_new_formulas():
    # art. 55: three times the price, at least 500.00
    fraud = "{max: [{times: 3, of: affected.goods}, '500.00']}"
    assert value(fraud, affected__goods="100.00") == D("500.00")
    assert value(fraud, affected__goods="299.00") == D("897.00")
    # late shipment: 5% of the price, at least 5.00 and at most 30.00
    late = "{min: [{max: [{percent: 5, of: affected.goods}, '5.00']}, '30.00']}"
    assert [value(late, affected__goods=g) for g in ("20.00", "299.00", "2000.00")] == [
        D("5.00"),
        D("14.95"),
        D("30.00"),
    ]
    # a price difference, at most the price paid: min(old − new, goods)
    drop = "{min: [{minus: [affected.goods, order.shipping_fee]}, {percent: 150, of: order.shipping_fee}]}"
    assert value(drop, affected__goods="100.00", order__shipping_fee="20.00") == D("30.00")
    assert value(drop, affected__goods="30.00", order__shipping_fee="20.00") == D("10.00")
    nested = (
        "{minus: [{times: 2, of: affected.goods}, {max: [order.shipping_fee, {percent: 110, of: affected.goods}]}]}"
    )
    assert value(nested, affected__goods="10.00", order__shipping_fee="5.00") == D("9.00")  # 20.00 − max(5.00, 11.00)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{percent: 10001, of: affected.goods}", "a percentage must be a number from 0 to 10,000, got 10001"),
        ("{percent: -1, of: affected.goods}", "a percentage must be a number from 0 to 10,000, got -1"),
        ("{times: 101, of: affected.goods}", "a factor must be a number from 0 to 100, got 101"),
        ("{times: -3, of: affected.goods}", "a factor must be a number from 0 to 100, got -3"),
        ("{times: three, of: affected.goods}", "a factor must be a number from 0 to 100, got 'three'"),
        ("{times: true, of: affected.goods}", "a factor must be a number from 0 to 100, got True"),
        ("{times: NaN, of: affected.goods}", "a factor must be a number from 0 to 100"),
        ("{times: 3}", "a factor needs both 'times' and 'of'"),
        ("{of: affected.goods}", "'of' needs a 'percent' or a 'times'"),
        ("{times: 3, of: affected.goods, cap: 5}", "unknown field 'cap' in a factor"),
        ("{times: 3, of: affected.quantity}", "'affected.quantity' is not a money fact"),
        ("{minus: []}", "minus takes a list of amounts"),
        (
            "{minus: [affected.goods, order.profitt]}",
            "'order.profitt' is not a money fact (did you mean 'order.profit'?)",
        ),
        ("{min: [1], max: [2]}", "one formula to a mapping, got min, max"),
    ],
)
def test_formula_errors(text, message):
    r = reader(f"x: {text}")
    assert parse_amount(r, r.doc.data["x"]) is None
    assert message in problems(r)[0], problems(r)


def test_an_unknown_formula_lists_the_formulas_that_exist():
    r = reader("x: {triple: [affected.goods]}")
    assert parse_amount(r, r.doc.data["x"]) is None
    (message,) = problems(r)
    assert message.endswith(
        "unknown_field: unknown formula 'triple' (formulas: percent, times, min, max, sum, minus, first_known)"
    )
    assert FORMULAS == ("percent", "times", "min", "max", "sum", "minus", "first_known")
    r = reader("x: {subtract: [affected.goods, order.profit]}")
    parse_amount(r, r.doc.data["x"])
    assert "unknown formula 'subtract' (formulas: percent, times, min, max, sum, minus, first_known)" in problems(r)[0]
    r = reader("x: {minimum: [1, 2]}")
    parse_amount(r, r.doc.data["x"])
    assert "unknown formula 'minimum' (did you mean 'min'?) (formulas: percent, times," in problems(r)[0]
