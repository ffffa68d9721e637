"""A case message abstracted to exactly what one durable_rules ruleset tests of it (for memo.py).

Which rules of a ruleset match is a pure function of the message asserted (a
fresh session each time, runtime.py), and only of the properties its rules
test, each only through the tests written on it. ``abstraction`` reads a
ruleset definition as the compiler wrote it and gives, for each property it
tests, a function of the property's value (``ABSENT`` when the message does not
carry it) that keeps exactly what those tests can tell apart:

* tested only with ``$ex`` / ``$nex``: present or absent;
* every constant a whole number within 64 bits (``=``, ``$neq``, ``$lt``,
  ``$lte``, ``$gt``, ``$gte``): for a whole-number value within 64 bits, its
  place among the sorted constants (below the first, equal to the first,
  between the first and the second, …). durable_rules reads both with
  ``atoll`` / ``atol`` and compares ``long long``s (events.c ``reduceInt``),
  so each test's outcome is fixed by that place;
* every constant a string, tested only with ``=`` and ``$neq``: the constant a
  string value equals, or ``OTHER``. durable_rules compares the two JSON texts
  with ``strncmp`` over the longer of their lengths, each cut to 16 bits
  (``reduceString``): exact for texts under 65,536 bytes, so ``OTHER`` is only
  given to a value of at most ``MAX_PLAIN_STRING`` characters (6 bytes each at
  most in JSON) and only where every constant is under that length; the texts
  are JSON-escaped on both sides (``ensure_ascii=False``), and JSON text is
  equal exactly when the strings are;
* every constant true or false: the value itself;
* anything else (a value of another type than the constants, a float, a
  number past 64 bits, a long string, mixed constants): the value itself, its
  type kept apart (``1``, ``1.0`` and ``True`` are equal in Python, not in
  JSON). Keeping the value is always exact; it only memoises less.

Properties no rule tests are dropped: durable_rules finds a property by the
32-bit FNV-1a hash of its name (json.c ``getStringAndHash``, each byte read as
a signed ``char``) and nothing else, so ``abstraction`` refuses a ruleset where
two names the message or the rules can carry (``sid`` and ``id`` included)
share a hash. It also refuses any expression outside the grammar the compiler
emits (``$and``, ``$or``, ``$ex``, ``$nex``, ``$neq``, ``$lt``, ``$lte``,
``$gt``, ``$gte``, a bare equality, on plain property names): ``NotExact``
says why, and the memo then sends that ruleset's matches to durable_rules.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..diagnostics import shown as _shown

__all__ = [
    "ABSENT",
    "MAX_PLAIN_STRING",
    "OTHER",
    "Abstraction",
    "NotExact",
    "Unmemoisable",
    "abstraction",
    "as_is",
    "name_hash",
    "readable",
    "readable_value",
]


class _Mark:
    """A value no message carries, equal only to itself."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"


ABSENT = _Mark("absent")  # the message does not carry the property
OTHER = _Mark("other")  # a string equal to none of the constants
NULL = _Mark("null")  # JSON null

INT64 = (-(2**63), 2**63 - 1)
MAX_STRING_BYTES = 65_535  # durable_rules passes a string's length as an unsigned short
MAX_PLAIN_STRING = MAX_STRING_BYTES // 6  # characters; JSON writes one in at most 6 bytes ("\u001f")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_COMPARE = {"$neq": "ne", "$lt": "lt", "$lte": "le", "$gt": "gt", "$gte": "ge"}
_PRESENCE = {"$ex": "ex", "$nex": "nex"}
_FNV_OFFSET, _FNV_PRIME = 0x811C9DC5, 16777619


class NotExact(Exception):
    """The abstraction cannot be shown exact for this ruleset (the message says why)."""


class Unmemoisable(Exception):
    """A value the abstraction does not know how durable_rules reads (matched directly instead)."""


def name_hash(name: str) -> int:
    """The hash durable_rules knows a property by: 32-bit FNV-1a of its name as JSON writes it."""
    h = _FNV_OFFSET
    for byte in json.dumps(name, ensure_ascii=False)[1:-1].encode("utf-8", "surrogatepass"):
        h ^= byte | 0xFFFFFF00 if byte >= 0x80 else byte  # a signed char, widened
        h = (h * _FNV_PRIME) & 0xFFFFFFFF
    return h


def readable(message: dict[str, Any]) -> bool:
    """Whether durable_rules reads every value of ``message`` as it is (else it raises, and is left to).

    True and false, null, whole numbers (read with ``atoll``, never refused), texts UTF-8 can write (no lone
    surrogate), and finite floats whose shortest text has a decimal point: ``getNumber`` (json.c) stops a
    number without one at its ``e``, so ``1e+20`` is refused.
    """
    return all(map(readable_value, message.values()))


def readable_value(value: Any) -> bool:
    """Whether durable_rules reads ``value`` as it is (``readable`` of a message that carries only it)."""
    kind = value.__class__
    if kind is bool or kind is int or value is None:
        return True
    if kind is str:
        return value.isascii() or _utf8(value)
    return kind is float and "." in repr(value) and math.isfinite(value)


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def as_is(value: Any) -> Any:
    """The value itself, apart from every value of another JSON type (always exact)."""
    kind = value.__class__
    if kind is str or value is ABSENT:
        return value
    if kind is int or kind is bool:
        return (kind, value)
    if kind is float:
        return (float, repr(value))  # the JSON text: -0.0 and 0.0 are equal floats, not equal texts
    if value is None:
        return NULL
    raise Unmemoisable(f"a {kind.__name__} value")


