"""A plan as text for a person: what to do, how much, who pays, and why."""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from typing import Any

from .errors import one_line
from .plan import Leg, Plan

__all__ = ["load_catalogue", "render_text"]

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


def render_text(plan: Plan) -> str:
    """The plan for a person, one line per fact; what is not printable in it is shown escaped (``one_line``)."""
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
                    out.append(
                        f"    if {_value(b.when[fact]):<16} → {b.resolution}, refund {b.refund_total:.2f}"
                        f", return postage borne by {borne}"
                    )
    out.append("")
    out.append("Decided by:")
    for entry in plan.trace:
        out.append(f"  {entry.rule} ({entry.source}): {', '.join(entry.decided)}")
        out.append(f"      because {'; '.join(entry.because)}")
    return "".join(one_line(line) + "\n" for line in out)  # case and rule text shown escaped, never raw
