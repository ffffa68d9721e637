"""The memo of durable_rules' matches (engine/memo.py), through ``Policy``: the same plans with it on and off,
the verification mode (``verify_memo=True`` / ``AFTERSALES_VERIFY_MEMO``) over generated, edge and corpus
cases of both shipped policies, a deliberately lossy memo caught, a ruleset it turns itself off for, its
bounds, its errors never kept, and hits that need no lock.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from aftersales_rules import AfterSalesError, EngineError, Policy, PolicyError, load_case
from aftersales_rules.case import ISSUE_KINDS
from aftersales_rules.engine import abstraction
from aftersales_rules.engine.memo import DEFAULT_SIZE, VERIFY_ENV
from aftersales_rules.testing import generate_cases

from conftest import EXAMPLES, FIXTURES, RULES
from strategies import cases as any_cases

MARKETPLACE = EXAMPLES / "policies" / "marketplace"
CASES = list(generate_cases(600, seed=77, kinds=list(ISSUE_KINDS)))


def _plans(policy: Policy, cases: list[dict], branches: bool = True) -> list[str]:
    return [policy.evaluate(case, branches=branches).model_dump_json() for case in cases]


@pytest.fixture(scope="module")
def verifying() -> Policy:
    return Policy.load(RULES, verify_memo=True)


@pytest.fixture(scope="module")
def unmemoised() -> Policy:
    return Policy.load(RULES, memo_size=0)


def marketplace_cases(count: int, seed: int) -> list[dict]:
    """Generated cases with the marketplace's own attributes and item attributes (true or false, at random)."""
    declared = yaml.safe_load((MARKETPLACE / "policy.yaml").read_text(encoding="utf-8"))
    flags = [n for n, d in declared["attributes"].items() if d["type"] == "bool"]
    item_flags = [n for n, d in declared["item_attributes"].items() if d["type"] == "bool"]
    rng = random.Random(seed)
    out = []
    for case in generate_cases(count, seed=seed, kinds=list(ISSUE_KINDS)):
        case["attributes"] = {n: rng.random() < 0.3 for n in flags if rng.random() < 0.5}
        for item in case["order"]["items"]:
            item["attributes"] = {n: rng.random() < 0.2 for n in item_flags if rng.random() < 0.3}
        out.append(case)
    return out


# --------------------------------------------------------------------------- on by default, and exact


def test_the_memo_is_on_by_default_and_every_shipped_ruleset_is_shown_exact(reference_policy):
    for policy in (reference_policy, Policy.load(MARKETPLACE)):
        info = policy.memo_info()
        assert info.enabled and info.maxsize == DEFAULT_SIZE and not info.verify
        assert info.rulesets and all(r.exact and r.reason == "" and r.properties for r in info.rulesets)
        kinds = {kind for r in info.rulesets for _, kind in r.properties}
        assert {"true or false", "present or absent"} <= kinds


def test_plans_are_byte_identical_with_the_memo_on_and_off(unmemoised):
    memoised = Policy.load(RULES)
    for branches in (True, False):
        assert _plans(memoised, CASES, branches) == _plans(unmemoised, CASES, branches)
    info = memoised.memo_info()
    assert info.hits > info.misses > 0 and info.direct == 0 and info.size == info.misses
    assert unmemoised.memo_info().hits == unmemoised.memo_info().misses == 0


# --------------------------------------------------------------------------- the verification mode


def test_the_verification_mode_agrees_on_generated_cases_of_both_policies(verifying):
    for seed in (1, 2, 3):
        for case in generate_cases(300, seed=seed, kinds=list(ISSUE_KINDS)):
            verifying.evaluate(case)
    market = Policy.load(MARKETPLACE, verify_memo=True)
    for case in marketplace_cases(600, seed=5):
        try:
            market.evaluate(case)
        except EngineError:
            raise
        except AfterSalesError:  # a generated case this policy decides no resolution for, say
            pass
    for path in sorted((MARKETPLACE / "cases").glob("*.yaml")):
        market.evaluate(load_case(path))
    assert verifying.memo_info().verify and verifying.memo_info().hits > 0 and market.memo_info().hits > 0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(any_cases())
def test_the_verification_mode_agrees_on_edge_cases(verifying, case):
    try:
        verifying.evaluate(case)
    except EngineError:
        raise
    except AfterSalesError:  # a case the policy refuses or cannot decide: the same with the memo
        pass


@pytest.mark.slow
def test_the_verification_mode_agrees_on_the_whole_corpus_and_the_plans_are_the_approved_ones(verifying):
    """The 10,000 cases of tests/test_golden_plans.py, with and without branches, each match checked against
    durable_rules, and the plans' digests the approved ones."""
    corpus = json.loads((FIXTURES / "golden" / "corpus.json").read_text(encoding="utf-8"))
    cases = list(generate_cases(corpus["count"], seed=corpus["seed"], kinds=list(ISSUE_KINDS)))
    for branches, name in ((True, "branches"), (False, "no_branches")):
        digest = hashlib.sha256()
        for case in cases:
            digest.update(verifying.evaluate(case, branches=branches).model_dump_json().encode() + b"\n")
        assert digest.hexdigest() == corpus["sha256"][name]


