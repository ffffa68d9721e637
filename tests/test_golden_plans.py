"""Plans are approved, byte for byte: every example's plan and 10,000 generated cases' plans.

A refactoring must leave every plan byte-identical; a change of behaviour shows here as the
examples' plan files it changes (review them with ``git diff``) and as a new corpus digest.
To approve an intended change: ``AFTERSALES_APPROVE=1 ./dev test tests/test_golden_plans.py``,
then review and commit the changed files under tests/fixtures/golden/.
"""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from aftersales_rules import load_case
from aftersales_rules.case import ISSUE_KINDS
from aftersales_rules.testing import generate_cases

from conftest import EXAMPLES, FIXTURES

GOLDEN = FIXTURES / "golden"
APPROVE = os.environ.get("AFTERSALES_APPROVE") == "1"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
CORPUS = {"count": 10_000, "seed": 2026}


def _compact(text: str) -> str:
    """A stored (indented) plan as the exact JSON ``Plan.model_dump_json()`` prints."""
    return json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)


@pytest.mark.parametrize("case_file", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_example_plans_are_byte_identical_to_the_approved_ones(reference_policy, case_file):
    plan = reference_policy.evaluate(load_case(case_file)).model_dump_json()
    assert _compact(plan) == plan  # the stored form round-trips to exactly these bytes
    stored = GOLDEN / "examples" / f"{case_file.stem}.json"
    if APPROVE:
        stored.write_text(json.dumps(json.loads(plan), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert stored.exists(), f"no approved plan for {case_file.name}: run with AFTERSALES_APPROVE=1 and review it"
    assert plan == _compact(stored.read_text(encoding="utf-8")), f"{case_file.name}: the plan changed"


def test_no_approved_plan_is_left_without_its_example():
    assert sorted(p.stem for p in (GOLDEN / "examples").glob("*.json")) == [p.stem for p in EXAMPLE_FILES]


@pytest.mark.slow
def test_corpus_plans_are_byte_identical_to_the_approved_ones(reference_policy):
    cases = list(generate_cases(CORPUS["count"], seed=CORPUS["seed"], kinds=list(ISSUE_KINDS)))
    digests = {}
    for branches in (True, False):
        digest = hashlib.sha256()
        for case in cases:
            digest.update(reference_policy.evaluate(case, branches=branches).model_dump_json().encode() + b"\n")
        digests["branches" if branches else "no_branches"] = digest.hexdigest()
    stored = GOLDEN / "corpus.json"
    if APPROVE:
        stored.write_text(json.dumps({**CORPUS, "sha256": digests}, indent=2) + "\n", encoding="utf-8")
    assert json.loads(stored.read_text(encoding="utf-8"))["sha256"] == digests, "corpus plans changed"
