"""A generated policy of 1,000 rules, and what it must decide for any case.

The policy covers every issue kind with one rule per combination of
``issue.wants`` (6 values or not said) × ``customer.tier`` × ``customer.urgent``
× the affected goods' price band (under 300, 300 to 1,000, 1,000 and over):
924 rules that never overlap, each deciding the resolution, the postage legs
and a refund (a percentage of the affected goods, plus the return postage for
returns), with one step. On top of those, per kind, up to seven rules that
only add a step or a gesture (photos missing, courier confirmed, a negative
review, VIP and urgent, not delivered yet, outbound record checked, postage of
20 or more), up to 1,000 rules in all, one file per kind.

``expect(case)`` works out from the case dict alone (not through the library)
which rules match and what the plan's figures must be, from the same table the
generator wrote the rules from.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from aftersales_rules.testing import ATTRIBUTES
from aftersales_rules.vocabulary import ISSUE_KINDS, RESOLUTIONS
from aftersales_rules.vocabulary import TIERS as TIER_VALUES
from aftersales_rules.vocabulary import WANTS as WANTS_VALUES

KINDS = ISSUE_KINDS
WANTS = (*WANTS_VALUES, None)
TIERS = TIER_VALUES
URGENT = (False, True)
BANDS = ((None, "300.00"), ("300.00", "1000.00"), ("1000.00", None))  # [at_least, below)
REFUNDING = {"return_and_refund", "refund_without_return", "partial_refund", "exchange"}
CENT = Decimal("0.01")
RULES = 1000


@dataclass(frozen=True)
class Outcome:
    rule_id: str
    resolution: str
    return_leg: tuple[str, str] | None  # (advanced_by, borne_by)
    outbound_leg: tuple[str, str] | None  # (borne_by, method)
    percent: int  # of the affected goods; 0: no refund
    return_postage: bool


def _combos():
    for k, kind in enumerate(KINDS):
        for w, wants in enumerate(WANTS):
            for tier, urgent, b in itertools.product(TIERS, URGENT, range(len(BANDS))):
                yield k, kind, w, wants, tier, urgent, b


def outcome(k: int, w: int, tier: str, urgent: bool, band: int) -> Outcome:
    """The decision of the combination rule: a fixed, spread-out function of the combination."""
    n = (((k * len(WANTS) + w) * 2 + TIERS.index(tier)) * 2 + int(urgent)) * len(BANDS) + band
    resolution = RESOLUTIONS[(n * 7 + k) % len(RESOLUTIONS)]
    returns = resolution in ("return_and_refund", "exchange")
    return_leg = ("buyer", "seller" if (urgent or tier == "vip") else "buyer") if returns else None
    outbound = None
    if resolution in ("reship", "exchange"):
        outbound = ("seller", "prepaid")
    elif resolution == "charge_postage_difference":
        outbound = ("buyer", "freight_collect" if band == 2 else "prepaid")
    percent = (n * 37 + 11) % 101 if resolution in REFUNDING else 0
    rule_id = f"{KINDS[k]}.w{w}.{tier}.{'urgent' if urgent else 'calm'}.b{band}"
    return Outcome(rule_id, resolution, return_leg, outbound, percent, returns and resolution == "return_and_refund")


EXTRAS = (  # (name, condition, test on the case dict, step or gesture)
    ("photos_missing", {"evidence.photos": False}, lambda c: not (c.get("evidence") or {}).get("photos", False)),
    (
        "courier_confirmed",
        {"evidence.courier_confirmed": True},
        lambda c: (c.get("evidence") or {}).get("courier_confirmed", False) is True,
    ),
    (
        "negative_review",
        {"attributes.negative_review": True},
        lambda c: (c.get("attributes") or {}).get("negative_review") is True,
    ),
    (
        "vip_urgent",
        {"customer.tier": "vip", "customer.urgent": True},
        lambda c: (c.get("customer") or {}).get("tier") == "vip" and (c.get("customer") or {}).get("urgent") is True,
    ),
    ("not_delivered", {"order.delivered": False}, lambda c: c["order"].get("delivered_at") is None),
    (
        "outbound_checked",
        {"evidence.outbound_check": {"known": True}},
        lambda c: (c.get("evidence") or {}).get("outbound_check") is not None,
    ),
    (
        "postage_20",
        {"order.shipping_fee": {"at_least": "20.00"}},
        lambda c: Decimal(str(c["order"].get("shipping_fee", "0"))) >= 20,
    ),
)


def _extras():
    count = len(KINDS) * len(WANTS) * len(TIERS) * len(URGENT) * len(BANDS)
    for kind in KINDS:
        for name, when, test in EXTRAS:
            if count >= RULES:
                return
            count += 1
            yield kind, name, when, test


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _leg_yaml(leg, outbound: bool) -> str:
    if leg is None:
        return "none"
    if outbound:
        return f"{{borne_by: {leg[0]}, method: {leg[1]}}}"
    return f"{{advanced_by: {leg[0]}, borne_by: {leg[1]}}}"


def write_policy(directory: Path) -> int:
    """Write the policy files into ``directory``; the number of rules written."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "policy.yaml").write_text(
        'policy:\n  name: generated\n  version: "1"\n  description: 1,000 generated rules for the benchmark\n'
        "  timezone: Asia/Shanghai\n"
        "defaults:\n  resolution: escalate\n  release: on_agreement\n"
        # every attribute a generated case may set (only negative_review is read by a rule)
        + "attributes:\n"
        + "".join(f"  {name}: {json.dumps(decl)}\n" for name, decl in ATTRIBUTES.items()),
        encoding="utf-8",
    )
    by_kind: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for k, kind, w, wants, tier, urgent, b in _combos():
        o = outcome(k, w, tier, urgent, b)
        low, high = BANDS[b]
        band = ", ".join(f"{op}: {_q(v)}" for op, v in (("at_least", low), ("below", high)) if v)
        wants_yaml = "null" if wants is None else wants
        lines = []
        if o.percent:
            lines.append(f"{{component: partial, amount: {{percent: {o.percent}, of: affected.goods}}}}")
        if o.return_postage:
            lines.append("return_postage")
        refund = f"{{lines: [{', '.join(lines)}]}}" if lines else "none"
        by_kind[kind].append(
            f"  - id: {o.rule_id}\n"
            f"    description: {_q(f'{kind}: wants {wants_yaml}, {tier}, urgent {urgent}, goods band {b}')}\n"
            f"    when:\n"
            f"      issue.kind: {kind}\n"
            f"      issue.wants: {wants_yaml}\n"
            f"      customer.tier: {tier}\n"
            f"      customer.urgent: {str(urgent).lower()}\n"
            f"      affected.goods: {{{band}}}\n"
            f"    then:\n"
            f"      resolution: {o.resolution}\n"
            f"      return_leg: {_leg_yaml(o.return_leg, False)}\n"
            f"      outbound_leg: {_leg_yaml(o.outbound_leg, True)}\n"
            f"      refund: {refund}\n"
            f"      steps:\n"
            f"        - stage: resolve\n"
            f"          actor: customer_service\n"
            f"          action: message_buyer\n"
            f"          text: {{zh: {_q(f'方案 {o.rule_id}：退款 {{refund.total}} 元。')}, "
            f"en: {_q(f'Plan {o.rule_id}: refund {{refund.total}}.')}}}\n"
        )
    for kind, name, when, _ in _extras():
        cond = "".join(f"      {path}: {_value_yaml(v)}\n" for path, v in when.items())
        gesture = (
            f"      gestures:\n        - {{kind: gift, detail: {_q(f'{kind} {name} gift')}}}\n"
            if name in ("vip_urgent", "postage_20")
            else ""
        )
        by_kind[kind].append(
            f"  - id: {kind}.extra.{name}\n"
            f"    when:\n"
            f"      issue.kind: {kind}\n{cond}"
            f"    then:\n{gesture}"
            f"      steps:\n"
            f"        - {{stage: investigate, actor: customer_service, action: note_order, "
            f"text: {{zh: {_q(f'{kind} {name} 備注')}, en: {_q(f'{kind}: note {name}')}}}}}\n"
        )
    total = 0
    for kind, rules in by_kind.items():
        (directory / f"{kind}.yaml").write_text("rules:\n" + "".join(rules), encoding="utf-8")
        total += len(rules)
    return total


