"""Why a rule did or did not apply to a case, as data (``Policy.explain``).

A ``RuleExplanation`` says whether the rule's condition held for the case
(``matched``, read in Python exactly as durable_rules reads it: a test on an
unknown fact fails, its negation holds); if not, every top-level condition
that failed (``failures``, the first is ``failed``) with the case's values of
the facts it reads; if it matched, what it decided and what it lost, to which
rule, by which part of the conflict policy (docs/rule-language.md, "What
wins"). A ``CaseExplanation`` holds one for every rule of the policy, and the
near misses: the rules of the case's kind that failed on exactly one condition.

render.py words them for a person; ``model_dump_json`` gives them to a program.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from .errors import SourceLocation

__all__ = ["CaseExplanation", "ConflictPart", "FactValue", "FailedCondition", "Loss", "RuleExplanation"]

# the part of the conflict policy that took an output from a matching rule:
#   group     within its group a matching rule of higher priority applies (part 1)
#   priority  an applying rule of higher priority sets the output (part 2)
#   stratum   the output is a derived fact that a rule of a later stratum set again
ConflictPart = Literal["group", "priority", "stratum"]


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FactValue(_Data):
    """A fact a condition reads, and the case's value of it (None: unknown)."""

    path: str
    value: Any = None


class FailedCondition(_Data):
    """A top-level condition of a rule that does not hold for the case."""

    text: str  # as the trace's "because" lines write it: "issue.wants in [return, refund]"
    location: SourceLocation | None  # where it is written in the rule file
    actual: tuple[FactValue, ...]  # every fact it reads, with the case's value
    unknown: tuple[str, ...] = ()  # three-valued logic cannot decide it: it waits on these unknown facts


class Loss(_Data):
    """An output a matching rule sets that another rule decided instead."""

    output: str  # "group wrong_item.plan" for a rule its group left out, else the output ("resolution", ...)
    winner: str  # the rule that decided it
    winner_source: str
    winner_priority: int
    priority: int  # the losing rule's
    part: ConflictPart


class RuleExplanation(_Data):
    """Whether one rule matched one case and, if it did, what it decided and what it lost."""

    rule: str
    source: str  # "rules/wrong_item.yaml:30", as in the trace
    location: SourceLocation
    case_id: str
    matched: bool  # its condition holds (as durable_rules matched it)
    applied: bool = False  # matched, and its group (if any) did not leave it out
    decided: tuple[str, ...] = ()  # what it decided, as in the trace ("resolution", ..., "steps", "gestures")
    because: tuple[str, ...] = ()  # its conditions, as the trace writes them
    lost: tuple[Loss, ...] = ()  # outputs it sets that another rule decided
    failures: tuple[FailedCondition, ...] = ()  # when it did not match: each condition that failed, in order

    @property
    def failed(self) -> FailedCondition | None:
        """The first condition that failed (None when the rule matched)."""
        return self.failures[0] if self.failures else None

    @property
    def won(self) -> bool:
        """It applied and lost nothing it sets."""
        return self.applied and not self.lost


class CaseExplanation(_Data):
    """Every rule of a policy, explained for one case."""

    case_id: str
    kind: str
    rules: tuple[RuleExplanation, ...]  # every rule, in load order
    kind_rules: tuple[str, ...]  # the ids of the rules of the case's kind (those the engine matches it against)

    def rule(self, rule_id: str) -> RuleExplanation:
        """The explanation of ``rule_id`` (KeyError if the policy has no such rule)."""
        for explanation in self.rules:
            if explanation.rule == rule_id:
                return explanation
        raise KeyError(rule_id)

    @property
    def near_misses(self) -> tuple[RuleExplanation, ...]:
        """The rules of the case's kind that did not match because of exactly one condition."""
        kind = set(self.kind_rules)
        return tuple(r for r in self.rules if r.rule in kind and not r.matched and len(r.failures) == 1)
