"""A validated rule: its condition tree and what it decides, as plain data.

Single-valued outputs live in ``Rule.slots`` (``resolution``, ``return_leg``,
``outbound_leg``, ``refund.lines``, ``refund.release``, ``facts.<name>``,
``compensation.<component>``); the engine picks one rule per slot. Steps and gestures add up across rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..diagnostics import pydantic_problems, shown, suggest
from ..errors import SourceLocation, quoted
from ..vocabulary import ACTIONS, STAGES, Component
from .amounts import Amount, parse_amount
from .compensation import parse_compensation
from .conditions import Condition
from .items import goods_filter
from .moments import Moment, parse_moment
from .peritem import item_reader, parse_per_item
from .rulefile import LegModel, LineModel, RefundModel, RuleModel
from .scope import Reader
from .steptext import LEG_PLACEHOLDERS, TextSpec, is_extra, parse_detail, parse_text

__all__ = [
    "STAGE_ORDER",
    "GestureSpec",
    "LegSpec",
    "LineSpec",
    "Rule",
    "StepSpec",
    "parse_outputs",
]


@dataclass(frozen=True)
class LegSpec:
    advanced_by: str | None
    borne_by: str
    method: str
    amount: Amount | None
    cap: Amount | None = None  # a split leg: the most ``borne_by`` bears ...
    rest_borne_by: str | None = None  # ... and who bears the rest


@dataclass(frozen=True)
class LineSpec:
    component: str
    amount: Amount | None  # None: goods only, each affected item's own price (the others default to a fact)
    cap: Amount | None
    agreed: Amount | None = None  # an offer: the amount agreed with the buyer, at most ``cap``; no line until known
    items: Any = None  # an items.ItemFilter: a goods line's items chosen by an item condition (only / except)
    per_item: Any = None  # a peritem.PerItem: one line per affected item, its formulas naming item.*


@dataclass(frozen=True)
class StepSpec:
    actor: str
    action: str
    text: TextSpec
    due: Moment | None
    stage: str


@dataclass(frozen=True)
class GestureSpec:
    kind: str
    detail: str  # the text in the policy's first language, or the one text for every language
    text: TextSpec | None = None  # the text in each language, where the rule gives one per language


@dataclass
class Rule:
    id: str
    description: str
    clause: str
    priority: int
    group: str | None
    when: Condition
    slots: dict[str, Any]
    steps: tuple[StepSpec, ...]
    gestures: tuple[GestureSpec, ...]
    location: SourceLocation
    source: str  # "rules/damage.yaml:12", as printed in the trace (the file's name in the policy)
    index: int  # position in load order
    stratum: int = 0
    facts_read: frozenset[str] = field(default_factory=frozenset)

    @property
    def where(self) -> str:
        """``source`` as messages show it, a place one can open: ``../myrules/damage.yaml:12``."""
        return f"{self.location.file}:{self.location.line}"

    def outputs_read(self) -> set[str]:
        """The facts this rule's outputs read: amounts and caps, due times, text placeholders."""
        read: set[str] = set()
        for value in self.slots.values():
            for spec in value if isinstance(value, tuple) else (value,):
                for name in ("amount", "cap", "agreed", "at_least", "at_most"):
                    amount = getattr(spec, name, None)
                    if amount is not None:
                        read |= amount.facts_read()
        for step in self.steps:
            if step.due is not None:
                read.add(step.due.path)
            read |= {p for p in step.text.placeholders() if not is_extra(p) and p not in LEG_PLACEHOLDERS}
        return read

    @property
    def sets(self) -> dict[str, Any]:
        return {k[6:]: v for k, v in self.slots.items() if k.startswith("facts.")}


# the fact a refund line of these components refunds when it names no amount
DEFAULT_AMOUNT: dict[Component, str] = {
    "return_postage": "progress.return_shipment.postage_paid",
    "original_shipping": "order.shipping_fee",
}


M = TypeVar("M", bound=BaseModel)


def _model(r: Reader, model: type[M], value: Any) -> M | None:
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        r.problems.extend(pydantic_problems(exc, model, r.doc, prefix=r.path, display_prefix=r.path))
        return None


