"""Money: ``Decimal`` with two places, half-up, never negative, never sub-cent.

durable_rules only knows int and double, so money enters the engine as integer
cents (``to_cents``) and comes back through ``from_cents``; all arithmetic on
amounts in the plan is done here, in ``Decimal``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .errors import cut

__all__ = ["CENT", "ZERO", "MoneyError", "from_cents", "parse_money", "percent_of", "quantize", "times", "to_cents"]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("1000000000")  # a billion: larger is a typo, not an order


class MoneyError(ValueError):
    """A value that is not a valid amount of money (message says why)."""


def parse_money(value: object) -> Decimal:
    """An amount from a decimal string or number: two places at most, not negative."""
    if isinstance(value, bool) or value is None:
        raise MoneyError(f'expected an amount such as "12.50", got {cut(repr(value))}')
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))  # the shortest text that round-trips, not the binary value
    elif isinstance(value, str):
        value = value.strip()  # and the messages below show it on one line
        try:
            amount = Decimal(value)
        except InvalidOperation:
            raise MoneyError(f'{cut(value)!r} is not an amount (write it like "12.50")') from None
    else:
        raise MoneyError(f'expected an amount such as "12.50", got {type(value).__name__}')
    if not amount.is_finite():
        raise MoneyError(f"'{cut(str(value))}' is not a finite amount")
    if amount < 0:
        raise MoneyError(f"amount {cut(str(value))} is negative")
    if amount > MAX_AMOUNT:  # first: quantizing 1e999999 to the cent is itself an error
        raise MoneyError(f"amount {cut(str(value))} is implausibly large")
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise MoneyError(f"amount {cut(str(value))} has a fraction of a cent")
    return abs(amount).quantize(CENT)  # abs: "-0.00" is zero, not a negative amount to print


def to_cents(amount: Decimal) -> int:
    """Integer cents, for the rule engine."""
    return int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def percent_of(percent: Decimal, base: Decimal) -> Decimal:
    """``percent``% of ``base``, rounded half-up to the cent."""
    return (base * percent / 100).quantize(CENT, ROUND_HALF_UP)


def times(factor: Decimal, base: Decimal) -> Decimal:
    """``factor`` times ``base``, rounded half-up to the cent."""
    return (base * factor).quantize(CENT, ROUND_HALF_UP)


def quantize(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, ROUND_HALF_UP)  # the rounding by position: a keyword costs about a third more
