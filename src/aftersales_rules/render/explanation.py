"""Why a rule did or did not apply to a case, as text in one language (``--why-not``, the near misses)."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import one_line
from ..explanation import FailedCondition, Loss, RuleExplanation
from .catalogue import Catalogue, catalogue
from .wording import PlainWording, Wording

__all__ = ["near_miss_lines", "render_explanation"]


def _failure(w: Catalogue, words: Wording, rule: str, f: FailedCondition, located: bool = False) -> str:
    """A condition that failed, and why: the case's values, or the unknown facts it could not be decided on."""
    text = words.condition(rule, f.text)
    if located and f.location:
        text = w.say("located", condition=text, location=f.location)
    if f.unknown:
        facts = w.join((words.fact(p) for p in f.unknown), "and_separator")
        return w.say("undecided_one" if len(f.unknown) == 1 else "undecided_many", condition=text, facts=facts)
    if not f.actual:
        return w.say("never_holds", condition=text)
    actual = w.join(
        (w.say("actual", fact=words.fact(a.path), value=words.value(a.path, a.value)) for a in f.actual),
        "and_separator",
    )
    return w.say("but", condition=text, actual=actual)


def near_miss_lines(
    near_misses: Sequence[RuleExplanation], *, language: str = "en", wording: Wording | None = None
) -> list[str]:
    """The "Near misses" section: each rule of the case's kind that failed on one condition, a line each."""
    w = catalogue(language)
    words = wording or PlainWording(w)
    out = [w.say("near_misses")]
    for miss in near_misses:
        assert miss.failed is not None  # a near miss failed on exactly one condition
        failure = _failure(w, words, miss.rule, miss.failed)
        out.append("  " + w.say("near_miss", rule=miss.rule, source=miss.source, failure=failure))
    return out


def _loss(w: Catalogue, loss: Loss) -> str:
    return w.say(
        "lost",
        output=w.output(loss.output),
        winner=loss.winner,
        source=loss.winner_source,
        winner_priority=loss.winner_priority,
        priority=loss.priority,
        part=w.say(f"part_{loss.part}"),
    )


def render_explanation(e: RuleExplanation, *, language: str = "en", wording: Wording | None = None) -> str:
    """Why one rule did or did not apply to one case (``aftersales dry-run CASE --why-not RULE``)."""
    w = catalogue(language)
    words = wording or PlainWording(w)
    out = [w.say("why_not", rule=e.rule, source=e.source, case_id=e.case_id)]
    if not e.matched:
        out.append(w.say("matched_no"))
        for n, failure in enumerate(e.failures):
            shown = _failure(w, words, e.rule, failure, located=True)
            out.append("  " + w.say("failed" if n == 0 else "also_failed", failure=shown))
        return "".join(one_line(line) + "\n" for line in out)
    if not e.applied:
        out.append(w.say("matched_not_applied"))
    elif e.lost:
        out.append(w.say("matched_lost"))
    else:
        out.append(w.say("matched_applied"))
    because = w.join((words.condition(e.rule, c) for c in e.because), "because_separator")
    out.append("  " + w.say("because", conditions=because))
    out.extend(_loss(w, loss) for loss in e.lost)
    if e.applied:
        out.append(w.say("decided", outputs=w.join(w.output(slot) for slot in e.decided) or w.say("nothing")))
    return "".join(one_line(line) + "\n" for line in out)
