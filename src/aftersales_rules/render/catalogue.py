"""Message catalogues: every word a text view prints, one JSON file per language (``catalogues/<tag>.json``).

A catalogue holds the display names of the vocabulary's values (a section per enumeration of
``vocabulary.ENUMERATIONS``), of the case's facts (``fact``, by path), of what a rule decides
(``output``), of currencies, and the sentence templates of the text views (``messages``,
``str.format`` fields). Every catalogue has the same keys and each template the same fields
(tests/test_vocabulary.py), so a new language is a new file. What a policy or a case wrote
(rule ids, an ``x_`` kind, an attribute's name, a value) has no entry and is shown as written.

The language of a text view: ``--lang``, else the environment's locale (``LC_ALL``, then
``LC_MESSAGES``, then ``LANG``) when a catalogue speaks it, else the policy's first declared language
(``choose_language``).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from ..errors import quoted

__all__ = ["Catalogue", "catalogue", "choose_language", "languages", "load_catalogue", "locale_language", "padded"]

CATALOGUES = "catalogues"
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")  # the order POSIX reads them in for messages
# a locale's region that writes Chinese in traditional characters, for a catalogue zh-Hant
_TRADITIONAL = ("TW", "HK", "MO")


def _folder():
    return resources.files("aftersales_rules").joinpath(CATALOGUES)


@cache
def languages() -> tuple[str, ...]:
    """The language tags there is a catalogue for, sorted (``("en", "zh")``)."""
    return tuple(sorted(p.name[: -len(".json")] for p in _folder().iterdir() if p.name.endswith(".json")))


@cache
def load_catalogue(language: str = "en") -> dict[str, dict[str, str]]:
    """The catalogue of ``language`` as its file has it: ``{section: {key: text}}``."""
    if language not in languages():
        raise ValueError(f"no catalogue for language {quoted(language)}; there are {', '.join(languages())}")
    data: dict[str, dict[str, str]] = json.loads(_folder().joinpath(f"{language}.json").read_text(encoding="utf-8"))
    return data


class Catalogue:
    """The words of one language, looked up by what they name; what has no entry is shown as written."""

    def __init__(self, language: str, data: Mapping[str, Mapping[str, str]]):
        self.language = language
        self.data = data
        self.messages = data["messages"]

    def say(self, key: str, **fields: Any) -> str:
        """The template ``key`` of ``messages`` filled with ``fields``."""
        return self.messages[key].format(**fields)

    def name(self, enumeration: str, value: Any) -> str:
        """The display name of a vocabulary value (a policy's own ``x_...``: as written)."""
        return self.data[enumeration].get(value, value) if isinstance(value, str) else self.value(value)

    def fact(self, path: str) -> str:
        """A fact of the case by its display name (an attribute or a derived fact of the policy: its path)."""
        return self.data["fact"].get(path, path)

    def output(self, slot: str) -> str:
        """What a rule decided (``resolution``, ``compensation.fraud``; a derived fact: its path)."""
        if slot in self.data["output"]:
            return self.data["output"][slot]
        if slot.startswith("group "):  # a rule its group left out (explanation.Loss.output)
            return self.say("output_group", group=slot[len("group ") :])
        head, _, component = slot.partition(".")
        if head == "compensation" and component:
            return self.say("output_compensation", component=self.name("compensation_component", component))
        return slot

    def money(self, amount: Decimal, currency: str) -> str:
        return self.say("money", amount=f"{amount:.2f}", currency=self.data["currency"].get(currency, currency))

    def value(self, value: Any) -> str:
        """A value without an enumeration: true/false and unknown in words, amounts with two places."""
        if value is None:
            return self.say("unknown")
        if isinstance(value, bool):
            return self.say("true" if value else "false")
        if isinstance(value, Decimal):
            return f"{value:.2f}"
        if isinstance(value, datetime):
            return value.isoformat()
        return str(value)

    def join(self, parts: Iterable[str], separator: str = "list_separator") -> str:
        return self.say(separator).join(parts)


@cache
def catalogue(language: str = "en") -> Catalogue:
    """The ``Catalogue`` of ``language`` (ValueError naming the languages there are, if it has none)."""
    return Catalogue(language, load_catalogue(language))


def locale_language(environ: Mapping[str, str]) -> str | None:
    """The language of the environment's locale that a catalogue speaks: ``zh_CN.UTF-8`` → zh; else None.

    The first of ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` that is set decides; C, POSIX and a language
    without a catalogue are no choice.
    """
    setting = next((environ[v] for v in LOCALE_VARIABLES if environ.get(v)), "")
    tag = setting.split(".")[0].split("@")[0]
    language, _, region = tag.replace("-", "_").partition("_")
    language = language.lower()
    if not language or language in ("c", "posix"):
        return None
    if language == "zh" and region.upper() in _TRADITIONAL and "zh-Hant" in languages():
        return "zh-Hant"
    return language if language in languages() else None


def choose_language(requested: str | None, declared: Sequence[str], environ: Mapping[str, str]) -> str:
    """The language of a text view: ``requested``, else the locale's, else the policy's first declared one
    with a catalogue (else English)."""
    if requested:
        return requested
    spoken = locale_language(environ)
    if spoken:
        return spoken
    return next((tag for tag in declared if tag in languages()), "en")


def padded(text: str, width: int, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` terminal columns (a Chinese character takes two); ``right``:
    the spaces before it."""
    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    spaces = " " * max(0, width - columns)
    return spaces + text if right else text + spaces