def _leg(r: Reader, value: Any) -> tuple[bool, LegSpec | None]:
    if value == "none":
        return True, None
    if not isinstance(value, dict):
        r.error("invalid_value", f"{r.where}: expected {{borne_by: ..., advanced_by: ..., method: ...}} or none")
        return False, None
    model = _model(r, LegModel, value)
    if model is None:
        return False, None
    amount = parse_amount(r.at("amount"), model.amount) if model.amount is not None else None
    if model.amount is not None and amount is None:
        return False, None
    ok, cap = _split(r, model)
    if not ok:
        return False, None
    return True, LegSpec(
        model.advanced_by or model.borne_by, model.borne_by, model.method, amount, cap, model.rest_borne_by
    )


def _split(r: Reader, model: LegModel) -> tuple[bool, Amount | None]:
    """Whether a leg's split is well written, and its cap (None: the leg is not split)."""
    if model.cap is None and model.rest_borne_by is None:
        return True, None
    if model.cap is None or model.rest_borne_by is None:
        missing, given = ("rest_borne_by", "cap") if model.rest_borne_by is None else ("cap", "rest_borne_by")
        r.at(given).error(
            "missing_field",
            f"a split leg needs both cap (the most {model.borne_by} bears) and rest_borne_by (who bears the rest); "
            f"{quoted(missing)} is missing",
            on_key=True,
        )
        return False, None
    if model.rest_borne_by == model.borne_by:
        r.at("rest_borne_by").error(
            "invalid_value", f"rest_borne_by is {model.borne_by}, who bears the leg up to the cap: name another party"
        )
        return False, None
    cap = parse_amount(r.at("cap"), model.cap)
    return cap is not None, cap


def _line(r: Reader, value: Any) -> LineSpec | None:
    if isinstance(value, str):
        value = {"component": value}
    if not isinstance(value, dict):
        r.error(
            "invalid_value",
            "a refund line is a component name (goods, return_postage, original_shipping) "
            "or {component: ..., amount: ..., cap: ...} or an offer {component: ..., agreed: ..., cap: ...}",
        )
        return None
    model = _model(r, LineModel, value)
    if model is None:
        return None
    ok, per_item = parse_per_item(r, model)
    if per_item is not None:
        return _per_item_line(item_reader(r), model, per_item)
    ok, chosen = (False, None) if not ok else goods_filter(r, model)
    if not ok:
        return None
    if model.agreed is not None:
        return _offer(r, model)
    amount = cap = None
    if model.amount is not None:
        amount = parse_amount(r.at("amount"), model.amount)
        if amount is None:
            return None
    elif model.component in DEFAULT_AMOUNT:
        amount = Amount("fact", path=DEFAULT_AMOUNT[model.component])
    elif model.component != "goods":
        r.error("missing_field", f"a {model.component} line needs an amount")
        return None
    if model.cap is not None:
        cap = parse_amount(r.at("cap"), model.cap)
        if cap is None:
            return None
    return LineSpec(model.component, amount, cap, items=chosen)


def _per_item_line(r: Reader, model: LineModel, per_item: Any) -> LineSpec | None:
    """``{component, per_item: true, amount, cap}``: worked out for each affected item (language/peritem.py)."""
    if model.agreed is not None:
        r.at("agreed").error("invalid_value", "an offer ('agreed') is one amount, not per item", on_key=True)
        return None
    amount = parse_amount(r.at("amount"), model.amount)
    cap = parse_amount(r.at("cap"), model.cap) if model.cap is not None else None
    if amount is None or (model.cap is not None and cap is None):
        return None
    return LineSpec(model.component, amount, cap, per_item=per_item)


def _offer(r: Reader, model: LineModel) -> LineSpec | None:
    """``{component, agreed, cap}``: an amount still to be agreed with the buyer, at most ``cap``."""
    if model.amount is not None:
        r.at("amount").error(
            "invalid_value",
            "a line with 'agreed' is an offer: its amount is the agreed one, capped; drop 'amount'",
            on_key=True,
        )
        return None
    if model.cap is None:
        r.error("missing_field", "an offer ('agreed') needs a 'cap': the most that may be offered")
        return None
    agreed = parse_amount(r.at("agreed"), model.agreed)
    cap = parse_amount(r.at("cap"), model.cap)
    if agreed is None or cap is None:
        return None
    return LineSpec(model.component, None, cap, agreed)