def _value_yaml(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value_yaml(v)}" for k, v in value.items()) + "}"
    return _q(value) if isinstance(value, str) and value[:1].isdigit() else str(value)


# --------------------------------------------------------------------------- expectation


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def _affected_goods(case: dict) -> Decimal:
    items = {i["sku"]: i for i in case["order"]["items"]}
    affected = case["issue"].get("items")
    if affected is None:
        pairs = [(i, i.get("quantity", 1)) for i in items.values()]
    else:
        pairs = [(items[a["sku"]], a.get("quantity") or items[a["sku"]].get("quantity", 1)) for a in affected]
    return sum((_money(i["unit_price"]) * q for i, q in pairs), Decimal("0.00")).quantize(CENT)


def expect(case: dict) -> dict:
    """The figures and the rule ids the generated policy must give ``case`` (from the table, not the engine)."""
    kind = case["issue"]["kind"]
    wants = case["issue"].get("wants")
    customer = case.get("customer") or {}
    tier, urgent = customer.get("tier", "regular"), customer.get("urgent", False)
    goods = _affected_goods(case)
    band = 0 if goods < 300 else 1 if goods < 1000 else 2
    o = outcome(KINDS.index(kind), WANTS.index(wants), tier, urgent, band)
    shipment = (case.get("progress") or {}).get("return_shipment") or {}
    rp = _money(shipment["postage_paid"]) if shipment.get("postage_paid") is not None else None
    fee = _money(case["order"].get("shipping_fee", "0"))
    total = (goods * o.percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    if o.return_postage and rp is not None:
        total += rp
    total = min(total, goods + fee + (rp or 0))
    rules = {o.rule_id} | {f"{kind}.extra.{name}" for k, name, _, test in _extras() if k == kind and test(case)}
    return {
        "resolution": o.resolution,
        "return_advanced_by": o.return_leg[0] if o.return_leg else None,
        "return_borne_by": o.return_leg[1] if o.return_leg else None,
        "outbound_borne_by": o.outbound_leg[0] if o.outbound_leg else None,
        "outbound_method": o.outbound_leg[1] if o.outbound_leg else None,
        "refund_total": f"{total:.2f}",
        "rules": sorted(rules),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, help="where to write the policy files")
    args = parser.parse_args(argv)
    print(f"{write_policy(args.directory)} rules written to {args.directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
