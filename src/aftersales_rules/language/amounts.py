"""Money expressions: how a rule says how much (refund lines, caps, postage).

Forms (each may be a ``$name`` shared value)::

    "20.00" or 20                      a fixed amount
    order.shipping_fee                 a money fact (unknown when the fact is)
    {percent: 30, of: affected.goods}  a percentage (0 to 10,000), rounded half-up to the cent
    {times: 3, of: affected.goods}     a factor (0 to 100), rounded half-up to the cent
    {min: [a, b]} / {max: [a, b]}      the smaller / larger (unknown if any is)
    {sum: [a, b]}                      the total (unknown if any is)
    {minus: [a, b]}                    a less b (less c, ...), never below 0.00 (unknown if any is)
    {first_known: [a, b]}              the first that is known: "profit, else the postage"
    {times: item.quantity, of: a}      a per-item line's affected quantity as the factor (peritem.py)

Amounts are ``Decimal``; nothing here passes through the rule engine. Rounding: every amount
is in cents (two places) and each percentage and each factor is rounded half-up to the cent
as soon as it is worked out, before an enclosing formula uses it (``money.percent_of``,
``money.times``); min, max, sum and minus of amounts in cents are exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ..diagnostics import shown, suggest
from ..errors import cut, quoted
from ..money import ZERO, MoneyError, parse_money, percent_of, quantize, times
from .scope import Reader

__all__ = ["FORMULAS", "Amount", "parse_amount"]


@dataclass(frozen=True)
class Amount:
    form: str  # "fixed" | "fact" | "percent" | "times" | "min" | "max" | "sum" | "minus" | "first_known"
    fixed: Decimal | None = None
    path: str = ""
    percent: Decimal | None = None  # the percentage of a "percent", the factor of a "times"
    # (a "times" without one takes its factor from ``path``: item.quantity, language/peritem.py)
    items: tuple[Amount, ...] = ()

    def value(self, facts: dict[str, Any]) -> Decimal | None:
        form = self.form
        if form == "fixed":
            return self.fixed
        if form == "fact":
            return facts.get(self.path)
        if form == "percent":
            assert self.percent is not None  # every percentage has one (parse_amount)
            base = self.items[0].value(facts)
            return None if base is None else percent_of(self.percent, base)
        if form == "times":
            factor = self.percent if self.percent is not None else facts.get(self.path)
            base = self.items[0].value(facts)
            return None if base is None or factor is None else times(factor, base)
        values = [item.value(facts) for item in self.items]
        if form == "first_known":
            return next((v for v in values if v is not None), None)
        known = [v for v in values if v is not None]
        if len(known) < len(values):
            return None
        if form == "min":
            return min(known)
        if form == "max":
            return max(known)
        if form == "minus":
            return max(quantize(known[0] - sum(known[1:], Decimal(0))), ZERO)
        return quantize(sum(known, Decimal(0)))

    def facts_read(self) -> set[str]:
        if self.form == "fact":
            return set() if self.path.startswith(ITEM) else {self.path}  # an item's own figure is no case fact
        out: set[str] = set()
        for item in self.items:
            out |= item.facts_read()
        return out

    def upper_bound(self, bounds: dict[str, Decimal | None]) -> Decimal | None:
        """The largest value this can take, given an upper bound per fact (None: unbounded)."""
        if self.form == "fixed":
            return self.fixed
        if self.form == "fact":
            return bounds.get(self.path)
        if self.form == "percent":
            assert self.percent is not None  # every percentage has one (parse_amount)
            base = self.items[0].upper_bound(bounds)
            return None if base is None else percent_of(self.percent, base)
        if self.form == "times":
            base = self.items[0].upper_bound(bounds)
            return None if base is None or self.percent is None else times(self.percent, base)
        if self.form == "minus":  # at most the first amount: what is taken off is never below 0.00
            return self.items[0].upper_bound(bounds)
        ups = [item.upper_bound(bounds) for item in self.items]
        known = [u for u in ups if u is not None]
        if self.form == "min":
            return min(known) if known else None
        if len(known) < len(ups):
            return None
        return max(known) if self.form in ("max", "first_known") else sum(known, Decimal(0))

    def describe(self) -> str:
        if self.form == "fixed":
            return f"{self.fixed:.2f}"
        if self.form == "fact":
            return self.path
        if self.form == "percent":
            assert self.percent is not None  # every percentage has one (parse_amount)
            return f"{self.percent.normalize():f}% of {self.items[0].describe()}"
        if self.form == "times":
            factor = self.path if self.percent is None else f"{self.percent.normalize():f}"
            return f"{factor} times {self.items[0].describe()}"
        return f"{self.form}({', '.join(i.describe() for i in self.items)})"


_LISTS = ("min", "max", "sum", "minus", "first_known")
_FACTORS = {"percent": Decimal(10_000), "times": Decimal(100)}  # a formula "{<key>: n, of: amount}": its largest n
FORMULAS = ("percent", "times", *_LISTS)  # every formula, as the errors list them
ITEM = "item."  # the names of a per-item line's own figures (language/peritem.py)
QUANTITY = "item.quantity"  # the one factor that is a name: a per-item line's affected quantity


def parse_amount(r: Reader, value: Any) -> Amount | None:
    """Parse a money expression at ``r``; on a mistake, add a problem and return None."""
    ok, value = r.deref(value)
    if not ok:
        return None
    if isinstance(value, bool) or value is None:
        r.error("invalid_amount", f"expected an amount, a money fact or a formula, got {shown(value)}")
        return None
    if isinstance(value, (int, Decimal)) or (isinstance(value, str) and _looks_numeric(value)):
        try:
            return Amount("fixed", fixed=parse_money(value))
        except MoneyError as exc:
            r.error("invalid_amount", str(exc))
            return None
    if isinstance(value, str):
        fact = r.scope.fact(value)
        if fact is None or fact.type != "money":
            money = [p for p, f in r.scope.facts.items() if f.type == "money"]
            hint = " (an item's own figures need a per_item line)" if value.startswith(ITEM) else ""
            r.error("unknown_fact", *suggest(f"{quoted(value)} is not a money fact", value, money, otherwise=hint))
            return None
        return Amount("fact", path=value)
    if not isinstance(value, dict) or len(value) == 0:
        r.error(
            "invalid_amount",
            "expected an amount, a money fact, or one of {percent, of}, {times, of}, "
            "{min: [...]}, {max: [...]}, {sum: [...]}, {minus: [...]}, {first_known: [...]}",
        )
        return None
    factor = next((k for k in _FACTORS if k in value), None)
    if factor is not None or "of" in value:
        return _scaled(r, value, factor)
    if len(value) > 1 and next(iter(value)) in _LISTS:
        r.error("invalid_amount", f"one formula to a mapping, got {cut(', '.join(map(str, value)))}")
        return None
    if next(iter(value)) not in _LISTS:
        key = next(iter(value))
        r.at(key).error(
            "unknown_field",
            *suggest(f"unknown formula {quoted(key)}", str(key), FORMULAS, after=f" (formulas: {', '.join(FORMULAS)})"),
            on_key=True,
        )
        return None
    form, items = next(iter(value.items()))
    if not isinstance(items, list) or not items:
        r.at(form).error("invalid_amount", f"{form} takes a list of amounts")
        return None
    parsed = [parse_amount(r.at(form, i), item) for i, item in enumerate(items)]
    known = [p for p in parsed if p is not None]
    if len(known) < len(parsed):
        return None
    return Amount(form, items=tuple(known))


def _scaled(r: Reader, value: dict, key: str | None) -> Amount | None:
    """``{percent: n, of: amount}`` or ``{times: n, of: amount}``."""
    if key is None:
        r.error("missing_field", "'of' needs a 'percent' or a 'times': {percent: 30, of: ...} or {times: 3, of: ...}")
        return None
    what = "a percentage" if key == "percent" else "a factor"
    extra = [k for k in value if k not in (key, "of")]
    if extra:
        r.at(extra[0]).error(
            "unknown_field",
            *suggest(f"unknown field {quoted(extra[0])} in {what}", str(extra[0]), [key, "of"]),
            on_key=True,
        )
        return None
    if "of" not in value:
        r.error("missing_field", f"{what} needs both {quoted(key)} and 'of'")
        return None
    ok, number = r.at(key).deref(value[key])
    if not ok:
        return None
    if key == "times" and number == QUANTITY and r.scope.fact(QUANTITY) is not None:
        base = parse_amount(r.at("of"), value["of"])
        return None if base is None else Amount(key, path=QUANTITY, items=(base,))
    try:
        number = Decimal(str(number)) if not isinstance(number, bool) else None
    except InvalidOperation:
        number = None
    top = _FACTORS[key]
    if number is None or not number.is_finite() or not 0 <= number <= top:
        r.at(key).error("invalid_value", f"{what} must be a number from 0 to {top:,}, got {shown(value[key])}")
        return None
    base = parse_amount(r.at("of"), value["of"])
    return None if base is None else Amount(key, percent=number, items=(base,))


def _looks_numeric(text: str) -> bool:
    try:
        Decimal(text.strip())
        return True
    except InvalidOperation:
        return False
