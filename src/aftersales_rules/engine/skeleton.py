"""A plan's skeleton: what it takes from its decision alone, made once per decision and reused.

The decision — the rules that apply and the rules that win each output, within one issue kind's
partition — fixes the trace, the gestures, the steps in their order (each step whose texts have no
placeholder and that has no due time as the very ``Step`` of every such plan), the resolution and the
winning specs of the postage legs, refund lines, release and compensation components. Only amounts,
due times and texts with placeholders are worked out per case (evaluate.py, steps.py, refund.py).

``Skeletons`` keeps them by decision: bounded (the least recently used goes first), thread-safe with no
lock on a hit (``functools.lru_cache``, as memo.py; the decision handed to a miss in a thread-local; two
threads may make the same skeleton, and they are equal). A decision that raised (a conflict) never gets
this far, so no error is kept.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from ..language.compensation import CompensationSpec
from ..language.rules import LegSpec, LineSpec
from ..plan import Compensation, Gesture, Postage, Refund, Step, TraceEntry
from .build import PlanModels
from .compensation import compensation_specs
from .decision import Decision
from .refund import fixed_postage
from .steps import StepTemplate
from .trace import gestures, trace

__all__ = ["Skeleton", "Skeletons", "decision_key", "make_skeleton"]

SIZE = 4096  # decisions kept per policy; the reference policy's 10,000-case corpus makes about 600


@dataclass(frozen=True)
class Skeleton:
    """What one decision fixes of every plan it gives."""

    resolution: str | None  # the winner's, or the policy's default; None: undecided (an error per case)
    return_leg: LegSpec | None
    outbound_leg: LegSpec | None
    lines: tuple[LineSpec, ...]
    release: str | None  # the winner's, or the policy's default (a refund without either: immediately)
    compensation: tuple[CompensationSpec, ...]  # the winning components, in the order of their lines
    gestures: tuple[Gesture, ...]
    trace: tuple[TraceEntry, ...]
    steps: tuple[Step | StepTemplate, ...]  # a Step: the same in every plan; a template: rendered per case
    # the postage of every plan of the decision, made once, when it does not depend on the case; else None
    postage: Postage | None = field(init=False, repr=False, compare=False)
    _shared: list[Step | None] = field(init=False, repr=False, compare=False)
    # each step rendered per case: its position, its template, its fields as far as every plan has them the same
    _templates: tuple[tuple[int, StepTemplate, dict[str, Any]], ...] = field(init=False, repr=False, compare=False)

    def render_steps(
        self,
        values: dict[str, Any],
        refund: Refund,
        tz: tzinfo | None,
        paid: Compensation,
        postage: Postage,
        make: PlanModels,
    ) -> list[Step]:
        """The plan's steps for one case: the shared ones as they are, the others rendered."""
        steps: list[Any] = list(self._shared)  # each None: a step rendered below
        for seq, template, fields in self._templates:
            steps[seq - 1] = template.render(fields, values, refund, tz, paid, postage, make)
        return steps

    def __post_init__(self) -> None:
        # worked out once per skeleton: the steps with a placeholder for each rendered one, and those to render
        templates = tuple(
            (seq, step, step.fields(seq)) for seq, step in enumerate(self.steps, 1) if type(step) is StepTemplate
        )
        object.__setattr__(self, "_templates", templates)
        object.__setattr__(self, "_shared", [step if type(step) is Step else None for step in self.steps])
        object.__setattr__(self, "postage", fixed_postage(self.return_leg, self.outbound_leg))


def make_skeleton(
    d: Decision,
    rule_steps: dict[int, tuple[tuple[int, int, int, StepTemplate], ...]],
    reasons: dict[int, tuple[str, ...]],
    defaults: tuple[str | None, str | None],
) -> Skeleton:
    """The skeleton of decision ``d``; ``defaults``: the policy's resolution and release."""

    def slot(name: str, default: Any = None) -> Any:
        return d.winners[name][0].slots[name] if name in d.winners else default

    collected: list[tuple[int, int, int, StepTemplate]] = []
    for rule in d.applied:
        collected.extend(rule_steps[rule.index])
    collected.sort()  # stage, then load order of the rule, then the step's place in it (all distinct)
    steps: list[Step | StepTemplate] = []
    seen: set[int] = set()
    for _, _, _, template in collected:
        if template.key in seen:  # an identical step (actor, action, text) listed once
            continue
        seen.add(template.key)
        steps.append(template.shared(len(steps) + 1) or template)
    return Skeleton(
        resolution=slot("resolution", defaults[0]),
        return_leg=slot("return_leg"),
        outbound_leg=slot("outbound_leg"),
        lines=slot("refund.lines", ()),
        release=slot("refund.release", defaults[1]),
        compensation=compensation_specs(d.winners),
        gestures=tuple(gestures(d.applied)),
        trace=tuple(trace(d, reasons)),
        steps=tuple(steps),
    )


def decision_key(kind: str, d: Decision) -> tuple:
    """What a skeleton is kept by: the partition, the rules that apply, the rules that win each output."""
    return (
        kind,
        tuple([rule.index for rule in d.applied]),
        tuple([(slot, tuple([rule.index for rule in rules])) for slot, rules in d.winners.items()]),
    )


class Skeletons:
    """Skeletons by decision, at most ``size`` of them (0: none kept, each made anew)."""

    def __init__(self, make: Callable[[Decision], Skeleton], size: int = SIZE) -> None:
        self._make = make
        self.size = size
        self._local = threading.local()
        self._kept = functools.lru_cache(maxsize=size)(self._miss)

    def __len__(self) -> int:
        return self._kept.cache_info().currsize

    @property
    def hits(self) -> int:
        return self._kept.cache_info().hits

    @property
    def misses(self) -> int:
        return self._kept.cache_info().misses

    def get(self, kind: str, d: Decision) -> Skeleton:
        if self.size <= 0:
            return self._make(d)
        self._local.decision = d  # for a miss: the cache is keyed by the decision's key
        return self._kept(d.key if d.key is not None else decision_key(kind, d))

    def _miss(self, key: tuple) -> Skeleton:
        return self._make(self._local.decision)
