"""Validated policy → durable_rules ruleset definitions (its JSON format).

Layout of the compiled policy:

* **by issue kind**: a rule goes to the partition of every kind it can match
  (read off its condition), so a case is only matched against its own kind's
  rules; rules that do not test the kind go everywhere (a policy's own ``x_…``
  kinds included: each declared kind is a partition of its own);
* **by stratum**: rules that read a derived fact run after the rules that set it;
* **in chunks**: durable_rules has fixed network sizes (error 303, a 64-deep
  alpha stack; 106/108, rule and beta limits), so each partition is split into
  rulesets small enough to stay clear of them (limits.py refuses a rule too
  large for any ruleset, and the other fixed sizes, at load).

A condition becomes one durable_rules expression on a single fact, the case
message. Negation is pushed down to the tests (durable_rules has no "not" on a
single message). What a test means when its fact is unknown (absent from the
message) is read from language/truth.py: a test gets an alternative for an
absent property exactly where its table says the test holds then (a positive
test fails, its negation holds).

A comparison between two facts of the case (``opened_at`` before a moment
computed from ``order.delivered_at``, ``issue.requested_amount`` at most
``order.shipping_fee``) cannot be matched by durable_rules: it does not compare
two properties of one message (a reference on the right is simply true; see
upstream issues jruizgit/rules#86 and #323, and tests/test_compiler.py). Such a
comparison gets a key of its own; the engine works it out per case before the
match and puts true or false there (nothing when a side is unknown), and the
rule tests that key.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..language.conditions import All, AnyOf, Condition, FactRef, Not, Ref, Test, walk
from ..language.facts import Fact, engine_key
from ..language.moments import Moment
from ..language.rules import Rule
from ..language.source import PolicySource
from ..language.truth import holds_when_unknown, negate_known
from ..money import to_cents
from ..vocabulary import ISSUE_KINDS

__all__ = ["MAX_PATHS_PER_RULESET", "CompiledPolicy", "Partition", "compile_policy", "condition_json"]

CASE_MARK = {"_k": "case"}  # every rule tests it: keeps rules off durable_rules' own state object
MAX_RULES_PER_RULESET = 60
MAX_PATHS_PER_RULESET = 48  # alternatives (after expanding "or") per ruleset: the alpha stack is 64 deep

_OPS = {"lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}


@dataclass
class Stratum:
    index: int
    rulesets: list[str]  # ruleset names, in order
    rules: list[Rule]


@dataclass
class Partition:
    """Everything needed to match cases of one issue kind."""

    kind: str
    strata: list[Stratum]
    fact_paths: tuple[str, ...]  # catalogue facts the message carries
    comparisons: tuple[tuple[str, Test], ...]  # (engine key, fact-vs-fact test) worked out per case
    awaitables: tuple[Fact, ...]  # facts read here that may be unknown and change the plan
    derived: tuple[str, ...]  # facts.X set or read by rules in this partition


@dataclass
class CompiledPolicy:
    partitions: dict[str, Partition]
    definitions: dict[str, dict]  # ruleset name → durable_rules definition
    rule_names: dict[str, Rule] = field(default_factory=dict)  # engine rule name → rule


def compile_policy(source: PolicySource, prefix: str) -> CompiledPolicy:
    """Compile ``source``; ruleset names start with ``prefix`` (unique per loaded policy)."""
    comparisons: dict[Test, str] = {}
    compiled_rules: dict[int, dict] = {}
    for rule in source.rules:
        expr = condition_json(rule.when, comparisons)
        compiled_rules[rule.index] = {"all": [{"m": {"$and": [CASE_MARK, expr]} if expr else CASE_MARK}]}
    out = CompiledPolicy({}, {}, {f"r{r.index}": r for r in source.rules})
    kinds = source.scope.issue_kinds()
    by_kind = {kind: [r for r in source.rules if kind in kinds_of(r.when, kinds)] for kind in kinds}
    for kind, rules in by_kind.items():
        strata: list[Stratum] = []
        for s in sorted({r.stratum for r in rules}):
            members = [r for r in rules if r.stratum == s]
            names = []
            for n, chunk in enumerate(_chunks(members, compiled_rules)):
                name = f"{prefix}:{kind}:{s}:{n}"
                out.definitions[name] = {f"r{r.index}": compiled_rules[r.index] for r in chunk}
                names.append(name)
            strata.append(Stratum(s, names, members))
        paths: set[str] = set()
        used: dict[str, Test] = {}
        for rule in rules:
            for node in walk(rule.when):
                if isinstance(node, Test):
                    key = comparisons.get(_bare(node))
                    if key is None:
                        paths.add(node.path)
                    else:
                        used[key] = _bare(node)
        scope = source.scope
        catalogue = tuple(sorted(p for p in paths if not p.startswith("facts.")))
        read = set(catalogue) | {p for t in used.values() for p in comparison_paths(t)}
        awaitables = tuple(scope.facts[p] for p in sorted(read) if scope.facts[p].awaitable)
        # derived facts set or read here (one no rule of this kind sets keeps its default)
        derived = tuple(
            sorted({f"facts.{n}" for r in rules for n in r.sets} | {p for p in paths if p.startswith("facts.")})
        )
        out.partitions[kind] = Partition(kind, strata, catalogue, tuple(sorted(used.items())), awaitables, derived)
    return out


def kinds_of(node: Condition, kinds: tuple[str, ...] = ISSUE_KINDS) -> frozenset[str]:
    """The issue kinds a condition can match (all of ``kinds``, the policy's, when it does not say)."""
    every: frozenset[str] = frozenset(kinds)
    if isinstance(node, Test) and node.path == "issue.kind":
        values = node.value if isinstance(node.value, tuple) else (node.value,)
        if node.op in ("eq", "in"):
            return frozenset(values)
        if node.op in ("ne", "not_in"):
            return every - frozenset(values)
        return every
    if isinstance(node, All):
        out = every
        for item in node.items:
            out &= kinds_of(item, kinds)
        return out
    if isinstance(node, AnyOf):
        out = frozenset()
        for item in node.items:
            out |= kinds_of(item, kinds)
        return out
    if isinstance(node, Ref):
        return kinds_of(node.condition, kinds)
    return every


def _chunks(rules: list[Rule], compiled: dict[int, dict]):
    chunk: list[Rule] = []
    paths = 0
    for rule in rules:
        n = paths_of(compiled[rule.index]["all"][0]["m"])
        if chunk and (len(chunk) >= MAX_RULES_PER_RULESET or paths + n > MAX_PATHS_PER_RULESET):
            yield chunk
            chunk, paths = [], 0
        chunk.append(rule)
        paths += n
    if chunk:
        yield chunk


def paths_of(expr: dict) -> int:
    """How many alternatives durable_rules expands an expression into."""
    if "$and" in expr:
        n = 1
        for item in expr["$and"]:
            n *= paths_of(item)
        return n
    if "$or" in expr:
        return sum(paths_of(item) for item in expr["$or"])
    return 1


# --------------------------------------------------------------------------- conditions


def encode(value: Any) -> Any:
    """A fact value as the engine sees it: money in cents, times in epoch seconds."""
    kind = value.__class__
    if kind is str or kind is bool or kind is int or value is None:
        return value
    if isinstance(value, Decimal):
        return to_cents(value)
    if hasattr(value, "timestamp"):
        return int(value.timestamp())
    return value


def condition_json(node: Condition, comparisons: dict[Test, str], negated: bool = False) -> dict | None:
    """The durable_rules expression for ``node`` (None: always true)."""
    if isinstance(node, Ref):
        return condition_json(node.condition, comparisons, negated)
    if isinstance(node, Not):
        return condition_json(node.item, comparisons, not negated)
    if isinstance(node, (All, AnyOf)):
        parts = [condition_json(item, comparisons, negated) for item in node.items]
        conjunctive = isinstance(node, All) != negated
        if conjunctive:
            parts = [p for p in parts if p is not None]
            if not parts:
                return None
            return parts[0] if len(parts) == 1 else {"$and": parts}
        if not parts:
            return _NEVER
        if any(p is None for p in parts):
            return None
        return parts[0] if len(parts) == 1 else {"$or": parts}
    return _test_json(node, comparisons, negated)


_NEVER = {"_k": "never"}


def _test_json(t: Test, comparisons: dict[Test, str], negated: bool) -> dict:
    """A test (under a ``not`` when ``negated``): its test of a present property, or'd with one for an absent
    property wherever truth.py says the test holds of an unknown fact."""
    op = negate_known(t.op) if negated else t.op  # what must hold of a known value
    if isinstance(t.value, (FactRef, Moment)):
        key = comparisons.setdefault(_bare(t), f"_c{len(comparisons)}")
        present: dict = {key: not negated}  # worked out per case: true or false, absent when a side is unknown
    else:
        key = engine_key(t.path)
        present = _present_json(key, op, t.value)
    if not holds_when_unknown(t.op, negated):
        return present
    absent = {"$nex": {key: 1}}
    return absent if present is _NEVER else {"$or": [absent, present]}


def _present_json(key: str, op: str, value: Any) -> dict:
    """``op`` on a property that is present (durable_rules: every test of a property fails when it is absent)."""
    if op == "known":
        return {"$ex": {key: 1}}
    if op == "unknown":
        return _NEVER
    if op == "eq":
        return {key: encode(value)}
    if op == "ne":
        return {"$neq": {key: encode(value)}}
    if op == "in":
        return {"$or": [{key: encode(v)} for v in value]}
    if op == "not_in":
        return {"$and": [{"$neq": {key: encode(v)}} for v in value]}
    return {_OPS[op]: {key: encode(value)}}


def _bare(t: Test) -> Test:
    """The test without its location, so equal comparisons share one key."""
    return Test(t.path, t.op, t.value)


def comparison_paths(t: Test) -> tuple[str, str]:
    return (t.path, t.value.path)


_COMPARE = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge}


def compare(t: Test, values: dict[str, Any], tz) -> bool | None:
    """Work out a fact-vs-fact comparison for one case (None when a side is unknown)."""
    left = values.get(t.path)
    right = t.value.value(values, tz) if isinstance(t.value, Moment) else values.get(t.value.path)
    if left is None or right is None:
        return None
    return _COMPARE[t.op](left, right)
