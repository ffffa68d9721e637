"""A plan as text for a person: what to do, how much, who pays, and why; and why a rule did or did not apply.

Every line the text views print is built here, from data (the plan, the explanations), so that another
language is a change to this module and its catalogues alone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from importlib import resources
from typing import Any

from .errors import one_line
from .explanation import FailedCondition, Loss, RuleExplanation
from .plan import Leg, Plan

__all__ = ["load_catalogue", "near_miss_lines", "render_explanation", "render_text"]

CATALOGUES = "catalogues"  # display names by language: {enumeration: {value: name}}, one JSON file per language


def load_catalogue(language: str = "en") -> dict[str, dict[str, str]]:
    """The display names of the vocabulary's values in ``language``, from ``catalogues/<language>.json``."""
    text = resources.files("aftersales_rules").joinpath(CATALOGUES, f"{language}.json").read_text(encoding="utf-8")
    catalogue: dict[str, dict[str, str]] = json.loads(text)
    return catalogue


_NAMES = load_catalogue("en")


def _when(value: datetime | None) -> str:
    if not value:
        return ""
    return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")


def _leg(leg: Leg | None) -> str:
    if leg is None:
        return "none"
    advanced = f"advanced by {leg.advanced_by}, " if leg.advanced_by and leg.advanced_by != leg.borne_by else ""
    amount = f"{leg.amount:.2f}" if leg.amount is not None else "amount not known yet"
    return f"{advanced}borne by {leg.borne_by} ({amount}, {_NAMES['method'][leg.method]}){_shares(leg)}"


def _shares(leg: Leg) -> str:
    """A split leg's shares: ``; shares insurer 12.00, buyer 6.00 (insurer at most 12.00)``."""
    if leg.shares is None:
        return ""
    parts = [f"{share.party} {share.amount:.2f}" for share in leg.shares]
    parts += [f"{party} not known yet" for party in leg.pending or ()]
    cap = f"{leg.cap:.2f}" if leg.cap is not None else "an amount not known yet"
    return f"; shares {', '.join(parts)} ({leg.borne_by} at most {cap})"


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def render_text(plan: Plan, near_misses: Sequence[RuleExplanation] = ()) -> str:
    """The plan for a person, one line per fact; what is not printable in it is shown escaped (``one_line``).

    ``near_misses`` (``Policy.explain(case).near_misses``) are listed after the rules that decided.
    """
    out: list[str] = []
    p = plan.policy
    out.append(f"Case {plan.case_id} · policy {p.name} {p.version} ({p.digest[:19]}…)")
    out.append(f"Resolution: {plan.resolution}")
    out.append("")
    refund = plan.refund
    if refund.lines or refund.pending:
        out.append(f"Refund: {refund.total:.2f} {refund.currency}, released {refund.release}")
        for line in refund.lines:
            label = f"{line.component} {line.sku}" if line.sku else line.component
            out.append(f"  {label:<40} {line.amount:>10.2f}")
        for component in refund.pending:
            out.append(f"  {component:<40} {'pending':>10}")
        if refund.capped_at is not None:
            out.append(f"  (cut back to {refund.capped_at:.2f}, what the buyer paid)")
    elif refund.offer_limit is None:
        out.append(f"Refund: none ({refund.total:.2f} {refund.currency})")
    if refund.offer_limit is not None:
        out.append(
            f"Offer: at most {refund.offer_limit:.2f} {refund.currency}, to be agreed, released {refund.release}"
        )
    paid = plan.compensation
    if paid.lines or paid.pending:  # payments that are not refunds: shown apart, only where there are any
        out.append(f"Compensation: {paid.total:.2f} {paid.currency} (not part of the refund)")
        for paid_line in paid.lines:
            label = f"{paid_line.component}{f' {paid_line.sku}' if paid_line.sku else ''}, paid by {paid_line.paid_by}"
            out.append(f"  {label:<40} {paid_line.amount:>10.2f}")
        for component in paid.pending:
            out.append(f"  {component:<40} {'pending':>10}")
    out.append("Postage:")
    out.append(f"  return leg:   {_leg(plan.postage.return_leg)}")
    out.append(f"  outbound leg: {_leg(plan.postage.outbound_leg)}")
    if plan.gestures:
        out.append("Gestures:")
        out.extend(f"  {g.kind}: {g.detail}" for g in plan.gestures)
    out.append("")
    out.append("Steps:")
    for step in plan.steps:
        due = f"  [due {_when(step.due_by)}]" if step.due_by else ""
        out.append(f"  {step.seq:>2}. {_NAMES['actor'][step.actor]:<10} {step.action}{due}")
        for text in (step.text.en, step.text.zh):
            if text:
                out.append(f"      {text}")
    if plan.awaiting:
        out.append("")
        out.append("Waiting for:")
        for fact in plan.awaiting:
            out.append(f"  {fact}")
            for b in plan.branches:
                if fact in b.when:
                    borne = b.return_postage_borne_by or "-"
                    extra = f", compensation {b.compensation_total:.2f}" if b.compensation_total else ""
                    out.append(
                        f"    if {_value(b.when[fact]):<16} → {b.resolution}, refund {b.refund_total:.2f}"
                        f", return postage borne by {borne}{extra}"
                    )
    out.append("")
    out.append("Decided by:")
    for entry in plan.trace:
        out.append(f"  {entry.rule} ({entry.source}): {', '.join(entry.decided)}")
        out.append(f"      because {'; '.join(entry.because)}")
    if near_misses:
        out.append("")
        out.extend(near_miss_lines(near_misses))
    return "".join(one_line(line) + "\n" for line in out)  # case and rule text shown escaped, never raw


