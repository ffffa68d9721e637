"""Limits the case, the policy and the plan agree on (issue 9, points 4 and 6).

durable_rules compares strings with 16-bit lengths, so a text of 65,536 + n bytes
compares as its first n bytes: every text the engine may compare is bounded well
below that, on the case side and on the policy side. Amounts: a case whose order
adds up to more than MAX_AMOUNT is refused, so every amount of a plan fits.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

import pytest
import yaml
from pydantic import BaseModel

from aftersales_rules import Policy
from aftersales_rules.case import MAX_NAME, MAX_TEXT, Case
from aftersales_rules.errors import CaseError, PolicyError

from conftest import SMALL_CASE

WRAP = 65_536  # durable_rules' string lengths are 16-bit


def _policy(folder: Path, when: dict[str, Any], extra: dict[str, Any] | None = None) -> Policy:
    folder.mkdir(exist_ok=True)
    (folder / "policy.yaml").write_text(
        yaml.safe_dump(
            {
                "policy": {"name": "limits", "version": "1"},
                "defaults": {"resolution": "escalate"},
                **(extra or {}),
                "rules": [{"id": "staff", "when": when, "then": {"resolution": "explain"}}],
            },
            allow_unicode=True,
            width=10**7,
        ),
        encoding="utf-8",
    )
    return Policy.load(folder)


def _case(**changes: Any) -> dict[str, Any]:
    case = copy.deepcopy(SMALL_CASE)
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = case
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return case


# ------------------------------------------------------------------ point 4: long texts


def test_a_long_customer_id_does_not_match_as_its_head(tmp_path: Path) -> None:
    policy = _policy(tmp_path / "rules", {"customer.customer_id": "U-STAFF"})
    assert policy.evaluate(_case(customer__customer_id="U-STAFF")).resolution == "explain"
    assert policy.evaluate(_case(customer__customer_id="U-OTHER")).resolution == "escalate"
    with pytest.raises(CaseError) as caught:
        policy.evaluate(_case(customer__customer_id="U-STAFF" + "x" * WRAP))
    assert [p.path for p in caught.value.problems] == ["customer.customer_id"]
    assert f"at most {MAX_NAME} characters" in str(caught.value)


def test_a_long_attribute_text_is_refused(tmp_path: Path) -> None:
    policy = _policy(
        tmp_path / "rules",
        {"attributes.channel": {"is_not": "staff"}},
        {"attributes": {"channel": {"type": "text"}}},
    )
    assert policy.evaluate(_case(attributes={"channel": "shop"})).resolution == "explain"
    assert policy.evaluate(_case(attributes={"channel": "staff"})).resolution == "escalate"
    with pytest.raises(CaseError) as caught:
        policy.evaluate(_case(attributes={"channel": "staff" + "y" * WRAP}))
    assert [p.path for p in caught.value.problems] == ["attributes.channel"]


def _limit(meta: Any) -> int | None:
    """The character limit a list of pydantic metadata sets (a pattern counts as a bound: names and codes)."""
    found: int | None = None
    for m in meta:
        inner = getattr(m, "metadata", None)
        if isinstance(inner, list):
            found = found or _limit(inner)
        if getattr(m, "max_length", None):
            found = found or m.max_length
        if getattr(m, "pattern", None):
            found = found or 64
    return found


def _text_limits(annotation: Any, path: str, out: dict[str, int | None]) -> None:
    """Every text field under ``annotation`` (through nested models, lists, unions and mappings) with its limit."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, info in annotation.model_fields.items():
            if info.annotation is str:
                out[f"{path}{name}"] = _limit(info.metadata)
            else:
                _text_limits(info.annotation, f"{path}{name}.", out)
        return
    if get_origin(annotation) is Annotated:
        base, *meta = get_args(annotation)
        if base is str:
            out[path.rstrip(".")] = _limit(meta)
        else:
            _text_limits(base, path, out)
        return
    if annotation is str:
        out[path.rstrip(".")] = None
        return
    for i, arg in enumerate(get_args(annotation)):
        _text_limits(arg, f"{path}<key>." if get_origin(annotation) is dict and i == 0 else path, out)


def test_every_text_of_the_case_is_bounded() -> None:
    limits: dict[str, int | None] = {}
    _text_limits(Case, "", limits)
    for path in ("customer.customer_id", "issue.reason", "order.items.sku", "attributes", "attributes.<key>"):
        assert path in limits
    assert {p: n for p, n in limits.items() if n is None or n > MAX_TEXT} == {}
    assert MAX_TEXT * 4 < WRAP  # four UTF-8 bytes a character at most


def test_a_long_text_constant_in_a_rule_is_a_load_problem(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        _policy(tmp_path / "rules", {"customer.customer_id": "U-STAFF" + "x" * WRAP})
    (problem,) = caught.value.problems
    text = (tmp_path / "rules" / "policy.yaml").read_text(encoding="utf-8")
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "customer.customer_id" in t)
    assert problem.location is not None and problem.location.line == line
    assert problem.path == "rules[0].when.customer.customer_id"
    assert problem.code == "invalid_value" and f"at most {MAX_TEXT:,} characters" in problem.message


def test_a_long_declared_value_is_a_load_problem(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        _policy(
            tmp_path / "rules",
            {"attributes.channel": "shop"},
            {"attributes": {"channel": {"type": "enum", "values": ["shop", "s" * WRAP]}}},
        )
    first = caught.value.problems[0]
    assert first.path == "attributes.channel.values[1]" and first.location is not None
    assert f"at most {MAX_TEXT} characters" in first.message
