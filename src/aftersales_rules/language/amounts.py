"""Money expressions: how a rule says how much (refund lines, caps, postage).

Forms (each may be a ``$name`` shared value)::

    "20.00" or 20                      a fixed amount
    order.shipping_fee                 a money fact (unknown when the fact is)
    {percent: 30, of: affected.goods}  a percentage, rounded half-up to the cent
    {min: [a, b]} / {max: [a, b]}      the smaller / larger (unknown if any is)
    {sum: [a, b]}                      the total (unknown if any is)
    {first_known: [a, b]}              the first that is known: "profit, else the postage"

Amounts are ``Decimal``; nothing here passes through the rule engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ..diagnostics import shown, suggest
from ..errors import quoted
from ..money import MoneyError, parse_money, percent_of, quantize
from .scope import Reader

__all__ = ["Amount", "parse_amount"]


@dataclass(frozen=True)
class Amount:
    form: str  # "fixed" | "fact" | "percent" | "min" | "max" | "sum" | "first_known"
    fixed: Decimal | None = None
    path: str = ""
    percent: Decimal | None = None
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
        return quantize(sum(known, Decimal(0)))

    def facts_read(self) -> set[str]:
        if self.form == "fact":
            return {self.path}
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
        return f"{self.form}({', '.join(i.describe() for i in self.items)})"


_LISTS = ("min", "max", "sum", "first_known")


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
            r.error("unknown_fact", *suggest(f"{quoted(value)} is not a money fact", value, money))
            return None
        return Amount("fact", path=value)
    if not isinstance(value, dict) or len(value) == 0:
        r.error(
            "invalid_amount",
            "expected an amount, a money fact, or one of {percent, of}, "
            "{min: [...]}, {max: [...]}, {sum: [...]}, {first_known: [...]}",
        )
        return None
    if "percent" in value or "of" in value:
        extra = [k for k in value if k not in ("percent", "of")]
        if extra:
            r.at(extra[0]).error(
                "unknown_field",
                *suggest(f"unknown field {quoted(extra[0])} in a percentage", str(extra[0]), ["percent", "of"]),
                on_key=True,
            )
            return None
        if "percent" not in value or "of" not in value:
            r.error("missing_field", "a percentage needs both 'percent' and 'of'")
            return None
        ok, pct = r.at("percent").deref(value["percent"])
        if not ok:
            return None
        try:
            pct = Decimal(str(pct)) if not isinstance(pct, bool) else None
        except InvalidOperation:
            pct = None
        if pct is None or not pct.is_finite() or not 0 <= pct <= 100:
            r.at("percent").error(
                "invalid_value", f"a percentage must be a number from 0 to 100, got {shown(value['percent'])}"
            )
            return None
        base = parse_amount(r.at("of"), value["of"])
        return None if base is None else Amount("percent", percent=pct, items=(base,))
    if len(value) != 1 or next(iter(value)) not in _LISTS:
        key = next(iter(value))
        r.at(key).error(
            "unknown_field", *suggest(f"unknown formula {quoted(key)}", str(key), ("percent", *_LISTS)), on_key=True
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


def _looks_numeric(text: str) -> bool:
    try:
        Decimal(text.strip())
        return True
    except InvalidOperation:
        return False
