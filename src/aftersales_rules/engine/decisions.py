"""Exact memoisation of a partition's whole decision: ``DecisionMemo``, used by ``Engine._decide``.

memo.py remembers what each ruleset matches; this remembers what the whole partition decides. A
partition's strata are matched one after another, each with the case message plus the derived facts
that earlier strata's winners set (or their defaults), so the rules matched, the rules that apply, the
winner of each output and the derived facts' values are a pure function of the case message the
engine builds before the first stratum: the base facts and the comparisons it works out per case.

The key is that message abstracted over every test of every rule of the partition at once:
abstraction.py's ``abstraction`` of the partition's rules taken together as one definition (so the same
proof applies: for two messages with equal keys every test of every rule has the same outcome, the name
hashes of everything the message can carry are checked apart), less the derived facts' properties,
which the base message never carries (checked at load). The key is read off the case's facts, and the
message is built only to decide a miss: each fact the message can carry is encoded as it would be there
and abstracted (one no rule tests to nothing), each comparison worked out; the case mark is the same in
every message. So that the memo answers only for a message durable_rules would read, a value it does
not read as is (``readable_value``) sends the case to durable_rules; at load, the partition's rules must
test nothing the message does not carry, and a message with every property must fit durable_rules.

A partition where that cannot be shown is decided stratum by stratum every time, as is a case with a
value durable_rules does not read as is, a what-if whose derived facts do not start at their defaults,
and an explanation (it needs each stratum's facts).

What is kept per key: the rules matched, the rules that apply, the winners, and the derived facts the
winners set with their values; a hit rebuilds the ``Decision`` with the case's own values and those.
The same rules as memo.py: bounded (``functools.lru_cache``), no lock on a hit, the case's facts handed
to a miss in a thread-local, errors (a conflict, durable_rules refusing) never kept; in the verification mode
every decision is also made stratum by stratum (itself checked against durable_rules) and any
difference raises ``EngineError``.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from ..errors import EngineError, cut
from ..language.conditions import Test
from ..language.facts import engine_key
from ..language.rules import Rule
from .abstraction import ABSENT, NotExact, Unmemoisable, abstraction, readable_value
from .compiler import CASE_MARK, CompiledPolicy, Partition, compare, encode
from .decision import Decision
from .limits import MAX_MESSAGE_PROPERTIES, message_names
from .memo import DecisionsInfo, PartitionMemo
from .runtime import CLOSED, Runtime
from .skeleton import decision_key

__all__ = ["DecisionMemo"]


@dataclass(frozen=True)
class _Kept:
    matched: list[Rule]
    applied: list[Rule]
    winners: dict[str, list[Rule]]
    derived: dict[str, Any]  # derived fact → the value its winner set, in the order set
    key: tuple  # the decision's skeleton key (skeleton.decision_key), so that a hit need not rebuild it


@dataclass(frozen=True)
class _Shape:
    """How a partition's key is read off a case's facts, without building its message."""

    # (fact path, the abstraction of its encoded value, that of its absence): every fact the message can carry
    facts: tuple[tuple[str, Callable[[Any], Any], Any], ...]
    comparisons: tuple[tuple[Test, Callable[[Any], Any]], ...]  # each fact-vs-fact test, with its abstraction
    defaults: tuple[tuple[str, Any], ...]  # (derived fact, its default): what a memoised decision starts from


# the decision made without this memo, for a partition and its facts: Engine._by_strata
ByStrata = Callable[[Partition, dict[str, Any]], Decision]


class DecisionMemo:
    """Whole decisions per (partition, abstract base message); ``size`` 0 keeps none."""

    def __init__(
        self,
        compiled: CompiledPolicy,
        runtime: Runtime,
        defaults: dict[str, Any],
        size: int,
        verify: bool,
        tz: tzinfo | None,
    ) -> None:
        self._runtime = runtime
        self.maxsize = size
        self.verify = verify
        self._tz = tz
        self._shapes: dict[str, _Shape] = {}
        self._partitions = tuple(self._shape(part, compiled, defaults) for part in compiled.partitions.values())
        self._local = threading.local()
        self._answer = functools.lru_cache(maxsize=size)(self._miss)
        self._direct_lock = threading.Lock()
        self._direct = 0

    def _shape(self, part: Partition, compiled: CompiledPolicy, defaults: dict[str, Any]) -> PartitionMemo:
        merged = {
            rule: spec for s in part.strata for name in s.rulesets for rule, spec in compiled.definitions[name].items()
        }
        derived = {engine_key(p) for p in part.derived}
        base = {engine_key(p) for p in part.fact_paths} | {key for key, _ in part.comparisons}
        try:
            if derived & base:
                raise NotExact(f"derived facts share properties with the case: {', '.join(sorted(derived & base))}")
            shape = abstraction(merged, message_names(part))
            unwritten = {p for p, _ in shape.properties} - base - derived - set(CASE_MARK)
            if unwritten:
                raise NotExact(f"its rules test {', '.join(sorted(unwritten))}, which no case message carries")
            if len(CASE_MARK) + len(base) > MAX_MESSAGE_PROPERTIES - 2 - len(part.derived):
                raise NotExact("a case message of it can carry more properties than durable_rules reads")
        except NotExact as exc:
            return PartitionMemo(part.kind, False, str(exc), ())
        # every property a base message can carry, each with its abstraction (an untested one: none); the case
        # mark is the same in every message, the derived facts start at their defaults (checked per case)
        abstracts = dict(shape.properties)
        facts = []
        for path in part.fact_paths:
            abstract = abstracts.get(engine_key(path), _untested)
            facts.append((path, abstract, abstract(ABSENT)))
        self._shapes[part.kind] = _Shape(
            tuple(facts),
            tuple((test, abstracts.get(key, _untested)) for key, test in part.comparisons),
            tuple((p, defaults.get(p)) for p in part.derived),
        )
        return PartitionMemo(part.kind, True, "", tuple(p for p, _ in shape.properties if p not in derived))

    def decide(self, part: Partition, values: dict[str, Any], by_strata: ByStrata) -> Decision:
        """The decision for the facts ``values`` of a case of ``part``; ``by_strata(part, values)`` makes it the
        way it is made without this memo."""
        shape = self._shapes.get(part.kind) if self.maxsize else None
        key = self._key(part.kind, shape, values) if shape is not None else None
        if key is None:
            if self.maxsize:
                with self._direct_lock:
                    self._direct += 1
            return by_strata(part, values)
        if self._runtime.closed:  # as durable_rules would refuse it, so does the memo
            raise EngineError(CLOSED)
        self._local.pending = (by_strata, part, values)
        kept = self._answer(key)
        decision = Decision(kept.matched, kept.applied, kept.winners, values | kept.derived, kept.key)
        if self.verify:
            _check(part.kind, decision, by_strata(part, values))
        return decision

    def _key(self, kind: str, shape: _Shape, values: dict[str, Any]) -> tuple | None:
        """The abstraction of the base message ``Engine._by_strata`` builds from ``values``, read off them; None
        when that message is one durable_rules does not read as it is (left to it, so that it raises)."""
        for path, default in shape.defaults:
            if values.get(path) is not default:
                return None
        get = values.get
        key: list[Any] = [kind]
        try:
            for path, abstract, absent in shape.facts:
                value = get(path)
                if value is None:
                    key.append(absent)
                    continue
                if not (
                    value.__class__ is bool or value.__class__ is int or (value.__class__ is str and value.isascii())
                ):
                    value = encode(value)  # else: a value encode keeps and durable_rules reads as it is
                    if not readable_value(value):
                        return None
                key.append(abstract(value))
            for test, abstract in shape.comparisons:  # true or false, or absent when a side is unknown
                held = compare(test, values, self._tz)
                key.append(abstract(ABSENT if held is None else held))
        except Unmemoisable:
            return None
        return tuple(key)

    def _miss(self, key: tuple) -> _Kept:
        by_strata, part, values = self._local.pending
        d = by_strata(part, values)
        derived = {slot: d.values[slot] for slot in d.winners if slot.startswith("facts.")}
        return _Kept(d.matched, d.applied, d.winners, derived, decision_key(key[0], d))

    def info(self) -> DecisionsInfo:
        cached = self._answer.cache_info()
        return DecisionsInfo(cached.currsize, cached.hits, cached.misses, self._direct, self._partitions)


def _untested(value: Any) -> None:
    """The abstraction of a property no rule tests (the message carries it; its value decides nothing)."""
    return None


def _indices(rules: list[Rule]) -> list[int]:
    return [r.index for r in rules]


def _check(kind: str, memoised: Decision, truth: Decision) -> None:
    parts = (
        ("rules matched", _indices(memoised.matched), _indices(truth.matched)),
        ("rules applying", _indices(memoised.applied), _indices(truth.applied)),
        (
            "winners",
            {s: _indices(r) for s, r in memoised.winners.items()},
            {s: _indices(r) for s, r in truth.winners.items()},
        ),
        ("facts", memoised.values, truth.values),
    )
    for what, got, want in parts:
        if got != want or (what == "facts" and list(got) != list(want)):
            raise EngineError(
                f"the memoised decision of partition {cut(kind)} differs from the one made stratum by stratum: "
                f"its {what} {cut(str(got))} memoised, {cut(str(want))} decided"
            )
