"""Facts per order line (issue 10 point 5): item attributes, items.any / items.all / items.none, goods lines
with only / except, and what the linter, the witness, the limits and the schema make of them."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from aftersales_rules import CaseError, Policy, PolicyError, UndecidedError, parse_case
from aftersales_rules.authoring.casespace import Space
from aftersales_rules.authoring.lint import check_policy
from aftersales_rules.authoring.schema import json_schema
from aftersales_rules.authoring.witness import example_case, reads_as
from aftersales_rules.cli import cli
from aftersales_rules.language.itemfacts import quantified_values
from aftersales_rules.loader import load_document

from conftest import FIXTURES

ITEMS = FIXTURES / "policies" / "items"
EXCLUDED = "perishable is true or made_to_measure is true"
ANY, NONE = f"items.any({EXCLUDED})", f"items.none({EXCLUDED})"


@pytest.fixture(scope="module")
def shop() -> Policy:
    return Policy.load(ITEMS)


def case(*lines, kind="return_request", affected=None) -> dict:
    """A case with one order line per ``(price, quantity, attributes)``, SKUs L0, L1, ..."""
    items = [
        {"sku": f"L{i}", "unit_price": price, "quantity": qty, "attributes": attrs}
        for i, (price, qty, attrs) in enumerate(lines)
    ]
    data = {
        "case_id": "C-ITEMS",
        "opened_at": "2026-07-15T14:05:00+08:00",
        "order": {"order_id": "O-1", "shipping_fee": "10.00", "items": items},
        "issue": {"kind": kind},
    }
    if affected is not None:
        data["issue"]["items"] = affected
    return data


def _policy(tmp_path, text: str) -> Policy:
    (tmp_path / "policy.yaml").write_text('policy: {name: p, version: "1"}\ndefaults: {resolution: escalate}\n' + text)
    return Policy.load(tmp_path)


FLAGS = """
item_attributes:
  fresh: {type: bool}
rules:
  - id: any
    when: {items.any: {fresh: true}}
    then: {resolution: decline}
  - id: all
    when: {items.all: {fresh: true}}
    then: {gestures: [{kind: coupon, detail: all}]}
  - id: none
    when: {items.none: {fresh: true}}
    then: {gestures: [{kind: coupon, detail: none}]}
