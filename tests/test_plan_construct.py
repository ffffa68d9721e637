"""A plan built once per decision and by constructors is the plan pydantic builds afresh (issue 12, point 3).

The engine keeps a plan's skeleton per decision (engine/skeleton.py) and makes the models of each plan
with constructors that skip validation (engine/build.py). Every plan here is built both ways — by the
default engine, and by one that keeps no skeleton and validates every model — and the two must be equal
as models, the same all the way down (types, values with their exponents, fields set, field order) and
byte-identical as JSON: every example, every case of every shipped or fixture policy's own tests, the
marketplace's cases, and thousands of generated cases with and without branches.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from aftersales_rules import load_case
from aftersales_rules.authoring.policytests import examples_folder, load_tests
from aftersales_rules.case import ISSUE_KINDS
from aftersales_rules.engine import Engine
from aftersales_rules.engine.build import CONSTRUCTED, VALIDATED, PlanModels
from aftersales_rules.engine.skeleton import decision_key
from aftersales_rules.errors import AfterSalesError
from aftersales_rules.language.source import read_policy
from aftersales_rules.plan import Plan
from aftersales_rules.testing import generate_cases

from conftest import EXAMPLES, FIXTURES, RULES

MARKETPLACE = EXAMPLES / "policies" / "marketplace"
POLICIES = [
    RULES,
    MARKETPLACE,
    FIXTURES / "policies" / "items",
    FIXTURES / "policies" / "own_kinds",
    FIXTURES / "policytests" / "shop",
]


def same(a: object, b: object, at: str = "plan") -> None:
    """``a`` and ``b`` the same all the way down, or an AssertionError naming where they part."""
    assert type(a) is type(b), f"{at}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, BaseModel):
        assert isinstance(b, BaseModel)
        assert a.model_fields_set == b.model_fields_set, (
            f"{at}: fields set {a.model_fields_set} != {b.model_fields_set}"
        )
        assert list(a.__dict__) == list(b.__dict__), f"{at}: fields {list(a.__dict__)} != {list(b.__dict__)}"
        assert (a.__pydantic_extra__, a.__pydantic_private__) == (b.__pydantic_extra__, b.__pydantic_private__)
        for name, value in a.__dict__.items():
            same(value, b.__dict__[name], f"{at}.{name}")
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), f"{at}: {a!r} != {b!r}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{at}[{i}]")
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), f"{at}: {a!r} != {b!r}"
        for key in a:
            same(a[key], b[key], f"{at}.{key}")
    elif isinstance(a, (Decimal, datetime, date)):
        assert repr(a) == repr(b), f"{at}: {a!r} != {b!r}"  # the exponent, the offset and its class too
    else:
        assert a == b, f"{at}: {a!r} != {b!r}"


def both_ways(fast: Engine, plain: Engine, case: object, branches: bool) -> Plan | None:
    """The plan by the default engine, checked against the plain one's (or the same error from both)."""
    try:
        want = plain.evaluate(case, branches=branches)
    except AfterSalesError as exc:
        with pytest.raises(type(exc)) as got:
            fast.evaluate(case, branches=branches)
        assert str(got.value) == str(exc)
        return None
    plan = fast.evaluate(case, branches=branches)
    assert plan == want
    same(plan, want)
    assert plan.model_dump_json() == want.model_dump_json()
    assert plan.model_dump_json(exclude_unset=True) == want.model_dump_json(exclude_unset=True)
    return plan


def engines(folder: Path) -> tuple[Engine, Engine]:
    source = read_policy(folder)
    return Engine(source), Engine(source, validate_plans=True, skeletons=0)


@pytest.fixture(scope="module")
def reference():
    fast, plain = engines(RULES)
    yield fast, plain
    fast.close()
    plain.close()


@pytest.mark.parametrize("folder", POLICIES, ids=lambda p: p.name)
def test_every_policy_tests_case_gives_the_same_plan_both_ways(folder):
    fast, plain = engines(folder)
    examples = examples_folder(folder, fast.source.header.examples)
    cases = [t.case for t in load_tests(folder / "tests", folder, examples)]
    if folder == MARKETPLACE:
        cases += [load_case(f) for f in sorted((MARKETPLACE / "cases").glob("*.yaml"))]
    assert cases
    for _ in range(2):  # the second time every skeleton is kept already
        for case in cases:
            for branches in (True, False):
                both_ways(fast, plain, case, branches)
    assert fast.skeletons.hits > 0


def test_every_example_gives_the_same_plan_both_ways(reference):
    fast, plain = reference
    for path in sorted(EXAMPLES.glob("*.yaml")):
        for branches in (True, False):
            both_ways(fast, plain, load_case(path), branches)


def test_generated_cases_give_the_same_plans_both_ways(reference):
    fast, plain = reference
    cases = list(generate_cases(3000, seed=12, kinds=list(ISSUE_KINDS)))
    for i, case in enumerate(cases):
        both_ways(fast, plain, case, branches=i % 2 == 0)
        both_ways(fast, plain, case, branches=i % 2 == 1)
    # a few hundred distinct decisions decide thousands of cases
    assert 0 < len(fast.skeletons) < fast.skeletons.misses + fast.skeletons.hits
    assert fast.skeletons.hits > 10 * fast.skeletons.misses


