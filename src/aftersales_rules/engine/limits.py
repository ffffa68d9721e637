"""durable_rules' fixed sizes, checked when a policy loads: ``limit_problems``.

durable_rules (2.0.28) is built with fixed-size arrays. A policy that outgrows
one loads without complaint and then fails every evaluation (or the ruleset's
creation) with a bare error number; these checks refuse it at load instead,
each problem located at the rule that goes over and saying what to change.

Measured on the raw engine (``durable_rules_engine``, one child process per
probe; tests/test_durable_limits.py repeats each probe at and just past the
limit) and read in its C source (src/rules/*.h):

* **alternatives**: ``MAX_PATHS_PER_RULESET`` in compiler.py: more than 64
  alternatives holding at once overflow the alpha stack (error 303, after which
  deleting the session can crash), 512 under one node abort or hang the engine.
  The compiler keeps each ruleset within its budget; a single rule wider than
  that budget is ``too_wide``;
* **groups**: each ``$and`` / ``$or`` of a rule's expression appends two entries
  (open and end) to the rule's expression sequence, ``MAX_SEQUENCE_EXPRESSIONS``
  32, and the 32nd is refused (error 113): 15 groups create, 16 do not, however
  they are nested (15 nested alternately and 15 side by side both create; 16 of
  either fail). Counted on the exact expression registered, case mark included
  (``too_complex``);
* **property names**: durable_rules knows a message's property by a 32-bit
  FNV-1a hash of its name alone (``name_hash`` in abstraction.py): two names
  with the same hash are read as one property, and a rule testing one of them
  may read the other's value — a wrong decision, not an error. A policy
  whose case message would carry two such names is refused (``same_hash``),
  located at the first rule that reads or sets either;
* **message properties**: ``MAX_OBJECT_PROPERTIES`` 255, and the 255th is
  refused (error 302): a message of 254 properties asserts, 255 do not. The
  runtime adds ``sid`` and ``id``; the engine adds ``_k``; the rest are the
  facts the partition's rules read, its fact-to-fact comparison keys and its
  derived facts (``too_many_facts``).

The checks count what the compiler and ``Engine._decide`` produce (the
expression of ``compiler.condition_json``, the keys of a ``Partition``), so
they have no margin to allow for: nothing about a case changes either count.
"""

from __future__ import annotations

from ..diagnostics import dotted
from ..errors import Problem, quoted
from ..language.conditions import FactRef, Test, walk
from ..language.facts import engine_key
from ..language.moments import Moment
from ..language.rules import Rule
from ..language.source import PolicySource
from .abstraction import collisions, name_hash
from .compiler import (
    CASE_MARK,
    MAX_PATHS_PER_RULESET,
    CompiledPolicy,
    Partition,
    compile_policy,
    condition_json,
    kinds_of,
    paths_of,
)

__all__ = ["MAX_GROUPS_PER_RULE", "MAX_MESSAGE_PROPERTIES", "MESSAGE_OVERHEAD", "limit_problems", "message_names"]

# 15 $and/$or groups create a rule, 16 fail with error 113 (MAX_SEQUENCE_EXPRESSIONS 32, two entries each)
MAX_GROUPS_PER_RULE = 15
# a message of 254 properties asserts, 255 fail with error 302 (MAX_OBJECT_PROPERTIES 255)
MAX_MESSAGE_PROPERTIES = 254
# properties every case message carries besides the facts: sid and id (runtime.py), the case mark _k
MESSAGE_OVERHEAD = ("sid", "id", *CASE_MARK)


def limit_problems(source: PolicySource) -> list[Problem]:
    """Every way ``source`` would outgrow durable_rules: ``too_wide``, ``too_complex``, ``too_many_facts``,
    ``same_hash``."""
    compiled = compile_policy(source, "limits")
    return [*_rule_problems(source), *_message_problems(source, compiled), *_hash_problems(source, compiled)]


def message_names(part: Partition) -> frozenset[str]:
    """Every property a case message of the partition ``part`` can carry (``Engine._decide`` writes them)."""
    return frozenset(
        {engine_key(p) for p in part.fact_paths}
        | {key for key, _ in part.comparisons}
        | {engine_key(p) for p in part.derived}
        | set(MESSAGE_OVERHEAD)
    )


def _hash_problems(source: PolicySource, compiled: CompiledPolicy) -> list[Problem]:
    """A ``same_hash`` problem for each pair of names one case message would carry that durable_rules reads as
    one property, at the first rule (in load order) that reads or sets either."""
    problems, seen = [], set()
    for kind in source.scope.issue_kinds():
        for pair in collisions(message_names(compiled.partitions[kind])):
            if pair in seen:
                continue
            seen.add(pair)
            rule = next((r for r in source.rules if set(pair) & _names_of(r)), source.rules[0])
            a, b = pair
            problems.append(
                _at_when(
                    source,
                    rule,
                    "same_hash",
                    f"the case message would carry {quoted(a)} and {quoted(b)}, which durable_rules reads as one "
                    f"property (both hash to {name_hash(a):#010x}): a rule testing one could read the other's "
                    "value; rename one of them (an attribute, or a fact a rule sets)",
                )
            )
    return problems