"""

T, F, U = True, False, None


@pytest.mark.parametrize(
    "fresh, expected",
    [
        ((T, T), (T, T, F)),
        ((T, F), (T, F, F)),
        ((F, F), (F, F, T)),
        ((T, U), (T, U, F)),
        ((F, U), (U, F, U)),
        ((U, U), (U, U, U)),
        ((T,), (T, T, F)),
        ((U,), (U, U, U)),
    ],
)
def test_any_all_none_in_three_values(tmp_path, fresh, expected):
    policy = _policy(tmp_path, FLAGS)
    lines = [("10.00", 1, {"fresh": value}) for value in fresh]
    values = quantified_values(parse_case(case(*lines)), policy.source.scope.items, policy.source.scope.facts)
    got = tuple(values[f"items.{q}(fresh is true)"] for q in ("any", "all", "none"))
    assert got == expected


def test_quantifiers_range_over_the_affected_items_only(tmp_path):
    policy = _policy(tmp_path, FLAGS)
    lines = [("10.00", 1, {"fresh": True}), ("10.00", 2, {"fresh": False}), ("10.00", 1, {})]
    values = quantified_values(
        parse_case(case(*lines, affected=[{"sku": "L1", "quantity": 1}])),
        policy.source.scope.items,
        policy.source.scope.facts,
    )
    assert [values[f"items.{q}(fresh is true)"] for q in ("any", "all", "none")] == [False, False, True]


def test_true_false_and_unknown_items_decide_the_plan(tmp_path):
    policy = _policy(tmp_path, FLAGS)
    held = policy.evaluate(case(("10.00", 1, {"fresh": True}), ("10.00", 1, {"fresh": True})))
    assert held.resolution == "decline" and [g.detail for g in held.gestures] == ["all"]
    assert held.awaiting == [] and held.branches == []
    failed = policy.evaluate(case(("10.00", 1, {"fresh": False})))
    assert failed.resolution == "escalate" and [g.detail for g in failed.gestures] == ["none"]
    unknown = policy.evaluate(case(("10.00", 1, {"fresh": False}), ("10.00", 1, {})))
    assert unknown.resolution == "escalate" and unknown.gestures == []
    flag_any, flag_none = "items.any(fresh is true)", "items.none(fresh is true)"
    assert unknown.awaiting == [flag_any, flag_none]
    assert [(b.when, b.resolution) for b in unknown.branches] == [
        ({flag_any: True}, "decline"),
        ({flag_any: False}, "escalate"),
        ({flag_none: True}, "escalate"),
        ({flag_none: False}, "decline"),  # no fresh item is not so: one is
    ]
    assert "items.any(fresh is true)" in [c for t in held.trace for c in t.because]


def test_an_unknown_item_is_awaited_and_each_branch_is_a_case_that_can_happen(shop):
    plan = shop.evaluate(case(("100.00", 1, {"perishable": False}), ("50.00", 1, {})))
    assert plan.resolution == "escalate"
    assert plan.awaiting == [ANY, NONE]
    # "not any excluded item" is "none": the branch that answers one answers the other
    assert [(b.when, b.resolution, b.refund_total) for b in plan.branches] == [
        ({ANY: True}, "decline", Decimal("0.00")),
        ({ANY: False}, "return_and_refund", Decimal("150.00")),
        ({NONE: True}, "return_and_refund", Decimal("150.00")),
        ({NONE: False}, "decline", Decimal("0.00")),
    ]


def test_a_declared_default_stands_for_a_line_that_leaves_the_attribute_out(shop):
    # made_to_measure defaults to false: a line without it is not excluded; null says it is not known
    known = shop.evaluate(case(("100.00", 1, {"perishable": False})))
    assert known.resolution == "return_and_refund" and known.awaiting == []
    unknown = shop.evaluate(case(("100.00", 1, {"perishable": False, "made_to_measure": None})))
    assert unknown.resolution == "escalate" and unknown.awaiting == [ANY, NONE]


def test_a_refund_of_the_goods_except_the_excluded_items(shop):
    plan = shop.evaluate(
        case(
            ("299.00", 2, {"perishable": False}),
            ("58.50", 1, {"perishable": False, "category": "media", "sealed": False}),
            ("12.34", 3, {"perishable": False, "category": "media"}),  # sealed by default
            ("5.00", 1, {"perishable": False}),
            affected=[{"sku": "L0", "quantity": 1}, {"sku": "L1"}, {"sku": "L2", "quantity": 2}],
        )
    )
    assert plan.resolution == "return_and_refund"
    assert [(line.sku, line.amount) for line in plan.refund.lines] == [
        ("L0", Decimal("299.00")),
        ("L2", Decimal("24.68")),
    ]
    assert plan.refund.total == Decimal("323.68") and plan.refund.pending == []


def test_an_item_not_known_to_be_excluded_or_not_gets_no_line_and_goods_is_pending(shop):
    plan = shop.evaluate(
        case(
            ("299.00", 1, {"perishable": False}),
            ("58.50", 1, {"perishable": False, "category": "media", "sealed": None}),
        )
    )
    assert [(line.sku, line.amount) for line in plan.refund.lines] == [("L0", Decimal("299.00"))]
    assert plan.refund.total == Decimal("299.00") and plan.refund.pending == ["goods"]


def test_a_refund_of_only_the_qualifying_items(shop):
    lines = (("18.80", 2, {"category": "food"}), ("99.00", 1, {"category": "furniture"}))
    every = shop.evaluate(case(*lines, kind="damaged"))
    assert every.resolution == "escalate"  # not all affected items are food
    food = shop.evaluate(case(*lines, kind="damaged", affected=[{"sku": "L0"}]))
    assert food.resolution == "refund_without_return"
    assert [(line.sku, line.amount) for line in food.refund.lines] == [("L0", Decimal("37.60"))]


# ----------------------------------------------------------------------------- mistakes


def test_an_undeclared_item_attribute_in_a_case_is_an_error_with_did_you_mean(shop):
    with pytest.raises(CaseError) as exc:
        shop.evaluate(case(("10.00", 1, {"perishible": True}), ("10.00", 1, {"category": "toys"})))
    problems = exc.value.problems
    assert sorted((p.code, p.path, p.suggestion, p.message) for p in problems) == [
        (
            "invalid_value",
            "order.items[1].attributes.category",
            None,
            "order.items[1].attributes.category: the policy expects one of furniture, food, media, got 'toys'",
        ),
        (
            "unknown_attribute",
            "order.items[0].attributes.perishible",
            "perishable",
            "order.items[0].attributes.perishible: policy itemshop declares no item attribute 'perishible' "
            "(did you mean 'perishable'?)",
        ),
    ]


def test_a_line_s_attributes_are_checked_when_only_a_later_line_has_any(shop):
    # the check is skipped when no line has attributes: a first line without them must not end it
    with pytest.raises(CaseError) as exc:
        shop.evaluate(case(("10.00", 1, {}), ("10.00", 1, {"category": "toys"})))
    assert [p.path for p in exc.value.problems] == ["order.items[1].attributes.category"]


def test_a_policy_without_item_attributes_refuses_them_in_a_case(tmp_path):
    policy = _policy(tmp_path, "rules: []\n")
    with pytest.raises(CaseError, match=r"declares no item attribute 'fresh' \(it declares none\)"):
        policy.evaluate(case(("10.00", 1, {"fresh": True})))


def test_an_undeclared_item_attribute_in_a_rule_is_an_error_with_did_you_mean(tmp_path):
    with pytest.raises(PolicyError) as exc:
        _policy(tmp_path, FLAGS.replace("items.all: {fresh: true}", "items.all: {not: {frehs: true}}"))
    [problem] = exc.value.problems
    assert (problem.code, problem.suggestion, problem.path) == (
        "unknown_fact",
        "fresh",
        "rules[1].when.items.all.not.frehs",
    )
    assert problem.message == "unknown item attribute 'frehs' (did you mean 'fresh'?)"
    assert (problem.location.line, problem.location.column) == (11, 30)


@pytest.mark.parametrize(
    "text, message",
    [
        ("item_attributes: {kind: {type: enum}}", "item attribute 'kind' is an enum: list its values"),
        ("item_attributes: {fresh: {type: bool, default: 1}}", "must be true or false"),
        ("item_attributes: {any: {type: bool}}", "'any' is a word of conditions"),
        ("rules: [{id: r, when: {items.any: {fresh: true}}, then: {resolution: decline}}]", "unknown item attribute"),
        ("rules: [{id: r, when: {items.some: {fresh: true}}, then: {resolution: decline}}]", "did you mean 'items."),
        (
            "item_attributes: {fresh: {type: bool}}\n"
            "rules: [{id: r, when: {items.any: {items.any: {fresh: true}}}, then: {resolution: decline}}]",
            "unknown item attribute 'items.any'",
        ),
        (
            "item_attributes: {fresh: {type: bool}}\n"
            "rules: [{id: r, when: {items.any: true}, then: {resolution: decline}}]",
            "items.any takes a condition on an order line's attributes",
        ),
        (
            "item_attributes: {fresh: {type: bool}}\n"
            "rules: [{id: r, then: {refund: {lines: [{component: goods, only: {fresh: true}, "
            "except: {fresh: false}}]}}}]",
            "takes 'only' or 'except', not both",
        ),
        (
            "item_attributes: {fresh: {type: bool}}\n"
            "rules: [{id: r, then: {refund: {lines: [{component: goods, amount: 5, only: {fresh: true}}]}}}]",
            "'only' chooses the items of a goods line",
        ),
        (
            "item_attributes: {fresh: {type: bool}}\n"
            "rules: [{id: r, then: {refund: {lines: [{component: return_postage, except: {fresh: true}}]}}}]",
            "'except' chooses the items of a goods line",
        ),
    ],
)
def test_mistakes_in_item_attributes_and_item_conditions(tmp_path, text, message):
    with pytest.raises(PolicyError) as exc:
        _policy(tmp_path, text + "\n")
    assert any(message in p.message for p in exc.value.problems), [p.message for p in exc.value.problems]


def test_an_item_attribute_is_declared_once_across_files(tmp_path):
    (tmp_path / "b.yaml").write_text("item_attributes: {fresh: {type: bool}}\n")
    with pytest.raises(PolicyError, match="item attribute 'fresh' is already declared at"):
        _policy(tmp_path, "item_attributes: {fresh: {type: bool}}\nrules: []\n")


# ----------------------------------------------------------------------------- linter, witness, limits, schema


def test_the_linter_reports_real_gaps_only_and_confirms_them_with_line_attributes(tmp_path):
    # any(x) and none(x) cover every case where x is known: no gap is reported for "neither"
    assert [f.code for f in check_policy(ITEMS).findings if f.severity == "error"] == []
    gaps = [f.message for f in check_policy(ITEMS).findings if f.code == "gap" and "items." in f.message]
    assert gaps == [
        "no rule sets a resolution for damaged cases with items.all(category is food)=false or unknown; "
        "the default (escalate) applies",
        f"no rule sets a resolution for return_request cases with {ANY} unknown, {NONE} unknown; "
        "the default (escalate) applies",
    ]
    (tmp_path / "policy.yaml").write_text(
        'policy: {name: p, version: "1"}\n'
        "item_attributes: {fresh: {type: bool}, weight: {type: int}}\n"
        "rules:\n"
        "  - {id: other, when: {issue.kind: {is_not: damaged}}, then: {resolution: escalate}}\n"
        "  - {id: any, when: {issue.kind: damaged, items.any: {fresh: true}}, then: {resolution: decline}}\n"
        "  - {id: light, when: {issue.kind: damaged, items.all: {weight: {below: 5}}}, then: {resolution: reship}}\n"
    )
    [gap] = [f for f in check_policy(tmp_path).findings if f.code == "gap" and f.severity == "error"]
    assert gap.example is not None
    with pytest.raises(UndecidedError):  # no rule decides it: a gap indeed
        Policy.load(tmp_path).evaluate(gap.example)
    assert any("attributes" in line for line in gap.example["order"]["items"])


def test_an_unused_item_attribute_is_reported(tmp_path):
    (tmp_path / "policy.yaml").write_text(
        'policy: {name: p, version: "1"}\ndefaults: {resolution: escalate}\n'
        "item_attributes: {fresh: {type: bool}, sealed: {type: bool}}\n"
        "rules: [{id: r, then: {refund: {lines: [{component: goods, except: {fresh: true}}]}}}]\n"
    )
    unused = [f.message for f in check_policy(tmp_path).findings if f.code == "unused_definition"]
    assert unused == ["item attribute 'sealed' is never used"]


def test_example_cases_realise_every_class_of_the_item_flags(shop):
    space = Space(shop.source)
    leaves = space.explore("return_request").leaves
    assert {(leaf.assign[ANY], leaf.assign.get(NONE, "-")) for leaf in leaves} == {
        (True, False),
        (False, True),
        (None, None),
    }
    for leaf in leaves:
        example = example_case(space, "return_request", leaf.assign)
        assert example is not None, leaf.assign
        assert reads_as(space, parse_case(example), leaf.assign)


def test_item_flags_count_toward_the_message_limit(tmp_path):
    rules = "".join(
        f"  - {{id: r{i}, when: {{items.any: {{weight: {{at_least: {i}}}}}}}, then: {{resolution: decline}}}}\n"
        for i in range(252)
    )
    with pytest.raises(PolicyError) as exc:
        _policy(tmp_path, "item_attributes: {weight: {type: int}}\nrules:\n" + rules)
    assert [p.code for p in exc.value.problems] == ["too_many_facts"]
    assert "'r251'" in exc.value.problems[0].message  # 251 flags fit beside the engine's own 3 properties
    _policy(tmp_path, "item_attributes: {weight: {type: int}}\nrules:\n" + rules.rsplit("  - ", 1)[0])


def test_schema_case_with_rules_lists_the_policys_item_attributes():
    result = CliRunner().invoke(cli, ["schema", "case", "--rules", str(ITEMS)])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.output)
    attributes = schema["$defs"]["Item"]["properties"]["attributes"]
    assert list(attributes["properties"]) == ["perishable", "made_to_measure", "category", "sealed"]
    assert attributes["properties"]["category"]["enum"] == ["furniture", "food", "media", None]
    assert attributes["additionalProperties"] is False
    validator = Draft202012Validator(schema)
    good = case(("10.00", 1, {"perishable": True, "category": "food", "sealed": None}))
    assert list(validator.iter_errors(good)) == []
    assert [e.message for e in validator.iter_errors(case(("10.00", 1, {"perishible": True})))] == [
        "Additional properties are not allowed ('perishible' was unexpected)"
    ]
    plain = json.loads(CliRunner().invoke(cli, ["schema", "case"]).output)
    assert "properties" not in plain["$defs"]["Item"]["properties"]["attributes"]


def test_schema_rules_goes_with_the_case_schema_only():
    result = CliRunner().invoke(cli, ["schema", "plan", "--rules", str(ITEMS)])
    assert result.exit_code == 2 and "--rules goes with the case and test schemas only" in result.output


def test_a_misspelt_except_is_suggested_as_written(tmp_path):
    with pytest.raises(PolicyError) as exc:
        _policy(
            tmp_path,
            "item_attributes: {fresh: {type: bool}}\n"
            "rules: [{id: r, then: {refund: {lines: [{component: goods, excpt: {fresh: true}}]}}}]\n",
        )
    assert [(p.code, p.suggestion) for p in exc.value.problems] == [("unknown_field", "except")]


def test_the_policys_own_tests_pass_and_its_files_fit_the_schemas():
    result = CliRunner().invoke(cli, ["test", str(ITEMS), "--coverage"])
    assert result.exit_code == 0, result.output
    assert result.output.endswith("3 passed, 0 failed\n")
    for name, path in (("policy", ITEMS / "policy.yaml"), ("test", ITEMS / "tests" / "items.yaml")):
        errors = Draft202012Validator(json_schema(name)).iter_errors(load_document(path).data)
        assert [e.message for e in errors] == [], path
