"""The classes of cases a policy tells apart, found without the engine: the linter's model.

For one issue kind, the rules' conditions are evaluated over *abstract* facts:
an enum or boolean fact takes each of its values (and unknown where it may
be unknown); a text fact each value a rule names, or some other text; a money
or count fact a value on each side of every constant a rule compares it with;
a comparison between two facts (``opened_at`` within 7 days after
``order.delivered_at``) is a free true/false, or unknown when one side is.
The search splits on a fact only when a condition needs it, so each *leaf* is
one class of cases that the engine cannot tell apart: the same rules match,
the same rules apply, the same outputs win. The engine's conflict policy
(engine/decision.py: groups, then the highest priority per output) is applied to each
leaf by the engine's own ``decide``, collecting every conflict rather than raising at the first.

The model over-approximates: every real case falls in some leaf, but a leaf
may combine values no real case has (comparisons are free). So "no leaf
lets this rule apply" is proof, while a gap or an overlap found in a leaf is
confirmed on a concrete case (witness.py) before it is reported as an error.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from ..case import Case
from ..engine.compiler import comparison_paths, kinds_of
from ..engine.decision import Conflict, decide
from ..language.conditions import AnyOf, Condition, FactRef, Not, Ref, Test, walk
from ..language.facts import Fact
from ..language.itemfacts import consistent
from ..language.moments import Moment
from ..language.rules import Rule
from ..language.source import PolicySource
from ..language.truth import holds_when_unknown, test_holds

__all__ = ["KNOWN", "OTHER", "Conflict", "Exploration", "Leaf", "Space", "case_field", "depends", "describe_value"]

MAX_LEAVES = 20_000  # per kind: beyond this the search stops and says so


class _Mark:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


KNOWN = _Mark("KNOWN")  # a known value whose size no rule tests
OTHER = _Mark("OTHER")  # a text no rule names

# facts that are a view of another fact: (the fact, how the view reads it)
VIEWS = {
    "order.delivered": "order.delivered_at",
    "order.cost_known": "order.profit",
    "affected.cost_known": "affected.profit",
}


@dataclass
class Leaf:
    """One class of cases: the abstract facts that define it and what the rules do with it."""

    assign: dict
    matched: list[Rule]
    applied: list[Rule]
    winners: dict[str, list[Rule]]
    conflicts: list[Conflict]
    values: dict = field(default_factory=dict)  # each derived fact as the rules left it

    def contributes(self, rule: Rule) -> bool:
        """The rule applies and shows in the plan: it decides an output, or adds steps or gestures."""
        if rule not in self.applied:
            return False
        return bool(rule.steps or rule.gestures) or any(rule in rules for rules in self.winners.values())


@dataclass
class Exploration:
    kind: str
    rules: list[Rule]
    leaves: list[Leaf] = field(default_factory=list)
    complete: bool = True


class _Need(Exception):
    def __init__(self, key: Any):
        self.key = key


class Space:
    """The abstract facts of a policy: their domains, and the search over them per issue kind."""

    def __init__(self, source: PolicySource):
        self.source = source
        self.facts: dict[str, Fact] = source.scope.facts
        self.tz = source.scope.timezone
        self.constants: dict[str, set] = {}  # text and number facts: the constants rules compare them with
        for rule in source.rules:
            for node in walk(rule.when):
                if isinstance(node, Test) and not isinstance(node.value, (FactRef, Moment)) and node.value is not None:
                    values = node.value if isinstance(node.value, tuple) else (node.value,)
                    self.constants.setdefault(node.path, set()).update(values)
        self.derived_defaults = source.scope.derived_defaults()
        self.kinds = source.scope.issue_kinds()  # the standard kinds, then the policy's own

    # ------------------------------------------------------------------ domains

    def parent(self, path: str) -> str | None:
        head = path.rsplit(".", 1)[0]
        fact = self.facts.get(head)
        return head if head != path and fact is not None and fact.type == "object" else None

    def domain(self, key: Any) -> tuple:
        """The abstract values of a fact (a path) or of a comparison (a ``Test``), in a fixed order."""
        if isinstance(key, Test):
            return (True, False)
        fact = self.facts[key]
        nullable = fact.nullable and (self.parent(key) is None or _none_allowed_below_parent(key))
        tail = (None,) if nullable else ()
        kind = fact.type
        if kind == "enum":
            return tuple(fact.values) + tail
        if kind == "bool":
            return (True, False) + tail
        if kind == "text" and self.constants.get(key):
            named = sorted(str(v) for v in self.constants[key])
            return tuple(named) + (OTHER,) + tail
        if kind in ("money", "int") and self.constants.get(key):
            return self.representatives(key) + tail
        return (KNOWN,) + tail

    def representatives(self, path: str) -> tuple:
        """A value below, at and above each constant a rule compares ``path`` with."""
        fact = self.facts[path]
        step = Decimal("0.01") if fact.type == "money" else 1
        points: set = set()
        for c in self.constants.get(path, ()):
            if isinstance(c, bool) or not isinstance(c, (int, Decimal)):
                continue
            points.update(v for v in (c - step, c, c + step) if v >= 0)
        return tuple(sorted(points)) or (KNOWN,)

    def region(self, path: str, value: Any) -> tuple:
        """Where a number lies relative to every constant of ``path`` (equal regions: same tests)."""
        consts = sorted(
            c for c in self.constants.get(path, ()) if isinstance(c, (int, Decimal)) and not isinstance(c, bool)
        )
        return tuple((value > c) - (value < c) for c in consts)

    # ------------------------------------------------------------------ search

    def rules_of(self, kind: str) -> list[Rule]:
        """The rules the engine matches cases of ``kind`` against (compiler.kinds_of), in load order."""
        return [r for r in self.source.rules if kind in kinds_of(r.when, self.kinds)]

    def explore(self, kind: str, rules: list[Rule] | None = None, limit: int | None = None) -> Exploration:
        """Every leaf of ``kind`` (for ``rules``, by default all of the kind's): split on a fact when a condition
        needs it. ``rules`` must hold the setters of every derived fact they read (see ``depends``)."""
        limit = limit or MAX_LEAVES
        rules = self.rules_of(kind) if rules is None else rules
        out = Exploration(kind, rules)
        stack: list[dict] = [{}]
        while stack:
            assign = stack.pop()
            try:
                out.leaves.append(self.decide(kind, rules, assign))
            except _Need as need:
                for value in reversed(self.domain(need.key)):
                    more = {**assign, need.key: value}
                    if consistent(more, self.source.scope.items):  # items.any(x) and items.none(x) agree
                        stack.append(more)
                continue
            if len(out.leaves) >= limit:
                out.complete = False
                break
        return out

    def leaf_of(self, kind: str, value_of) -> Leaf:
        """The leaf of one case, given ``value_of(key)``: its abstract value of a path or a comparison."""
        rules = self.rules_of(kind)
        assign: dict = {}
        while True:
            try:
                return self.decide(kind, rules, assign)
            except _Need as need:
                assign[need.key] = value_of(need.key)

    def decide(self, kind: str, rules: list[Rule], assign: dict) -> Leaf:
        """What the engine would do with every case of this class (raises ``_Need`` for an unset fact)."""

        def match(stratum: int, derived: dict) -> list[Rule]:
            return [r for r in rules if r.stratum == stratum and self.holds(r.when, kind, assign, derived)]

        conflicts: list[Conflict] = []
        # like the engine, every derived fact starts at its default, set by a rule of this kind or not
        d = decide(sorted({r.stratum for r in rules}), match, self.derived_defaults, conflicts.append)
        return Leaf(dict(assign), d.matched, d.applied, d.winners, conflicts, d.values)

    def split(self, kind: str, assign: dict, condition: Condition, derived: dict) -> list[tuple[dict, bool]]:
        """The classes of ``assign`` that ``condition`` tells apart (split on the facts it needs), each with
        whether it holds there; ``derived`` are the derived facts as the rules left them (``Leaf.values``)."""
        out: list[tuple[dict, bool]] = []
        stack = [assign]
        while stack:
            now = stack.pop()
            try:
                out.append((now, self.holds(condition, kind, now, derived)))
            except _Need as need:
                stack.extend({**now, need.key: value} for value in reversed(self.domain(need.key)))
        return out

    # ------------------------------------------------------------------ evaluation

    def holds(self, node: Condition, kind: str, assign: dict, derived: dict) -> bool:
        """The condition's truth in this class of cases; ``_Need`` names the first fact it cannot do without."""
        if isinstance(node, Test):
            return self._test(node, kind, assign, derived)
        if isinstance(node, Ref):
            return self.holds(node.condition, kind, assign, derived)
        if isinstance(node, Not):
            return not self.holds(node.item, kind, assign, derived)
        need = None
        want = isinstance(node, AnyOf)  # the value that decides: any true item for "any", a false one for "all"
        for item in node.items:
            try:
                if self.holds(item, kind, assign, derived) is want:
                    return want
            except _Need as n:
                need = need or n
        if need is not None:
            raise need
        return not want

    def value(self, path: str, kind: str, assign: dict, derived: dict) -> Any:
        if path.startswith("facts."):
            return derived.get(path)
        if path == "issue.kind":
            return kind
        if path in VIEWS:
            base = self.value(VIEWS[path], kind, assign, derived)
            return base is not None
        parent = self.parent(path)
        if parent is not None and self.value(parent, kind, assign, derived) is None:
            return None
        if path in assign:
            return assign[path]
        values = self.domain(path)
        if len(values) == 1:
            return values[0]
        raise _Need(path)

    def _test(self, t: Test, kind: str, assign: dict, derived: dict) -> bool:
        if isinstance(t.value, (FactRef, Moment)):
            key = Test(t.path, t.op, t.value)
            for path in dict.fromkeys(comparison_paths(key)):
                if self.value(path, kind, assign, derived) is None:
                    return holds_when_unknown(t.op)  # a comparison with an unknown side
            if key in assign:
                return assign[key]
            raise _Need(key)
        v = self.value(t.path, kind, assign, derived)
        if v is KNOWN and t.op not in ("known", "unknown"):
            # only known-ness was split on: no value test can be decided (not reached: see domain)
            raise AssertionError(f"{t.describe()} on a fact without representatives")
        return test_holds(t, v)

    # ------------------------------------------------------------------ reading

    def keys_read(self, rules: list[Rule]) -> set:
        """The abstract facts (paths and comparisons) the conditions of ``rules`` can split on."""
        out: set = set()
        for rule in rules:
            for node in walk(rule.when):
                if not isinstance(node, Test):
                    continue
                if isinstance(node.value, (FactRef, Moment)):
                    key = Test(node.path, node.op, node.value)
                    out.add(key)
                    paths: tuple[str, ...] = comparison_paths(key)
                else:
                    paths = (node.path,)
                for first in paths:
                    path: str | None = first
                    while path is not None:
                        out.add(path)
                        out.add(VIEWS.get(path, path))
                        path = self.parent(path)
        return out


def depends(pool: list[Rule], seeds: list[Rule]) -> list[Rule]:
    """``seeds`` and what decides whether they apply: their group mates and the setters of the derived facts
    they read, again for those, from ``pool``; in load order."""
    chosen = {r.index: r for r in seeds}
    while True:
        groups = {r.group for r in chosen.values() if r.group}
        read = {p for r in chosen.values() for p in r.facts_read if p.startswith("facts.")}
        more = [
            r
            for r in pool
            if r.index not in chosen and (r.group in groups or any(f"facts.{name}" in read for name in r.sets))
        ]
        if not more:
            return sorted(chosen.values(), key=lambda r: r.index)
        chosen.update((r.index, r) for r in more)


def case_field(path: str) -> Any:
    """The type of the case-file field at ``path``; None for a figure derived from the case (``affected.goods``)."""
    model: Any = Case
    annotation = None
    for part in path.split("."):
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return None
        annotation = fields[part].annotation
        model = next(
            (a for a in (annotation, *typing.get_args(annotation)) if isinstance(a, type) and issubclass(a, BaseModel)),
            None,
        )
    return annotation


def _none_allowed_below_parent(path: str) -> bool:
    """Whether a field of an object (``progress.inspection.resellable``) may be null when the object is there."""
    annotation = case_field(path)
    return annotation is None or _allows_none(annotation)


def _allows_none(annotation: Any) -> bool:
    if annotation is type(None):
        return True
    return any(_allows_none(a) for a in typing.get_args(annotation) if a is type(None) or typing.get_args(a))


def describe_value(key: Any, value: Any) -> str:
    """One abstract fact as a person reads it: ``issue.wants=keep``, ``(opened_at < …) is false``."""
    if isinstance(key, Test):
        return f"({key.describe()}) is {'true' if value else 'false'}"
    if value is None:
        return f"{key} unknown"
    if value is KNOWN:
        return f"{key} known"
    if value is OTHER:
        return f"{key}=<other>"
    if isinstance(value, bool):
        return f"{key}={'true' if value else 'false'}"
    if isinstance(value, Decimal):
        return f"{key}={value:.2f}"
    return f"{key}={value}"