def _names_of(rule: Rule) -> set[str]:
    """The message properties ``rule`` reads or sets."""
    names = {engine_key(node.path) for node in walk(rule.when) if isinstance(node, Test)}
    return names | {engine_key(f"facts.{name}") for name in rule.sets}


def groups_of(expr: dict) -> int:
    """How many ``$and`` / ``$or`` groups an expression holds, at any depth."""
    inner = expr.get("$and", expr.get("$or"))
    if inner is None:
        return 0
    return 1 + sum(groups_of(item) for item in inner)


def _rule_problems(source: PolicySource) -> list[Problem]:
    problems = []
    for rule in source.rules:
        expr = condition_json(rule.when, {})
        registered = {"$and": [CASE_MARK, expr]} if expr else CASE_MARK  # as compile_policy writes it
        wide = paths_of(expr) if expr else 1
        if wide > MAX_PATHS_PER_RULESET:
            problems.append(
                _at_when(
                    source,
                    rule,
                    "too_wide",
                    f"rule {quoted(rule.id)} expands into {wide:,} alternatives "
                    "(each value of a list, each branch of 'any'); durable_rules takes at most "
                    f"{MAX_PATHS_PER_RULESET} in one rule: split it over several rules",
                )
            )
        groups = groups_of(registered)
        if groups > MAX_GROUPS_PER_RULE:
            problems.append(
                _at_when(
                    source,
                    rule,
                    "too_complex",
                    f"rule {quoted(rule.id)} compiles into {groups} groups (one for the rule, one for each 'all' "
                    "and 'any' of several conditions, each list of values, each test that also holds "
                    f"when its fact is unknown, named facts included); durable_rules takes at most "
                    f"{MAX_GROUPS_PER_RULE} in one rule: split it over several rules (a rule can set a "
                    "fact that another rule tests)",
                )
            )
    return problems


def _message_problems(source: PolicySource, compiled: CompiledPolicy) -> list[Problem]:
    """A ``too_many_facts`` problem at each rule from which a kind's case message has too many properties."""
    over: dict[int, list[str]] = {}  # rule index → the kinds whose message it pushes over
    totals: dict[int, int] = {}
    every = source.scope.issue_kinds()
    for kind in every:
        part = compiled.partitions[kind]
        total = len(part.fact_paths) + len(part.comparisons) + len(part.derived) + len(MESSAGE_OVERHEAD)
        if total <= MAX_MESSAGE_PROPERTIES:
            continue
        rules = [r for r in source.rules if kind in kinds_of(r.when, every)]
        culprit = _first_over(rules) or rules[-1]
        over.setdefault(culprit.index, []).append(kind)
        totals[culprit.index] = max(totals.get(culprit.index, 0), total)
    by_index = {r.index: r for r in source.rules}
    problems = []
    for index, kinds in over.items():
        rule = by_index[index]
        doc = source.documents[rule.location.file]
        where = _rule_path(doc, rule)
        which = "every issue kind" if len(kinds) == len(every) else "issue kind " + ", ".join(kinds)
        problems.append(
            Problem(
                doc.at(where),
                "too_many_facts",
                f"with rule {quoted(rule.id)}, the case message for {which} carries {totals[index]} properties "
                f"(each fact the rules of that kind read, each fact they set, each comparison of two facts, "
                f"and {len(MESSAGE_OVERHEAD)} of the engine's own); durable_rules takes at most "
                f"{MAX_MESSAGE_PROPERTIES} in one message: have these rules read and set fewer facts "
                "(one enum fact instead of several true/false ones)",
                path=dotted(where),
            )
        )
    return problems


def _first_over(rules: list[Rule]) -> Rule | None:
    """The first rule, in load order, after which the message's properties exceed the limit."""
    keys: set = set()
    room = MAX_MESSAGE_PROPERTIES - len(MESSAGE_OVERHEAD)
    for rule in rules:
        for node in walk(rule.when):
            if isinstance(node, Test):
                compared = isinstance(node.value, (FactRef, Moment))
                keys.add(("compare", node.path, node.op, node.value) if compared else node.path)
        keys.update(f"facts.{name}" for name in rule.sets)
        if len(keys) > room:
            return rule
    return None


def _at_when(source: PolicySource, rule: Rule, code: str, message: str) -> Problem:
    doc = source.documents[rule.location.file]
    where = _rule_path(doc, rule) + ("when",)
    return Problem(doc.at(where), code, message, path=dotted(where))


def _rule_path(doc, rule: Rule) -> tuple:
    """Where in its document a rule is written: ("rules", index)."""
    rules = doc.data["rules"]
    return next(("rules", i) for i in range(len(rules)) if doc.at(("rules", i)) == rule.location)
