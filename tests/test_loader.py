from decimal import Decimal

import pytest

from aftersales_rules.errors import InputError
from aftersales_rules.loader import MAX_DEPTH, load_document, parse_document


def test_values_and_locations():
    doc = parse_document(b"a: 1\nb:\n  - x: 2.50\n    when: 2026-07-15T14:05:00+08:00\n", "f.yaml")
    assert doc.data == {"a": 1, "b": [{"x": Decimal("2.50"), "when": "2026-07-15T14:05:00+08:00"}]}
    assert str(doc.at(("b", 0, "x"))) == "f.yaml:3:8"
    assert str(doc.key_at(("b", 0, "x"))) == "f.yaml:3:5"
    assert str(doc.at(("b", 0, "missing"))) == "f.yaml:3:5"  # nearest written ancestor


def test_floats_become_exact_decimals():
    assert parse_document(b"p: 0.1\nq: 1_000.25\n").data == {"p": Decimal("0.1"), "q": Decimal("1000.25")}


def test_empty_document_is_none():
    assert parse_document(b"", "e.yaml").data is None


def test_duplicate_key_is_refused_with_both_places():
    with pytest.raises(InputError) as err:
        parse_document(b"a: 1\nb: 2\na: 3\n", "d.yaml")
    assert str(err.value) == "d.yaml:3:1: duplicate_key: duplicate key 'a' (first written at line 1)"


@pytest.mark.parametrize("text", [b"x: !!python/object:os.system {}\n", b"x: !custom 1\n", b"!!set {a, b}\n"])
def test_unknown_tags_are_refused(text):
    with pytest.raises(InputError, match="unsupported tag"):
        parse_document(text, "t.yaml")


def test_syntax_error_names_line_and_column():
    with pytest.raises(InputError) as err:
        parse_document(b"a: [1, 2\nb: 3\n", "s.yaml")
    assert str(err.value).startswith("s.yaml:2:")
    assert "invalid YAML" in str(err.value)


def test_tab_indentation_gets_a_hint():
    with pytest.raises(InputError, match="tabs"):
        parse_document(b"a:\n\tb: 1\n", "tab.yaml")


def test_bom_is_accepted_and_non_utf8_refused():
    assert parse_document("\ufeffa: 1\n".encode("utf-8")).data == {"a": 1}
    with pytest.raises(InputError) as err:
        parse_document(b"a: 1\nb: \xff\xfe\n", "bin.yaml")
    assert str(err.value) == "bin.yaml:2:1: not_utf8: not UTF-8 text: byte 0xff cannot be decoded"


def test_alias_bomb_is_refused():
    bomb = b'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    prev = "a"
    for name in "bcdefghij":
        bomb += f"{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n".encode()
        prev = name
    with pytest.raises(InputError, match="more than 100,000 values"):
        parse_document(bomb, "bomb.yaml")


def test_small_aliases_are_expanded():
    doc = parse_document(b"base: &b {x: 1}\nother: *b\n")
    assert doc.data == {"base": {"x": 1}, "other": {"x": 1}}


def test_deep_nesting_is_refused():
    deep = b"[" * (MAX_DEPTH + 5) + b"]" * (MAX_DEPTH + 5)
    with pytest.raises(InputError, match="nested too deeply"):
        parse_document(deep, "deep.yaml")


def test_size_limit(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: 1\n" * 10)
    with pytest.raises(InputError, match="over the 20-byte limit"):
        load_document(big, max_bytes=20)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_document(tmp_path / "nope.yaml")
    with pytest.raises(InputError, match="is a directory"):
        load_document(tmp_path)


def test_non_finite_number_refused():
    with pytest.raises(InputError, match="not a finite number"):
        parse_document(b"a: .inf\n")


def test_json_text_is_read_with_locations():
    doc = parse_document(b'{"case_id": "C-1",\n "order": {"shipping_fee": 12.5}}', "c.json")
    assert doc.data == {"case_id": "C-1", "order": {"shipping_fee": Decimal("12.5")}}
    assert doc.at(("order", "shipping_fee")).line == 2


# Each syntax error the parser reports, in this project's words (loader._SYNTAX): a parser upgrade that
# rewords one of them fails here, naming the entry to update, instead of changing what users read.
SYNTAX_ERRORS = [
    ("a: [1, 2", "syntax", "invalid YAML: a ',' or ']' is missing in this [...] list"),
    ("a: {b: 1 c: 2}", "syntax", "invalid YAML: a ',' or '}' is missing in this {...} mapping"),
    (
        "a:\n\tb: 1\n",
        "syntax",
        "invalid YAML: a character that cannot start a value here (indent with spaces, not tabs)",
    ),
    ("a: 1\n---\nb: 2\n", "syntax", "invalid YAML: a second document starts here (a file holds one document)"),
    ("a: b: c\n", "syntax", "invalid YAML: a ':' where no key can start (quote the text or fix the indentation)"),
    ("a: *nowhere\n", "syntax", "invalid YAML: an alias (*name) with no anchor (&name) before it"),
    ('a: "open\n', "syntax", "invalid YAML: the file ends inside a quoted text or an open collection"),
    ('a: "\\q"\n', "syntax", "invalid YAML: an unknown escape sequence in a double-quoted text"),
    ("- a\nb: 1\n", "syntax", "invalid YAML: a list item ('- ') was expected here (check the indentation)"),
    ("a: &x 1\nb: &x 2\n", "syntax", "invalid YAML: an anchor (&name) defined twice"),
    ("[" * 2000 + "]" * 2000, "too_deep", f"document is nested too deeply (limit {MAX_DEPTH})"),
    ("a: \x00\n", "bad_character", "a control character (U+0000) is not allowed in YAML"),
]


@pytest.mark.parametrize(("text", "code", "message"), SYNTAX_ERRORS, ids=[t[:12] for t, *_ in SYNTAX_ERRORS])
def test_syntax_errors_are_told_in_our_words(text, code, message):
    with pytest.raises(InputError) as err:
        parse_document(text, "s.yaml")
    assert (err.value.code, err.value.problem.message) == (code, message)
    assert str(err.value).startswith("s.yaml:") and str(err.value).endswith(f": {code}: {message}")


def test_an_error_the_table_does_not_know_keeps_the_parsers_words_behind_our_code():
    from aftersales_rules.loader import _syntax_problem

    assert _syntax_problem("some new complaint", "YAML") == ("syntax", "invalid YAML: some new complaint")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_file_without_a_size_is_read_only_up_to_the_limit(device):
    """A device or a pipe reports no size on disk: the read itself stops at the limit."""
    with pytest.raises(InputError) as err:
        load_document(device, max_bytes=1000)
    assert (err.value.code, str(err.value)) == ("too_large", f"{device}: too_large: file is over the 1,000-byte limit")


def test_a_pipe_is_read_up_to_the_limit(tmp_path):
    import contextlib
    import os
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "wb") as stream, contextlib.suppress(BrokenPipeError):
            stream.write(b"a: 1\n" * 1000)

    writer = threading.Thread(target=write)
    writer.start()
    with pytest.raises(InputError, match="file is over the 100-byte limit"):
        load_document(fifo, max_bytes=100)
    writer.join(timeout=10)
