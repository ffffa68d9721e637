"""Turning validation failures into located, helpful problems.

``did_you_mean`` suggests the closest known name for a misspelling, ``meant``
the values a word stands for (``replacement`` → ``exchange`` or ``reship``,
from the vocabulary's ``SYNONYMS``), and ``suggest`` writes them into a message
while handing the name back as data (a ``Problem``'s ``suggestion``); ``pydantic_problems`` translates a pydantic
``ValidationError`` into ``Problem``s placed at the file:line:column of the
offending key or value, with the dotted path and the bad value in the message
(a time without a UTC offset: the offset to add, the policy's own when ``zone`` is given).
A model validator that finds a mistake below its model raises ``error_at``:
the place travels in the error's context, not in its text.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from .errors import Problem, cut, quoted
from .loader import Document
from .vocabulary import SYNONYMS

__all__ = ["ERROR_AT", "did_you_mean", "dotted", "error_at", "meant", "pydantic_problems", "shown", "suggest"]

# the pydantic error type of ``error_at``: its context holds the path, the suggestion and the message
ERROR_AT = "case_value"


def error_at(path: tuple, message: str, suggestion: str | None = None) -> PydanticCustomError:
    """A validator's error about the value at ``path`` below the model it checks.

    pydantic places a model validator's error at the model itself; the relative path (and the
    did-you-mean name, if any) ride in the error's context, where ``pydantic_problems`` reads them.
    The message is the template's one placeholder, filled last, so braces in it stay as written.
    """
    return PydanticCustomError(ERROR_AT, "{message}", {"path": path, "suggestion": suggestion, "message": message})


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to ``word``, if one is close enough to be a likely typo."""
    pool = [c for c in candidates if isinstance(c, str)]
    if not isinstance(word, str) or not pool:
        return None
    lowered = {c.lower(): c for c in pool}
    if word.lower() in lowered and lowered[word.lower()] != word:
        return lowered[word.lower()]
    found = difflib.get_close_matches(word, pool, n=1, cutoff=0.72)
    if not found:  # a longer or shorter form of one name: "minimum" for "min", "sev" for "severity"
        found = [c for c in pool if min(len(c), len(word)) >= 3 and (c.startswith(word) or word.startswith(c))]
        found = found if len(found) == 1 else []
    if not found:
        found = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.72)
        found = [lowered[f] for f in found]
    return found[0] if found else None


def meant(word: Any, candidates: Iterable[str]) -> list[str]:
    """The candidates ``word`` is another word for (``SYNONYMS``), in the table's order; [] for none."""
    if not isinstance(word, str):
        return []
    pool = {c for c in candidates if isinstance(c, str)}
    key = re.sub(r"[\s-]+", "_", word.strip().lower())
    return [value for value in SYNONYMS.get(key, ()) if value in pool]


def suggest(
    text: str, word: Any, candidates: Iterable[str], after: str = "", otherwise: str = ""
) -> tuple[str, str | None]:
    """``text`` + `` (did you mean 'x'?)`` (or ``otherwise`` when nothing is close) + ``after``, and ``x``.

    A word the vocabulary knows as another word for one or more of the candidates (``meant``) is offered
    those: `` (did you mean 'exchange' or 'reship'?)``; the suggestion handed back is then the one value, or
    None when there are several (a program should not pick one for the person). Otherwise the closest
    candidate by likeness (``did_you_mean``). The message reads as before; the suggested name is handed
    back as data for the ``Problem``.
    """
    pool = list(candidates)
    words = meant(word, pool)
    if words:
        said = " or ".join(quoted(w) for w in words)
        return text + f" (did you mean {said}?)" + after, words[0] if len(words) == 1 else None
    best = did_you_mean(word, pool)
    return text + (f" (did you mean {quoted(best)}?)" if best else otherwise) + after, best


def dotted(path: Iterable[Any]) -> str:
    """``('order', 'items', 0, 'sku')`` → ``order.items[0].sku`` (a key of the input ``cut``)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + cut(str(part))
    return out


def shown(value: Any) -> str:
    """A value as a message names it: a text ``quoted``, anything else its ``repr``, ``cut``."""
    return quoted(value) if isinstance(value, str) else cut(repr(value))


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """The field names a model (walking ``loc``) accepts at that place."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return []
        current = _model_of(fields[part].annotation)
    fields = getattr(current, "model_fields", None)
    return [field.alias or name for name, field in fields.items()] if fields else []  # as a file spells them


