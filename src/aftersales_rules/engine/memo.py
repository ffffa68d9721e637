"""Exact memoisation of durable_rules' matches: ``Memo``, used by ``Engine._decide``.

Which rules of a ruleset match is a pure function of the case message
(runtime.py: a fresh session per match), and only of what the ruleset's rules
test of it: abstraction.py reduces a message to exactly that, per ruleset, and
the memo keeps the rules that matched per (ruleset, abstract message). A
ruleset whose abstraction cannot be shown exact (``NotExact``), or a value it
does not know (``Unmemoisable``), goes to durable_rules every time; durable_rules
still decides every distinct situation the first time it is met.

* **Bounded**: least recently used entries go first (``functools.lru_cache``,
  ``size`` entries per policy; 0 turns the memo off).
* **Thread-safe, no lock on a hit**: the cache's own bookkeeping runs under the
  GIL; a miss matches in durable_rules under the runtime's lock, as before. The
  message of a miss is handed over in a thread-local (the cache key is its
  abstraction).
* **Errors are never cached**: an exception leaves the cache as it was.
* **Verification** (``verify=True``, or ``AFTERSALES_VERIFY_MEMO`` set to
  anything but empty or 0): every match is also made in durable_rules, and any
  difference raises ``EngineError``. For tests and audits; it is slower than no
  memo at all.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..diagnostics import shown
from ..errors import EngineError, cut
from .abstraction import Abstraction, NotExact, Unmemoisable, abstraction, readable
from .compiler import CompiledPolicy
from .limits import MAX_MESSAGE_PROPERTIES, message_names
from .runtime import CLOSED, Runtime

__all__ = [
    "DEFAULT_SIZE",
    "VERIFY_ENV",
    "DecisionsInfo",
    "Memo",
    "MemoInfo",
    "PartitionMemo",
    "RulesetMemo",
    "check_size",
    "verify_from_env",
]

DEFAULT_SIZE = 4_096  # entries per policy: the 10,000-case corpus meets about 700 abstract messages
VERIFY_ENV = "AFTERSALES_VERIFY_MEMO"


def check_size(size: object) -> None:
    """Refuse a memo size that is not a whole number, 0 or more (``ValueError``)."""
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ValueError(f"memo_size must be a whole number, 0 or more, not {shown(size)}")


def verify_from_env() -> bool:
    """Whether ``AFTERSALES_VERIFY_MEMO`` asks for the verification mode (set, and neither empty nor 0)."""
    return os.environ.get(VERIFY_ENV, "") not in ("", "0")


@dataclass(frozen=True)
class RulesetMemo:
    """How one ruleset is memoised: what its key keeps of each property, or why it is not memoised."""

    ruleset: str
    exact: bool
    reason: str  # why the memo cannot be shown exact for it ("" when it can)
    properties: tuple[tuple[str, str], ...]  # (message property, how the key keeps it)


@dataclass(frozen=True)
class PartitionMemo:
    """How one partition's decisions are memoised: over which message properties, or why not."""

    kind: str
    exact: bool
    reason: str  # why its decisions cannot be shown a function of the key ("" when they can)
    properties: tuple[str, ...]  # the message properties its key keeps


@dataclass(frozen=True)
class DecisionsInfo:
    """The memo of whole decisions, as ``Policy.memo_info().decisions`` reports it."""

    size: int  # decisions held now
    hits: int
    misses: int  # decisions made stratum by stratum and kept
    direct: int  # decisions made stratum by stratum and not kept (decisions.py says when)
    partitions: tuple[PartitionMemo, ...]


@dataclass(frozen=True)
class MemoInfo:
    """The memo of one policy, as ``Policy.memo_info()`` reports it."""

    enabled: bool
    verify: bool
    maxsize: int
    size: int  # entries held now
    hits: int
    misses: int  # matches durable_rules made and the memo kept
    direct: int  # matches sent straight to durable_rules (a ruleset not shown exact, a value not abstracted)
    rulesets: tuple[RulesetMemo, ...]
    decisions: DecisionsInfo  # the memo of whole decisions (decisions.py), above this one

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses + self.direct
        return self.hits / total if total else 0.0


class Memo:
    """The rules each ruleset matches, per abstract message; ``match`` has ``Runtime.match``'s contract."""

    def __init__(self, compiled: CompiledPolicy, runtime: Runtime, size: int = DEFAULT_SIZE, verify: bool = False):
        check_size(size)
        self._runtime = runtime
        self.maxsize = size
        self.verify = verify
        self._keys: dict[str, Callable[[str, dict[str, Any]], tuple]] = {}
        self._rulesets: list[RulesetMemo] = []
        for part in compiled.partitions.values():
            names = message_names(part)
            for stratum in part.strata:
                for name in stratum.rulesets:
                    self._rulesets.append(self._shape(name, compiled.definitions[name], names))
        self._local = threading.local()
        self._answer = functools.lru_cache(maxsize=size)(self._miss)
        self._direct_lock = threading.Lock()
        self._direct = 0

    def _shape(self, name: str, definition: dict, names: frozenset[str]) -> RulesetMemo:
        try:
            shape: Abstraction = abstraction(definition, names)
        except NotExact as exc:
            return RulesetMemo(name, False, str(exc), ())
        self._keys[name] = shape.key
        return RulesetMemo(name, True, "", shape.kinds)

    def match(self, rulesets: list[str], message: dict[str, Any]) -> list[str]:
        """The names of the rules of ``rulesets`` that match ``message`` (as ``Runtime.match``)."""
        if not self.maxsize:
            return self._runtime.match(rulesets, message)
        if self._runtime.closed:  # as durable_rules would refuse it, so does the memo
            raise EngineError(CLOSED)
        self._local.message = message
        fired: list[str] = []
        # a message durable_rules would refuse is left to it, so that it raises
        keys = self._keys if len(message) + 2 <= MAX_MESSAGE_PROPERTIES and readable(message) else {}
        for name in rulesets:
            key_of = keys.get(name)
            found: Sequence[str]
            try:
                if key_of is None:
                    raise Unmemoisable(name)
                found = self._answer(key_of(name, message))
            except Unmemoisable:
                found = self._match_directly(name, message)
            if self.verify:
                self._check(name, message, found)
            fired.extend(found)
        return fired

    def _miss(self, key: tuple) -> tuple[str, ...]:
        return tuple(self._runtime.match([key[0]], self._local.message))

    def _match_directly(self, name: str, message: dict[str, Any]) -> list[str]:
        with self._direct_lock:
            self._direct += 1
        return self._runtime.match([name], message)

    def _check(self, name: str, message: dict[str, Any], found: Sequence[str]) -> None:
        truth = self._runtime.match([name], message)
        if sorted(truth) != sorted(found):
            raise EngineError(
                f"the memoised match of ruleset {cut(name)} differs from durable_rules: "
                f"{', '.join(sorted(found)) or 'no rule'} memoised, {', '.join(sorted(truth)) or 'no rule'} matched"
            )

    def info(self, decisions: DecisionsInfo) -> MemoInfo:
        """What ``Policy.memo_info()`` reports: the counts now, how each ruleset is memoised, and ``decisions``."""
        cached = self._answer.cache_info()
        return MemoInfo(
            enabled=self.maxsize > 0,
            verify=self.verify,
            maxsize=self.maxsize,
            size=cached.currsize,
            hits=cached.hits,
            misses=cached.misses,
            direct=self._direct,
            rulesets=tuple(self._rulesets),
            decisions=decisions,
        )
