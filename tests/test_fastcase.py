"""The fast path for well-formed cases gives the model's own Case or defers to it (issue 12, point 4).

``parse_case`` reads a case with fastcase.FastCases first: the Case model's core schema with its Python
steps swapped for narrower native ones. Over the bad-input corpus (every case file of the bad-input,
case-problem and trust tests, the odd amounts and times), every example, policy-test and marketplace case,
generated cases, a key a model lacks at every level, and Hypothesis' near-valid cases (one place broken; a
field set to a tricky value), the fast path either yields exactly the Case the model yields — equal, and
the same all the way down: types, values with their exponents and offsets, fields set — or nothing, and
then ``parse_case``'s error is byte for byte the one the full model gives.
"""

from __future__ import annotations

import enum
import re
import sys
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales_rules import case as case_module
from aftersales_rules.authoring.policytests import examples_folder, load_tests
from aftersales_rules.case import _FAST, _FAST_LINES, _FAST_UNITS, ISSUE_KINDS, Case, Order, parse_case
from aftersales_rules.casevalues import _AMOUNTS, _YEAR_WITHIN, FAST_AMOUNT, STAND_INS, YEARS
from aftersales_rules.errors import CaseError, InputError
from aftersales_rules.fastcase import _model_classes, narrowed
from aftersales_rules.language.source import read_policy
from aftersales_rules.loader import load_document
from aftersales_rules.money import MAX_AMOUNT
from aftersales_rules.testing import generate_cases
from test_bad_input import MONEY_PATHS, TIME_PATHS, WEIRD_NUMBERS, WEIRD_TIMES
from test_case_problems import SEVERAL_MISTAKES_YAML
from test_plan_construct import POLICIES, same

from conftest import EXAMPLES, FIXTURES, SMALL_CASE, changed
from strategies import cases, mutated_cases, paths_in, with_value

SHOP = timezone(timedelta(hours=8))
CHECKED = (Order._unique_skus, Case._affected_items_exist, Case._within_amount_limit)  # left to _skus_pass, bounds


class Tier(enum.StrEnum):
    VIP = "vip"


class Text(str):
    """A str subclass: the model stores a plain str."""


class _Never:
    def read(self, data: Any) -> None:
        return None


def full_model_only(data: Any) -> Case | CaseError:
    """What ``parse_case`` gave before the fast path: the full model's Case, or its error."""
    kept, case_module._FAST = case_module._FAST, _Never()
    try:
        return parse_case(data, zone=SHOP)
    except CaseError as exc:
        return exc
    finally:
        case_module._FAST = kept


def agrees(data: Any) -> Case | None:
    """The fast path's Case, checked against the model's (None where it defers)."""
    fast = _FAST.read(data)
    before = full_model_only(data)
    if isinstance(before, CaseError):
        assert fast is None, f"the fast path took what the model refuses: {before}"
        with pytest.raises(CaseError) as refused:
            parse_case(data, zone=SHOP)
        assert str(refused.value) == str(before)
        assert refused.value.problems == before.problems
        return None
    if fast is not None:
        assert fast == before
        same(fast, before, "case")
        assert fast.model_dump_json() == before.model_dump_json()
    same(parse_case(data, zone=SHOP), before, "case")
    return fast


def _documents(folder) -> list[Any]:
    out = []
    for path in sorted(folder.iterdir()):
        if path.suffix in (".yaml", ".json"):
            try:
                out.append(load_document(path).data)
            except InputError:
                continue  # refused as a document: never a case to read
    return out


def _policy_cases() -> list[dict]:
    out = []
    for folder in POLICIES:
        examples = examples_folder(folder, read_policy(folder).header.examples)
        out.extend(t.case for t in load_tests(folder / "tests", folder, examples))
    return out


def test_the_bad_input_corpus_gets_the_models_case_or_its_exact_error():
    documents = _documents(FIXTURES / "bad_input" / "cases") + _documents(FIXTURES / "bad_input" / "accepted")
    documents += _documents(FIXTURES / "cases")
    assert len(documents) > 15
    documents.append(yaml.safe_load(SEVERAL_MISTAKES_YAML))
    base = changed(SMALL_CASE, progress__return_shipment={"postage_paid": "8.00"}, issue__requested_amount="1.00")
    base["progress"]["agreed_partial_refund"] = "2.00"
    for path in MONEY_PATHS:
        for value in WEIRD_NUMBERS:
            documents.append(with_value(base, path, value))
    for path in TIME_PATHS:
        for value in WEIRD_TIMES:
            documents.append(with_value(base, path, value))
    took = [agrees(d) for d in documents]
    assert any(c is not None for c in took) and any(c is None for c in took)


