"""Conditions: the ``when`` of a rule, parsed into a small tree of plain data.

The tree (``Test``, ``All``, ``AnyOf``, ``Not``, ``Ref``) is the intermediate
form other code inspects without running the engine: the compiler turns it into
durable_rules JSON, the linter reasons over it, the trace prints it.

Unknown (null) facts: a positive test on an unknown fact does not hold
(``order.profit >= 10`` is false when the profit is unknown); its negation
does (``issue.severity != severe`` holds while the severity is unknown).
truth.py states it, operator by operator, for all that evaluates a condition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..case import MAX_TEXT
from ..diagnostics import shown, suggest
from ..errors import SourceLocation, quoted
from ..money import MoneyError, parse_money
from .facts import Fact
from .moments import Moment, parse_moment
from .scope import Reader

__all__ = ["All", "AnyOf", "Condition", "FactRef", "NamedCondition", "Not", "Ref", "Test", "parse_condition", "walk"]


@dataclass(frozen=True)
class FactRef:
    """The other side of a comparison is another fact of the same type."""

    path: str


@dataclass(frozen=True)
class Test:
    __test__ = False  # not a pytest test class

    path: str
    op: str  # eq ne in not_in known unknown lt le gt ge
    value: Any = None  # str | bool | int | Decimal | tuple | Moment | FactRef
    location: SourceLocation | None = field(default=None, compare=False)

    def describe(self) -> str:
        if self.op == "known":
            return f"{self.path} is known"
        if self.op == "unknown":
            return f"{self.path} is unknown"
        symbol = _SYMBOLS[self.op]
        return f"{self.path} {symbol} {show_value(self.value)}"


@dataclass(frozen=True)
class All:
    items: tuple[Condition, ...]
    location: SourceLocation | None = field(default=None, compare=False)

    def describe(self) -> str:
        return " and ".join(_wrap(i) for i in self.items) if self.items else "always"


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]
    location: SourceLocation | None = field(default=None, compare=False)

    def describe(self) -> str:
        return " or ".join(_wrap(i) for i in self.items) if self.items else "never"


@dataclass(frozen=True)
class Not:
    item: Condition
    location: SourceLocation | None = field(default=None, compare=False)

    def describe(self) -> str:
        if isinstance(self.item, Ref):
            return f"not facts.{self.item.name}"
        return f"not ({self.item.describe()})"


@dataclass(frozen=True)
class Ref:
    """A derived fact defined by a condition (``facts.X`` with a ``when``), inlined when compiled."""

    name: str
    condition: Condition
    location: SourceLocation | None = field(default=None, compare=False)

    def describe(self) -> str:
        return f"facts.{self.name}"


Condition = Test | All | AnyOf | Not | Ref

_SYMBOLS = {"eq": "==", "ne": "!=", "in": "in", "not_in": "not in", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
NUMBER_OPS = {"at_least": "ge", "at_most": "le", "above": "gt", "below": "lt"}
TIME_OPS = {"before": "lt", "after": "gt", "on_or_before": "le", "on_or_after": "ge"}
EQUALITY_OPS = {"is": "eq", "is_not": "ne", "in": "in", "not_in": "not_in", "known": "known"}
ALL_OPS = (*EQUALITY_OPS, *NUMBER_OPS, *TIME_OPS, "within_days_after")


def show_value(value: Any) -> str:  # as a condition's text shows it (items.py too)
    if isinstance(value, tuple):
        return "[" + ", ".join(show_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, Moment):
        return value.describe()
    if isinstance(value, FactRef):
        return value.path
    return str(value)


def _wrap(node: Condition) -> str:
    text = node.describe()
    return f"({text})" if isinstance(node, (All, AnyOf)) and len(node.items) > 1 else text


def walk(node: Condition, expand_refs: bool = True):
    """Every node of a condition tree, depth first (through named facts when asked)."""
    yield node
    if isinstance(node, (All, AnyOf)):
        for item in node.items:
            yield from walk(item, expand_refs)
    elif isinstance(node, Not):
        yield from walk(node.item, expand_refs)
    elif isinstance(node, Ref) and expand_refs:
        yield from walk(node.condition, expand_refs)


# --------------------------------------------------------------------------- parsing


def parse_condition(r: Reader, value: Any) -> Condition | None:
    """Parse a ``when`` at ``r``. Problems are added to the reader; None if any."""
    before = len(r.problems)
    node = _condition(r, value)
    return node if len(r.problems) == before else None


def _condition(r: Reader, value: Any) -> Condition | None:
    if value is None:
        return All((), r.location)
    if isinstance(value, list):
        items: list[Condition | None] = [_condition(r.at(i), v) for i, v in enumerate(value)]
        return None if None in items else _all(items, r.location)
    if not isinstance(value, dict):
        r.error(
            "invalid_condition",
            "a condition is a mapping of facts to tests, such as {issue.kind: damaged, customer.tier: vip}",
        )
        return None
    items = []
    for key, spec in value.items():
        sub = r.at(key)
        if key in ("all", "any"):
            if not isinstance(spec, list) or not spec:
                sub.error("invalid_condition", f"{quoted(key)} takes a list of conditions")
                items.append(None)
                continue
            parts = [_condition(sub.at(i), v) for i, v in enumerate(spec)]
            if None in parts:
                items.append(None)
            elif key == "all":
                items.append(_all(parts, sub.location))
            else:
                items.append(AnyOf(tuple(filter(None, parts)), sub.location) if len(parts) > 1 else parts[0])
        elif key == "not":
            inner = _condition(sub, spec)
            items.append(None if inner is None else Not(inner, sub.location))
        else:
            items.append((r.scope.items.parse if key in r.scope.items.quantifiers else _test)(sub, str(key), spec))
    if None in items:
        return None
    return _all(items, r.location)


def _all(items: list, location) -> Condition:
    return items[0] if len(items) == 1 else All(tuple(items), location)


def _known_paths(r: Reader) -> list[str]:
    return [*r.scope.facts, *(f"facts.{n}" for n in r.scope.condition_facts), *r.scope.keywords]


def _test(r: Reader, path: str, spec: Any) -> Condition | None:
    if path.startswith("facts.") and path[6:] in r.scope.condition_facts:
        return _named(r, path[6:], spec)
    fact = r.scope.fact(path)
    if fact is None:
        where = "attribute" if path.startswith("attributes.") else "fact"
        section = next((s for s in ("attributes", "facts") if path.startswith(s + ".")), None)
        extra = f" (declare it under '{section}:' first)" if section else ""
        message = f"unknown {where} {quoted(path)}"
        r.error("unknown_fact", *suggest(message, path, _known_paths(r), otherwise=extra), on_key=True)
        return None
    if isinstance(spec, dict) and spec:
        tests = []
        for op, operand in spec.items():
            tests.append(_operator(r.at(op), fact, str(op), operand))
        if None in tests:
            return None
        return _all(tests, r.location)
    if isinstance(spec, dict):
        r.error("invalid_condition", f"empty test for {quoted(path)}")
        return None
    if isinstance(spec, list):
        return _operator(r, fact, "in", spec)
    if spec is None:
        return Test(path, "unknown", None, r.location)
    return _operator(r, fact, "is", spec)


def _named(r: Reader, name: str, spec: Any) -> Condition | None:
    if not isinstance(spec, bool):
        r.error("type_mismatch", f"facts.{name} is true or false, not {shown(spec)}")
        return None
    condition = r.scope.condition_facts[name]
    node = condition.parsed(r)
    if node is None:
        return None
    ref = Ref(name, node, r.location)
    return ref if spec else Not(ref, r.location)


def _operator(r: Reader, fact: Fact, op: str, operand: Any) -> Condition | None:
    path = fact.path
    if op not in ALL_OPS:
        r.error("unknown_operator", *suggest(f"unknown test {quoted(op)} for {path}", op, ALL_OPS), on_key=True)
        return None
    if op == "known":
        if not isinstance(operand, bool):
            r.error("type_mismatch", f"'known' takes true or false, not {shown(operand)}")
            return None
        return Test(path, "known" if operand else "unknown", None, r.location)
    ftype = fact.type
    if op in NUMBER_OPS or op in TIME_OPS or op == "within_days_after":
        wanted = "time" if (op in TIME_OPS or op == "within_days_after") else "number"
        actual = "time" if ftype == "time" else "number" if ftype in ("money", "int") else ftype
        if wanted != actual:
            use = (
                "before/after/on_or_before/on_or_after"
                if actual == "time"
                else "at_least/at_most/above/below"
                if actual == "number"
                else "is/is_not/in/not_in"
            )
            r.error("type_mismatch", f"{quoted(op)} does not apply to {path} ({ftype}); use {use}", on_key=True)
            return None
        if op == "within_days_after":
            return _within_days(r, path, operand)
        if ftype == "time":
            moment = parse_moment(r, operand)
            return None if moment is None else Test(path, TIME_OPS[op], moment, r.location)
        value = _number(r, fact, operand)
        return None if value is _BAD else Test(path, NUMBER_OPS[op], value, r.location)
    # equality family
    if ftype == "time":
        r.error("type_mismatch", f"{path} is a time: compare it with before/after/on_or_before/on_or_after")
        return None
    if ftype == "object":
        r.error("type_mismatch", f"{path} can only be tested with known: true or known: false")
        return None
    kind = EQUALITY_OPS[op]
    if kind in ("in", "not_in"):
        if not isinstance(operand, list) or not operand:
            r.error("invalid_condition", f"{quoted(op)} takes a list of values")
            return None
        values: list[Any] | tuple[Any, ...] = [_scalar(r.at(i), fact, v) for i, v in enumerate(operand)]
        if any(v is _BAD for v in values):
            return None
        values = tuple(dict.fromkeys(values))
        if len(values) == 1:
            return Test(path, "eq" if kind == "in" else "ne", values[0], r.location)
        return Test(path, kind, values, r.location)
    if operand is None:
        return Test(path, "unknown" if kind == "eq" else "known", None, r.location)
    value = _scalar(r, fact, operand)
    return None if value is _BAD else Test(path, kind, value, r.location)


_BAD = object()


def _scalar(r: Reader, fact: Fact, value: Any) -> Any:
    ftype = fact.type
    if ftype in ("money", "int"):
        return _number(r, fact, value)
    ok, value = r.deref(value)
    if not ok:
        return _BAD
    if ftype == "bool":
        if not isinstance(value, bool):
            r.error("type_mismatch", f"{fact.path} is true or false, not {shown(value)}")
            return _BAD
        return value
    if ftype == "enum":
        if value not in fact.values:
            r.error(
                "invalid_value",
                *suggest(
                    f"{fact.path} is never {quoted(value)}; it is one of {', '.join(fact.values)}", value, fact.values
                ),
            )
            return _BAD
        return value
    if ftype == "text":
        if not isinstance(value, str):
            return (
                str(value)
                if isinstance(value, (int, Decimal)) and not isinstance(value, bool)
                else _type_error(r, fact, value)
            )
        if len(value) > MAX_TEXT:  # durable_rules would compare a text of 65,536 bytes and more as its tail
            r.error(
                "invalid_value",
                f"{fact.path}: a text to compare has at most {MAX_TEXT:,} characters, this one has {len(value):,}",
            )
            return _BAD
        return value
    return _type_error(r, fact, value)


def _type_error(r: Reader, fact: Fact, value: Any) -> Any:
    r.error("type_mismatch", f"{fact.path} ({fact.type}) cannot be compared with {shown(value)}")
    return _BAD


def _number(r: Reader, fact: Fact, value: Any) -> Any:
    """A number, an amount or another fact of the same type; ``_BAD`` after reporting."""
    ok, value = r.deref(value)
    if not ok:
        return _BAD
    other = r.scope.fact(value) if isinstance(value, str) else None
    if other is not None:
        if other.type != fact.type:
            r.error("type_mismatch", f"cannot compare {fact.path} ({fact.type}) with {value} ({other.type})")
            return _BAD
        return FactRef(value)
    if fact.type == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            r.error("type_mismatch", f"{fact.path} is a whole number; {shown(value)} is not")
            return _BAD
        return value
    try:
        return parse_money(value)
    except MoneyError as exc:
        if isinstance(value, str) and not value.strip().replace(".", "", 1).lstrip("-").isdigit():
            money = [p for p, f in r.scope.facts.items() if f.type == "money"]
            r.error("unknown_fact", *suggest(f"{quoted(value)} is neither an amount nor a money fact", value, money))
        else:
            r.error("invalid_value", f"{fact.path}: {exc}")
        return _BAD


def _within_days(r: Reader, path: str, operand: Any) -> Condition | None:
    if not isinstance(operand, dict) or set(operand) - {"time", "days"} or not {"time", "days"} <= set(operand):
        r.error(
            "invalid_condition",
            "within_days_after takes {time: <a time fact>, days: <whole days>}, "
            "e.g. {time: order.delivered_at, days: 7}",
        )
        return None
    ok, days = r.at("days").deref(operand["days"])
    if not ok:
        return None
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 3650:
        r.at("days").error("invalid_value", f"days must be a whole number from 0 to 3650, got {shown(days)}")
        return None
    # The law's count: from the day after the start, so "7 days after the 1st" runs to the end of the 8th.
    moment = parse_moment(r.at("time"), {"day_of": operand["time"], "plus_days": days + 1, "at": "00:00"})
    return None if moment is None else Test(path, "lt", moment, r.location)


class NamedCondition:
    """A derived fact defined by a condition (``facts: {x: {when: ...}}``), parsed once, on first use."""

    def __init__(self, name: str, raw: Any, reader: Reader):
        self.name = name
        self.raw = raw
        self.reader = reader
        self.node: Condition | None = None
        self._state = "new"

    def parsed(self, via: Reader | None = None) -> Condition | None:
        if self._state == "done":
            return self.node
        if self._state == "busy":
            (via or self.reader).error("cycle", f"facts.{self.name} is defined in terms of itself")
            return None
        self._state = "busy"
        self.node = parse_condition(self.reader, self.raw)
        self._state = "done"
        return self.node
