"""A policy's conditions, facts and values in words of one language, for the text views (render.Wording).

A ``because`` line and a failed condition are worded from the condition's data (``Test``, ``All``,
``AnyOf``, ``Not``, ``Ref``, a quantified item condition, a moment), not from the trace's English
text: each fact by its catalogue name, each operator by its template, each value of the vocabulary by
its display name. What the policy owns is shown as written: a derived fact (``facts.x``), an
attribute, an item attribute and the values a rule file compares them with. In English the words are
the rule files' own notation, so the English view reads as ``describe()`` does.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Any

from ..render import Catalogue, catalogue
from ..vocabulary import ENUMERATIONS
from .conditions import All, AnyOf, Condition, FactRef, Not, Ref, Test
from .facts import Fact
from .items import ItemTest
from .moments import Moment
from .source import PolicySource

__all__ = ["PolicyWording", "policy_wording"]

_TIME_OPS = {"lt": "before", "le": "on_or_before", "gt": "after", "ge": "on_or_after"}
_UNITS = (("days", 86400), ("hours", 3600), ("minutes", 60), ("seconds", 1))


def _enumeration(fact: Fact | None) -> str | None:
    """The vocabulary enumeration an enum fact takes its values from (the one naming most of them)."""
    if fact is None or fact.type != "enum":
        return None
    overlap = {name: len(set(fact.values) & set(values)) for name, values in ENUMERATIONS.items()}
    best = max(overlap, key=lambda name: overlap[name])
    return best if overlap[best] else None


class PolicyWording:
    """``source``'s conditions, facts and values in ``language`` (render.Wording)."""

    def __init__(self, source: PolicySource, language: str):
        self.source = source
        self.words: Catalogue = catalogue(language)
        self.languages: tuple[str, ...] = tuple(source.header.languages)
        self.rules = {rule.id: rule for rule in source.rules}

    # -- render.Wording

    def condition(self, rule: str, text: str) -> str:
        """The top-level condition of ``rule`` the trace writes as ``text``, in words (unmatched: ``text``)."""
        found = self.rules.get(rule)
        if found is None:
            return text
        when = found.when
        items: tuple[Condition, ...] = when.items if isinstance(when, All) else (when,)
        if not items:
            return self.words.say("always")
        for item in items:
            if item.describe() == text:
                return self.say(item)
        return text

    def fact(self, path: str) -> str:
        quantified = self.source.scope.items.quantified.get(path)
        if quantified is not None:
            return self.words.say(f"items_{quantified.quantifier}", condition=self._item(quantified.condition))
        return self.words.fact(path)

    def value(self, path: str, value: Any) -> str:
        enumeration = _enumeration(self.source.scope.fact(path))
        if enumeration is not None and isinstance(value, str):
            return self.words.name(enumeration, value)
        return self.words.value(value)

    # -- conditions

    def say(self, node: Condition) -> str:
        """A condition in words."""
        w = self.words
        if isinstance(node, ItemTest):
            return self.fact(node.path)
        if isinstance(node, Test):
            if node.op in ("known", "unknown"):
                return w.say("known" if node.op == "known" else "not_known", fact=self.fact(node.path))
            op = _TIME_OPS[node.op] if isinstance(node.value, Moment) else node.op
            return w.say(op, fact=self.fact(node.path), value=self._operand(node.path, node.value))
        if isinstance(node, Ref):
            return f"facts.{node.name}"
        if isinstance(node, Not):
            if isinstance(node.item, Ref):
                return w.say("not_fact", fact=f"facts.{node.item.name}")
            return w.say("not", condition=self.say(node.item))
        if not node.items:
            return w.say("always" if isinstance(node, All) else "never")
        return w.say("all" if isinstance(node, All) else "any").join(self._nested(i) for i in node.items)

    def _nested(self, node: Condition) -> str:
        text = self.say(node)
        nested = isinstance(node, (All, AnyOf)) and len(node.items) > 1
        return self.words.say("nested", condition=text) if nested else text

    def _operand(self, path: str, value: Any) -> str:
        if isinstance(value, tuple):
            return self.words.say("values", values=self.words.join(self._operand(path, v) for v in value))
        if isinstance(value, Moment):
            return self._moment(value)
        if isinstance(value, FactRef):
            return self.fact(value.path)
        return self.value(path, value)

    def _moment(self, m: Moment) -> str:
        w = self.words
        fact = self.fact(m.path)
        if m.form == "fact":
            return fact
        if m.form == "from":
            return w.say("moment_plus", fact=fact, duration=self._duration(m.seconds))
        clock = f"{m.clock or time(0):%H:%M}"
        if m.form == "next":
            return w.say("moment_next", clock=clock, fact=fact)
        if m.days:
            return w.say("moment_day_plus", clock=clock, fact=fact, days=m.days)
        return w.say("moment_day", clock=clock, fact=fact)

    def _duration(self, seconds: int) -> str:
        out = ""
        for unit, size in _UNITS:
            if seconds >= size:
                out += self.words.say(unit, n=seconds // size)
                seconds %= size
        return out or self.words.say("seconds", n=0)

    # -- item conditions: the words a rule file uses for them (items.py), the attributes as written

    def _item(self, node: Condition) -> str:
        w = self.words
        if isinstance(node, Test):
            if node.op in ("known", "unknown"):
                return w.say("item_known" if node.op == "known" else "item_not_known", fact=node.path)
            return w.say(f"item_{node.op}", fact=node.path, value=self._item_value(node.value))
        if isinstance(node, Not):
            return w.say("item_not", condition=self._item(node.item))
        if isinstance(node, Ref):
            return self._item(node.condition)
        parts = [self._item(i) for i in node.items]
        parts = [
            w.say("nested", condition=p) if isinstance(i, (All, AnyOf)) else p
            for i, p in zip(node.items, parts, strict=True)
        ]
        return w.say("all" if isinstance(node, All) else "any").join(parts)

    def _item_value(self, value: Any) -> str:
        if isinstance(value, tuple):
            return self.words.say("values", values=self.words.join(self._item_value(v) for v in value))
        if isinstance(value, (bool, Decimal)):
            return self.words.value(value)
        return str(value)


def policy_wording(source: PolicySource, language: str) -> PolicyWording:
    """The words of ``source``'s conditions, facts and values in ``language`` (a catalogue's tag)."""
    return PolicyWording(source, language)