def test_every_example_policy_test_and_marketplace_case_takes_the_fast_path():
    documents = [load_document(p).data for p in sorted(EXAMPLES.glob("*.yaml"))]
    documents += [load_document(p).data for p in sorted((EXAMPLES / "policies" / "marketplace" / "cases").glob("*"))]
    documents += _policy_cases()
    assert len(documents) > 150
    assert all(agrees(d) is not None for d in documents)


def test_generated_cases_take_the_fast_path():
    assert all(agrees(c) is not None for c in generate_cases(2000, seed=31, kinds=list(ISSUE_KINDS)))


def test_the_fast_path_runs_none_of_the_python_steps_it_stands_in_for():
    """pydantic-core builds a model schema whose class is complete from the class's own validator, every
    Python step in it; the fast schema must be built from its own stand-ins instead (fastcase._built_anew),
    and leave every model class complete."""
    stood_in = {function.__code__ for function in (*STAND_INS, *CHECKED)}
    called: list[str] = []

    def watch(frame: Any, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code in stood_in:
            called.append(frame.f_code.co_name)

    corpus = list(generate_cases(200, seed=5, kinds=list(ISSUE_KINDS)))
    sys.setprofile(watch)
    try:
        taken = [_FAST.read(c) for c in corpus]
    finally:
        sys.setprofile(None)
    assert all(case is not None for case in taken)
    assert called == []
    assert all(cls.__pydantic_complete__ for cls in _model_classes(Case.__pydantic_core_schema__))


def test_a_time_as_text_takes_the_fast_path_exactly_for_the_years_a_case_may_name():
    """A time given as text is read without a year check after it: its pattern takes exactly the years within
    YEARS (the year of the text is its value's year, at any offset); one given as a date and time is checked
    by its bounds as before."""
    for year in range(10_000):
        assert bool(re.match(_YEAR_WITHIN, f"{year:04d}-07-15T14:05:00+08:00")) == (YEARS[0] <= year <= YEARS[1])
    edges = [f"{YEARS[0]}-01-01T00:00:00+14:00", f"{YEARS[1]}-12-31T23:59:59.9999999-12:00"]
    edges += [f"{YEARS[0] - 1}-12-31T23:59:59-12:00", f"{YEARS[1] + 1}-01-01T00:00:00+14:00"]
    taken = [agrees(with_value(SMALL_CASE, ("opened_at",), time)) for time in edges]
    assert [case is not None for case in taken] == [True, True, False, False]
    as_time = with_value(SMALL_CASE, ("order", "delivered_at"), datetime(2026, 7, 15, 14, 5, tzinfo=SHOP))
    assert agrees(as_time) is not None


def test_an_amount_read_again_is_the_same_value_with_its_two_places():
    _AMOUNTS.clear()
    first, again = (agrees(changed(SMALL_CASE, order__shipping_fee="8.00")) for _ in range(2))
    assert first is not None and again is not None
    assert again.order.shipping_fee.as_tuple() == Decimal("8.00").as_tuple()
    assert "8.00" in _AMOUNTS
    for text in ("8.0", "8", "1e2", "08.000", "100000.00", "\uff18.00"):  # left to the model
        assert agrees(changed(SMALL_CASE, order__shipping_fee=text)) is None
        assert text not in _AMOUNTS


def test_the_amounts_kept_are_bounded():
    _AMOUNTS.clear()
    for cents in range(2049):
        _AMOUNTS[f"{cents // 100}.{cents % 100:02d}"]
    assert len(_AMOUNTS) == 1 and list(_AMOUNTS) == ["20.48"]
    assert agrees(changed(SMALL_CASE, order__shipping_fee="20.48")).order.shipping_fee == Decimal("20.48")


# values where the model and a narrower reading could part: money as text, numbers and Decimals; times in
# every spelling; texts at their bounds, with a lone surrogate, as a str subclass; kinds with a newline
TRICKY = st.one_of(
    st.sampled_from(
        [
            "299.00",
            "299",
            "299.5",
            "299.001",
            "007.00",
            "1000000000.00",
            "999999999.99",
            "0.00",
            "-0.00",
            "+1.00",
            " 1.00",
            "1.00\n",
            "1e2",
            "١٢٣.٠٠",
            0,
            15,
            -1,
            10**9,
            10**9 + 1,
            1.5,
            0.1,
            Decimal("1.00"),
            Decimal("1.5"),
            Decimal("-0"),
            True,
            False,
            None,
            "",
            "x",
            "\ud800",
            "a\udcff",
            Text("CNY"),
            Text("x_own"),
            "x_own\n",
            "x_own",
            "damaged",
            "damaged\n",
            "x_" + "a" * 62,
            "x_" + "a" * 63,
            Tier.VIP,
            "vip",
            "CNY",
            "cny",
            "CNY\n",
            "a" * 100,
            "a" * 101,
            "a" * 200,
            "a" * 201,
            "😀" * 200,
            "😀" * 201,
            "a" * 5000,
            "a" * 5001,
            "2026-07-15T14:05:00+08:00",
            "2026-07-15T14:05:00Z",
            "2026-07-15T14:05:00z",
            "2026-07-15 14:05:00+08:00",
            "2026-07-15T14:05+08:00",
            "2026-07-15T14:05:00.5+08:00",
            "2026-07-15T14:05:00.1234567+08:00",
            "2026-07-15T14:05:00+0800",
            "2026-07-15T14:05:00+08",
            "2026-07-15T14:05:00+23:59",
            "2026-07-15T14:05:00",
            "1970-01-01T00:00:00+00:00",
            "1970-01-01T05:00:00+08:00",
            "1970-01-02T00:00:00Z",
            "1969-12-31T20:00:00-04:00",
            "2199-12-31T23:59:59+00:00",
            "2199-12-30T23:59:59Z",
            "2199-12-31T20:00:00-12:00",
            "2200-01-01T00:00:00Z",
            datetime(2026, 7, 15, 14, 5, tzinfo=SHOP),
            datetime(2026, 7, 15, 14, 5),
            1767225600,
            [],
            {},
            {"sku": "STOOL"},
            [{"sku": "STOOL"}],
            [{"sku": "STOOL", "quantity": 2}],
        ]
    ),
    st.decimals(allow_nan=True, places=None),
    st.floats(),
    st.integers(),
    st.text(max_size=8),
)


@settings(max_examples=400)
@given(data=st.data())
def test_near_valid_cases_get_the_models_case_or_its_exact_error(data):
    case = data.draw(cases())
    path = data.draw(st.sampled_from(paths_in(case) + [(*MONEY_PATHS[0],), ("attributes", "custom_made")]))
    agrees(with_value(case, path, data.draw(TRICKY)))


@settings(max_examples=300)
@given(case=mutated_cases())
def test_cases_with_one_place_broken_get_the_models_case_or_its_exact_error(case):
    agrees(case)


@settings(max_examples=200)
@given(data=st.data())
def test_attributes_of_every_kind_get_the_models_case_or_its_exact_error(data):
    case = data.draw(cases())
    names = st.one_of(
        st.sampled_from(["custom_made", "price_drop", "x", "_a", "a" * 64, "a" * 65, "1a", "a\n"]), st.text(max_size=4)
    )
    values = data.draw(st.dictionaries(names, TRICKY, max_size=3))
    where = data.draw(st.sampled_from([("attributes",), ("order", "items", 0, "attributes")]))
    agrees(with_value(case, where, values))


@settings(max_examples=100)
@given(data=st.data())
def test_orders_and_affected_items_get_the_models_case_or_its_exact_error(data):
    case = data.draw(cases())
    items = case["order"]["items"]
    twice = data.draw(st.booleans())
    if twice:  # one SKU listed twice
        items.append(dict(items[0]))
    affected = data.draw(
        st.lists(
            st.fixed_dictionaries(
                {"sku": st.sampled_from([i["sku"] for i in items] + ["NOPE"])},
                optional={"quantity": st.one_of(st.none(), st.integers(0, 6))},
            ),
            max_size=3,
        )
    )
    case["issue"]["items"] = affected
    agrees(case)


def _lines(count: int, units: int = 1, price: str = "1.00") -> list[dict]:
    return [{"sku": f"S{i}", "unit_price": price, "quantity": units} for i in range(count)]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"order__items": _lines(1) * 2}, "is listed twice"),
        ({"issue__items": [{"sku": "NOPE"}]}, "is not in the order"),
        ({"issue__items": [{"sku": "STOOL"}, {"sku": "STOOL"}]}, "is named twice"),
        ({"issue__items": [{"sku": "STOOL", "quantity": 2}]}, "affected but the order has 1"),
        ({"order__items": _lines(2, 100_000, "99999.99")}, "more than the 1,000,000,000.00 an order may come to"),
    ],
)
def test_a_case_breaking_a_model_validator_left_out_of_the_fast_schema_gets_its_own_message(changes, message):
    case = changed(SMALL_CASE, **changes)
    assert _FAST.read(case) is None
    assert agrees(case) is None
    with pytest.raises(CaseError, match=message):
        parse_case(case)


