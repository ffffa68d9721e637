"""What a plan says beyond its figures: the gestures of the rules that applied and the trace of why."""

from __future__ import annotations

from ..language.conditions import All
from ..language.rules import Rule
from ..language.steptext import TextSpec
from ..plan import Gesture, StepText, TraceEntry
from .decision import Decision

__all__ = ["because", "gestures", "trace"]


def gestures(applied: list[Rule]) -> list[Gesture]:
    seen: dict[tuple, Gesture] = {}
    for rule in sorted(applied, key=lambda r: (-r.priority, r.index)):
        for g in rule.gestures:
            seen.setdefault((g.kind, g.detail, g.text), Gesture(kind=g.kind, detail=g.detail, text=_text(g.text)))
    return list(seen.values())


def _text(spec: TextSpec | None) -> StepText | None:
    return None if spec is None else StepText(zh=spec.zh, en=spec.en, **dict(spec.others))


def trace(d: Decision, reasons: dict[int, tuple[str, ...]]) -> list[TraceEntry]:
    decided: dict[str, list[str]] = {r.id: [] for r in d.applied}
    for slot, rules in d.winners.items():
        for rule in rules:
            decided[rule.id].append(slot)
    out = []
    for rule in d.applied:
        parts = list(decided[rule.id])
        if rule.steps:
            parts.append("steps")
        if rule.gestures:
            parts.append("gestures")
        if not parts:
            continue  # matched, but every output it sets was decided by a rule of higher priority
        out.append(
            TraceEntry(
                rule=rule.id,
                source=rule.source,
                because=list(reasons[rule.index]),
                decided=parts,
                description=rule.description,
            )
        )
    return out


def because(rule: Rule) -> tuple[str, ...]:
    """The conditions of ``rule`` as the trace prints them (the same for every case)."""
    when = rule.when
    shown = [i.describe() for i in when.items] if isinstance(when, All) else [when.describe()]
    return tuple(shown or ["always"])
