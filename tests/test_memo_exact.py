"""The abstraction of a case message (engine/abstraction.py) is exact: two messages with the same key are matched
alike by durable_rules itself, for every operator the compiler emits and values of every JSON type.

Hypothesis writes rulesets in the compiler's grammar over a few properties (whole numbers up to the 64-bit
bounds, strings with quotes, backslashes and non-ASCII characters, true and false, a float), and messages
whose values sit on, next to and far from the constants (other types, numbers past 64 bits, strings past
durable_rules' 16-bit length, nulls, absent properties); durable_rules matches every message: messages with
one key must match the same rules, and a message durable_rules refuses (a float it cannot read) must be one
``readable`` leaves to it.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales_rules import EngineError
from aftersales_rules.engine.abstraction import (
    ABSENT,
    MAX_PLAIN_STRING,
    OTHER,
    NotExact,
    Unmemoisable,
    abstraction,
    as_is,
    collisions,
    name_hash,
    readable,
)
from aftersales_rules.engine.runtime import Runtime

PROPS = ("a", "b", "c")
INTS = (-(2**63), -1, 0, 5, 10, 2**63 - 1)
STRINGS = ("x", "y", "", "é", 'q"uote', "back\\slash", "\u0007")
CASE = {"_k": "case"}


def test_the_name_hash_is_durable_rules_own():
    """The constants durable_rules' C source writes for the names it knows (state.h, rete.c)."""
    assert name_hash("id") == 926444256  # HASH_ID
    assert name_hash("sid") == 3593476751  # HASH_SID
    assert name_hash("$lt") == 542787579 and name_hash("$lte") == 2350824890  # HASH_LT, HASH_LTE
    assert name_hash("$eq") == 256037865 and name_hash("$neq") == 2488026869  # HASH_EQ, HASH_NEQ


# two names found by counting up until their hashes met (about 100,000 names, as the birthday bound says)
TWINS = ("c1170850", "c693596")  # sorted


def test_durable_rules_knows_a_property_only_by_its_hash():
    """Why the memo refuses colliding names: a test of one property reads the other."""
    assert name_hash(TWINS[0]) == name_hash(TWINS[1]) and collisions(TWINS) == [TWINS]
    runtime = Runtime({"t": {"r1": {"all": [{"m": {"$and": [CASE, {TWINS[0]: 1}]}}]}}})
    try:
        assert runtime.match(["t"], {**CASE, TWINS[1]: 1}) == ["r1"]  # the rule never names this property
        assert runtime.match(["t"], {**CASE, TWINS[1]: 2}) == []
    finally:
        runtime.close()
    with pytest.raises(NotExact, match=f"properties {TWINS[0]} and {TWINS[1]} share durable_rules' name hash"):
        abstraction({"r1": {"all": [{"m": {"$and": [CASE, {TWINS[0]: 1}]}}]}}, {"_k", TWINS[1]})


@pytest.mark.parametrize(
    ("expr", "why"),
    [
        ({"$mt": {"a": "x.*"}}, "operator $mt is not one the compiler emits"),
        ({"a.b": 1}, "property name 'a.b' is not a plain name"),
        ({"a": None}, "a is compared with None"),
        ({"a": [1, 2]}, "a is compared with [1, 2]"),
        ({"$and": []}, "$and of []"),
        ({"a": 1, "b": 2}, "is not one test"),
    ],
)
def test_an_expression_outside_the_compilers_grammar_is_not_shown_exact(expr, why):
    with pytest.raises(NotExact, match=why.replace("$", r"\$").replace("[", r"\[").replace("]", r"\]")):
        abstraction({"r": {"all": [{"m": {"$and": [CASE, expr]}}]}}, {"_k", "a", "b"})
    with pytest.raises(NotExact, match="rule r is not a single condition"):
        abstraction({"r": {"any": [{"m": CASE}]}}, {"_k"})


def _key(definition: dict, message: dict) -> tuple:
    return abstraction(definition, {"_k", *PROPS}).key("t", message)


