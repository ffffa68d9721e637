"""Intended escalations: the situations a policy sends to a person on purpose are no gaps.

A policy declares them (``escalations:``, docs/rule-language.md) with a condition each; the cases
no rule resolves fall to ``defaults.resolution: escalate``. The linter splits each gap it finds on
what those conditions read (casespace ``Space.split``): a class of cases a declared escalation
covers is not reported, the rest is, with the facts that keep it outside every declaration. A
declaration that covers no gap at all (every case it names is resolved by a rule, or none exists)
is a warning of its own, ``unreached_escalation``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from ..errors import quoted
from ..language.source import PolicySource
from .casespace import Leaf, Space
from .findings import Finding

__all__ = ["uncovered", "unreached"]


def uncovered(space: Space, kind: str, leaf: Leaf, deciding: set, reached: set[str]) -> list[tuple[dict, Leaf]]:
    """The parts of a gap no declared escalation covers: (the facts that tell it apart, its leaf).

    ``deciding`` are the facts the resolving rules read (the gap's description); the facts an escalation's
    condition split on are added. The name of each escalation that covered a part is added to ``reached``.
    """
    escalations = space.source.scope.escalations
    classes = [dict(leaf.assign)]
    for name, escalation in escalations.items():
        if any(holds for _, holds in space.split(kind, leaf.assign, escalation.when, leaf.values)):
            reached.add(name)  # it covers part of this gap, whether or not another declaration does too
        classes = [
            part
            for assign in classes
            for part, holds in space.split(kind, assign, escalation.when, leaf.values)
            if not holds
        ]
    out = []
    for assign in classes:
        values = {k: v for k, v in assign.items() if k in deciding or k not in leaf.assign}
        out.append((values, dataclasses.replace(leaf, assign=assign)))
    return out


def unreached(source: PolicySource, reached: Iterable[str]) -> list[Finding]:
    """A warning for each declared escalation that covers no case the rules leave to the default."""
    done = set(reached)
    return [
        Finding(
            e.location,
            "unreached_escalation",
            f"intended escalation {quoted(name)} covers no case that reaches the default: every case it names is "
            "resolved by a rule, or there is none; correct its condition or remove it",
            "warning",
        )
        for name, e in source.scope.escalations.items()
        if name not in done
    ]