def test_the_constructors_take_exactly_each_models_fields():
    for name in PlanModels.__dataclass_fields__:
        model = getattr(VALIDATED, name)
        assert model.__name__ == name and issubclass(model, BaseModel)
        made = getattr(CONSTRUCTED, name)
        if made is model:
            continue  # validated: the compensation models, rare
        fields = set(model.model_fields)
        params = set(made.__code__.co_varnames[: made.__code__.co_kwonlyargcount])
        assert params <= fields, f"{name}: {params - fields}"


@pytest.mark.parametrize(
    "amount", [Decimal("5"), Decimal("5.0"), Decimal("-0.00"), Decimal("1E+2"), "12.50", 7], ids=repr
)
def test_an_amount_not_at_two_places_is_validated_as_before(amount):
    """Money that validation would normalise goes through validation: the same value as pydantic gives."""
    fields = {"total": amount, "currency": "CNY", "lines": [], "release": None, "pending": []}
    fields.update(capped_at=None, offer_limit=amount)
    same(CONSTRUCTED.Refund(**fields), VALIDATED.Refund(**fields))
    same(CONSTRUCTED.Share(party="buyer", amount=amount), VALIDATED.Share(party="buyer", amount=amount))
    line = {"component": "goods", "sku": "A", "amount": amount}
    same(CONSTRUCTED.RefundLine(**line), VALIDATED.RefundLine(**line))
    leg = {"advanced_by": "buyer", "borne_by": "seller", "amount": amount, "method": "prepaid"}
    same(CONSTRUCTED.Leg(**leg), VALIDATED.Leg(**leg))
    same(
        CONSTRUCTED.Leg(**leg, shares=[], pending=[], cap=amount),
        VALIDATED.Leg(**leg, shares=[], pending=[], cap=amount),
    )


@pytest.mark.parametrize("amount", [Decimal("-1.00"), Decimal("1000000000.01"), Decimal("0.001"), Decimal("NaN")])
def test_an_amount_validation_refuses_is_refused_as_before(amount):
    for models in (CONSTRUCTED, VALIDATED):
        with pytest.raises(ValidationError):
            models.RefundLine(component="goods", amount=amount)
        with pytest.raises(ValidationError):
            models.Leg(advanced_by=None, borne_by="seller", amount=amount, method="prepaid")


def test_skeletons_are_bounded_and_the_least_recently_used_goes_first(reference):
    source = reference[0].source
    engine = Engine(source, skeletons=2)
    cases = {}
    for case in generate_cases(400, seed=3, kinds=list(ISSUE_KINDS)):
        _, d, _ = engine.match(case)
        cases.setdefault(decision_key(case["issue"]["kind"], d), case)
        if len(cases) == 3:
            break
    first, second, third = cases.values()
    for case in (first, second, first, third):  # first used again before third comes: second goes
        engine.evaluate(case, branches=False)
    assert len(engine.skeletons) == 2 and (engine.skeletons.hits, engine.skeletons.misses) == (1, 3)
    engine.evaluate(first, branches=False)  # still kept (and now used after third)
    assert (engine.skeletons.hits, engine.skeletons.misses) == (2, 3)
    engine.evaluate(second, branches=False)  # gone: made again, and third, now the least recently used, goes
    assert (engine.skeletons.hits, engine.skeletons.misses) == (2, 4)
    engine.evaluate(first, branches=False)
    engine.evaluate(third, branches=False)
    assert len(engine.skeletons) == 2 and (engine.skeletons.hits, engine.skeletons.misses) == (3, 5)
    engine.close()


def test_a_decision_key_names_the_winners_as_well_as_the_rules_that_apply(reference):
    engine = reference[0]
    _, d, _ = engine.match(next(iter(generate_cases(1, seed=5, kinds=["wrong_item"]))))
    key = decision_key("wrong_item", d)
    assert key[1] == tuple(r.index for r in d.applied)
    assert dict(key[2]) == {slot: tuple(r.index for r in rules) for slot, rules in d.winners.items()}


def test_no_skeleton_kept_builds_each_plan_afresh(reference):
    source = reference[0].source
    engine = Engine(source, skeletons=0)
    for case in generate_cases(20, seed=4):
        engine.evaluate(case)
    assert len(engine.skeletons) == 0 and engine.skeletons.hits == 0
    engine.close()


def test_threads_share_the_skeletons_and_get_the_same_plans(reference):
    fast, plain = reference
    source = fast.source
    engine = Engine(source, skeletons=8)  # small: threads keep evicting each other's skeletons
    cases = list(generate_cases(400, seed=21, kinds=list(ISSUE_KINDS)))
    want = [plain.evaluate(c).model_dump_json() for c in cases]
    barrier = threading.Barrier(4)

    def run(offset: int) -> list[str]:
        barrier.wait()
        order = cases[offset:] + cases[:offset]
        got = [engine.evaluate(c).model_dump_json() for c in order]
        return got[-offset:] + got[:-offset] if offset else got

    with ThreadPoolExecutor(4) as pool:
        for got in pool.map(run, (0, 100, 200, 300)):
            assert got == want
    assert len(engine.skeletons) <= 8
    engine.close()


def test_the_policy_facade_builds_by_constructors_and_keeps_skeletons(reference_policy):
    engine = reference_policy._engine
    assert engine.make is CONSTRUCTED and engine.skeletons.size > 0
