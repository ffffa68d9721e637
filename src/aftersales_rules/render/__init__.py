"""Text for a person: a plan, why a rule did or did not apply, and the near misses, wholly in one language.

Every line the text views print is built here, from data (the plan, the explanations) and the message
catalogues of ``catalogues/`` (catalogue.py), so that another language is a catalogue file alone. The
views return plain text; colour is the command line's (cli/colour.py).
"""

from __future__ import annotations

from .catalogue import Catalogue, catalogue, choose_language, languages, load_catalogue, locale_language
from .explanation import near_miss_lines, render_explanation
from .plan import render_text, step_text
from .wording import PlainWording, Wording

__all__ = [
    "Catalogue",
    "PlainWording",
    "Wording",
    "catalogue",
    "choose_language",
    "languages",
    "load_catalogue",
    "locale_language",
    "near_miss_lines",
    "render_explanation",
    "render_text",
    "step_text",
]