def test_each_kind_of_property_keeps_exactly_what_its_tests_read():
    definition = {
        "r1": {"all": [{"m": {"$and": [CASE, {"$gte": {"a": 5}}, {"$neq": {"b": "x"}}, {"$ex": {"c": 1}}]}}]},
        "r2": {"all": [{"m": {"$and": [CASE, {"a": 10}, {"b": "y"}]}}]},
    }
    shape = abstraction(definition, {"_k", *PROPS})
    assert dict(shape.kinds) == {
        "_k": "which of 1 string, or another",
        "a": "place among 2 whole numbers",
        "b": "which of 2 strings, or another",
        "c": "present or absent",
    }
    key = shape.key
    # a: below 5, 5, between, 10, above
    places = [key("t", {"a": v})[2] for v in (-3, 4, 5, 6, 9, 10, 11, 2**63 - 1)]
    assert places == [0, 0, 1, 2, 2, 3, 4, 4]
    assert key("t", {"a": True}) != key("t", {"a": 1}) != key("t", {"a": 1.0})  # equal in Python, not in JSON
    assert key("t", {"a": 2**63}) != key("t", {"a": 2**63 + 1})  # past 64 bits: kept as it is
    assert key("t", {"a": -0.0}) != key("t", {"a": 0.0})  # two JSON texts
    assert key("t", {"b": "z"}) == key("t", {"b": "w"}) != key("t", {"b": "x"})
    assert key("t", {"b": "z"})[3] is OTHER
    long_ones = ("x" * (MAX_PLAIN_STRING + 1), "z" * (MAX_PLAIN_STRING + 1))
    assert key("t", {"b": long_ones[0]}) != key("t", {"b": long_ones[1]})  # past the 16-bit length: as it is
    assert key("t", {"c": 1}) == key("t", {"c": "anything"}) != key("t", {})
    assert key("t", {})[1:] == (ABSENT, ABSENT, ABSENT, False)
    assert key("t", {"a": None}) != key("t", {})  # null is present
    with pytest.raises(Unmemoisable):
        as_is([1])


# --------------------------------------------------------------------------- against durable_rules itself


def _constant(prop_kind: str):
    if prop_kind == "int":
        return st.sampled_from(INTS)
    if prop_kind == "str":
        return st.sampled_from(STRINGS)
    if prop_kind == "bool":
        return st.booleans()
    return st.sampled_from([2.5, True, 3, "x"])  # mixed: kept as it is


@st.composite
def rulesets(draw) -> tuple[dict, dict[str, list]]:
    kinds = {p: draw(st.sampled_from(["int", "str", "bool", "mixed"])) for p in PROPS}
    constants: dict[str, list] = {p: [] for p in PROPS}

    def leaf() -> dict:
        prop = draw(st.sampled_from(PROPS))
        op = draw(st.sampled_from(["eq", "$neq", "$lt", "$lte", "$gt", "$gte", "$ex", "$nex"]))
        if op in ("$ex", "$nex"):
            return {op: {prop: 1}}
        value = draw(_constant(kinds[prop]))
        constants[prop].append(value)
        return {prop: value} if op == "eq" else {op: {prop: value}}

    rules = {}
    for n in range(draw(st.integers(1, 5))):
        parts = [leaf() for _ in range(draw(st.integers(1, 3)))]
        if len(parts) > 1 and draw(st.booleans()):
            parts = [{"$or": parts}]
        rules[f"r{n}"] = {"all": [{"m": {"$and": [CASE, *parts]}}]}
    return rules, constants


def _values(constants: list) -> st.SearchStrategy:
    near = [v + d for v in constants if isinstance(v, int) and not isinstance(v, bool) for d in (-1, 0, 1)]
    texts = [v for v in constants if isinstance(v, str)]
    return st.one_of(
        st.sampled_from([*near, *texts] or [0]),
        st.sampled_from(INTS + STRINGS + (True, False, None, 2.5, 0.0, -0.0, 2**63, -(2**63) - 1, 1e20)),
        st.integers(-20, 20),
        st.text(max_size=3),
        # 65,536 bytes longer than a constant: durable_rules compares it by the constant's length, as equal
        st.sampled_from([t + "z" * 65_536 for t in [*texts, ""]]),
    )


@settings(max_examples=150, deadline=None)
@given(rulesets(), st.data())
def test_messages_with_one_key_are_matched_alike_by_durable_rules(ruleset, data):
    definition, constants = ruleset
    runtime = Runtime({"t": definition})
    try:
        outcomes: dict[tuple, set] = {}
        base = dict(CASE)
        for prop in PROPS:
            if data.draw(st.booleans()):
                base[prop] = data.draw(_values(constants[prop]))
        for _ in range(16):  # each message one value away from the first: many share its key, or another's
            message = dict(base)
            prop = data.draw(st.sampled_from(PROPS))
            if data.draw(st.integers(0, 5)):
                message[prop] = data.draw(_values(constants[prop]))
            else:
                message.pop(prop, None)
            try:
                outcome = json.dumps(sorted(runtime.match(["t"], dict(message))))
            except EngineError as exc:  # a float durable_rules cannot read
                outcome = f"error {exc.code}"
            if not readable(message):  # the memo leaves it to durable_rules, which refuses it
                assert outcome.startswith("error")
                continue
            assert not outcome.startswith("error"), message
            outcomes.setdefault(_key(definition, message), set()).add(outcome)
        assert all(len(seen) == 1 for seen in outcomes.values()), outcomes
    finally:
        runtime.close()
