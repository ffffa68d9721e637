"""``check``: validate a policy, then lint it. Findings are ``Problem``s (file:line:col, severity, code).

=====================  ========  =====================================================
code                   severity  what
=====================  ========  =====================================================
(load problems)        error     anything ``Policy.load`` refuses, e.g. ``unknown_action``
unreachable_rule       error     no case lets the rule apply: its condition never holds,
                                 or a higher-priority rule wins every case it matches
overlap                error     two rules can both apply to one case and set one output
                                 differently with no declared winner (``ConflictError``
                                 at run time); warning when no concrete case confirms it
gap                    warning   a combination of facts of an issue kind for which no
                                 rule sets a resolution and ``defaults.resolution`` does;
                       error     …and there is no default (evaluation fails); warning
                                 when no concrete case confirms it
missing_text           error     a step's or gesture's text without one of the policy's languages
unused_definition      warning   a shared value, text, attribute or derived fact that
                                 nothing uses
refund_exceeds_paid    warning   a rule's refund lines could add up to more than the
                                 buyer paid (the engine cuts the total back)
spelled_value          warning   a step text spells a number a shared value defines, in a
                                 rule that uses the value (spelled.py)
unreached_escalation   warning   an intended escalation that covers no gap (intended.py; the
                                 gaps it covers are not reported)
analysis_incomplete    warning   too many combinations to finish the search for a kind
=====================  ========  =====================================================

Gaps, overlaps and unreachable rules come from casespace.py; each gap and
overlap carries an example case (witness.py) that the engine was run on.
What a finding is, and where it is placed, is in findings.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from decimal import Decimal

from ..engine.limits import limit_problems
from ..errors import ConflictError, EvaluationError, PolicyError, Problem, SourceLocation, UndecidedError, quoted
from ..language.conditions import FactRef, Ref, Test, walk
from ..language.moments import Moment
from ..language.rules import Rule
from ..language.source import PolicySource, read_policy
from ..language.steptext import TextSpec
from ..policy import Policy
from . import casespace, intended
from .casespace import Conflict, Leaf, Space, depends, describe_value
from .findings import CheckReport, Finding, RuleLocator, gap_location, header_location
from .spelled import spelled_values
from .witness import example_case

__all__ = ["CheckReport", "Finding", "check_policy", "lint"]

MAX_GAPS_PER_KIND = 10
# upper bounds of the money facts in terms of what was paid: affected goods (G), postage (F), return postage (R)
PAID_FACTS = ("affected.goods", "order.shipping_fee", "progress.return_shipment.postage_paid")
SCENARIOS = (
    (Decimal("100.00"), Decimal("10.00"), Decimal("5.00")),
    (Decimal("1.00"), Decimal("0.00"), Decimal("0.00")),
    (Decimal("1000.00"), Decimal("0.00"), Decimal("0.00")),
    (Decimal("0.01"), Decimal("50.00"), Decimal("50.00")),
)


def check_policy(paths: str | os.PathLike | Iterable[str | os.PathLike]) -> CheckReport:
    """Load the policy and lint it; a policy that does not load reports its load problems."""
    try:
        source = read_policy(paths, checks=[limit_problems])
    except PolicyError as exc:
        return CheckReport([Finding.of(p) for p in exc.problems])
    return CheckReport(lint(Policy(source)))


def lint(policy: Policy) -> list[Finding]:
    """Every finding about a loaded policy, sorted by location."""
    source = policy.source
    where = RuleLocator(source)
    found = [*_texts(source, where), *_unused(source), *_refund_bounds(source, where), *_decisions(policy)]
    found += spelled_values(source, where)
    return sorted(found, key=Problem.sort_key)


# --------------------------------------------------------------------------- texts, definitions, amounts


def _texts(source: PolicySource, where: RuleLocator) -> list[Finding]:
    out = []
    for d in source.scope.definitions.values():
        if d.kind == "text":
            out.extend(_missing(source, d.value, d.location, f"text {quoted(d.name)}"))
    for rule in source.rules:
        then = where.raw(rule).get("then") or {}
        texts: list[tuple[str, int, str, TextSpec | None, str]]
        texts = [("steps", i, "text", s.text, f"the {s.action} step") for i, s in enumerate(rule.steps)]
        texts += [("gestures", i, "detail", g.text, f"the {g.kind} gesture") for i, g in enumerate(rule.gestures)]
        for part, i, key, spec, what in texts:
            raw = (then.get(part) or [])[i]
            if spec and isinstance(raw, dict) and isinstance(raw.get(key), dict):  # inline ($name: where defined)
                place = where.key(rule, "then", part, i, key)
                out.extend(_missing(source, spec, place, f"{what} of rule {quoted(rule.id)}"))
    return out


def _missing(source: PolicySource, spec, location: SourceLocation, what: str) -> list[Finding]:
    out = []  # in the languages the policy declares (policy.languages, default [zh, en]), in that order for others
    names = {"zh": "Chinese ", "en": "English "}
    for lang in sorted(source.header.languages, key=lambda tag: (tag not in names, tag != "zh")):
        if spec.text(lang) is None:
            out.append(Finding(location, "missing_text", f"{what} has no {names.get(lang, '')}({lang}) text"))
    return out


def _unused(source: PolicySource) -> list[Finding]:
    read: set[str] = set()
    refs: set[str] = set()
    for rule in source.rules:
        for node in walk(rule.when):
            if isinstance(node, Ref):
                refs.add(node.name)
            elif isinstance(node, Test):
                read.add(node.path)
                if isinstance(node.value, (FactRef, Moment)):
                    read.add(node.value.path)
        read |= rule.outputs_read()
    for d in source.scope.definitions.values():
        if d.kind == "text" and d.used:
            read |= d.value.placeholders()
    out = []
    for d in source.scope.definitions.values():
        if d.kind in ("value", "text"):
            unused = not d.used
        elif d.kind == "attribute":
            unused = f"attributes.{d.name}" not in read
        elif d.name in source.scope.condition_facts:
            unused = d.name not in refs
        else:
            unused = f"facts.{d.name}" not in read
        if unused:
            what = {"value": "shared value", "text": "text", "attribute": "attribute", "fact": "derived fact"}[d.kind]
            out.append(Finding(d.location, "unused_definition", f"{what} {quoted(d.name)} is never used", "warning"))
    for d in source.scope.items.definitions.values():  # item_attributes: used by an item condition (items.py)
        if not d.used:
            out.append(
                Finding(d.location, "unused_definition", f"item attribute {quoted(d.name)} is never used", "warning")
            )
    return out


def _refund_bounds(source: PolicySource, where: RuleLocator) -> list[Finding]:
    out = []
    for rule in source.rules:
        lines = rule.slots.get("refund.lines")
        if not lines:
            continue
        for goods, fee, postage in SCENARIOS:
            bounds = dict(zip(PAID_FACTS, (goods, fee, postage), strict=True))
            bounds.update({"affected.profit": goods, "item.line_total": goods, "item.unit_price": goods})
            total, unbounded = Decimal(0), None
            for line in lines:
                ups = [a.upper_bound(bounds) for a in (line.amount, line.cap) if a is not None]
                if line.component == "goods" and line.amount is None:
                    ups.append(goods)
                known = [u for u in ups if u is not None]
                if not known:
                    unbounded = line
                    break
                total += min(known)
            paid = goods + fee + postage
            if unbounded is not None:
                message = (
                    f"the {unbounded.component} refund line of rule {quoted(rule.id)} has no bound in what the buyer "
                    f"paid ({_amount(unbounded)}); cap it, e.g. cap: affected.goods"
                )
            elif total > paid:
                message = (
                    f"rule {quoted(rule.id)} could refund {total:.2f} where the buyer paid {paid:.2f} "
                    f"(goods {goods:.2f}, postage {fee:.2f}, return postage {postage:.2f})"
                )
            else:
                continue
            out.append(
                Finding(
                    where.key(rule, "then", "refund"),
                    "refund_exceeds_paid",
                    message + "; the engine cuts the total back to what was paid",
                    "warning",
                )
            )
            break
    return out


def _amount(line) -> str:
    parts = [f"amount {line.amount.describe()}" if line.amount else "its own amount"]
    if line.cap is not None:
        parts.append(f"cap {line.cap.describe()}")
    return ", ".join(parts)


# --------------------------------------------------------------------------- decisions


def _decisions(policy: Policy) -> list[Finding]:
    source = policy.source
    space = Space(source)
    matched: set[str] = set()
    shown: set[str] = set()
    beaten_by: dict[str, dict[str, Rule]] = {}
    overlaps: dict[tuple, tuple[list[Conflict], str, Leaf]] = {}
    gaps: dict[str, dict[frozenset, tuple[dict, Leaf]]] = {}
    out: list[Finding] = []
    complete = True
    reached: set[str] = set()  # the intended escalations that cover a gap
    kind: str
    for kind in space.kinds:
        rules = space.rules_of(kind)
        # a rule with no single-valued output and no group only adds steps or gestures: it changes no other
        # rule's fate, so it is explored on its own (with what it depends on), not multiplied into every leaf
        additive = [r for r in rules if not r.slots and not r.group]
        ex = space.explore(kind, [r for r in rules if r not in additive])
        alone = {r.id: space.explore(kind, depends(rules, [r])) for r in additive}
        if not ex.complete or not all(sub.complete for sub in alone.values()):
            complete = False
            out.append(
                Finding(
                    header_location(source),
                    "analysis_incomplete",
                    f"{kind}: more than {casespace.MAX_LEAVES:,} combinations of facts; stopped looking "
                    "for gaps, overlaps and unreachable rules there",
                    "warning",
                )
            )
        for rule_id, sub in alone.items():
            if any(rule.id == rule_id for leaf in sub.leaves for rule in leaf.matched):
                matched.add(rule_id)
                shown.add(rule_id)  # it adds steps or gestures wherever it matches
        for leaf in ex.leaves:
            for rule in leaf.matched:
                matched.add(rule.id)
                if leaf.contributes(rule):
                    shown.add(rule.id)
                else:
                    beaten_by.setdefault(rule.id, {}).update({r.id: r for r in _winners_over(rule, leaf)})
        deciding = space.keys_read(depends(ex.rules, [r for r in ex.rules if "resolution" in r.slots]))
        for leaf in ex.leaves:
            for c in leaf.conflicts:
                found, _, first = overlaps.setdefault((c.first.id, c.second.id), ([], kind, leaf))
                if first is leaf:
                    found.append(c)
            if not leaf.conflicts and "resolution" not in leaf.winners:  # a gap, but for intended escalations
                for values, part in intended.uncovered(space, kind, leaf, deciding, reached):
                    gaps.setdefault(kind, {}).setdefault(frozenset(values.items()), (values, part))
    if complete:
        out.extend(_unreachable(source, matched, shown, beaten_by) + intended.unreached(source, reached))
    for conflicts, kind, leaf in overlaps.values():
        out.append(_overlap(policy, space, conflicts, kind, leaf))
    for kind, classes in gaps.items():
        merged = _merge(list(classes.values()), space)
        for n, (values, leaf) in enumerate(merged):
            if n == MAX_GAPS_PER_KIND:
                out.append(
                    Finding(
                        gap_location(source, kind),
                        "gap",
                        f"{kind}: {len(merged) - n} more gaps like the ones above",
                        "warning",
                    )
                )
                break
            out.append(_gap(policy, space, kind, values, leaf))
    return out


def _merge(found: list[tuple[dict, Leaf]], space: Space) -> list[tuple[dict, Leaf]]:
    """Gaps that differ in one fact only become one: ``issue.wants in {exchange, refund}``."""
    items = [({k: (v,) for k, v in assign.items()}, leaf) for assign, leaf in found]
    merged = True
    while merged:
        merged = False
        for i in range(len(items)):
            for j in range(i + 1, len(items)):
                a, b = items[i][0], items[j][0]
                differ = [k for k in a if a[k] != b.get(k)]
                if a.keys() == b.keys() and len(differ) == 1:
                    k = differ[0]
                    union = set(a[k]) | set(b[k])
                    a[k] = tuple(v for v in space.domain(k) if v in union)
                    if len(a[k]) == len(space.domain(k)):
                        del a[k]  # any value: the fact does not matter
                    del items[j]
                    merged = True
                    break
            if merged:
                break
    return items


def _winners_over(rule: Rule, leaf: Leaf) -> list[Rule]:
    if rule.group and rule not in leaf.applied:
        return [r for r in leaf.applied if r.group == rule.group]
    return [w for slot in rule.slots for w in leaf.winners.get(slot, ()) if w is not rule]


def _unreachable(source: PolicySource, matched: set, shown: set, beaten_by: dict) -> list[Finding]:
    out = []
    for rule in source.rules:
        if rule.id in shown:
            continue
        if rule.id not in matched:
            message = f"rule {quoted(rule.id)} can never apply: no case satisfies its condition"
        else:
            winners = sorted(beaten_by.get(rule.id, {}).values(), key=lambda r: r.index)
            names = ", ".join(f"{quoted(r.id)} ({r.where}, priority {r.priority})" for r in winners[:3])
            more = f" and {len(winners) - 3} more" if len(winners) > 3 else ""
            message = (
                f"rule {quoted(rule.id)} can never apply: whenever it matches, {names}{more} "
                f"{'wins' if len(winners) == 1 else 'win'} (priority {rule.priority})"
            )
        out.append(Finding(rule.location, "unreachable_rule", message))
    return out


def _overlap(policy: Policy, space: Space, conflicts: list[Conflict], kind: str, leaf: Leaf) -> Finding:
    a, b = conflicts[0].first, conflicts[0].second
    keys = space.keys_read([a, b])
    combo = _describe(kind, {k: v for k, v in leaf.assign.items() if k in keys})
    outputs = [c.output for c in conflicts]
    if conflicts[0].group:
        what = (
            f"rules {quoted(a.id)} ({a.where}) and {quoted(b.id)} ({b.where}) of group {quoted(a.group)} both match "
            f"at priority {a.priority} with different outputs"
        )
    else:
        shown = ", ".join(outputs[:-1]) + f" and {outputs[-1]}" if len(outputs) > 1 else outputs[0]
        what = (
            f"rules {quoted(a.id)} ({a.where}) and {quoted(b.id)} ({b.where}) both set {shown}, differently, "
            f"at priority {a.priority}"
        )
    confirmed, case = False, None
    for assign in ({k: v for k, v in leaf.assign.items() if k in keys}, leaf.assign):  # the smaller example first
        case = example_case(space, kind, assign)
        if case is None:
            continue
        try:
            policy.evaluate(case, branches=False)
        except ConflictError as exc:
            confirmed = set(exc.rules) == {a.id, b.id}
        if confirmed:
            break
    message = f"{what} for {combo}: no declared winner (give one a higher priority, or put both in a group)"
    if not confirmed:
        message += "; no concrete case confirmed it"
    return Finding(
        b.location, "overlap", message, "error" if confirmed else "warning", example=case if confirmed else None
    )


def _gap(policy: Policy, space: Space, kind: str, values: dict, leaf: Leaf) -> Finding:
    default = policy.source.defaults.resolution
    combo = _describe(kind, values)
    first = {k: v[0] for k, v in values.items()}
    case = example_case(space, kind, first) or example_case(space, kind, leaf.assign)
    confirmed = False
    if case is not None:
        try:
            plan = policy.evaluate(case, branches=False)
            confirmed = not any("resolution" in entry.decided for entry in plan.trace)
        except UndecidedError:
            confirmed = default is None
        except EvaluationError:  # refused for another reason: the gap stays unconfirmed
            pass
    if default is not None:
        message = f"no rule sets a resolution for {combo}; the default ({default}) applies"
        severity = "warning"
    else:
        message = f"no rule sets a resolution for {combo}, and there is no default: evaluating such a case fails"
        severity = "error" if confirmed else "warning"
    if not confirmed:
        message += "; no concrete case confirmed it"
    return Finding(gap_location(policy.source, kind), "gap", message, severity, example=case if confirmed else None)


def _describe(kind: str, assign: dict) -> str:
    """``damaged cases with issue.wants in {exchange, refund} or unknown, issue.severity=severe``."""
    parts = []
    for key, value in sorted(assign.items(), key=lambda kv: _order(kv[0])):
        if not isinstance(value, tuple):
            parts.append(describe_value(key, value))
        elif len(value) == 1:
            parts.append(describe_value(key, value[0]))
        else:
            named = [describe_value(key, v).split("=", 1)[-1] for v in value if v is not None]
            shown = f"={named[0]}" if len(named) == 1 else f" in {{{', '.join(named)}}}"
            parts.append(f"{key}{shown}" + (" or unknown" if None in value else ""))
    return f"{kind} cases" + (f" with {', '.join(parts)}" if parts else "")


def _order(key) -> tuple:
    return (1, key.describe()) if isinstance(key, Test) else (0, key)