def parse_outputs(r: Reader, model: RuleModel) -> tuple[dict, tuple, tuple] | None:
    """The slots, steps and gestures of a rule's ``then``; None after reporting problems."""
    then = model.then
    t = r.at("then")
    before = len(r.problems)
    slots: dict[str, Any] = {}
    if then.resolution is not None:
        slots["resolution"] = then.resolution
    fields_set = then.model_fields_set
    for leg in ("return_leg", "outbound_leg"):
        if leg in fields_set:
            ok, spec = _leg(t.at(leg), getattr(then, leg) if getattr(then, leg) is not None else "none")
            if ok:
                slots[leg] = spec
    if "refund" in fields_set:
        refund = then.refund
        if refund in ("none", None):
            slots["refund.lines"] = ()
        elif not isinstance(refund, dict):
            t.at("refund").error("invalid_value", "then.refund: expected {lines: [...], release: ...} or none")
        else:
            rm = _model(t.at("refund"), RefundModel, refund)
            if rm is not None:
                if rm.lines is not None:
                    lines = [_line(t.at("refund", "lines", i), v) for i, v in enumerate(rm.lines)]
                    if None not in lines:
                        slots["refund.lines"] = tuple(lines)
                if rm.release is not None:
                    slots["refund.release"] = rm.release
                if rm.lines is None and rm.release is None:
                    t.at("refund").error("invalid_value", "then.refund needs lines, release, or both")
    if then.compensation is not None:
        compensation = parse_compensation(t.at("compensation"), then.compensation)
        if compensation is not None:
            slots.update(compensation)
    for name, value in then.set.items():
        s = t.at("set", name)
        fact = r.scope.fact(f"facts.{name}")
        if fact is None or name in r.scope.condition_facts:
            why = " (it is defined by a condition, not set by rules)" if name in r.scope.condition_facts else ""
            settable = [p[6:] for p, f in r.scope.facts.items() if p.startswith("facts.")]
            s.error(
                "unknown_fact", *suggest(f"no derived fact {quoted(name)} to set{why}", name, settable), on_key=True
            )
            continue
        if fact.type == "bool" and not isinstance(value, bool):
            s.error("type_mismatch", f"facts.{name} is true or false, not {shown(value)}")
        elif fact.type == "enum" and value not in fact.values:
            s.error(
                "invalid_value",
                *suggest(f"facts.{name} is one of {', '.join(fact.values)}, not {shown(value)}", value, fact.values),
            )
        else:
            slots[f"facts.{name}"] = value
    steps = []
    for i, step in enumerate(then.steps):
        s = t.at("steps", i)
        if step.action not in ACTIONS and not step.action.startswith("x_"):
            s.at("action").error(
                "unknown_action",
                *suggest(
                    f"unknown action {quoted(step.action)}",
                    step.action,
                    ACTIONS,
                    after=" (a policy's own actions start with x_)",
                ),
            )
            continue
        text = parse_text(s.at("text"), step.text)
        due = parse_moment(s.at("due"), step.due) if step.due is not None else None
        if text is None or (step.due is not None and due is None):
            continue
        steps.append(StepSpec(step.actor, step.action, text, due, step.stage))
    gestures = []
    for i, g in enumerate(then.gestures):
        detail = parse_detail(t.at("gestures", i, "detail"), g.detail)
        if detail is not None:
            gestures.append(GestureSpec(g.kind, *detail))
    if len(r.problems) > before:
        return None
    if not slots and not steps and not gestures:
        t.error(
            "empty_rule",
            "this rule decides nothing: give it a resolution, a leg, a refund, steps, gestures or facts to set",
        )
        return None
    return slots, tuple(steps), tuple(gestures)


STAGE_ORDER: dict[str, int] = {name: i for i, name in enumerate(STAGES)}
