from decimal import Decimal

import pytest

from aftersales_rules.money import MoneyError, from_cents, parse_money, percent_of, to_cents


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("299.00", "299.00"),
        ("299", "299.00"),
        (299, "299.00"),
        (12.5, "12.50"),
        (0.1, "0.10"),
        (Decimal("1.2"), "1.20"),
        (" 7.05 ", "7.05"),
        ("0", "0.00"),
    ],
)
def test_parse_money(raw, expected):
    assert parse_money(raw) == Decimal(expected)
    assert str(parse_money(raw)) == expected


@pytest.mark.parametrize(
    "raw, message",
    [
        ("-1.00", "negative"),
        ("1.005", "fraction of a cent"),
        (0.001, "fraction of a cent"),
        ("abc", "not an amount"),
        (True, "expected an amount"),
        (None, "expected an amount"),
        ("NaN", "not a finite amount"),
        ("1e12", "implausibly large"),
        ([1], "expected an amount"),
    ],
)
def test_bad_money(raw, message):
    with pytest.raises(MoneyError, match=message):
        parse_money(raw)


def test_cents_round_trip_is_exact():
    # binary floats would make 0.10 + 0.20 != 0.30; integer cents do not
    assert to_cents(parse_money("0.10")) + to_cents(parse_money("0.20")) == to_cents(parse_money("0.30"))
    assert from_cents(to_cents(Decimal("1234.56"))) == Decimal("1234.56")


def test_percent_rounds_half_up():
    assert percent_of(Decimal("30"), Decimal("0.05")) == Decimal("0.02")  # 0.015 -> 0.02
    assert percent_of(Decimal("12.5"), Decimal("299.00")) == Decimal("37.38")  # 37.375 -> 37.38


@pytest.mark.parametrize("raw", ["-0.00", "-0", Decimal("-0.00"), -0.0, " -0.0 "])
def test_negative_zero_is_zero(raw):
    amount = parse_money(raw)
    assert str(amount) == "0.00" and not amount.is_signed()
