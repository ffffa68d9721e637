"""Steps as a plan shows them: a rule's step prepared once, rendered per case.

A step's texts are split once into literal parts and ``{placeholders}``; a
step with no placeholder and no due time is the same ``Step`` in every plan at
a given position, so it is built once per position and shared (a ``Step`` is
frozen). Placeholders show money with two places, times in the shop's zone as
``YYYY-MM-DD HH:MM``, unknown values as "—".
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from ..language.compensation import SLOT as COMPENSATION_SLOT
from ..language.rules import Rule, StepSpec
from ..language.steptext import LEG_PLACEHOLDERS, PLACEHOLDER, PLACEHOLDER_EXTRAS, TextSpec
from ..plan import Compensation, Leg, Postage, Refund, Step, StepText
from ..vocabulary import COMPENSATION_WORDS, COMPONENT_WORDS
from .build import VALIDATED, PlanModels

__all__ = ["StepTemplate"]

Parts = str | tuple[str, ...] | None  # a text as (literal, name, literal, …, literal), or literal, or none


class StepTemplate:
    """One step of a rule, prepared once per policy.

    Its texts are split into literal parts and placeholders; rendering gives
    exactly what substituting ``{name}`` in the text would (``{{`` and ``}}`` are
    literal braces, an unknown value is "—"). A step whose texts have no
    placeholder and that has no due time is the same ``Step`` in every plan at a
    given position, so it is built once per position and shared (a ``Step`` is
    frozen and holds only immutable values).
    """

    __slots__ = (
        "_built",
        "compensation",
        "en",
        "figures",
        "key",
        "legs",
        "others",
        "programs",
        "rule_id",
        "spec",
        "text",
        "zh",
    )

    def __init__(self, rule: Rule, spec: StepSpec, keys: dict[tuple[str, str, TextSpec], int]) -> None:
        self.key = keys.setdefault((spec.actor, spec.action, spec.text), len(keys))
        self.spec = spec
        self.rule_id = rule.id
        self.zh = _split(spec.text.zh)
        self.en = _split(spec.text.en)
        self.others = tuple((tag, _split(text)) for tag, text in spec.text.others)  # other declared languages
        every = (self.zh, self.en, *(parts for _, parts in self.others))
        named = {p for parts in every if isinstance(parts, tuple) for p in parts[1::2]}
        self.compensation = tuple(sorted(p for p in named if p.startswith(COMPENSATION_SLOT)))
        static = not any(isinstance(parts, tuple) for parts in every)
        self.text = StepText(zh=self.zh, en=self.en, **dict(self.others)) if static else None
        self.legs = bool(set(LEG_PLACEHOLDERS) & spec.text.placeholders())  # shows a leg's cap or shares
        self.figures = bool(named & {"refund.total", "refund.offer_limit"})  # shows a refund figure
        # each text's placeholders once: (tag, language of its words, (literal before the first, (name, source,
        # after, after when shown as words), ...), whether it shows a figure the plan fills); the figures a text
        # shows are worked out only for those it names, per language of their words
        self.programs = tuple(
            (tag, _words(tag), program, _names_extra(program))
            for tag, parts in (("zh", self.zh), ("en", self.en), *self.others)
            for program in (_program(parts),)
        )
        self._built: dict[int, Step] | None = {} if static and spec.due is None else None

    def fields(self, seq: int) -> dict[str, Any]:
        """The step's fields at ``seq``, in the model's order, as far as they are the same in every plan: a skeleton
        prepares them once per step, and each case fills in the due time and a text with placeholders."""
        spec = self.spec
        return {
            "seq": seq,
            "actor": spec.actor,
            "action": spec.action,
            "text": self.text,
            "due_by": None,
            "stage": spec.stage,
            "rule": self.rule_id,
        }

    def shared(self, seq: int) -> Step | None:
        """The step at ``seq`` when it is the same in every plan (no placeholder, no due time), else None."""
        built = self._built
        if built is None:
            return None
        step = built.get(seq)
        if step is None:
            step = built.setdefault(seq, VALIDATED.step_of(self.fields(seq)))
        return step

    def render(
        self,
        fields: dict[str, Any],
        values: dict[str, Any],
        refund: Refund,
        tz: tzinfo | None,
        paid: Compensation | None = None,
        postage: Postage | None = None,
        make: PlanModels = VALIDATED,
    ) -> Step:
        """The step of one case, from its ``fields`` at its position (``fields``) and the case's values and figures."""
        step = dict(fields)
        due = None
        if self.spec.due is not None:
            due = step["due_by"] = self.spec.due.local(values, tz)
        if self.text is None:
            extras: dict[str, dict[str, Any]] = {}  # the figures shown, per language of their words
            texts: dict[str, str | None] = {}
            for tag, words, program, named in self.programs:
                if not named:  # a literal text, or one showing the case's facts only
                    texts[tag] = _render(program, values, extras, tz)
                    continue
                found = extras.get(words)
                if found is None:
                    found = extras[words] = self._extras(refund, due, words, paid, postage)
                texts[tag] = _render(program, values, found, tz)
            step["text"] = make.StepText(**texts) if self.others else make.StepText(zh=texts["zh"], en=texts["en"])
        return make.step_of(step)

    def _extras(
        self, refund: Refund, due: datetime | None, lang: str, paid: Compensation | None, postage: Postage | None
    ) -> dict[str, Any]:
        extras = _extras(refund, lang) if self.figures else {}
        extras["due_by"] = due
        if self.compensation:
            extras.update(_compensation_extras(paid, self.compensation, lang))
        if self.legs:
            extras.update(_leg_extras(postage, lang))
        return extras