def _model_of(annotation: Any) -> Any:
    """The BaseModel inside ``X``, ``X | None``, ``list[X]``, ``dict[str, X]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_of(arg)
        if found is not None:
            return found
    return None


_EXPECTED = re.compile(r"'([^']*)'")
# the parts pydantic adds to an error's loc for its own schema: function-after[...], list[...], [key], ...
_TAG = re.compile(r"^(\[key\]|[a-z][a-z0-9_-]*\[.*\]|function-.*)$", re.S)


def _without_tags(loc: tuple) -> tuple:
    return tuple(p for p in loc if not (isinstance(p, str) and _TAG.match(p)))


# The forms a field's text may be required to take, each with what a person is told when it does not.
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"
IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,119}$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
OWN_NAME_PATTERN = r"^x_[A-Za-z0-9_]{1,62}$"  # a policy's own value beside a vocabulary's (x_late_delivery)
PATTERN_WORDS = {
    NAME_PATTERN: "is not a name (letters, digits and '_', up to 64, not starting with a digit)",
    IDENTIFIER_PATTERN: "is not an identifier (letters, digits, '_', '.' and '-', up to 120, "
    "starting with a letter or digit)",
    CURRENCY_PATTERN: "is not a currency code (three capital letters, such as CNY)",
    OWN_NAME_PATTERN: "is not a policy's own name (x_ then letters, digits and '_', up to 64)",
}

# pydantic's error types in this project's words ({name} is filled from the error's context). A type not
# listed here is named by its code, never by pydantic's English, so no message depends on its wording.
_WORDS = {
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "multiple_of": "must be a multiple of {multiple_of}",
    "timezone_aware": "needs a UTC offset: add one, such as +08:00",
    "timezone_naive": "must not carry a UTC offset",
    "datetime_type": "is not a date and time (ISO 8601 with an offset, such as 2026-07-15T14:05:00+08:00)",
    "datetime_parsing": "is not a date and time (ISO 8601 with an offset, such as 2026-07-15T14:05:00+08:00)",
    "datetime_from_date_parsing": "is not a date and time (ISO 8601 with an offset, such as 2026-07-15T14:05:00+08:00)",
    "date_type": "is not a date (such as 2026-07-15)",
    "date_parsing": "is not a date (such as 2026-07-15)",
    "date_from_datetime_parsing": "is not a date (such as 2026-07-15)",
    "date_from_datetime_inexact": "is a date and time where a date (such as 2026-07-15) is expected",
    "time_type": "is not a time of day (such as 20:00)",
    "time_parsing": "is not a time of day (such as 20:00)",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "int_parsing_size": "is too large a number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "decimal_type": "must be a number",
    "decimal_parsing": "must be a number",
    "decimal_max_digits": "has more than {max_digits} digits",
    "decimal_max_places": "has more than {decimal_places} decimal places",
    "decimal_whole_digits": "has more than {whole_digits} digits before the point",
    "string_type": "must be text",
    "string_sub_type": "must be text",
    "string_unicode": "must be text",
    "string_too_short": "must have at least {min_length} character(s)",
    "string_too_long": "must have at most {max_length} characters",
    "string_pattern_mismatch": "does not have the expected form",
    "too_short": "must have at least {min_length} item(s)",
    "too_long": "must have at most {max_length} items",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "set_type": "must be a list",
    "dict_type": "must be a mapping (key: value)",
    "model_type": "must be a mapping (key: value)",
    "model_attributes_type": "must be a mapping (key: value)",
    "dataclass_type": "must be a mapping (key: value)",
    "none_required": "must be empty (null)",
    "union_tag_invalid": "has an unknown '{discriminator}' ({tag}); expected one of {expected_tags}",
    "union_tag_not_found": "needs '{discriminator}'",
    "is_instance_of": "is not the expected kind of value",
}


def _our_words(err: Any) -> str:
    """An error pydantic reported, as this project says it (a validator's own message is already ours)."""
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):  # the validator's exception itself, not pydantic's text about it
        return str(ctx["error"]) if "error" in ctx else err["msg"]
    words = PATTERN_WORDS.get(ctx.get("pattern", "")) if kind == "string_pattern_mismatch" else None
    words = words or _WORDS.get(kind)
    if words is None:
        return f"is not valid ({kind})"
    try:
        return words.format(**{**ctx, **({"tag": quoted(ctx["tag"])[1:-1]} if "tag" in ctx else {})})
    except (KeyError, IndexError, ValueError):
        return f"is not valid ({kind})"


