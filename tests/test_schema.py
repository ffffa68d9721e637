"""JSON Schemas: valid draft 2020-12, and every shipped rule file, example and policy test validates."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from aftersales_rules.authoring.schema import SCHEMAS, json_schema
from aftersales_rules.loader import load_document
from aftersales_rules.testing import generate_cases

from conftest import EXAMPLES, FIXTURES, RULES


def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(json_schema(name))


def _errors(name: str, data) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator(name).iter_errors(data)]


@pytest.mark.parametrize("name", SCHEMAS)
def test_schema_is_draft_2020_12(name):
    schema = json_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def _files(*globs):
    return sorted(p for base, pattern in globs for p in base.glob(pattern))


RULE_FILES = _files(
    (RULES, "*.yaml"), (FIXTURES / "policies" / "lint", "*/policy.yaml"), (FIXTURES / "policytests", "shop/policy.yaml")
)
CASE_FILES = _files((EXAMPLES, "*.yaml"), (FIXTURES / "policytests" / "shop" / "examples", "*.yaml"))
TEST_FILES = _files(
    (RULES / "tests", "*.yaml"),
    (FIXTURES / "policytests", "*/tests/*.yaml"),
    (FIXTURES / "policytests" / "failing", "*.yaml"),
)


@pytest.mark.parametrize("name, files", [("policy", RULE_FILES), ("case", CASE_FILES), ("test", TEST_FILES)])
def test_shipped_files_validate(name, files, root):
    assert files, f"no {name} files found"
    for path in files:
        assert _errors(name, load_document(path).data) == [], path.relative_to(root)


def test_the_reference_policy_and_its_tests_are_covered():
    assert {p.name for p in RULE_FILES} >= {"policy.yaml", "damaged.yaml", "texts.yaml"}
    assert any(p.parent == RULES / "tests" for p in TEST_FILES)


def test_the_case_files_policy_tests_name_validate(root):
    validator = _validator("case")
    for path in TEST_FILES:
        for test in load_document(path).data["tests"]:
            if isinstance(test["case"], str):
                case = load_document(path.parent / test["case"]).data
                assert list(validator.iter_errors(case)) == [], (path, test["name"])


def test_generated_cases_and_their_plans_validate(reference_policy):
    cases, plans = _validator("case"), _validator("plan")
    for data in generate_cases(300, seed=3):
        assert list(cases.iter_errors(json.loads(json.dumps(data)))) == []
        plan = json.loads(reference_policy.evaluate(data).model_dump_json())
        assert list(plans.iter_errors(plan)) == [], data["case_id"]


def test_schemas_refuse_what_the_library_refuses():
    rule = {"rules": [{"id": "x", "then": {"resolution": "explain", "refund_amout": 1}}]}
    assert _errors("policy", rule) == [
        "rules/0/then: Additional properties are not allowed ('refund_amout' was unexpected)"
    ]
    step = {"rules": [{"id": "x", "then": {"steps": [{"actor": "buyer", "action": "ship_return", "text": "hi"}]}}]}
    assert len(_errors("policy", step)) == 1
    assert _errors(
        "case",
        {
            "case_id": "C",
            "opened_at": "2026-03-01T10:00:00+08:00",
            "issue": {"kind": "damaged"},
            "order": {"order_id": "O", "items": [{"sku": "A", "unit_price": "1.00"}]},
            "colour": "red",
        },
    ) == [": Additional properties are not allowed ('colour' was unexpected)"]
    assert _errors("test", {"tests": [{"name": "a", "case": "c.yaml", "expect": {"resolutoin": "x"}}]}) == [
        "tests/0/expect: Additional properties are not allowed ('resolutoin' was unexpected)"
    ]
