"""A policy's answers as text for a person: a plan (with its near misses) and an explanation, in one language.

The command line (``aftersales dry-run``) and the service (``POST /v1/plans:text``, ``/v1/explain``) print
their text views through here, so both say the same: render/ builds the text from the catalogue of the
language, with the policy's own wording of its conditions, facts and values (``policy_wording``).

Each rule is named where one can open it: the rule file as the policy folder was given
(``Policy.location``: ``../myrules/damage.yaml:12``), as every other location in the text (a failed
condition's) already is; the plan's JSON keeps its ``trace[].source`` (``rules/damage.yaml:12``).
"""

from __future__ import annotations

from collections.abc import Sequence

from .explanation import RuleExplanation
from .language.wording import policy_wording
from .plan import Plan
from .policy import Policy
from .render import render_explanation, render_text

__all__ = ["explanation_text", "plan_text"]


def plan_text(policy: Policy, plan: Plan, near_misses: Sequence[RuleExplanation], language: str) -> str:
    """``plan`` (and the near misses after it) as ``aftersales dry-run --lang LANGUAGE`` prints it."""
    plan = _located_plan(policy, plan)
    near_misses = [_located_explanation(policy, m) for m in near_misses]
    return render_text(plan, near_misses, language=language, wording=policy_wording(policy.source, language))


def explanation_text(policy: Policy, explanation: RuleExplanation, language: str) -> str:
    """Why one rule did or did not apply, as ``aftersales dry-run --why-not RULE --lang LANGUAGE`` prints it."""
    explanation = _located_explanation(policy, explanation)
    return render_explanation(explanation, language=language, wording=policy_wording(policy.source, language))


def _located_plan(policy: Policy, plan: Plan) -> Plan:
    """The plan for its text view: each trace entry's source as a place one can open."""
    trace = [entry.model_copy(update={"source": policy.location(entry.source)}) for entry in plan.trace]
    return plan.model_copy(update={"trace": trace})


def _located_explanation(policy: Policy, explanation: RuleExplanation) -> RuleExplanation:
    """An explanation for its text view: the rule's source, and each winner's, as places one can open."""
    lost = tuple(
        loss.model_copy(update={"winner_source": policy.location(loss.winner_source)}) for loss in explanation.lost
    )
    return explanation.model_copy(update={"source": policy.location(explanation.source), "lost": lost})
