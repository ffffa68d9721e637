"""Whether a plan matches the fragment a policy test expects, and a readable line per mismatch.

``expect`` is matched against ``plan.model_dump(mode="json")``: a mapping
matches when every key it gives matches (others are ignored); a list matches
element by element (in ``steps``, ``gestures`` and ``trace`` an element may be
the bare ``action`` / ``kind`` / ``rule``); money compares as Decimal, times as
instants. ``steps_in_order`` and ``due`` are the two keys of its own.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ..diagnostics import dotted
from ..errors import cut, quoted
from ..plan import Plan

__all__ = ["BARE_KEYS", "check_plan", "same_value"]

# in these lists an expected element may be a bare string naming the element's key field
BARE_KEYS = {"steps": "action", "gestures": "kind", "trace": "rule"}


def check_plan(plan: Plan | dict, expect: dict) -> list[str]:
    """``[]`` when ``plan`` matches the fragment ``expect``; else one readable line per mismatch."""
    actual = plan.model_dump(mode="json") if isinstance(plan, Plan) else plan
    out: list[str] = []
    for key, want in expect.items():
        if key == "steps_in_order":
            _steps_in_order(want, actual.get("steps", []), out)
        elif key == "due":
            _due(want, actual.get("steps", []), out)
        elif key not in actual:
            out.append(f"{cut(str(key))}: no such field in the plan")
        else:
            _match(want, actual[key], (key,), out)
    return out


def _match(want: Any, got: Any, path: tuple, out: list[str]) -> None:
    where = dotted(path)
    if isinstance(want, dict):
        if not isinstance(got, dict):
            out.append(f"{where}: expected {_show(want)}, got {_show(got)}")
            return
        for key, sub in want.items():
            if key not in got:
                out.append(f"{dotted(path + (key,))}: no such field in the plan")
            else:
                _match(sub, got[key], path + (key,), out)
        return
    if isinstance(want, list):
        if not isinstance(got, list):
            out.append(f"{where}: expected {_show(want)}, got {_show(got)}")
            return
        bare = BARE_KEYS.get(path[-1]) if isinstance(path[-1], str) else None
        if len(want) != len(got):
            shown = [_brief(g, bare) for g in got]
            out.append(
                f"{where}: expected {len(want)} item{'s' if len(want) != 1 else ''}, got {len(got)}: "
                f"[{', '.join(shown)}]"
            )
            return
        for i, (w, g) in enumerate(zip(want, got, strict=True)):
            if bare and isinstance(w, str) and isinstance(g, dict):
                if g.get(bare) != w:
                    out.append(f"{dotted(path + (i,))}: expected {cut(w)}, got {_brief(g, bare)}")
            else:
                _match(w, g, path + (i,), out)
        return
    if not same_value(want, got):
        out.append(f"{where}: expected {_show(want)}, got {_show(got)}")


def same_value(want: Any, got: Any) -> bool:
    """Scalars: money as Decimal ("299" is "299.00"), times as instants, the rest with ==."""
    if want is None or got is None or isinstance(want, bool) or isinstance(got, bool):
        return want is got
    a, b = _number(want), _number(got)
    if a is not None and b is not None:
        return a == b
    t1, t2 = _instant(want), _instant(got)
    if t1 is not None and t2 is not None:
        return t1 == t2
    return want == got


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else None
    if not isinstance(value, str) or len(value) < 16 or "T" not in value.upper():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _steps_in_order(want: list[str], steps: list[dict], out: list[str]) -> None:
    actions = [str(s.get("action")) for s in steps]
    shown = ", ".join(actions)
    position, previous = 0, None
    for action in want:
        try:
            position = actions.index(action, position) + 1
        except ValueError:
            if action not in actions:
                out.append(f"steps_in_order: no step {quoted(action)} in steps [{shown}]")
            else:
                out.append(
                    f"steps_in_order: {quoted(action)} does not come after {quoted(previous)} in steps [{shown}]"
                )
            return
        previous = action


def _due(want: dict, steps: list[dict], out: list[str]) -> None:
    for action, when in want.items():
        step = next((s for s in steps if s.get("action") == action), None)
        if step is None:
            out.append(
                f"due.{cut(action)}: no step with action {quoted(action)} in steps "
                f"[{', '.join(s.get('action', '?') for s in steps)}]"
            )
        elif not same_value(when, step.get("due_by")):
            out.append(f"due.{cut(action)}: expected {_show(when)}, got {_show(step.get('due_by'))}")


def _brief(value: Any, bare: str | None) -> str:
    if bare and isinstance(value, dict) and bare in value:
        return cut(str(value[bare]))
    return _show(value)


def _show(value: Any) -> str:
    """A value of the plan or of the test as a mismatch line names it, ``cut``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, Decimal)):
        return cut(str(value))
    return cut(json.dumps(value, ensure_ascii=False, default=str, separators=(", ", ": ")))