def _words(tag: str) -> str:
    """The language whose words (the agreed amount, 谈妥的金额) a text in the language ``tag`` shows."""
    return "zh" if tag.split("-")[0] == "zh" else "en"


_AGREED_WORDS = ("the agreed amount", "谈妥的金额")
_UNIT = "元"  # a currency word after a placeholder that is shown as words, not a figure, is left out


class _Words(str):
    """A money placeholder shown as words: the plan holds no figure for it."""


def _extras(refund: Refund, lang: str) -> dict[str, Any]:
    """``{refund.total}`` and ``{refund.offer_limit}`` for one language.

    A step names only figures the plan holds: a refund total of 0.00 is shown as what it is still
    waiting for (the agreed amount of an offer, with its limit; the components due but not known
    yet), and an offer limit where there is no open offer as the agreed amount.
    """
    en = lang == "en"
    agreed = _AGREED_WORDS[0 if en else 1]
    total: Any = refund.total
    if total == 0:
        if refund.offer_limit is not None:
            total = _Words(
                f"{agreed} (at most {refund.offer_limit:.2f})"
                if en
                else f"{agreed}（最多 {refund.offer_limit:.2f} 元）"
            )
        elif refund.pending:
            words = [COMPONENT_WORDS[c][0 if en else 1] for c in refund.pending if c in COMPONENT_WORDS]
            total = _Words(f"{' and '.join(words)} (amount not known yet)" if en else f"{'和'.join(words)}（金额待定）")
        else:
            total = _Words("nothing" if en else "不退款")
    offer: Any = refund.offer_limit
    if offer is None:  # no open offer: agreed already, or nothing may be offered
        offer = _Words(agreed) if refund.total > 0 else _Words("nothing" if en else "零")
    return {"refund.total": total, "refund.offer_limit": offer}


def _compensation_extras(paid: Compensation | None, names: tuple[str, ...], lang: str) -> dict[str, Any]:
    """``{compensation.total}`` and ``{compensation.<component>}``: the plan's figures, or, where it holds
    none, what it is still waiting for ("the compensation for fraud (amount not known yet)") or "nothing"."""
    en = lang == "en"
    amounts: dict[str, Any] = {}  # a per-item component: the sum of its lines
    for line in paid.lines if paid else ():
        amounts[line.component] = amounts.get(line.component, 0) + line.amount
    pending = list(paid.pending) if paid else []
    out: dict[str, Any] = {}
    for name in names:
        component = name[len(COMPENSATION_SLOT) :]
        figure = (paid.total if paid else None) if component == "total" else amounts.get(component)
        if figure is not None and figure > 0:
            out[name] = figure
            continue
        waiting = pending if component == "total" else [c for c in pending if c == component]
        if waiting:
            words = [_compensation_words(c, en) for c in waiting]
            out[name] = _Words(
                f"{' and '.join(words)} (amount not known yet)" if en else f"{'和'.join(words)}（金额待定）"
            )
        else:
            out[name] = _Words("nothing" if en else "无")
    return out


def _compensation_words(component: str, en: bool) -> str:
    words = COMPENSATION_WORDS.get(component)  # type: ignore[call-overload]
    if words is None:  # a policy's own component
        return f"the {component} compensation" if en else f"{component} 赔偿"
    return words[0 if en else 1]


