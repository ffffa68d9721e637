"""Colour for a text view on a terminal: headings, the resolution, amounts and actors (rich).

The views themselves return plain text (render/); this module marks its parts by what they are,
found through the same catalogue that worded them, and prints it with rich. No colour when
standard output is not a terminal, when ``NO_COLOR`` is set (no-color.org: rich itself would
still print bold), or when ``TERM=dumb``; ``FORCE_COLOR`` asks for it on a pipe too. The text is
never read as rich markup: a case's ``[bold]`` prints as written.
"""

from __future__ import annotations

import os
import re
import sys

from rich.console import Console
from rich.text import Text

from ..render import Catalogue
from .errors import echo, writing_stdout

__all__ = ["print_text", "styled"]

HEADING = "bold"
RESOLUTION = "bold green"
AMOUNT = "cyan"
ACTOR = "magenta"
_AMOUNT = re.compile(r"(?<![\w.])\d+\.\d{2}(?![\w.])")
_HEADINGS = ("postage", "gestures", "steps", "waiting", "decided_by", "near_misses", "matched_no")


def _console() -> Console | None:
    """A console that colours standard output, or None when it should stay plain."""
    if os.environ.get("NO_COLOR"):
        return None
    console = Console(file=sys.stdout, highlight=False, markup=False, emoji=False, soft_wrap=True)
    return console if console.color_system is not None else None


def styled(text: str, words: Catalogue, resolution: str | None = None) -> Text:
    """``text`` (a text view in ``words``' language) with its headings, resolution, amounts and actors marked."""
    out = Text(text)  # plain: Text() never reads markup
    headings = {words.say(key) for key in _HEADINGS}
    start = 0
    for line in text.splitlines(keepends=True):
        bare = line.rstrip("\n")
        if bare in headings or (start == 0 and bare):
            out.stylize(HEADING, start, start + len(bare))
        start += len(line)
    if resolution is not None:
        name = words.name("resolution", resolution)
        heading = words.say("resolution", resolution=name)
        at = text.find(heading)
        if at >= 0:
            at += heading.rfind(name)
            out.stylize(RESOLUTION, at, at + len(name))
    actors = "|".join(re.escape(name) for name in words.data["actor"].values())
    for match in re.finditer(rf"^  [ \d]\d\. ({actors}) ", text, flags=re.MULTILINE):
        out.stylize(ACTOR, *match.span(1))
    first = text.find("\n") + 1  # the header's policy version is no amount
    for match in _AMOUNT.finditer(text, first):
        out.stylize(AMOUNT, *match.span())
    return out


def print_text(text: str, words: Catalogue, resolution: str | None = None) -> None:
    """Print a text view to standard output, coloured where ``_console`` allows."""
    console = _console()
    if console is None:
        echo(text, nl=False)
        return
    with writing_stdout():
        console.print(styled(text, words, resolution), end="")
        console.file.flush()
