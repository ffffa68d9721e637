"""The text views the service answers with: one function for the plan and one for an explanation.

Every text rendering of the service goes through here. ``language`` is what the client asked for
(``?lang=zh|en``); ``render.render_text`` and ``render.render_explanation`` take no language yet,
so today both views are English whatever is asked, and the language is passed through here, and
only here, once the renderer takes it.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..explanation import RuleExplanation
from ..plan import Plan
from ..render import render_explanation, render_text

__all__ = ["LANGUAGES", "explanation_view", "text_view"]

LANGUAGES = ("en", "zh")  # what ?lang= accepts; English first, the default


def text_view(plan: Plan, near_misses: Sequence[RuleExplanation], language: str = "en") -> str:
    """The plan as ``aftersales dry-run`` prints it, near misses at the end (English for now, see above)."""
    return render_text(plan, near_misses)


def explanation_view(explanation: RuleExplanation, language: str = "en") -> str:
    """Why one rule did or did not apply, as ``dry-run --why-not`` prints it (English for now, see above)."""
    return render_explanation(explanation)