def test_the_fast_paths_bounds_keep_every_order_it_takes_within_the_amount_limit():
    """Case._within_amount_limit is left out of the fast schema: the bounds on lines, units and amounts
    make every order it takes add up to less than MAX_AMOUNT; beyond them the full model reads the case."""
    assert _FAST_LINES * _FAST_UNITS * FAST_AMOUNT + 2 * FAST_AMOUNT <= MAX_AMOUNT
    most = str(FAST_AMOUNT)
    at_bounds = changed(SMALL_CASE, order__items=_lines(_FAST_LINES, _FAST_UNITS, most), order__shipping_fee=most)
    at_bounds["progress"] = {"return_shipment": {"postage_paid": most}}
    assert agrees(at_bounds) is not None
    beyond = [
        changed(SMALL_CASE, order__items=_lines(_FAST_LINES + 1)),
        changed(SMALL_CASE, order__items=_lines(1, _FAST_UNITS + 1)),
        changed(SMALL_CASE, order__items=_lines(1, 1, "100000.00")),
        changed(SMALL_CASE, order__shipping_fee="100000.00"),
        changed(SMALL_CASE, issue__requested_amount="999999999.99"),
    ]
    for case in beyond:
        assert _FAST.read(case) is None
        assert parse_case(case) == full_model_only(case)
    with pytest.raises(ValueError, match="would widen"):
        narrowed(Case.__pydantic_core_schema__, {(Order, "items"): {"max_length": 501}})