def _booleans(value: Any) -> Any:
    return value if value is True or value is False else as_is(value)


def _presence(value: Any) -> bool:
    return value is not ABSENT


def _interval(constants: Iterable[int]) -> Callable[[Any], Any]:
    ordered = sorted(set(constants))
    count = len(ordered)
    low, high = INT64

    def place(value: Any) -> Any:
        if value.__class__ is int and low <= value <= high:
            i = bisect_left(ordered, value)
            return 2 * i + 1 if i < count and ordered[i] == value else 2 * i
        return as_is(value)

    return place


def _strings(constants: Iterable[str]) -> Callable[[Any], Any]:
    known = frozenset(constants)

    def which(value: Any) -> Any:
        if value.__class__ is str:
            if value in known:
                return value
            return OTHER if len(value) <= MAX_PLAIN_STRING else value
        return as_is(value)

    return which


@dataclass(frozen=True)
class Abstraction:
    """What a ruleset tests: ``key(name, message)`` is equal for two messages exactly when it must match
    the same rules of them."""

    properties: tuple[tuple[str, Callable[[Any], Any]], ...]  # (property, its abstraction), sorted
    kinds: tuple[tuple[str, str], ...]  # (property, how it is abstracted), for Memo.info

    def key(self, name: str, message: dict[str, Any]) -> tuple:
        get = message.get
        return (name, *[abstract(get(p, ABSENT)) for p, abstract in self.properties])


def abstraction(definition: dict[str, Any], message_names: Iterable[str]) -> Abstraction:
    """The abstraction of a case message for the ruleset ``definition`` (rule name → ``{"all": [{"m": expr}]}``),
    whose message carries at most ``message_names``; raises ``NotExact`` saying why there is none."""
    tests: dict[str, list[tuple[str, Any]]] = {}
    for rule, spec in definition.items():
        if not isinstance(spec, dict) or set(spec) - {"all", "run"} or not _one_message(spec.get("all")):
            raise NotExact(f"rule {rule} is not a single condition on the case message")
        _walk(spec["all"][0]["m"], tests)
    colliding = collisions({*tests, *message_names, "sid", "id"})
    if colliding:
        a, b = colliding[0]
        raise NotExact(f"properties {a} and {b} share durable_rules' name hash {name_hash(a)}")
    properties, kinds = [], []
    for prop in sorted(tests):
        kind, abstract = _abstractor(tests[prop])
        properties.append((prop, abstract))
        kinds.append((prop, kind))
    return Abstraction(tuple(properties), tuple(kinds))


def collisions(names: Iterable[str]) -> list[tuple[str, str]]:
    """Pairs of distinct names with the same ``name_hash``."""
    seen: dict[int, str] = {}
    out = []
    for name in sorted(set(names)):
        h = name_hash(name)
        if h in seen:
            out.append((seen[h], name))
        else:
            seen[h] = name
    return out


def _one_message(all_: Any) -> bool:
    return isinstance(all_, list) and len(all_) == 1 and isinstance(all_[0], dict) and set(all_[0]) == {"m"}


def _walk(expr: Any, tests: dict[str, list[tuple[str, Any]]]) -> None:
    if not isinstance(expr, dict) or len(expr) != 1:
        raise NotExact(f"expression {_shown(expr)} is not one test")
    ((op, operand),) = expr.items()
    if op in ("$and", "$or"):
        if not isinstance(operand, list) or not operand:
            raise NotExact(f"{op} of {_shown(operand)}")
        for item in operand:
            _walk(item, tests)
        return
    if op in _PRESENCE or op in _COMPARE:
        if not isinstance(operand, dict) or len(operand) != 1:
            raise NotExact(f"{op} of {_shown(operand)}")
        ((prop, constant),) = operand.items()
        test = _PRESENCE.get(op) or _COMPARE[op]
    elif op.startswith("$"):
        raise NotExact(f"operator {op} is not one the compiler emits")
    else:
        prop, constant, test = op, operand, "eq"
    if not _NAME.match(prop):
        raise NotExact(f"property name {_shown(prop)} is not a plain name")
    if constant is None or not isinstance(constant, (str, int, float)):
        raise NotExact(f"{prop} is compared with {_shown(constant)}")
    tests.setdefault(prop, []).append((test, constant))


def _abstractor(tests: list[tuple[str, Any]]) -> tuple[str, Callable[[Any], Any]]:
    compared = [(op, c) for op, c in tests if op not in ("ex", "nex")]
    constants = [c for _, c in compared]
    if not compared:
        return "present or absent", _presence
    if all(c.__class__ is bool for c in constants):
        return "true or false", _booleans
    if all(c.__class__ is int and INT64[0] <= c <= INT64[1] for c in constants):
        return f"place among {_count(constants, 'whole number')}", _interval(constants)
    if all(c.__class__ is str and _json_bytes(c) <= MAX_STRING_BYTES for c in constants) and {
        op for op, _ in compared
    } <= {"eq", "ne"}:
        return f"which of {_count(constants, 'string')}, or another", _strings(constants)
    return "as is", as_is


def _count(constants: list[Any], what: str) -> str:
    n = len(set(constants))
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def _json_bytes(text: str) -> int:
    return len(json.dumps(text, ensure_ascii=False).encode("utf-8", "surrogatepass")) - 2
