"""The benchmark's contenders, checked on a few hundred cases (no timing: that is benchmarks/run.py's job).

The plain-Python baseline and the zen-engine decision graph must decide every
case as the engine does; the generated 1,000-rule policy must load and decide
every case as its generator says.
"""

from __future__ import annotations

import sys

import pytest

from aftersales_rules import Policy

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import gen_policy

import baseline
from contenders import KEYS, disagreements, engine_decide
from run import build_corpus, check_generated

CASES = 300


@pytest.fixture(scope="module")
def corpus() -> list[dict]:
    return build_corpus(CASES, seed=7)


def test_corpus_covers_every_kind(corpus):
    assert len({c["issue"]["kind"] for c in corpus}) == len(gen_policy.KINDS)


def test_baseline_agrees_with_engine(reference_policy, corpus):
    found = disagreements(corpus, engine_decide(reference_policy, False), {"baseline": baseline.decide})
    assert found == {}


def test_zen_graph_agrees_with_engine(reference_policy, corpus):
    pytest.importorskip("zen", reason="zen-engine is not installed (pip install -e '.[bench]')")
    from zen_contender import ZenContender

    zen = ZenContender()
    found = disagreements(corpus, engine_decide(reference_policy, False), {"zen-engine": zen.decide})
    assert found == {}


def test_disagreement_is_reported(reference_policy, corpus):
    def wrong(case: dict) -> dict:
        out = baseline.decide(case)
        return out | {"refund_total": "0.01"} if case["issue"]["kind"] == "lost_parcel" else out

    found = disagreements(corpus, engine_decide(reference_policy, False), {"wrong": wrong})
    lost = sum(c["issue"]["kind"] == "lost_parcel" for c in corpus)
    assert found["wrong"][0] == f"{lost} cases differ"
    assert "refund_total: '0.01'" in found["wrong"][1]
    assert set(baseline.decide(corpus[0])) == set(KEYS)


def test_generated_policy_has_1000_rules_and_decides_as_generated(tmp_path, corpus):
    assert gen_policy.write_policy(tmp_path) == 1000
    policy = Policy.load(tmp_path)
    try:
        assert len(policy.rules) == 1000
        assert check_generated(policy, corpus) == []
    finally:
        policy.close()


@pytest.mark.parametrize("contender", ["engine", "zen"])
def test_the_instruction_count_child_runs_each_contender(contender):
    # what `./dev bench --instructions` runs under callgrind, run here without it (the count itself is slow)
    import instructions

    assert instructions.main(["--child", contender, "--cases", "20", "--passes", "1"]) == 0