# ---------------------------------------------------------------------- explanations


def _fact_value(v: Any) -> str:
    if v is None:
        return "unknown"
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, Decimal):
        return f"{v:.2f}"
    return _value(v)


def _failure(f: FailedCondition, located: bool = False) -> str:
    """A condition that failed, and why: the case's values, or the unknown facts it could not be decided on."""
    text = f"{f.text} ({f.location})" if located and f.location else f.text
    if f.unknown:
        return f"{text}: could not be decided because {' and '.join(f.unknown)} {_be(f.unknown)} unknown"
    actual = " and ".join(f"{a.path} is {_fact_value(a.value)}" for a in f.actual)
    return f"{text}, but {actual}" if actual else f"{text}, which never holds"


def _be(paths: Sequence[str]) -> str:
    return "is" if len(paths) == 1 else "are"


def near_miss_lines(near_misses: Sequence[RuleExplanation]) -> list[str]:
    """The "Near misses" section: each rule of the case's kind that failed on one condition, a line each."""
    out = ["Near misses (one condition short):"]
    for miss in near_misses:
        assert miss.failed is not None  # a near miss failed on exactly one condition
        out.append(f"  {miss.rule} ({miss.source}): {_failure(miss.failed)}")
    return out


_PARTS = {  # the part of the conflict policy (docs/rule-language.md, "What wins") that decided
    "group": "within a group only the matching rule of highest priority applies (conflict policy, part 1)",
    "priority": "each output is taken from the applying rule of highest priority that sets it "
    "(conflict policy, part 2)",
    "stratum": "a rule of a later stratum, which reads what earlier ones decide, set it again",
}


def _loss(loss: Loss) -> str:
    return (
        f"Lost {loss.output} to {loss.winner} ({loss.winner_source}), priority {loss.winner_priority} "
        f"over this rule's {loss.priority}: {_PARTS[loss.part]}"
    )


def render_explanation(e: RuleExplanation) -> str:
    """Why one rule did or did not apply to one case (``aftersales dry-run CASE --why-not RULE``)."""
    out = [f"Rule {e.rule} ({e.source}) · case {e.case_id}"]
    if not e.matched:
        out.append("Matched: no")
        for n, failure in enumerate(e.failures):
            out.append(f"  {'failed' if n == 0 else 'also failed'}: {_failure(failure, located=True)}")
        return "".join(one_line(line) + "\n" for line in out)
    if not e.applied:
        out.append("Matched: yes, but it does not apply")
    elif e.lost:
        out.append("Matched: yes, and it applies, but lost part of what it sets")
    else:
        out.append("Matched: yes, and it applies")
    out.append(f"  because {'; '.join(e.because)}")
    out.extend(_loss(loss) for loss in e.lost)
    if e.applied:
        out.append(f"Decided: {', '.join(e.decided) or 'nothing'}")
    return "".join(one_line(line) + "\n" for line in out)
