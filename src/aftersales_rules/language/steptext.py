"""Step texts of a rule file: ``{zh, en}`` with placeholders, parsed and checked at load.

A placeholder is a fact of the case (``{order.order_id}``), a figure the plan fills
(``{refund.total}``, ``{compensation.total}``, a leg's cap or share, ``{due_by}``)
or a shared value (``{values.no_reason_days}``, filled in at load by ``texts.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..diagnostics import shown, suggest
from ..errors import quoted
from ..vocabulary import PARTIES
from .compensation import SLOT as COMPENSATION_SLOT
from .compensation import is_component
from .scope import Reader
from .texts import VALUES, fill_values, value_placeholder

__all__ = [
    "LEG_PLACEHOLDERS",
    "PLACEHOLDER",
    "PLACEHOLDER_EXTRAS",
    "TextSpec",
    "check_placeholders",
    "is_extra",
    "other_texts",
    "parse_detail",
    "parse_text",
    "resolve_values",
]

PLACEHOLDER_EXTRAS = ("refund.total", "refund.offer_limit", "due_by")
# a leg's figures a text may show: its cap, and each party's share (a leg not split is borne_by's alone)
LEG_PLACEHOLDERS = tuple(
    f"postage.{leg}.{what}"
    for leg in ("return_leg", "outbound_leg")
    for what in ("cap", *(f"shares.{p}" for p in PARTIES))
)
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class TextSpec:
    zh: str | None
    en: str | None
    others: tuple[tuple[str, str], ...] = ()  # (tag, text) in the other languages the policy declares

    def text(self, language: str) -> str | None:
        """The text in ``language`` (a tag the policy declares), None if it has none."""
        if language in ("zh", "en"):
            return self.zh if language == "zh" else self.en
        return dict(self.others).get(language)

    def placeholders(self) -> set[str]:
        out: set[str] = set()
        for text in (self.zh, self.en, *(t for _, t in self.others)):
            if text:
                out |= {m.strip() for m in PLACEHOLDER.findall(text.replace("{{", "").replace("}}", ""))}
        return out


def parse_text(r: Reader, value: Any) -> TextSpec | None:
    """A step text: ``$name`` of a shared text, or ``{zh: ..., en: ...}``."""
    if value is None:
        r.error("missing_field", "a step needs a text ({zh: ..., en: ...} or $name of a shared text)")
        return None
    ok, resolved = r.deref(value, "text")
    if not ok:
        return None
    if isinstance(resolved, TextSpec):
        return resolved
    if isinstance(resolved, str):
        r.error("invalid_text", "a text needs both languages: {zh: ..., en: ...} (or $name of a shared text)")
        return None
    if not isinstance(resolved, dict):
        r.error("invalid_text", f"expected {{zh: ..., en: ...}}, got {shown(resolved)}")
        return None
    known = tuple(dict.fromkeys(("zh", "en", *r.scope.languages)))
    for key in resolved:
        if key not in known:
            declared = f" (the policy declares {', '.join(r.scope.languages)})"
            r.at(key).error(
                "unknown_field",
                *suggest(f"unknown language {quoted(key)}", str(key), known, otherwise=declared),
                on_key=True,
            )
            return None
        if not isinstance(resolved[key], str) or not resolved[key].strip():
            r.at(key).error("invalid_text", f"the {key} text must be non-empty text")
            return None
    if not resolved:
        r.error("invalid_text", "a text needs zh and en")
        return None
    others = tuple((k, resolved[k]) for k in r.scope.languages if k not in ("zh", "en") and k in resolved)
    spec = TextSpec(resolved.get("zh"), resolved.get("en"), others)
    check_placeholders(r, spec)
    return resolve_values(r, spec)


def parse_detail(r: Reader, value: Any) -> tuple[str, TextSpec | None] | None:
    """A gesture's detail: one text for every language, or a text per language as a step's (``{zh: ..., en:
    ...}`` or ``$name``) without the case's values (a gesture is the same in every plan of its rules); with the
    text in the policy's first language as the detail. None after reporting problems."""
    if isinstance(value, str) and not value.startswith("$"):
        if not value.strip():
            r.error("invalid_text", "a gesture's detail must be non-empty text")
            return None
        return value, None
    before = len(r.problems)
    spec = parse_text(r, value)
    if spec is None or len(r.problems) > before:
        return None
    shown = sorted(spec.placeholders())  # a shared value ({values.x}) is filled in already
    if shown:
        r.error(
            "invalid_text", f"a gesture's text is the same in every plan: it cannot show {quoted('{' + shown[0] + '}')}"
        )
        return None
    unbraced = TextSpec(_unbraced(spec.zh), _unbraced(spec.en), tuple((k, _unbraced(t)) for k, t in spec.others))
    first = next(t for t in (unbraced.text(tag) for tag in (*r.scope.languages, "zh", "en")) if t is not None)
    return first, unbraced


def _unbraced(text: Any) -> Any:
    """A text shown as it is written, its {{ and }} as single braces."""
    return text.replace("{{", "{").replace("}}", "}") if isinstance(text, str) else text


def other_texts(r: Reader, extra: dict[str, Any]) -> tuple[tuple[str, str], ...] | None:
    """A shared text's texts beyond zh and en (``TextModel``'s extra keys): each in a language the policy
    declares, non-empty; None after reporting problems."""
    before = len(r.problems)
    for tag, text in extra.items():
        if tag not in r.scope.languages:
            declared = f" (the policy declares {', '.join(r.scope.languages)})"
            r.at(tag).error("unknown_field", f"unknown language {quoted(tag)}{declared}", on_key=True)
        elif not isinstance(text, str) or not text.strip():
            r.at(tag).error("invalid_text", f"the {tag} text must be non-empty text")
    if len(r.problems) > before:
        return None
    return tuple((tag, extra[tag]) for tag in r.scope.languages if tag in extra)


def resolve_values(r: Reader, spec: TextSpec) -> TextSpec:
    """``spec`` with its shared values filled in (``{values.x}``): constants, like ``$x``, known at load."""
    if not any(name.startswith(VALUES) for name in spec.placeholders()):
        return spec
    shown = {name: value_placeholder(r, name, report=False) for name in spec.placeholders() if name.startswith(VALUES)}
    others = tuple((tag, fill_values(text, shown.get) or text) for tag, text in spec.others)
    return TextSpec(fill_values(spec.zh, shown.get), fill_values(spec.en, shown.get), others)


def is_extra(name: str) -> bool:
    """A placeholder the plan fills, not a fact: the refund's figures, the compensation's, the due time."""
    if name in PLACEHOLDER_EXTRAS:
        return True
    head, _, tail = name.partition(".")
    return head + "." == COMPENSATION_SLOT and (tail == "total" or is_component(tail))


def check_placeholders(r: Reader, spec: TextSpec) -> None:
    allowed = [
        *r.scope.facts,
        *PLACEHOLDER_EXTRAS,
        *LEG_PLACEHOLDERS,
        COMPENSATION_SLOT + "total",
        *(VALUES + n for n in r.scope.names_of("value")),
    ]
    for name in sorted(spec.placeholders()):
        if name.startswith(VALUES):
            value_placeholder(r, name)  # reports an unknown value or format
        elif name not in allowed and not is_extra(name):
            r.error(
                "unknown_placeholder",
                *suggest(
                    f"unknown placeholder {quoted('{' + name + '}')} in text",
                    name,
                    allowed,
                    after=" (write {{ and }} for literal braces)",
                ),
            )