def test_the_verification_mode_catches_a_lossy_memo(monkeypatch):
    """Strings abstracted to one value: the memo would answer a case of one kind with another's rules."""
    monkeypatch.setattr(abstraction, "_strings", lambda constants: lambda value: abstraction.OTHER)
    lossy = Policy.load(RULES, verify_memo=True)
    with pytest.raises(EngineError, match=r"the memoised match of ruleset \S+ differs from durable_rules: "):
        for case in CASES:
            lossy.evaluate(case)
    unchecked = Policy.load(RULES)  # without the verification, the plans would silently change
    assert _plans(unchecked, CASES[:200]) != _plans(Policy.load(RULES, memo_size=0), CASES[:200])


def test_the_environment_variable_turns_the_verification_on(monkeypatch):
    for value, verify in (("1", True), ("yes", True), ("0", False), ("", False)):
        monkeypatch.setenv(VERIFY_ENV, value)
        assert Policy.load(RULES).memo_info().verify is verify
    monkeypatch.setenv(VERIFY_ENV, "1")
    assert Policy.load(RULES, verify_memo=False).memo_info().verify is False
    monkeypatch.delenv(VERIFY_ENV)
    assert Policy.load(RULES).memo_info().verify is False


# --------------------------------------------------------------------------- a ruleset the memo turns off


def test_a_policy_whose_property_names_share_a_hash_is_refused_at_load(tmp_path: Path):
    """attributes__c402810 and attributes__c91881 have one FNV-1a hash: durable_rules cannot tell them apart
    (tests/test_memo_exact.py shows a rule on one reading the other), so such a policy would decide wrongly
    with or without the memo: limits.py refuses it at load, at the first rule that reads either."""
    twins = ("c402810", "c91881")
    assert abstraction.name_hash(f"attributes__{twins[0]}") == abstraction.name_hash(f"attributes__{twins[1]}")
    policy = {
        "policy": {"name": "p", "version": "1"},
        "defaults": {"resolution": "escalate"},
        "attributes": {name: {"type": "bool"} for name in twins},
        "rules": [
            {"id": "first", "then": {"gestures": [{"kind": "gift", "detail": "always"}]}},
            {
                "id": "a",
                "when": {f"attributes.{twins[0]}": True},
                "then": {"gestures": [{"kind": "coupon", "detail": "a"}]},
            },
            {
                "id": "b",
                "when": {f"attributes.{twins[1]}": True},
                "then": {"gestures": [{"kind": "gift", "detail": "b"}]},
            },
        ],
    }
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(policy, sort_keys=False), encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        Policy.load(tmp_path)
    (problem,) = caught.value.problems
    assert (problem.code, problem.path) == ("same_hash", "rules[1].when")  # rule a, the first to read either
    written = (tmp_path / "policy.yaml").read_text(encoding="utf-8").splitlines()[problem.location.line - 1]
    assert written.strip().startswith(f"attributes.{twins[0]}")
    assert f"'attributes__{twins[0]}' and 'attributes__{twins[1]}', which durable_rules reads as one" in str(
        caught.value
    )
    policy["attributes"] = {"c402810": {"type": "bool"}, "c91882": {"type": "bool"}}  # no longer twins
    policy["rules"][2]["when"] = {"attributes.c91882": True}
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(policy, sort_keys=False), encoding="utf-8")
    assert Policy.load(tmp_path).memo_info().rulesets


# --------------------------------------------------------------------------- bounds, errors, threads


def test_the_memo_is_bounded_and_its_size_is_checked(unmemoised):
    small = Policy.load(RULES, memo_size=5)
    assert _plans(small, CASES[:300]) == _plans(unmemoised, CASES[:300])
    assert small.memo_info().size == 5 and small.memo_info().maxsize == 5
    off = unmemoised.memo_info()
    assert not off.enabled and off.size == 0
    for bad in (-1, True, "10", 1.5):
        with pytest.raises(ValueError, match="memo_size must be a whole number, 0 or more"):
            Policy.load(RULES, memo_size=bad)


def test_an_error_is_never_memoised(monkeypatch, unmemoised):
    policy = Policy.load(RULES)
    runtime = policy._engine.runtime
    real = runtime.match

    def refuse(rulesets, message):
        raise EngineError("durable_rules could not match the case: error 101 (out of memory)", 101)

    monkeypatch.setattr(runtime, "match", refuse)
    with pytest.raises(EngineError, match="error 101"):
        policy.evaluate(CASES[0])
    assert policy.memo_info().size == 0
    monkeypatch.setattr(runtime, "match", real)
    assert _plans(policy, CASES[:1]) == _plans(unmemoised, CASES[:1])


def test_a_memoised_match_needs_no_lock(unmemoised):
    """Threads deciding cases whose matches are all memoised go on while durable_rules' lock is held."""
    policy = Policy.load(RULES)
    cases = CASES[:200]
    expected = _plans(policy, cases)  # every match now memoised
    got: dict[int, list[str]] = {}

    def work(n: int) -> None:
        got[n] = _plans(policy, cases)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    with policy._engine.runtime._lock:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not any(thread.is_alive() for thread in threads)
    assert got == dict.fromkeys(range(4), expected) and expected == _plans(unmemoised, cases)


def test_a_closed_policy_refuses_a_memoised_case_too():
    policy = Policy.load(RULES)
    policy.evaluate(CASES[0])
    policy.close()
    with pytest.raises(EngineError, match="this policy has been closed"):
        policy.evaluate(CASES[0])
