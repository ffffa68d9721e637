"""Limits the case, the policy and the plan agree on (issue 9, points 4 and 6).

durable_rules compares strings with 16-bit lengths, so a text of 65,536 + n bytes
compares as its first n bytes: every text the engine may compare is bounded well
below that, on the case side and on the policy side. Amounts: a case whose order
adds up to more than MAX_AMOUNT is refused, so every amount of a plan fits.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

import pytest
import yaml
from hypothesis import event, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from aftersales_rules import Policy
from aftersales_rules.case import MAX_NAME, MAX_TEXT, Case
from aftersales_rules.errors import AfterSalesError, CaseError, EvaluationError, PolicyError
from aftersales_rules.money import MAX_AMOUNT
from aftersales_rules.vocabulary import ISSUE_KINDS

from conftest import SMALL_CASE, changed

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
    return changed(SMALL_CASE, **changes)


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


# ------------------------------------------------------------------ point 6: amounts within the plan's limits


def _big(unit_price: str, quantity: int = 1, **changes: Any) -> dict[str, Any]:
    case = _case(**changes)
    case["order"]["items"][0].update(unit_price=unit_price, quantity=quantity)
    return case


@pytest.mark.parametrize(
    ("case", "where"),
    [
        (_big("600000000.00", 2), "order.items[0]"),
        (_big("1000000000.00", order__shipping_fee="0.01"), "order.shipping_fee"),
        (
            _big("999999990.00", order__shipping_fee="5.00", progress__return_shipment={"postage_paid": "5.01"}),
            "progress.return_shipment.postage_paid",
        ),
    ],
)
def test_an_order_past_the_amount_limit_is_a_case_error(reference_policy: Policy, case: dict, where: str) -> None:
    with pytest.raises(CaseError) as caught:
        reference_policy.evaluate(case)
    (problem,) = caught.value.problems
    assert problem.path == where
    assert f"more than the {MAX_AMOUNT:,.2f} an order may come to" in problem.message


def test_an_order_at_the_amount_limit_gets_its_plan(reference_policy: Policy) -> None:
    case = _big("499999995.00", 2, order__shipping_fee="5.00", progress__return_shipment={"postage_paid": "5.00"})
    plan = reference_policy.evaluate(case)
    assert plan.refund.total <= MAX_AMOUNT
    assert all(line.amount <= MAX_AMOUNT for line in plan.refund.lines)


def _then_policy(folder: Path, then: dict[str, Any]) -> Policy:
    folder.mkdir()
    (folder / "policy.yaml").write_text(
        yaml.safe_dump(
            {
                "policy": {"name": "formulas", "version": "1"},
                "defaults": {"resolution": "escalate"},
                "rules": [{"id": "big", "when": None, "then": {"resolution": "refund_without_return", **then}}],
            }
        ),
        encoding="utf-8",
    )
    return Policy.load(folder)


def test_a_formula_past_the_limit_is_capped_at_what_was_paid(tmp_path: Path) -> None:
    twice = {"sum": ["order.total_paid", "order.total_paid"]}
    policy = _then_policy(tmp_path / "rules", {"refund": {"lines": [{"component": "partial", "amount": twice}]}})
    plan = policy.evaluate(_big("999999000.00", order__shipping_fee="15.00"))
    assert [line.amount for line in plan.refund.lines] == [Decimal("999999015.00")]
    assert plan.refund.total == plan.refund.capped_at == Decimal("999999015.00")


def test_a_postage_leg_past_the_limit_is_an_evaluation_error(tmp_path: Path) -> None:
    twice = {"sum": ["order.total_paid", "order.total_paid"]}
    policy = _then_policy(tmp_path / "rules", {"return_leg": {"borne_by": "seller", "amount": twice}})
    with pytest.raises(EvaluationError, match=r"a postage leg comes to 1,999,998,030\.00"):
        policy.evaluate(_big("999999000.00", order__shipping_fee="15.00"))


AMOUNTS = st.one_of(
    st.decimals(min_value=0, max_value=MAX_AMOUNT, places=2, allow_nan=False, allow_infinity=False),
    st.integers(0, 10**6).map(lambda cents: Decimal(cents) / 100),
    st.sampled_from([Decimal("0"), Decimal("0.01"), MAX_AMOUNT, MAX_AMOUNT / 2, Decimal("600000000.00")]),
).map(lambda d: f"{d:.2f}")


@given(
    kind=st.sampled_from(ISSUE_KINDS),
    prices=st.lists(st.tuples(AMOUNTS, st.integers(1, 3) | st.integers(1, 100_000)), min_size=1, max_size=3),
    shipping=AMOUNTS,
    postage=st.none() | AMOUNTS,
    requested=st.none() | AMOUNTS,
    agreed=st.none() | AMOUNTS,
)
@settings(max_examples=60)
def test_evaluate_raises_only_the_librarys_errors(
    reference_policy: Policy,
    kind: str,
    prices: list[tuple[str, int]],
    shipping: str,
    postage: str | None,
    requested: str | None,
    agreed: str | None,
) -> None:
    case = _case(order__shipping_fee=shipping, issue__kind=kind, issue__requested_amount=requested)
    case["order"]["items"] = [
        {"sku": f"S{i}", "unit_price": price, "quantity": qty, "unit_cost": price}
        for i, (price, qty) in enumerate(prices)
    ]
    case["progress"] = {"agreed_partial_refund": agreed}
    if postage is not None:
        case["progress"]["return_shipment"] = {"postage_paid": postage}
    try:
        plan = reference_policy.evaluate(case)
    except AfterSalesError as exc:
        event(type(exc).__name__)
        return
    event("plan")
    amounts = [plan.refund.total, *(line.amount for line in plan.refund.lines)]
    assert all(Decimal(0) <= amount <= MAX_AMOUNT for amount in amounts)
