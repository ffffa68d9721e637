"""The after-sales vocabulary is written once, in aftersales_rules/vocabulary.py.

Display names are not vocabulary: they live in catalogues/<language>.json, and a
catalogue must name every value of an enumeration it covers, and nothing else.
"""

from __future__ import annotations

import ast
import json
from typing import get_args

import pytest

from aftersales_rules import case, render, vocabulary
from aftersales_rules.language import rulefile
from aftersales_rules.plan import Plan

from conftest import EXAMPLES, ROOT

PACKAGE = ROOT / "src" / "aftersales_rules"
VOCABULARY = PACKAGE / "vocabulary.py"
CATALOGUES = PACKAGE / "catalogues"
ENUMERATIONS = vocabulary.ENUMERATIONS

# -- the vocabulary module itself --------------------------------------------------------------


def _literals(tree: ast.Module) -> dict[str, ast.Assign]:
    return {
        node.targets[0].id: node
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Subscript)
        and isinstance(node.value.value, ast.Name)
        and node.value.value.id == "Literal"
        and isinstance(node.targets[0], ast.Name)
    }


def test_every_enumeration_is_a_literal_with_its_tuple_and_a_docstring():
    tree = ast.parse(VOCABULARY.read_text(encoding="utf-8"))
    literals = _literals(tree)
    assert len(literals) == len(ENUMERATIONS) >= 16
    for name, node in literals.items():
        values = get_args(getattr(vocabulary, name))
        assert values and len(set(values)) == len(values), name
        assert values in ENUMERATIONS.values(), f"{name}: its tuple is not in ENUMERATIONS"
        following = tree.body[tree.body.index(node) + 1]
        assert isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant), f"{name}: no docstring"
        assert isinstance(following.value.value, str) and following.value.value.strip(), name
    for name, values in ENUMERATIONS.items():
        assert all(isinstance(v, str) for v in values), name
        constant = [k for k, v in vars(vocabulary).items() if k.isupper() and v is values]
        assert constant and constant[0] in vocabulary.__all__, name


def test_the_vocabulary_imports_nothing_from_the_package():
    tree = ast.parse(VOCABULARY.read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert imported <= {"__future__", "typing"}
    assert not any(isinstance(n, ast.ImportFrom) and n.level for n in ast.walk(tree))


def test_the_order_of_the_values_stays_the_one_the_schemas_publish():
    # the JSON Schemas list each enum in this order; appending is fine, reordering is not
    assert vocabulary.RESOLUTIONS[:3] == ("explain", "reship", "exchange")
    assert vocabulary.ACTORS[0] == "customer_service" and vocabulary.STAGES[0] == "intake"
    assert vocabulary.WANTS[:3] == ("return", "exchange", "refund")
    schema = Plan.model_json_schema(mode="serialization")
    assert schema["properties"]["resolution"]["enum"] == list(vocabulary.RESOLUTIONS)
    assert schema["$defs"]["Step"]["properties"]["actor"]["enum"] == list(vocabulary.ACTORS)


def test_the_old_names_are_the_vocabulary():
    assert case.ISSUE_KINDS is vocabulary.ISSUE_KINDS
    assert case.ACTORS is vocabulary.ACTORS
    assert rulefile.ACTIONS is vocabulary.ACTIONS
    assert rulefile.STAGES is vocabulary.STAGES
    assert get_args(case.Issue.model_fields["kind"].annotation) == vocabulary.ISSUE_KINDS


# -- display names -------------------------------------------------------------------------------

CATALOGUE_FILES = sorted(CATALOGUES.glob("*.json"))


def test_there_is_an_english_catalogue():
    assert CATALOGUES / "en.json" in CATALOGUE_FILES


@pytest.mark.parametrize("path", CATALOGUE_FILES, ids=lambda p: p.name)
def test_a_catalogue_names_every_value_of_what_it_covers_and_nothing_else(path):
    catalogue = json.loads(path.read_text(encoding="utf-8"))
    assert catalogue, path.name
    assert set(catalogue) <= set(ENUMERATIONS), set(catalogue) - set(ENUMERATIONS)
    for name, names in catalogue.items():
        values = ENUMERATIONS[name]
        assert list(names) == list(values), f"{path.name}: {name} must name {', '.join(values)} in that order"
        assert all(isinstance(n, str) and n.strip() for n in names.values()), f"{path.name}: {name}"
    assert catalogue == render.load_catalogue(path.stem)


def test_render_takes_display_names_from_the_catalogue(reference_policy, monkeypatch):
    plan = reference_policy.evaluate(case.load_case(EXAMPLES / "wrong_item_reship_after_cutoff.yaml"))
    assert "   1. CS         message_buyer" in render.render_text(plan)
    monkeypatch.setitem(render._NAMES, "actor", {**render._NAMES["actor"], "customer_service": "客服"})
    monkeypatch.setitem(render._NAMES, "method", {**render._NAMES["method"], "prepaid": "PREPAID"})
    text = render.render_text(plan)
    assert "   1. 客服" in text and "PREPAID" in text and "   1. CS" not in text


def test_the_catalogues_are_package_data():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"catalogues/*.json"' in pyproject
