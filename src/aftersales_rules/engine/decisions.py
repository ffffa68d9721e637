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
which the base message never carries (checked at load). A partition where that cannot be shown exact is
decided stratum by stratum every time, as is a case whose message the per-ruleset memo would leave to
durable_rules (a value it does not read as is, too many properties), a what-if whose derived facts do
not start at their defaults, and an explanation (it needs each stratum's facts).

What is kept per key: the rules matched, the rules that apply, the winners, and the derived facts the
winners set with their values; a hit rebuilds the ``Decision`` with the case's own values and those.
The same rules as memo.py: bounded (``functools.lru_cache``), no lock on a hit, the case handed to a
miss in a thread-local, errors (a conflict, durable_rules refusing) never kept; in the verification mode
every decision is also made stratum by stratum (itself checked against durable_rules) and any
difference raises ``EngineError``.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import EngineError, cut
from ..language.facts import engine_key
from ..language.rules import Rule
from .abstraction import ABSENT, NotExact, Unmemoisable, abstraction, readable
from .compiler import CompiledPolicy, Partition
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
    derived: tuple[tuple[str, Any], ...]  # (derived fact, the value its winner set), in the order set
    key: tuple  # the decision's skeleton key (skeleton.decision_key), so that a hit need not rebuild it


@dataclass(frozen=True)
class _Shape:
    properties: tuple[tuple[str, Callable[[Any], Any]], ...]
    defaults: tuple[tuple[str, Any], ...]  # (derived fact, its default): what a memoised decision starts from
    room: int  # the most base-message properties with which no stratum's message is too long


class DecisionMemo:
    """Whole decisions per (partition, abstract base message); ``size`` 0 keeps none."""

    def __init__(
        self,
        compiled: CompiledPolicy,
        runtime: Runtime,
        defaults: dict[str, Any],
        size: int,
        verify: bool,
    ) -> None:
        self._runtime = runtime
        self.maxsize = size
        self.verify = verify
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
        except NotExact as exc:
            return PartitionMemo(part.kind, False, str(exc), ())
        properties = tuple((p, f) for p, f in shape.properties if p not in derived)
        self._shapes[part.kind] = _Shape(
            properties,
            tuple((p, defaults.get(p)) for p in part.derived),
            MAX_MESSAGE_PROPERTIES - 2 - len(part.derived),
        )
        return PartitionMemo(part.kind, True, "", tuple(p for p, _ in properties))

    def decide(
        self, kind: str, message: dict[str, Any], values: dict[str, Any], stratum_by_stratum: Callable[[], Decision]
    ) -> Decision:
        """The decision for ``values``, whose base message is ``message``; ``stratum_by_stratum()`` makes it
        the way it is made without this memo (it may add the derived facts to ``message``)."""
        shape = self._shapes.get(kind) if self.maxsize else None
        key = self._key(kind, shape, message, values) if shape is not None else None
        if key is None:
            if self.maxsize:
                with self._direct_lock:
                    self._direct += 1
            return stratum_by_stratum()
        if self._runtime.closed:  # as durable_rules would refuse it, so does the memo
            raise EngineError(CLOSED)
        self._local.make = stratum_by_stratum
        kept = self._answer(key)
        out = values.copy()
        out.update(kept.derived)
        decision = Decision(kept.matched, kept.applied, kept.winners, out, kept.key)
        if self.verify:
            _check(kind, decision, stratum_by_stratum())
        return decision

    def _key(self, kind: str, shape: _Shape, message: dict[str, Any], values: dict[str, Any]) -> tuple | None:
        if len(message) > shape.room or not readable(message):
            return None
        for path, default in shape.defaults:
            if values.get(path) is not default:
                return None
        get = message.get
        try:
            return (kind, *[abstract(get(p, ABSENT)) for p, abstract in shape.properties])
        except Unmemoisable:
            return None

    def _miss(self, key: tuple) -> _Kept:
        d = self._local.make()
        derived = tuple((slot, d.values[slot]) for slot in d.winners if slot.startswith("facts."))
        return _Kept(d.matched, d.applied, d.winners, derived, decision_key(key[0], d))

    def info(self) -> DecisionsInfo:
        cached = self._answer.cache_info()
        return DecisionsInfo(cached.currsize, cached.hits, cached.misses, self._direct, self._partitions)


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
