"""A plan as text for a person, wholly in one language: what to do, how much, who pays, and why."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..errors import one_line
from ..explanation import RuleExplanation
from ..plan import Gesture, Leg, Plan, StepText
from .catalogue import Catalogue, catalogue, padded
from .explanation import near_miss_lines
from .wording import PlainWording, Wording

__all__ = ["render_text", "step_text"]


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")


def _leg(w: Catalogue, leg: Leg | None) -> str:
    if leg is None:
        return w.say("none")
    advanced = ""
    if leg.advanced_by and leg.advanced_by != leg.borne_by:
        advanced = w.say("advanced_by", party=w.name("party", leg.advanced_by))
    amount = f"{leg.amount:.2f}" if leg.amount is not None else w.say("amount_unknown")
    method = w.name("method", leg.method)
    party = w.name("party", leg.borne_by)
    return w.say("leg", advanced=advanced, party=party, amount=amount, method=method, shares=_shares(w, leg))


def _shares(w: Catalogue, leg: Leg) -> str:
    """A split leg's shares: ``; shares insurer 12.00, buyer 6.00 (insurer at most 12.00)``."""
    if leg.shares is None:
        return ""
    parts = [w.say("share", party=w.name("party", s.party), amount=f"{s.amount:.2f}") for s in leg.shares]
    parts += [w.say("share_unknown", party=w.name("party", party)) for party in leg.pending or ()]
    cap = f"{leg.cap:.2f}" if leg.cap is not None else w.say("cap_unknown")
    return w.say("shares", shares=w.join(parts), party=w.name("party", leg.borne_by), cap=cap)


def step_text(w: Catalogue, text: StepText, declared: Sequence[str]) -> str | None:
    """A step's text in ``w``'s language; without one, in the policy's first declared language that has one,
    marked with that language's tag."""
    texts = {k: v for k, v in text.model_dump().items() if v}
    if w.language in texts:
        return texts[w.language]
    other = next((tag for tag in (*declared, *texts) if tag in texts), None)
    return None if other is None else w.say("text_fallback", language=other, text=texts[other])


def _detail(w: Catalogue, gesture: Gesture, declared: Sequence[str]) -> str:
    """A gesture's detail in ``w``'s language, as a step's text is shown; its one text when it has one only."""
    return (step_text(w, gesture.text, declared) if gesture.text else None) or gesture.detail


def render_text(
    plan: Plan,
    near_misses: Sequence[RuleExplanation] = (),
    *,
    language: str = "en",
    wording: Wording | None = None,
) -> str:
    """The plan for a person in ``language`` (a catalogue's tag), one line per fact; what is not printable
    in it is shown escaped (``one_line``).

    ``near_misses`` (``Policy.explain(case).near_misses``) are listed after the rules that decided.
    ``wording`` (language/wording.py's ``policy_wording`` of the plan's policy) words the conditions of
    the trace and the facts the plan awaits; without it they are shown as the plan writes them.
    """
    w = catalogue(language)
    words = wording or PlainWording(w)
    out: list[str] = []
    p = plan.policy
    out.append(w.say("case", case_id=plan.case_id, name=p.name, version=p.version, digest=p.digest[:19]))
    out.append(w.say("resolution", resolution=w.name("resolution", plan.resolution)))
    out.append("")
    refund = plan.refund
    release = w.name("release", refund.release) if refund.release else ""
    if refund.lines or refund.pending:
        out.append(w.say("refund", total=w.money(refund.total, refund.currency), release=release))
        for line in refund.lines:
            component = w.name("component", line.component)
            label = f"{component} {line.sku}" if line.sku else component
            out.append(f"  {padded(label, 40)} {line.amount:>10.2f}")
        for pending in refund.pending:
            out.append(f"  {padded(w.name('component', pending), 40)} {padded(w.say('pending'), 10, right=True)}")
        if refund.capped_at is not None:
            out.append("  " + w.say("refund_capped", amount=f"{refund.capped_at:.2f}"))
    elif refund.offer_limit is None:
        out.append(w.say("refund_none", total=w.money(refund.total, refund.currency)))
    if refund.offer_limit is not None:
        out.append(w.say("offer", limit=w.money(refund.offer_limit, refund.currency), release=release))
    paid = plan.compensation
    if paid.lines or paid.pending:  # payments that are not refunds: shown apart, only where there are any
        out.append(w.say("compensation", total=w.money(paid.total, paid.currency)))
        for paid_line in paid.lines:
            component = w.name("compensation_component", paid_line.component)
            component += f" {paid_line.sku}" if paid_line.sku else ""
            label = w.say("paid_by", component=component, party=w.name("party", paid_line.paid_by))
            out.append(f"  {padded(label, 40)} {paid_line.amount:>10.2f}")
        for pending in paid.pending:
            out.append(
                f"  {padded(w.name('compensation_component', pending), 40)} {padded(w.say('pending'), 10, right=True)}"
            )
    out.append(w.say("postage"))
    out.append("  " + w.say("return_leg", leg=_leg(w, plan.postage.return_leg)))
    out.append("  " + w.say("outbound_leg", leg=_leg(w, plan.postage.outbound_leg)))
    if plan.gestures:
        out.append(w.say("gestures"))
        out.extend(
            "  " + w.say("gesture", kind=w.name("gesture_kind", g.kind), detail=_detail(w, g, words.languages))
            for g in plan.gestures
        )
    out.append("")
    out.append(w.say("steps"))
    for step in plan.steps:
        due = "  " + w.say("due", time=_when(step.due_by)) if step.due_by else ""
        actor = padded(w.name("actor", step.actor), 10)
        out.append(f"  {step.seq:>2}. {actor} {w.name('action', step.action)}{due}")
        text = step_text(w, step.text, words.languages)
        if text:
            out.append(f"      {text}")
    if plan.awaiting:
        out.append("")
        out.append(w.say("waiting"))
        for fact in plan.awaiting:
            out.append(f"  {words.fact(fact)}")
            for b in plan.branches:
                if fact in b.when:
                    extra = ""
                    if b.compensation_total:
                        extra = w.say("branch_compensation", amount=f"{b.compensation_total:.2f}")
                    borne = b.return_postage_borne_by
                    said = w.say(
                        "branch",
                        value=padded(words.value(fact, b.when[fact]), 16),
                        resolution=w.name("resolution", b.resolution),
                        refund=f"{b.refund_total:.2f}",
                        party=w.name("party", borne) if borne else w.say("nobody"),
                        compensation=extra,
                    )
                    out.append(f"    {said}")
    out.append("")
    out.append(w.say("decided_by"))
    for entry in plan.trace:
        outputs = w.join(w.output(slot) for slot in entry.decided)
        out.append("  " + w.say("trace", rule=entry.rule, source=entry.source, outputs=outputs))
        because = w.join((words.condition(entry.rule, c) for c in entry.because), "because_separator")
        out.append("      " + w.say("because", conditions=because))
    if near_misses:
        out.append("")
        out.extend(near_miss_lines(near_misses, language=language, wording=wording))
    return "".join(one_line(line) + "\n" for line in out)  # case and rule text shown escaped, never raw
