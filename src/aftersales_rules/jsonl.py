"""One line of a JSONL file, read by the rules of a case file, about thirty times faster.

``loader.read_json_line`` reads a line as ``parse_document`` reads a file (YAML, which JSON is a part
of): duplicate keys refused with both places, a BOM allowed, every error in this project's words
and placed on the line. ``parse_json_line`` gives exactly its value, or its error: ``json`` reads
the line where nothing in it can be read otherwise, and every other line goes to ``read_json_line``.
``tests/test_jsonl.py`` holds the two to the same answer on arbitrary lines.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import yaml

from .loader import MAX_DEPTH, SURROGATE_ESCAPE, read_json_line

__all__ = ["parse_json_line"]

# What sends a JSON line to the YAML reader instead of json: a character YAML reads otherwise than JSON
# (tabs, line breaks such as CR, NEL, LS and PS, control characters, a BOM, surrogates, U+FFFE: none
# of them printable to Python, which tells faster) or a surrogate escape (libyaml refuses it).
_NOT_FAST_CHAR = re.compile("[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_FAST_CHARS = 100_000  # shorter than this, a line cannot hold MAX_NODES values
# YAML allows a key 1,024 characters from its start to its ':'. A line no longer than _SHORT cannot
# hold a longer one; in a longer line a key of at most _FAST_KEY characters (6 to a character when
# escaped) followed by fewer than _LONG_SPACE spaces stays within it, and any other goes to YAML.
_SHORT = 1_000
_FAST_KEY = 100
_LONG_SPACE = " " * 100
_FLOAT = "tag:yaml.org,2002:float"
_RESOLVER = yaml.resolver.Resolver()  # the resolver both of loader's parsers use


class _Unsure(Exception):
    """json would read this line, but perhaps not as parse_document does: read it that way."""


def _mapping(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise _Unsure  # a duplicate key: an error, with both places
    return data


def _mapping_in_a_long_line(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = _mapping(pairs)
    if data and max(map(len, data)) > _FAST_KEY:
        raise _Unsure  # a key YAML may find too long
    return data


def _float(text: str) -> Decimal:
    if _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) != _FLOAT:
        raise _Unsure  # 1e5: not a float to YAML 1.1 (it is the text "1e5")
    return Decimal(text)


def _unsure(_text: str) -> Any:
    raise _Unsure  # NaN, Infinity: texts to YAML


_SHORT_LINE = json.JSONDecoder(object_pairs_hook=_mapping, parse_float=_float, parse_constant=_unsure)
_LONG_LINE = json.JSONDecoder(object_pairs_hook=_mapping_in_a_long_line, parse_float=_float, parse_constant=_unsure)


def parse_json_line(raw: bytes, name: str, line: int) -> Any:
    """The value of line ``line`` of the JSONL file ``name``: exactly ``read_json_line(...).data``, or its error.

    ``json`` reads the line when nothing in it can be read otherwise by YAML: no character or escape
    named above, at most ``MAX_DEPTH`` brackets, no duplicate key, no key YAML may find too long,
    floats YAML reads as floats, ints (JSON writes none YAML reads otherwise). Every other line, and
    every line json refuses, is read by ``read_json_line``: its value, or its error with its code,
    words and place.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = ""
    if _fast_enough(text):
        try:
            return (_SHORT_LINE if len(text) <= _SHORT else _LONG_LINE).decode(text)
        except (_Unsure, ValueError, RecursionError):
            pass
    return read_json_line(raw, name, line).data


def _fast_enough(text: str) -> bool:
    return (
        0 < len(text) < _FAST_CHARS
        and text.count("[") + text.count("{") <= MAX_DEPTH
        and (text.isprintable() or not _NOT_FAST_CHAR.search(text))
        and ("\\u" not in text or not SURROGATE_ESCAPE.search(text))
        and (len(text) <= _SHORT or _LONG_SPACE not in text)
    )