FULL_CASE = changed(
    SMALL_CASE,
    issue__items=[{"sku": "STOOL", "quantity": 1}],
    evidence={"photos": True},
    progress={"return_shipment": {"status": "created"}, "inspection": {"resellable": True}},
)


@pytest.mark.parametrize(
    ("where", "shown", "suggested"),
    [
        (("case_idd",), "case_idd", "case_id"),
        (("order", "shiping_fee"), "order.shiping_fee", "shipping_fee"),
        (("order", "items", 0, "quantitty"), "order.items[0].quantitty", "quantity"),
        (("customer", "urgnet"), "customer.urgnet", "urgent"),
        (("issue", "want"), "issue.want", "wants"),
        (("issue", "items", 0, "skus"), "issue.items[0].skus", "sku"),
        (("evidence", "photo"), "evidence.photo", "photos"),
        (("progress", "inspections"), "progress.inspections", "inspection"),
        (("progress", "return_shipment", "tracking"), "progress.return_shipment.tracking", "tracking_number"),
        (("progress", "inspection", "resellables"), "progress.inspection.resellables", "resellable"),
        (("progress", "unheard_of"), "progress.unheard_of", None),
    ],
)
def test_a_key_a_model_lacks_is_refused_at_every_level_with_the_models_own_message(where, shown, suggested):
    assert agrees(FULL_CASE) is not None
    case = with_value(FULL_CASE, where, True)
    assert _FAST.read(case) is None
    assert agrees(case) is None
    with pytest.raises(CaseError) as refused:
        parse_case(case)
    (problem,) = refused.value.problems
    assert (problem.code, problem.path, problem.suggestion) == ("unknown_field", shown, suggested)
