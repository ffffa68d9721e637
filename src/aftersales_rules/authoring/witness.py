"""A concrete, valid case for a class of cases (a leaf of casespace.py): the example a lint finding shows.

Facts a case states directly (``issue.wants``, ``progress.inspection.resellable``,
an attribute) are set to the leaf's values. Times, amounts that a rule compares
with another fact, and the figures derived from the order's lines (goods,
profit, quantities) are searched for: candidates are drawn from small pools,
seeded, until every abstract fact of the leaf reads back as required. A case
is only returned when it does; the linter then runs it through the engine.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from ..case import Case, parse_case
from ..engine.compiler import compare, comparison_paths
from ..errors import CaseError
from ..language.conditions import FactRef, Test, walk
from ..language.facts import FACTS, attribute_value
from ..language.itemfacts import quantified_values
from .casespace import KNOWN, OTHER, VIEWS, Space, case_field

__all__ = ["abstract_value", "example_case", "reads_as"]

OTHER_TEXT = "lint-other"
CLOCKS = (time(10, 0), time(19, 59), time(20, 0), time(21, 30), time(0, 30), time(23, 59))
DAYS_BEFORE = (0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 14, 15, 16, 21, 30, 45, 90, -1)
ONE_LINE = {"sku": "TEAK-STOOL-40", "name": "柚木小凳", "unit_price": "299.00", "quantity": 1, "unit_cost": "180.00"}
AMOUNTS = ("0.00", "5.00", "10.00", "12.00", "15.00", "25.00", "100.00", "299.00", "2380.00")
PRICES = AMOUNTS[1:]  # unit prices of the order lines tried when the order's figures are searched for
COST_SHARES = (Decimal("0.3"), Decimal("0.6"), Decimal("0.9"), Decimal("1.2"))  # of the price; above 1: a loss


def example_case(space: Space, kind: str, assign: dict, seed: int = 0, attempts: int = 400) -> dict | None:
    """A case of ``kind`` whose abstract facts are ``assign``; None when none was found.

    The case is as small as it can be: the facts of ``assign`` on a one-line order.
    """
    rng = random.Random(seed)
    tz = space.tz or timezone(timedelta(hours=8))
    base_day = _base_day(space)
    searched = _searched(assign)
    for attempt in range(attempts if searched else 1):
        opened = datetime.combine(base_day, rng.choice(CLOCKS) if attempt else CLOCKS[0], tzinfo=tz)
        days = rng.choice(DAYS_BEFORE) if attempt else 3
        delivered = opened - timedelta(days=days, hours=rng.randrange(0, 14) if attempt else 2)
        case: dict = {
            "case_id": f"LINT-{kind}",
            "opened_at": opened.isoformat(),
            "order": {
                "order_id": "O-LINT",
                "shipping_fee": "10.00",
                "delivered_at": delivered.isoformat(),
                "items": [dict(ONE_LINE)],
            },
            "issue": {"kind": kind},
        }
        if "shape" in searched and attempt:
            items, affected = _shape(random.Random(rng.randrange(10**6)))
            case["order"]["items"] = items
            if affected is not None:
                case["issue"]["items"] = affected
            if rng.random() < 0.3:
                for item in case["order"]["items"]:
                    item.pop("unit_cost", None)
        for path in sorted((k for k in assign if isinstance(k, str)), key=lambda p: (p.count("."), p)):
            _set(space, case, path, assign[path], rng if attempt else None, opened)
        flags = [k for k in assign if isinstance(k, str) and k in space.source.scope.items.quantified]
        if flags and attempt:  # items.any / all / none: attributes drawn for each line
            lines = _item_candidates(space, flags)
            for line in case["order"]["items"]:
                line["attributes"] = {name: rng.choice(values) for name, values in lines.items()}
        if attempt:  # an amount compared with another fact, that no rule splits on by itself
            for path in sorted(searched - set(assign)):
                fact = space.facts.get(path)
                if fact is not None and fact.type == "money" and _field(path) and not fact.nullable:
                    _set(space, case, path, KNOWN, rng, opened)
        try:
            parsed = parse_case(case)
        except CaseError:
            continue
        if reads_as(space, parsed, assign):
            return case
    return None


def reads_as(space: Space, case: Case, assign: dict) -> bool:
    """Whether every abstract fact of ``assign`` holds of ``case``."""
    seen: dict[str, Any] = {}
    return all(abstract_value(space, case, key, seen) == want for key, want in assign.items())


def abstract_value(space: Space, case: Case, key: Any, seen: dict | None = None) -> Any:
    """What the abstract fact ``key`` (a path or a comparison) is for ``case``: a value of ``space.domain(key)``."""
    seen = {} if seen is None else seen
    if isinstance(key, Test):
        values = {"opened_at": case.opened_at}
        for path in comparison_paths(key):
            values[path] = seen[path] if path in seen else seen.setdefault(path, _concrete(space, case, path))
        return compare(key, values, space.tz)
    value = seen[key] if key in seen else seen.setdefault(key, _concrete(space, case, key))
    if value is None:
        return None
    domain = space.domain(key)
    if OTHER in domain:
        return value if value in domain else OTHER
    if KNOWN in domain:
        return KNOWN
    if space.facts[key].type in ("money", "int"):
        region = space.region(key, value)
        return next((v for v in domain if v is not None and space.region(key, v) == region), value)
    return value


def _concrete(space: Space, case: Case, path: str) -> Any:
    if path in space.source.scope.items.quantified:
        return quantified_values(case, space.source.scope.items, [path])[path]
    if path.startswith("attributes."):
        return attribute_value(case, space.facts[path])
    read = FACTS[path].read
    assert read is not None  # every fact in FACTS reads the case
    return read(case)


def _item_candidates(space: Space, flags: list[str]) -> dict[str, tuple]:
    """For each attribute the item conditions of ``flags`` test, values a line may be given: each value
    of a bool or enum, each text a condition names and another, a number either side of each it names,
    and null (unknown)."""
    items = space.source.scope.items
    out: dict[str, set] = {}
    for flag in flags:
        for node in walk(items.quantified[flag].condition):
            if not isinstance(node, Test):
                continue
            named = node.value if isinstance(node.value, tuple) else (node.value,)
            for path in (node.path, node.value.path if isinstance(node.value, FactRef) else None):
                if path is None:
                    continue
                fact = items.facts[path]
                values = out.setdefault(path, {None})
                if fact.type in ("bool", "enum"):
                    values.update(fact.branch_values())
                elif fact.type == "text":
                    values.update(v for v in (*named, OTHER_TEXT) if isinstance(v, str))
                else:
                    step = Decimal("0.01") if fact.type == "money" else 1
                    values.add(step * 1200)
                    for v in named:
                        if isinstance(v, (int, Decimal)) and not isinstance(v, bool):
                            values.update(x for x in (v - step, v, v + step) if x >= 0)
    shown = {name: {f"{v:.2f}" if isinstance(v, Decimal) else v for v in values} for name, values in out.items()}
    return {name: tuple(sorted(values, key=repr)) for name, values in sorted(shown.items())}


def _base_day(space: Space) -> date:
    header = space.source.header
    day = date(2026, 3, 16)
    if header.effective_from and day < header.effective_from:
        day = header.effective_from + timedelta(days=45)
    if header.effective_until and day > header.effective_until:
        day = header.effective_until
    return day


def _shape(rng: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]] | None]:
    """Order lines (one to three, varied prices, quantities and costs) and the units the issue names (None: all).

    Made from the case model alone, with no shop's catalogue: all the search needs is order figures
    (goods, profit, quantities, whole order or not) that vary.
    """
    items = []
    for n in range(rng.choice([1, 1, 1, 2, 2, 3])):
        price = Decimal(rng.choice(PRICES))
        item: dict[str, Any] = {
            "sku": f"LINT-{n + 1}",
            "unit_price": f"{price:.2f}",
            "quantity": rng.choice([1, 1, 1, 2, 4]),
        }
        if rng.random() < 0.9:
            item["unit_cost"] = f"{price * rng.choice(COST_SHARES):.2f}"
        items.append(item)
    affected = None
    if (rng.random() < 0.5 and len(items) > 1) or (items[0]["quantity"] > 1 and rng.random() < 0.5):
        chosen = rng.sample(items, rng.randrange(1, len(items) + 1))
        affected = [{"sku": i["sku"], "quantity": rng.randrange(1, i["quantity"] + 1)} for i in chosen]
    return items, affected


def _searched(assign: dict) -> set[str]:
    """What must be searched for rather than set: times, amounts compared with facts, order figures."""
    out: set[str] = set()
    for key in assign:
        if isinstance(key, Test):
            out.add("times")
            out.update(comparison_paths(key))
        elif not _field(key) and not key.startswith("attributes."):
            out.add("shape")
    return out


def _set(space: Space, case: dict, path: str, value: Any, rng: random.Random | None, opened: datetime) -> None:
    fact = space.facts[path]
    if path.startswith("attributes."):
        name = path[len("attributes.") :]
        if value is not None:
            case.setdefault("attributes", {})[name] = _plain(fact.type, value, rng, opened)
        return
    if not _field(path) or (path in ("opened_at", "order.delivered_at") and value is not None):
        return  # derived from the order (searched), or a time set above
    parts = path.split(".")
    target = case
    for part in parts[:-1]:
        if target.get(part) is None:
            target[part] = {}
        target = target[part]
    if value is None:
        target.pop(parts[-1], None)  # every nullable field of a case is null when left out
    elif fact.type == "object":
        if not isinstance(target.get(parts[-1]), dict):
            target[parts[-1]] = {}
    else:
        target[parts[-1]] = _plain(fact.type, value, rng, opened)


def _plain(kind: str, value: Any, rng: random.Random | None, opened: datetime) -> Any:
    """A case-file value for an abstract one."""
    if value is OTHER:
        return OTHER_TEXT
    if value is KNOWN:
        if kind == "money":
            return rng.choice(AMOUNTS) if rng else "12.00"
        if kind == "int":
            return rng.randrange(0, 20) if rng else 1
        if kind == "time":
            days = rng.choice(DAYS_BEFORE) if rng else 3
            return (opened - timedelta(days=days)).isoformat()
        if kind == "text":
            return "lint-text"
        return True
    if isinstance(value, Decimal):
        return f"{value:.2f}" if kind == "money" else value
    return value


def _field(path: str) -> bool:
    """Whether ``path`` is a field a case file states (rather than a figure derived from it)."""
    return path not in VIEWS and case_field(path) is not None
