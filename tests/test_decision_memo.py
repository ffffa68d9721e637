"""The memo of whole decisions (engine/decisions.py), through ``Policy``: every shipped partition shown exact,
the same plans as deciding stratum by stratum, a deliberately lossy key caught by the verification mode, a
partition it cannot show exact decided stratum by stratum every time, its bounds, and errors never kept.
(The verification mode over generated, edge and corpus cases is in tests/test_memo.py: it checks this memo too.)
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import yaml

from aftersales_rules import ConflictError, EngineError, Policy
from aftersales_rules.case import ISSUE_KINDS, parse_case
from aftersales_rules.engine import decisions
from aftersales_rules.engine.abstraction import NotExact
from aftersales_rules.engine.memo import DEFAULT_SIZE
from aftersales_rules.testing import generate_cases

from conftest import EXAMPLES, RULES

MARKETPLACE = EXAMPLES / "policies" / "marketplace"
CASES = list(generate_cases(600, seed=91, kinds=list(ISSUE_KINDS)))


def _plans(policy: Policy, cases: list[dict], branches: bool = True) -> list[str]:
    return [policy.evaluate(case, branches=branches).model_dump_json() for case in cases]


@pytest.fixture(scope="module")
def unmemoised() -> Policy:
    return Policy.load(RULES, memo_size=0)


def test_every_shipped_partition_is_shown_exact_and_its_decisions_are_kept(unmemoised):
    for path in (RULES, MARKETPLACE):
        info = Policy.load(path).memo_info().decisions
        assert info.partitions and all(p.exact and p.reason == "" and p.properties for p in info.partitions)
        assert {p.kind for p in info.partitions} >= set(ISSUE_KINDS)
    memoised = Policy.load(RULES)
    for branches in (True, False):
        assert _plans(memoised, CASES, branches) == _plans(unmemoised, CASES, branches)
    info = memoised.memo_info()
    assert info.decisions.hits > info.decisions.misses > 0 and info.decisions.direct == 0
    assert info.decisions.size == info.decisions.misses
    assert info.misses > 0  # the rulesets were matched on the decisions' misses only
    off = unmemoised.memo_info().decisions
    assert off.hits == off.misses == off.size == off.direct == 0


def _lossy(policy: Policy) -> Policy:
    """The key of each partition less its first comparison between facts (``_c0``, opened before the cut-off
    time in the reference policy): two cases that differ only there get one decision."""
    memo = policy._engine.decisions
    for kind, shape in memo._shapes.items():
        memo._shapes[kind] = replace(shape, comparisons=shape.comparisons[1:])
    return policy


def test_the_verification_mode_catches_a_lossy_decision_key(unmemoised):
    lossy = _lossy(Policy.load(RULES, verify_memo=True))
    with pytest.raises(EngineError, match=r"the memoised decision of partition \S+ differs from the one made"):
        for case in CASES:
            lossy.evaluate(case)
    unchecked = _lossy(Policy.load(RULES))  # without the verification, the plans would silently change
    assert _plans(unchecked, CASES[:300]) != _plans(unmemoised, CASES[:300])


def test_a_partition_not_shown_exact_is_decided_stratum_by_stratum_every_time(monkeypatch, unmemoised):
    def refuse(definition, names):
        raise NotExact("refused for the test")

    monkeypatch.setattr(decisions, "abstraction", refuse)
    policy = Policy.load(RULES, verify_memo=True)
    info = policy.memo_info().decisions
    assert info.partitions and {(p.exact, p.reason, p.properties) for p in info.partitions} == {
        (False, "refused for the test", ())
    }
    assert _plans(policy, CASES[:100]) == _plans(unmemoised, CASES[:100])
    after = policy.memo_info()
    assert after.decisions.hits == after.decisions.misses == 0 and after.decisions.direct >= 100
    assert after.hits > 0  # the per-ruleset memo still works


@pytest.mark.parametrize("value", ["\ud800", 1e20], ids=["lone surrogate", "float without a point"])
def test_a_value_durable_rules_cannot_read_is_left_to_it(value):
    """The key is read off the facts, not off the message: a value the message would carry that durable_rules
    cannot read still goes to durable_rules, which refuses it, as it does with no memo at all."""
    damaged = next(c for c in CASES if c["issue"]["kind"] == "damaged")
    errors = []
    for size in (DEFAULT_SIZE, 0):
        policy = Policy.load(RULES, memo_size=size)
        engine = policy._engine
        case = parse_case(damaged, zone=engine.tz)
        part = engine._partition(case)
        values = engine._facts(case, part)
        values["issue.wants"] = value  # a text every damaged rule that reads it compares with its constants
        with pytest.raises(EngineError, match="durable_rules could not match the case") as raised:
            engine._decide(part, values)
        errors.append(str(raised.value))
        info = policy.memo_info().decisions
        assert (info.hits, info.misses, info.direct) == ((0, 0, 1) if size else (0, 0, 0))
    assert errors[0] == errors[1]


def test_the_decision_memo_is_bounded(unmemoised):
    small = Policy.load(RULES, memo_size=3)
    assert _plans(small, CASES[:200]) == _plans(unmemoised, CASES[:200])
    assert small.memo_info().decisions.size == 3


def test_a_conflict_is_never_kept(tmp_path):
    """A decision that raises is made stratum by stratum (and raises) every time it is met."""
    doc = {
        "policy": {"name": "t", "version": "1"},
        "rules": [
            {"id": "a", "then": {"resolution": "explain"}},
            {"id": "b", "when": {"issue.kind": "damaged"}, "then": {"resolution": "decline"}},
        ],
    }
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    policy = Policy.load(tmp_path)
    damaged = next(c for c in CASES if c["issue"]["kind"] == "damaged")
    other = next(c for c in CASES if c["issue"]["kind"] != "damaged")
    for _ in range(3):
        with pytest.raises(ConflictError, match="both decide resolution at priority 0, differently"):
            policy.evaluate(damaged, branches=False)
        assert policy.evaluate(other, branches=False).resolution == "explain"
    info = policy.memo_info().decisions
    assert info.size == 1 and info.hits == 2 and info.misses == 4  # the conflicting key missed all 3 times


def test_a_closed_policy_refuses_a_memoised_decision():
    policy = Policy.load(RULES)
    policy.evaluate(CASES[0])
    policy.close()
    with pytest.raises(EngineError, match="this policy has been closed"):
        policy.evaluate(CASES[0])
