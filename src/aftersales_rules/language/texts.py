"""Shared values shown in step texts: ``{values.no_reason_days}``, and ``{values.no_reason_days:zh}`` (七).

A shared value is a constant of the policy, so its placeholder is filled in when the policy loads,
exactly as a ``$name`` in a condition is: the step text the engine renders already says "7", and a
policy that widens the window to 15 days tells the buyer 15. Whole numbers can also be shown in
Chinese numerals (``:zh``), as the Chinese texts write them (七天, 十五天).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..diagnostics import shown, suggest
from ..errors import quoted
from .scope import Reader

__all__ = ["FORMATS", "VALUES", "chinese_number", "fill_values", "show_value", "value_placeholder"]

VALUES = "values."  # the placeholder prefix of a shared value
FORMATS = ("zh",)  # how a value may be shown besides as written: zh, a whole number in Chinese numerals
MAX_CHINESE = 9_999  # the largest whole number written in Chinese numerals (up to the thousands)

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_DIGITS = "零一二三四五六七八九"
_UNITS = ((1000, "千"), (100, "百"), (10, "十"))


def chinese_number(n: int) -> str:
    """``n`` (0 to 9,999) in Chinese numerals: 7 → 七, 10 → 十, 15 → 十五, 105 → 一百零五, 2010 → 二千零一十."""
    if not 0 <= n <= MAX_CHINESE:
        raise ValueError(f"Chinese numerals are written for whole numbers 0 to {MAX_CHINESE:,}, not {n}")
    if n < 10:
        return _DIGITS[n]
    out, gap = "", False
    for unit, name in _UNITS:
        digit, n = divmod(n, unit) if out or n >= unit else (0, n)
        if digit:
            out += ("零" if gap else "") + _DIGITS[digit] + name
            gap = False
        elif out:
            gap = True
    if n:
        out += ("零" if gap else "") + _DIGITS[n]
    return out[1:] if out.startswith("一十") else out  # 十五, not 一十五


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def show_value(value: Any, fmt: str = "") -> str:
    """A shared value as a text shows it: as written in ``values:`` (``true``/``false`` for a truth value), or
    with ``fmt`` ``zh`` a whole number in Chinese numerals (``ValueError`` for anything else)."""
    if fmt == "zh":
        n = _whole(value)
        if n is None:
            raise ValueError(f"only a whole number is shown in Chinese numerals (:zh), not {shown(value)}")
        return chinese_number(n)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)  # an int, a Decimal with the places written, a text


def value_placeholder(r: Reader, name: str, report: bool = True) -> str | None:
    """What ``{values.<name>[:fmt]}`` shows; None for an unknown value or format, reported with ``report``."""
    ref, _, fmt = name[len(VALUES) :].partition(":")
    ref, fmt = ref.strip(), fmt.strip()
    found = r.scope.lookup(ref, "value")
    if not report:
        try:
            return show_value(found.value, fmt) if found is not None and fmt in ("", *FORMATS) else None
        except ValueError:
            return None
    if found is None:
        known = [VALUES + n for n in r.scope.names_of("value")]
        r.error(
            "unknown_placeholder",
            *suggest(f"unknown placeholder {quoted('{' + name + '}')} in text", VALUES + ref, known),
        )
        return None
    if fmt and fmt not in FORMATS:
        r.error(
            "unknown_placeholder",
            f"unknown format {quoted(':' + fmt)} of {quoted('{' + name + '}')}: "
            f"write {{{VALUES}{ref}}}, or {{{VALUES}{ref}:zh}} for Chinese numerals",
        )
        return None
    try:
        return show_value(found.value, fmt)
    except ValueError as exc:
        r.error("invalid_value", f"{quoted('{' + name + '}')}: {exc}")
        return None


def fill_values(text: str | None, show: Callable[[str], str | None]) -> str | None:
    """``text`` with each ``{values.…}`` placeholder replaced by ``show(name)`` (left as it is when that is None);
    ``{{`` and ``}}`` stay literal braces, and braces in a shown value become literal braces."""
    if text is None or "{" not in text:
        return text
    marked = text.replace("{{", "\0").replace("}}", "\1")

    def one(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        shown = show(name) if name.startswith(VALUES) else None
        return match.group(0) if shown is None else shown.replace("{", "\0").replace("}", "\1")

    return _PLACEHOLDER.sub(one, marked).replace("\0", "{{").replace("\1", "}}")
