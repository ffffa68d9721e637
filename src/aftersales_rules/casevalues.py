"""The values a case is made of: money, bounded texts, times with a UTC offset, issue kinds, attribute values.

Split from case.py, which holds the models; case.py re-exports what other modules import from it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    PlainSerializer,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
)
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from .money import CENT, MAX_AMOUNT, MoneyError, parse_money
from .vocabulary import ISSUE_KINDS, IssueKind

__all__ = [
    "FAST_AMOUNT",
    "MAX_NAME",
    "MAX_SHORT",
    "MAX_TEXT",
    "OWN_KIND_PATTERN",
    "STAND_INS",
    "YEARS",
    "Id",
    "Kind",
    "Money",
    "Name",
    "Quantity",
    "Scalar",
    "Short",
    "Text",
    "Time",
    "attribute_value",
    "plain_amount",
]

_PLAIN_AMOUNT = re.compile(r"[0-9]{1,9}(\.[0-9]{1,2})?")


def plain_amount(value: Any) -> bool:
    """An amount money validation returns as it is: a ``Decimal`` of two places, not negative, within
    MAX_AMOUNT (the plan's own amounts; engine/build.py builds plan models without validation on it)."""
    # same_quantum and is_signed rather than as_tuple (which builds the digits): the exponent of 0.01 (never
    # a NaN or an infinity), no sign (not negative, not -0.00)
    return type(value) is Decimal and value.same_quantum(CENT) and not value.is_signed() and value <= MAX_AMOUNT


def _money(value: Any) -> Decimal:
    # the common case, a plain amount such as "299.00", without parse_money's checks (it passes them all)
    if type(value) is str and _PLAIN_AMOUNT.fullmatch(value):
        return Decimal(value).quantize(CENT)
    if plain_amount(value):  # the plan's own amounts: already two places, not negative
        return value
    try:
        return parse_money(value)
    except MoneyError as exc:
        raise ValueError(str(exc)) from None


def _show_money(value: Decimal) -> str:
    return f"{value:.2f}"


Money = Annotated[Decimal, BeforeValidator(_money), PlainSerializer(_show_money, return_type=str)]

# Every text of a case is bounded. durable_rules compares strings by a 16-bit length, so a text of
# 65,536 + n UTF-8 bytes would compare as its first n bytes ("U-STAFF" and 65,536 more characters
# matching a rule on "U-STAFF"). MAX_TEXT characters take at most 4 bytes each, far below that;
# ids and names are shorter still. language/ bounds a rule's text constants by the same MAX_TEXT.
MAX_TEXT = 5_000  # characters: reason, item names, attribute texts
MAX_NAME = 200  # characters: ids, SKUs
MAX_SHORT = 100  # characters: a courier, a tracking number

Text = Annotated[StrictStr, Field(max_length=MAX_TEXT)]
Id = Annotated[StrictStr, Field(max_length=MAX_NAME)]
Name = Annotated[StrictStr, Field(min_length=1, max_length=MAX_NAME)]
Short = Annotated[StrictStr, Field(max_length=MAX_SHORT)]
Quantity = Annotated[StrictInt, Field(ge=1, le=100_000)]


YEARS = (1970, 2199)  # a case's times; beyond them, moments such as "7 days after delivery" leave datetime's range


def _in_range(value: datetime) -> datetime:
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise ValueError(f"a time between the years {YEARS[0]} and {YEARS[1]}, got {value.isoformat()}")
    return value


_NUMBER = re.compile(r"[-+]?[0-9]+(\.[0-9]*)?")


def _a_time(value: Any) -> Any:
    """A time is a date and time, or its ISO 8601 text: not a number, nor a text of one, which pydantic would
    read as seconds since 1970 (``delivered_at: "2026"`` as 1970-01-01T00:33:46Z)."""
    if isinstance(value, datetime) or (isinstance(value, str) and not _NUMBER.fullmatch(value)):
        return value
    raise PydanticCustomError("datetime_type", "Input should be a valid datetime")


Time = Annotated[AwareDatetime, AfterValidator(_in_range), BeforeValidator(_a_time)]

# A policy's own issue kind (docs/rule-language.md, "A policy's own issue kinds"): x_ and a lowercase name. A case
# parsed without a policy accepts any such name; the policy that evaluates it refuses one it does not declare.
OWN_KIND_PATTERN = r"^x_[a-z0-9_]{1,62}$"
_OWN_KIND = re.compile(OWN_KIND_PATTERN)


def _kind(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    if type(value) is str and _OWN_KIND.fullmatch(value):  # fullmatch: $ alone would let "x_own\n" through
        return value
    return handler(value)  # one of the standard kinds, or the error that lists them


Kind = Annotated[
    IssueKind,
    WrapValidator(_kind),
    WithJsonSchema(
        {
            "description": "one of the standard issue kinds, or a policy's own kind (x_...) that the policy declares",
            "anyOf": [
                {"type": "string", "enum": list(ISSUE_KINDS)},
                {"type": "string", "pattern": OWN_KIND_PATTERN},
            ],
        }
    ),
]
"""``issue.kind``: a standard kind (``IssueKind``), or a policy's own ``x_…`` kind (a ``str`` at run time)."""


Scalar = StrictBool | StrictInt | Decimal | Text | None


def attribute_value(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, (dict, list)):
        raise ValueError("an attribute must be a single value (text, number, true/false), not a list or mapping")
    if isinstance(value, str) and len(value) > MAX_TEXT:  # one message, not one for each type of Scalar
        raise ValueError(f"must have at most {MAX_TEXT} characters")
    return value


# The fast path for well-formed cases (fastcase.py) validates a case with the Case model's own core schema,
# each Python step above swapped for a pydantic-core schema that accepts part of what the step accepts and
# gives the same value for it, without a call into Python:
FAST_AMOUNT = Decimal("99999.99")  # the fast path's largest amount (case.py bounds an order's sum by it)
_TWO_PLACES = re.compile(r"[0-9]{1,5}\.[0-9]{2}")  # what _money reads as Decimal(value), already at two places


class _Amounts(dict[str, Decimal]):
    """``amounts[text]``: ``Decimal(text)`` for a text _TWO_PLACES matches, else ValueError (the fast path defers).

    It keeps the amounts it has read, up to 2,048 of them (then it starts again): a shop's prices and fees repeat,
    and a ``Decimal`` cannot change, so cases may share one. A kept amount is found by the dict itself, without a
    call into Python or a pattern.
    """

    def __missing__(self, text: str) -> Decimal:
        if not _TWO_PLACES.fullmatch(text):
            raise ValueError("not an amount the fast path reads")
        if len(self) >= 2048:
            self.clear()
        amount = self[text] = Decimal(text)
        return amount


_AMOUNTS = _Amounts()
# a text that starts with a year within YEARS (its value's own year, whatever its offset; tests/test_fastcase.py
# holds it to YEARS): a date and time, never a number (what _a_time refuses)
_YEAR_WITHIN = r"^(19[7-9][0-9]|2[01][0-9]{2})-"
_WITHIN_YEARS = {  # a date and time given as one: a day inside YEARS at either end (at any offset, under a day)
    "ge": datetime(YEARS[0], 1, 2, tzinfo=UTC),
    "le": datetime(YEARS[1], 12, 30, 23, 59, 59, 999999, tzinfo=UTC),
}


def _native_money(schema: CoreSchema) -> CoreSchema:
    # Decimal itself for the model's decimal schema: the same value for such a text, without its further checks
    decimal = core_schema.no_info_plain_validator_function(_AMOUNTS.__getitem__)
    return core_schema.chain_schema([core_schema.str_schema(strict=True), decimal])


def _native_time(schema: CoreSchema) -> CoreSchema:
    return {**schema["schema"], **_WITHIN_YEARS}


def _native_a_time(schema: CoreSchema) -> CoreSchema:
    # a text whose year is within YEARS, read as the model reads it with no year check left to do; or a date and
    # time, through the model's own schema (_in_range, stood in for by _native_time); a text first, the common input
    within = schema["schema"]
    if within["function"]["function"] is not _in_range:
        raise ValueError(f"a time's schema changed: {within}")
    text = core_schema.chain_schema([core_schema.str_schema(strict=True, pattern=_YEAR_WITHIN), within["schema"]])
    time = core_schema.chain_schema([core_schema.is_instance_schema(datetime), within])
    return core_schema.union_schema([text, time], mode="left_to_right")


def _native_kind(schema: CoreSchema) -> CoreSchema:  # a standard kind, or an own one by its pattern
    return core_schema.union_schema([schema["schema"], core_schema.str_schema(strict=True, pattern=OWN_KIND_PATTERN)])


def _native_attribute(schema: CoreSchema) -> CoreSchema:  # a bool, int, text or null as itself; a float defers
    inner: Any = schema["schema"]
    union = inner["schema"] if inner["type"] == "nullable" else inner
    strict = {**union, "strict": True, "choices": [{**choice, "strict": True} for choice in union["choices"]]}
    return {**inner, "schema": strict} if union is not inner else strict


STAND_INS: dict[Any, Any] = {
    _money: _native_money,
    _in_range: _native_time,
    _a_time: _native_a_time,
    _kind: _native_kind,
    attribute_value: _native_attribute,
}
