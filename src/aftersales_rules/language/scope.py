"""What a rule file can name: catalogue facts, declared attributes and derived
facts, shared values and texts — and the parse context that reports problems.

A ``Scope`` is built from every file's definitions before any rule is read, so
rules in one file can use what another declares. ``Reader`` wraps a document
and a path, and is what the language parsers take: it knows where it is, adds
located problems and resolves ``$name`` references.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..diagnostics import dotted, suggest
from ..errors import Problem, SourceLocation, quoted
from ..loader import Document
from .facts import FACTS, Fact

__all__ = ["QUANTIFIERS", "Definition", "Escalation", "ItemScope", "Reader", "Scope"]

# the tests of an order line's attributes over the affected items (language/items.py)
QUANTIFIERS = ("items.any", "items.all", "items.none")


@dataclass
class Definition:
    """One shared definition (a value, text, attribute or derived fact)."""

    name: str
    kind: str  # "value" | "text" | "attribute" | "fact"
    value: Any
    location: SourceLocation
    used: bool = False


@dataclass
class ItemScope:
    """What an order line can say (``item_attributes:``), and the item conditions rules quantify (items.py)."""

    facts: dict[str, Fact] = field(default_factory=dict)  # by attribute name
    defaults: dict[str, Any] = field(default_factory=dict)  # the value of a line that does not give it
    definitions: dict[str, Definition] = field(default_factory=dict)
    quantified: dict[str, Any] = field(default_factory=dict)  # a flag's path → items.Quantified
    quantifiers: tuple[str, ...] = ()  # QUANTIFIERS once the builder sets ``parse`` (none in an item condition)
    parse: Callable[..., Any] = field(default=lambda r, path, spec: None)  # items.parse_quantified


@dataclass
class Escalation:
    """An intended escalation: cases the policy sends to a person on purpose (no gap for the linter)."""

    name: str
    description: str
    when: Any  # a Condition
    location: SourceLocation


@dataclass
class Scope:
    definitions: dict[str, Definition] = field(default_factory=dict)
    facts: dict[str, Fact] = field(default_factory=lambda: dict(FACTS))
    condition_facts: dict[str, Any] = field(default_factory=dict)  # facts.X defined by `when`, parsed lazily
    timezone: Any = None
    languages: tuple[str, ...] = ("zh", "en")  # the header's: what a step text may carry besides zh and en
    items: ItemScope = field(default_factory=ItemScope)
    kinds: dict[str, Definition] = field(default_factory=dict)  # the policy's own issue kinds (x_...): description
    escalations: dict[str, Escalation] = field(default_factory=dict)  # intended escalations, by name

    def issue_kinds(self) -> tuple[str, ...]:
        """Every issue kind a case may have under this policy: the standard ones, then the policy's own."""
        return tuple(self.facts["issue.kind"].values)

    def fact(self, path: str) -> Fact | None:
        return self.facts.get(path)

    @property
    def keywords(self) -> tuple[str, ...]:
        """What a condition may name besides facts."""
        return (*self.items.quantifiers, "all", "any", "not")

    def derived_defaults(self) -> dict[str, Any]:
        """Each derived fact that rules set (``facts.X``), at its declared default."""
        return {p: self.definitions[p[6:]].value for p in self.facts if p.startswith("facts.")}

    def lookup(self, name: str, kind: str) -> Definition | None:
        found = self.definitions.get(name)
        if found is not None and found.kind == kind:
            found.used = True
            return found
        return None

    def names_of(self, kind: str) -> list[str]:
        return [d.name for d in self.definitions.values() if d.kind == kind]


@dataclass
class Reader:
    """A place in a document, with the scope and the problem list."""

    doc: Document
    path: tuple
    scope: Scope
    problems: list[Problem]

    def at(self, *more: Any) -> Reader:
        return Reader(self.doc, self.path + tuple(more), self.scope, self.problems)

    @property
    def location(self) -> SourceLocation:
        return self.doc.at(self.path)

    @property
    def key_location(self) -> SourceLocation:
        return self.doc.key_at(self.path)

    @property
    def where(self) -> str:
        return dotted(self.path)

    def error(self, code: str, message: str, suggestion: str | None = None, *, on_key: bool = False) -> None:
        """A problem here (at the key with ``on_key``); ``suggestion`` is the did-you-mean name, if any.

        With ``diagnostics.suggest``: ``r.error(code, *suggest(text, word, known), on_key=True)``.
        """
        loc = self.key_location if on_key else self.location
        self.problems.append(Problem(loc, code, message, path=self.where, suggestion=suggestion))

    def deref(self, value: Any, kind: str = "value") -> tuple[bool, Any]:
        """Resolve a ``$name`` reference; returns (ok, value). ``$$x`` is the literal ``$x``."""
        if isinstance(value, str) and value.startswith("$"):
            if value.startswith("$$"):
                return True, value[1:]
            name = value[1:]
            found = self.scope.lookup(name, kind)
            if found is None:
                self.error(
                    "unknown_reference",
                    *suggest(f"no shared {kind} named {quoted(name)}", name, self.scope.names_of(kind)),
                )
                return False, None
            return True, found.value
        return True, value
