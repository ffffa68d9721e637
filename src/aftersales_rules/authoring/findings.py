"""What the linter reports: a ``Finding`` (a located problem, with an example case for gaps and
overlaps), the ``CheckReport`` of a whole check, and where in the rule files each finding is placed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from ..engine.compiler import kinds_of
from ..errors import Problem, SourceLocation
from ..language.rules import Rule
from ..language.source import PolicySource

__all__ = ["CheckReport", "Finding", "RuleLocator", "gap_location", "header_location"]


@dataclass(frozen=True)
class Finding(Problem):
    """A problem with, for gaps and overlaps, a concrete case that shows it."""

    example: dict | None = field(default=None, compare=False)

    @classmethod
    def of(cls, problem: Problem) -> Finding:
        """A load problem as a finding, every field kept."""
        return cls(**{f.name: getattr(problem, f.name) for f in fields(Problem)})

    @property
    def label(self) -> str:
        """A finding names its severity, ``error`` too: ``error gap``, ``warning overlap``."""
        return f"{self.severity} {self.code}"

    def to_dict(self) -> dict:
        out = super().to_dict()
        if self.example is not None:
            out["example"] = self.example
        return out

    def line(self) -> str:
        """``file:line:col: severity code: message``: ``str(finding)``, printed as every problem is (one line)."""
        return str(self)


@dataclass
class CheckReport:
    """Every finding of one check, and the exit code they give."""

    findings: list[Finding]

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0


class RuleLocator:
    """Where a rule, and a part of it, is written."""

    def __init__(self, source: PolicySource):
        self.source = source
        self.paths: dict[SourceLocation, tuple] = {}
        for name, doc in source.documents.items():
            rules = doc.data.get("rules") if isinstance(doc.data, dict) else None
            for i in range(len(rules) if isinstance(rules, list) else 0):
                self.paths[doc.at(("rules", i))] = (name, ("rules", i))

    def key(self, rule: Rule, *below) -> SourceLocation:
        name, path = self.paths[rule.location]
        return self.source.documents[name].key_at(path + below)

    def raw(self, rule: Rule):
        name, path = self.paths[rule.location]
        return self.source.documents[name].data["rules"][path[1]]


def header_location(source: PolicySource) -> SourceLocation:
    """The policy header: where findings about the whole policy are reported."""
    for doc in source.documents.values():
        if isinstance(doc.data, dict) and "policy" in doc.data:
            return doc.key_at(("policy",))
    return SourceLocation(next(iter(source.documents), ""))


def gap_location(source: PolicySource, kind: str) -> SourceLocation:
    """The default resolution, if any; else the first rule that resolves cases of this kind."""
    if source.defaults.resolution is not None:
        for doc in source.documents.values():
            if isinstance(doc.data, dict) and isinstance(doc.data.get("defaults"), dict):
                return doc.key_at(("defaults", "resolution"))
    for rule in source.rules:
        if "resolution" in rule.slots and kinds_of(rule.when, source.scope.issue_kinds()) == frozenset({kind}):
            return rule.location
    return header_location(source)
