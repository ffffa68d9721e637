"""The text views the service answers with: one function for the plan and one for an explanation.

Every text rendering of the service goes through here. ``language`` is what the client asked for
(``?lang=``): any language there is a message catalogue for (``render.languages()``: a new language is a
catalogue file, and the service takes it without a change here); without it, the policy's first declared
language that has one, as ``aftersales dry-run`` without a locale. The text is the command line's
(``textview``): rule files named as the service was given its policy folder (``aftersales serve rules/``:
``rules/damage.yaml:12``), as the JSON explanations' locations name them.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..explanation import RuleExplanation
from ..plan import Plan
from ..policy import Policy
from ..render import choose_language, languages
from ..textview import explanation_text, plan_text
from .problems import ServiceProblem

__all__ = ["explanation_view", "language_of", "text_view"]


def language_of(policy: Policy, requested: str | None) -> str:
    """The language of a text view: ``requested`` when there is a catalogue for it (else a 400 problem),
    otherwise the policy's first declared language that has one (the server's locale plays no part)."""
    if requested is not None and requested not in languages():
        raise ServiceProblem("invalid_parameter", f"lang: one of {', '.join(languages())}")
    return choose_language(requested, policy.source.header.languages, {})


def text_view(policy: Policy, plan: Plan, near_misses: Sequence[RuleExplanation], language: str) -> str:
    """The plan as ``aftersales dry-run --lang LANGUAGE`` prints it (without colour), near misses at the end."""
    return plan_text(policy, plan, near_misses, language)


def explanation_view(policy: Policy, explanation: RuleExplanation, language: str) -> str:
    """Why one rule did or did not apply, as ``dry-run --why-not RULE --lang LANGUAGE`` prints it."""
    return explanation_text(policy, explanation, language)