def _naive(value: Any) -> datetime | None:
    """The date and time a value without a UTC offset names, if it reads as one."""
    if isinstance(value, datetime):
        return value if value.tzinfo is None else None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
        return parsed if parsed.tzinfo is None else None
    return None


def _show_offset(offset: timedelta) -> str:
    sign, minutes = ("-", -offset) if offset < timedelta(0) else ("+", offset)
    hours, rest = divmod(int(minutes.total_seconds()) // 60, 60)
    return f"{sign}{hours:02d}:{rest:02d}"


def _needs_offset(value: Any, zone: tzinfo | None) -> tuple[str, str | None]:
    """What a person is told about a time without a UTC offset, and the time with it (the suggestion).

    With the policy's time zone, the offset it has at that date and time (+08:00 for Asia/Shanghai);
    without one, an offset such as +08:00.
    """
    naive = _naive(value)
    offset = zone.utcoffset(naive) if zone is not None and naive is not None else None
    if offset is None or naive is None:
        words = _WORDS["timezone_aware"]
        return (words + f", to read {naive.isoformat()}+08:00" if naive else words), None
    shown = _show_offset(offset)
    name = getattr(zone, "key", None) or str(zone)
    fixed = naive.isoformat() + shown
    return f"needs a UTC offset: add {shown} (the policy's time zone, {name}), to read {fixed}", fixed


def pydantic_problems(
    exc: ValidationError,
    model: type[BaseModel],
    doc: Document | None,
    prefix: tuple = (),
    display_prefix: tuple = (),
    zone: tzinfo | None = None,
) -> list[Problem]:
    """Translate pydantic's errors into located problems (path and value named); ``zone``, the time zone of
    the policy the document is read for, names the offset a time without one should add."""
    found: list[tuple[tuple, Problem]] = []  # each problem with its path as a tuple
    seen: set[tuple] = set()
    for err in exc.errors(include_url=False):
        raw, kind, ctx = err["loc"], err["type"], err.get("ctx") or {}
        # an unknown key itself is the input's, never one of pydantic's tags
        loc = _without_tags(raw[:-1]) + (raw[-1],) if kind == "extra_forbidden" and raw else _without_tags(raw)
        value = err.get("input")
        suggestion = None
        if kind == ERROR_AT:  # a validator's error below its model: the place is in the context
            loc = loc + tuple(ctx["path"])
        doc_path = prefix + loc
        place = dotted(display_prefix + loc) or "(document)"
        if kind == "extra_forbidden":
            name = str(loc[-1])
            code = "unknown_field"
            parent = dotted(display_prefix + loc[:-1])
            message, suggestion = suggest(
                f"unknown field {quoted(name)}" + (f" in {parent}" if parent else ""), name, _fields_at(model, loc[:-1])
            )
            where = doc.key_at(doc_path) if doc else None
        elif kind == "missing":
            code = "missing_field"
            message = f"missing field {quoted(place)}"
            where = doc.at(doc_path[:-1]) if doc else None
        elif kind in ("literal_error", "enum"):
            allowed = _EXPECTED.findall(ctx.get("expected", ""))
            code = "invalid_value"
            message, suggestion = suggest(f"{place}: {shown(value)} is not one of {', '.join(allowed)}", value, allowed)
            where = doc.at(doc_path) if doc else None
        elif kind == ERROR_AT:
            code = "invalid_value"
            message, suggestion = f"{place}: {ctx['message']}", ctx.get("suggestion")
            where = doc.at(doc_path) if doc else None
        elif kind == "timezone_aware":
            code = "invalid_value"
            words, suggestion = _needs_offset(value, zone)
            message = f"{place}: {words} (got {shown(value)})"
            where = doc.at(doc_path) if doc else None
        else:
            code = "invalid_value"
            message = f"{place}: {_our_words(err)}"
            if kind not in ("value_error", "assertion_error") and not isinstance(value, (dict, list)):
                message += f" (got {shown(value)})"
            where = doc.at(doc_path) if doc else None
        key = (code, place, message)
        if key in seen:
            continue
        seen.add(key)
        found.append(
            (
                display_prefix + loc,
                Problem(where, code, message, path=dotted(display_prefix + loc), suggestion=suggestion),
            )
        )
    return _merge_misspellings(found)


def _merge_misspellings(found: list[tuple[tuple, Problem]]) -> list[Problem]:
    """A misspelled key also makes the right key "missing": report the misspelling only."""
    suggested = {loc[:-1] + (p.suggestion,) for loc, p in found if p.code == "unknown_field" and p.suggestion}
    return [p for loc, p in found if not (p.code == "missing_field" and loc in suggested)]
