"""``spelled_value``: a step text that spells out a number a shared value defines, in a rule that uses that value.

After ``no_reason_days: 15`` a text that says "past the 7-day window" tells the buyer the old rule;
``{values.no_reason_days}`` (``:zh`` for 七) follows the value. To stay clear of numbers that only
look alike ("1 item", a law's own 七天), a text is flagged only when both hold:

* the number stands as a token of its own: not part of a longer number ("17", "7.5", "20:07"), in
  digits, or in Chinese numerals in a Chinese text ("七天", not "十七天");
* the rule showing the text uses that value: names ``$name`` anywhere in the rule, or tests a derived
  fact whose condition does (``facts.within_no_reason_window`` reads ``$no_reason_days``).

Only whole numbers from 2 up and amounts are looked for (0 and 1 are spelled by accident too often;
clock times and durations are not numbers a text repeats). A shared text is reported once, where it
is defined; an inline text where the step gives it.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from ..errors import SourceLocation, quoted
from ..language.conditions import Ref, walk
from ..language.rules import Rule
from ..language.source import PolicySource
from ..language.texts import MAX_CHINESE, VALUES, chinese_number
from .findings import Finding, RuleLocator

__all__ = ["spelled_values"]

_AMOUNT = re.compile(r"[0-9]+\.[0-9]+")
# Simplified numerals, and (as escapes, so that src/ carries no Traditional character) the
# Traditional 两 and 万 a zh-Hant text writes
_CHINESE_DIGITS = "零〇一二两三四五六七八九十百千万" + "\u5169\u842c"
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _numbers(value: Any) -> list[tuple[str, str]]:
    """The ways a text may spell this value: (token, format for the placeholder: "" or "zh")."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        if value < 2:
            return []
        return [(str(value), "")] + ([(chinese_number(value), "zh")] if value <= MAX_CHINESE else [])
    text = str(value) if isinstance(value, (Decimal, str)) else ""
    return [(text, "")] if _AMOUNT.fullmatch(text) else []


def _spells(text: str, token: str, chinese: bool) -> bool:
    text = _PLACEHOLDER.sub(" ", text.replace("{{", " ").replace("}}", " "))
    if chinese:
        pattern = rf"(?<![{_CHINESE_DIGITS}]){re.escape(token)}(?![{_CHINESE_DIGITS}])"
    else:
        pattern = rf"(?<![0-9.,:]){re.escape(token)}(?![0-9]|[.,:][0-9])"
    return re.search(pattern, text) is not None


def _dollar_names(raw: Any) -> set[str]:
    if isinstance(raw, str):
        return {raw[1:]} if raw.startswith("$") and not raw.startswith("$$") else set()
    if isinstance(raw, dict):
        return set().union(*(_dollar_names(v) for v in raw.values())) if raw else set()
    if isinstance(raw, list):
        return set().union(*(_dollar_names(v) for v in raw)) if raw else set()
    return set()


def _values_used(rule: Rule, source: PolicySource, where: RuleLocator) -> set[str]:
    names = _dollar_names(where.raw(rule))
    for node in walk(rule.when):
        if isinstance(node, Ref) and node.name in source.scope.condition_facts:
            names |= _dollar_names(source.scope.condition_facts[node.name].raw)
    return {n for n in names if (d := source.scope.definitions.get(n)) is not None and d.kind == "value"}


def _shared_text(source: PolicySource, name: str) -> tuple[dict, SourceLocation] | None:
    d = source.scope.definitions.get(name)
    if d is None or d.kind != "text":
        return None
    doc = source.documents[d.location.file]
    raw = doc.data.get("texts", {}).get(name) if isinstance(doc.data, dict) else None
    return (raw, d.location) if isinstance(raw, dict) else None


def spelled_values(source: PolicySource, where: RuleLocator) -> list[Finding]:
    """A warning for each text that spells a shared value its rule uses (see the module's docstring)."""
    out: list[Finding] = []
    seen: set[tuple] = set()
    for rule in source.rules:
        used = sorted(_values_used(rule, source, where))
        if not used:
            continue
        steps = (where.raw(rule).get("then") or {}).get("steps") or []
        for i, (raw, spec) in enumerate(zip(steps, rule.steps, strict=True)):
            text = raw.get("text") if isinstance(raw, dict) else None
            if isinstance(text, str) and text.startswith("$"):
                found = _shared_text(source, text[1:])
                if found is None:
                    continue
                written, location = found
                what = f"text {quoted(text[1:])} (shown by rule {quoted(rule.id)})"
            elif isinstance(text, dict):
                written, location = text, where.key(rule, "then", "steps", i, "text")
                what = f"the {spec.action} step of rule {quoted(rule.id)}"
            else:
                continue
            for name in used:
                for lang in ("zh", "en"):
                    said = written.get(lang)
                    if not isinstance(said, str):
                        continue
                    for token, fmt in _numbers(source.scope.definitions[name].value):
                        key = (location, name, lang, token)
                        if key in seen or not _spells(said, token, chinese=fmt == "zh"):
                            continue
                        seen.add(key)
                        placeholder = "{" + VALUES + name + (":" + fmt if fmt else "") + "}"
                        out.append(
                            Finding(
                                location,
                                "spelled_value",
                                f"the {lang} text of {what} spells {token}, the shared value {name} that the rule "
                                f"uses: write {placeholder} so that the text follows the value",
                                "warning",
                            )
                        )
    return out
