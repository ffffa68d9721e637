"""The after-sales vocabulary is written once, in aftersales_rules/vocabulary.py."""

from __future__ import annotations

import ast
from typing import get_args

from aftersales_rules import case, vocabulary
from aftersales_rules.language import rulefile
from aftersales_rules.plan import Plan

from conftest import ROOT

PACKAGE = ROOT / "src" / "aftersales_rules"
VOCABULARY = PACKAGE / "vocabulary.py"
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
