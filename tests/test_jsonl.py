"""A JSONL line is read by the rules of a case file: ``jsonl.parse_json_line`` (json where it is sure
to agree) gives exactly what ``loader.read_json_line`` (the case-file parser, placed on the line)
gives, value or error; and the rules a case file has hold for a line (BOM, duplicate keys, places)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales_rules import jsonl
from aftersales_rules.errors import InputError
from aftersales_rules.jsonl import parse_json_line
from aftersales_rules.loader import parse_document, read_json_line
from aftersales_rules.testing import generate_cases

NAME = "cases.jsonl"


def shape(value: Any) -> Any:
    """A value with every type spelled out (True is not 1, Decimal("1.0") is not Decimal("1.00"))."""
    if isinstance(value, dict):
        return ("dict", [(k, shape(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [shape(v) for v in value])
    return (type(value).__name__, str(value))


def outcome(read, raw: bytes, line: int = 7) -> tuple:
    try:
        return ("value", shape(read(raw, NAME, line)))
    except InputError as exc:
        return ("error", [(str(p.location), p.code, p.message) for p in exc.problems])


def slow(raw: bytes, name: str, line: int) -> Any:
    return read_json_line(raw, name, line).data


# --------------------------------------------------------------------------- lines, as JSON writes them and not

NUMBERS = st.from_regex(r"\A-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,6})?([eE][-+]?[0-9]{1,3})?\Z")
# the characters where JSON and YAML part ways, and those that make or break a document
ODD = st.sampled_from(
    list("\t\r\x85\u2028\u2029\ufeff\x7f\x00\x1b\xa0\u3000\ufffe\U0001f600\ud83d\"\\{}[],:#-&*!|>'%@` 1e.a")
    + ["\\ud83d", "\\ude00", "\\ud83d\\ude00", "\\u00e9", "\\/", "\\b", "\\x41", " " * 120, "NaN", "1e5", "--- "]
)


@st.composite
def tokens(draw, depth: int = 0) -> str:
    """A JSON value as text, written as a hand might: any spacing, numbers in any form, keys repeated."""
    space = draw(st.sampled_from(["", " ", "  ", " " * 3]))
    kind = draw(st.sampled_from(["null", "bool", "int", "number", "text", "list", "object"][: 5 if depth > 3 else 7]))
    if kind == "null":
        return "null"
    if kind == "bool":
        return draw(st.sampled_from(["true", "false"]))
    if kind == "int":
        return str(draw(st.integers(-(10**30), 10**30)))
    if kind == "number":
        return draw(NUMBERS)
    if kind == "text":
        text = draw(st.text(st.characters(blacklist_categories=()), max_size=12))
        return json.dumps(text, ensure_ascii=draw(st.booleans()))
    if kind == "list":
        items = draw(st.lists(tokens(depth + 1), max_size=4))
        return "[" + space + f"{space},{space}".join(items) + space + "]"
    keys = draw(st.lists(st.sampled_from(["a", "b", "case_id", "é", "a"]) | st.text(max_size=6), max_size=4))
    values = [draw(tokens(depth + 1)) for _ in keys]
    pairs = [
        f"{json.dumps(k, ensure_ascii=draw(st.booleans()))}{space}:{space}{v}"
        for k, v in zip(keys, values, strict=True)
    ]
    return "{" + space + f",{space}".join(pairs) + space + "}"


@st.composite
def lines(draw) -> bytes:
    text = draw(tokens())
    if draw(st.booleans()):  # a line longer than jsonl._SHORT, where keys are measured
        text = "[" + text + ', "' + "x" * 1000 + '"]'
    for _ in range(draw(st.integers(0, 2))):  # a character or two put in, taken out or changed
        at = draw(st.integers(0, len(text)))
        change = draw(st.sampled_from(["insert", "delete", "replace"]))
        odd = draw(ODD)
        text = text[:at] + (odd if change != "delete" else "") + text[at + (change != "insert") :]
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text.encode("utf-8", "surrogatepass")


@settings(max_examples=1500)
@given(raw=lines())
def test_a_line_reads_the_same_fast_or_slow(raw):
    assert outcome(parse_json_line, raw) == outcome(slow, raw)


@given(
    document=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(st.characters(blacklist_categories=())),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=20,
    ),
    ensure_ascii=st.booleans(),
)
def test_what_json_dumps_writes_reads_the_same_fast_or_slow(document, ensure_ascii):
    try:
        raw = json.dumps(document, ensure_ascii=ensure_ascii).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate written raw: not UTF-8
        return
    assert outcome(parse_json_line, raw) == outcome(slow, raw)


# lines at the edges of what json may read: each guard of _fast_enough and of the hooks is needed by one
EDGES = {
    "nested 64 deep": b"[" * 64 + b"1" + b"]" * 64,
    "nested 65 deep": b"[" * 65 + b"1" + b"]" * 65,
    "nested 66 deep": b"[" * 66 + b"]" * 66,
    "a long key": b'{"' + b"k" * 1030 + b'": 1}',
    "a key escaped long": b'{"' + b"\\u00e9" * 180 + b'": 1}',
    "spaces before the colon": b'{"k"' + b" " * 1030 + b": 1}",
    "spaces between values": b"[1," + b" " * 1030 + b"2]",
    "100,001 values": b"[" + b",".join([b"0"] * 100_001) + b"]",
    "numbers": b"[1.5, -0.0, 1.5e+3, 1.5e3, 1E5, 1e-5, 12345678901234567890, -0]",
    "constants": b"[NaN, Infinity, -Infinity]",
    "a trailing comma": b'{"a": 1,}',
    "a comment": b'{"a": 1} # note',
    "two documents": b'{"a": 1}{"b": 2}',
}


@pytest.mark.parametrize("raw", EDGES.values(), ids=EDGES.keys())
def test_a_line_at_an_edge_reads_the_same_fast_or_slow(raw):
    assert outcome(parse_json_line, raw) == outcome(slow, raw)


def test_generated_cases_take_the_fast_way(monkeypatch):
    """The equivalence above proves something only if json does read the usual line."""
    slow_reads = []
    monkeypatch.setattr(jsonl, "read_json_line", lambda *args: slow_reads.append(args) or read_json_line(*args))
    for n, case in enumerate(generate_cases(300, seed=5), 1):
        for ensure_ascii in (True, False):
            raw = json.dumps(case, ensure_ascii=ensure_ascii).encode("utf-8")
            assert shape(parse_json_line(raw, NAME, n)) == shape(slow(raw, NAME, n))
    assert slow_reads == []


# --------------------------------------------------------------------------- the rules of a case file, on a line

RULES = [
    # (a line, what a case file with that text reads, what the line reads as line 7 of cases.jsonl)
    (
        b'{"a": 1, "a": 2}',
        "c.json:1:10: duplicate_key: duplicate key 'a' (first written at line 1)",
        "cases.jsonl:7:10: duplicate_key: duplicate key 'a' (first written at line 7)",
    ),
    (
        b'{"a": [1, 2}',
        "c.json:1:12: syntax: invalid JSON: a ',' or ']' is missing in this [...] list",
        "cases.jsonl:7:12: syntax: invalid JSON: a ',' or ']' is missing in this [...] list",
    ),
    (
        b'{"a": "\x01"}',
        "c.json:1:8: bad_character: a control character (U+0001) is not allowed in YAML",
        "cases.jsonl:7:8: bad_character: a control character (U+0001) is not allowed in YAML",
    ),
    (
        b'{"a": \xff}',
        "c.json:1:1: not_utf8: not UTF-8 text: byte 0xff cannot be decoded",
        "cases.jsonl:7:1: not_utf8: not UTF-8 text: byte 0xff cannot be decoded",
    ),
]


@pytest.mark.parametrize(("raw", "as_file", "on_line"), RULES)
def test_a_line_is_refused_as_a_case_file_is_with_the_same_code_and_words(raw, as_file, on_line):
    with pytest.raises(InputError) as file_error:
        parse_document(raw, "c.json")
    with pytest.raises(InputError) as line_error:
        parse_json_line(raw, NAME, 7)
    assert (str(file_error.value), str(line_error.value)) == (as_file, on_line)


def test_a_carriage_return_inside_a_line_starts_no_new_line():
    with pytest.raises(InputError) as err:
        parse_json_line(b'{"a": 1,\r "b": [}', NAME, 7)
    assert str(err.value).startswith("cases.jsonl:7:17: syntax: invalid JSON:")


def test_a_bom_and_escaped_emoji_are_read_as_in_a_case_file():
    raw = '\ufeff{"reason": "\\ud83d\\ude00 \\u00e9", "amount": 12.50, "n": 1e5}'.encode()
    expected = {"reason": "\U0001f600 é", "amount": Decimal("12.50"), "n": "1e5"}  # 1e5: a text to YAML 1.1
    assert parse_document(raw, "c.json").data == expected
    assert parse_json_line(raw, NAME, 1) == expected


def test_a_lone_surrogate_escape_is_refused_by_both():
    raw = b'{"reason": "\\ud83d!"}'
    message = "syntax: invalid JSON: \\ud83d is half of a surrogate pair, the other half is missing"
    with pytest.raises(InputError, match=r"^c\.json:1:12: " + message.replace("\\", "\\\\")):
        parse_document(raw, "c.json")
    with pytest.raises(InputError, match=r"^cases\.jsonl:3:12: " + message.replace("\\", "\\\\")):
        parse_json_line(raw, NAME, 3)