_SHARE_WORDS = ("its share (amount not known yet)", "分摊金额（待定）")
_CAP_WORDS = ("its cap (not known yet)", "上限（待定）")
_NO_CAP_WORDS = ("no cap", "不设上限")
_NOTHING = ("nothing", "零")


def _leg_extras(postage: Postage | None, lang: str) -> dict[str, Any]:
    """``{postage.<leg>.cap}`` and ``{postage.<leg>.shares.<party>}`` for one language.

    Like ``{refund.total}``, a figure the plan does not hold is shown as words: a share or cap
    not known yet, a share of 0.00 or of a party that bears none of the leg ("nothing"), no cap.
    """
    i = 0 if lang == "en" else 1
    out: dict[str, Any] = {}
    for name in ("return_leg", "outbound_leg"):
        leg: Leg | None = getattr(postage, name, None)
        shares: dict[str, Any] = {}
        cap: Any = _Words(_NO_CAP_WORDS[i])
        if leg is not None and leg.shares is None:  # not split: borne_by bears all of it
            shares[leg.borne_by] = leg.amount if leg.amount is not None else _Words(_SHARE_WORDS[i])
        elif leg is not None and leg.shares is not None:
            shares.update((share.party, share.amount) for share in leg.shares)
            shares.update((party, _Words(_SHARE_WORDS[i])) for party in leg.pending or ())
            cap = leg.cap if leg.cap is not None else _Words(_CAP_WORDS[i])
        for key in LEG_PLACEHOLDERS:
            if key.startswith(f"postage.{name}."):
                value = cap if key.endswith(".cap") else shares.get(key.rsplit(".", 1)[1])
                out[key] = _Words(_NOTHING[i]) if value is None or value == 0 else value
    return out


# where a placeholder's value comes from: the case's facts, or a figure the plan fills (steps.py's extras)
_FACT, _EXTRA = 0, 1
Program = str | tuple[str, tuple[tuple[str, int, str, str], ...]] | None


def _program(parts: Parts) -> Program:
    """A text split by ``_split`` prepared for ``_render``: each placeholder with where its value comes from and
    the literal after it, as it is and as it is after words (a currency word right after them left out)."""
    if not isinstance(parts, tuple):
        return parts
    slots = []
    for i in range(1, len(parts), 2):
        name, after = parts[i], parts[i + 1]
        extra = name in PLACEHOLDER_EXTRAS or name.startswith(COMPENSATION_SLOT) or name in LEG_PLACEHOLDERS
        stripped = after.lstrip(" ")
        after_words = stripped[len(_UNIT) :] if stripped.startswith(_UNIT) else after
        slots.append((name, _EXTRA if extra else _FACT, after, after_words))
    return parts[0], tuple(slots)


def _names_extra(program: Program) -> bool:
    """Whether a text shows a figure the plan fills (not only the case's facts)."""
    return isinstance(program, tuple) and any(source == _EXTRA for _, source, _, _ in program[1])


def _render(program: Program, values: dict[str, Any], extras: dict[str, Any], tz: tzinfo | None) -> str | None:
    if not isinstance(program, tuple):
        return program
    head, slots = program
    text = head  # a text has a placeholder or two: joined as it goes
    for name, source, after, after_words in slots:
        raw: Any = extras[name] if source else values.get(name)
        kind = type(raw)
        if kind is Decimal:  # money, shown most: a figure never holds a brace
            text += f"{raw:.2f}{after}"
            continue
        value = raw if kind is str else _show(raw, tz)
        if "\0" in value or "\1" in value:  # as the literal text's braces are restored
            value = value.replace("\0", "{").replace("\1", "}")
        text += value + (after_words if kind is _Words else after)
    return text


def _split(text: str | None) -> Parts:
    """``text`` as (literal, name, literal, …, literal), or the literal text when it has no placeholder."""
    if text is None:
        return None
    parts = PLACEHOLDER.split(text.replace("{{", "\0").replace("}}", "\1"))
    parts = [p.replace("\0", "{").replace("\1", "}") if i % 2 == 0 else p.strip() for i, p in enumerate(parts)]
    return parts[0] if len(parts) == 1 else tuple(parts)


def _show(value: Any, tz: tzinfo | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime):  # YYYY-MM-DD HH:MM: the years of a case and its moments have four digits
        return value.astimezone(tz or value.tzinfo).isoformat(" ", "minutes")[:16]  # strftime costs ~15x more
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
