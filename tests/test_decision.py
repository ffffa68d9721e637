"""One decision procedure: the engine and the linter both run the conflict policy through
engine/decision.py's ``decide``, and so report the same conflict for the same case."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from aftersales_rules import ConflictError, Policy, parse_case
from aftersales_rules.authoring.casespace import Space
from aftersales_rules.authoring.witness import abstract_value
from aftersales_rules.engine import decision

from conftest import ROOT, SMALL_CASE

PACKAGE = ROOT / "src" / "aftersales_rules"

CASE = {**SMALL_CASE, "customer": {"tier": "vip"}}

FLAG = {"flag": {"type": "bool", "default": False}}

# (rules, derived facts, the conflict: first rule, second rule, output)
CONFLICTS = {
    "resolution": (
        [
            {"id": "a", "then": {"resolution": "explain"}},
            {"id": "b", "when": {"issue.kind": "damaged"}, "then": {"resolution": "decline"}},
        ],
        {},
        ("a", "b", "resolution"),
    ),
    "group": (
        [
            {"id": "g.a", "group": "g", "then": {"resolution": "explain"}},
            {"id": "g.b", "group": "g", "when": {"customer.tier": "vip"}, "then": {"resolution": "decline"}},
        ],
        {},
        ("g.a", "g.b", "group g"),
    ),
    "derived fact": (
        [
            {"id": "on", "when": {"customer.tier": "vip"}, "then": {"set": {"flag": True}}},
            {"id": "off", "when": {"issue.wants": "return"}, "then": {"set": {"flag": False}}},
            {"id": "r", "when": {"facts.flag": True}, "then": {"resolution": "explain"}},
        ],
        FLAG,
        ("on", "off", "facts.flag"),
    ),
    # only a conflict because the winner of a derived fact feeds the later stratum
    "fed by a derived fact": (
        [
            {"id": "r.flag", "priority": 1, "when": {"facts.flag": True}, "then": {"resolution": "decline"}},
            {"id": "r.vip", "priority": 1, "when": {"customer.tier": "vip"}, "then": {"resolution": "explain"}},
            {"id": "set", "priority": 5, "when": {"issue.kind": "damaged"}, "then": {"set": {"flag": True}}},
            {"id": "unset", "when": {"issue.kind": "damaged"}, "then": {"set": {"flag": False}}},
        ],
        FLAG,
        ("r.flag", "r.vip", "resolution"),
    ),
}


def make_policy(tmp_path: Path, rules: list, facts: dict) -> Policy:
    doc = {"policy": {"name": "t", "version": "1", "timezone": "Asia/Shanghai"}, "facts": facts, "rules": rules}
    if not facts:
        del doc["facts"]
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    return Policy.load(tmp_path)


@pytest.mark.parametrize("name", CONFLICTS)
def test_engine_and_linter_report_the_same_conflict(tmp_path, name):
    rules, facts, (first, second, output) = CONFLICTS[name]
    policy = make_policy(tmp_path, rules, facts)
    with pytest.raises(ConflictError) as err:
        policy.evaluate(CASE, branches=False)
    assert (err.value.rules, err.value.output) == ((first, second), output)

    space = Space(policy.source)
    case = parse_case(CASE)
    seen: dict = {}
    leaf = space.leaf_of("damaged", lambda key: abstract_value(space, case, key, seen))
    assert [(c.first.id, c.second.id, c.output) for c in leaf.conflicts][:1] == [(first, second, output)]


def test_the_linter_collects_every_conflict_where_the_engine_stops_at_the_first(tmp_path):
    rules = [
        {"id": "a", "then": {"resolution": "explain", "refund": {"release": "immediately"}}},
        {"id": "b", "then": {"resolution": "decline", "refund": {"release": "on_return_received"}}},
    ]
    policy = make_policy(tmp_path, rules, {})
    with pytest.raises(ConflictError) as err:
        policy.evaluate(CASE, branches=False)
    assert err.value.output == "resolution"
    (leaf,) = Space(policy.source).explore("damaged").leaves
    assert [(c.first.id, c.second.id, c.output) for c in leaf.conflicts] == [
        ("a", "b", "resolution"),
        ("a", "b", "refund.release"),
    ]


def test_decide_runs_the_strata_in_order_with_derived_facts_fed_forward():
    """``decide`` itself, with a match function of the test's own: what the next stratum sees."""

    class R:  # the parts of a Rule decide reads
        def __init__(self, index, slots, priority=0, group=None):
            self.index, self.slots, self.priority, self.group = index, slots, priority, group
            self.id, self.source, self.steps, self.gestures = f"r{index}", "t", (), ()

    setter_low, setter_high = R(0, {"facts.x": "low"}), R(1, {"facts.x": "high"}, priority=2)
    reader = R(2, {"resolution": "explain"})
    grouped_a, grouped_b = R(3, {"resolution": "decline"}, 1, "g"), R(4, {"resolution": "decline"}, 3, "g")
    seen = []

    def match(stratum, values):
        seen.append((stratum, values.get("facts.x")))
        if stratum == 0:
            return [setter_low, setter_high]
        return [reader, grouped_a, grouped_b] if values["facts.x"] == "high" else []

    start = {"facts.x": "none"}
    d = decision.decide([0, 1], match, start)
    assert seen == [(0, "none"), (1, "high")] and start == {"facts.x": "none"}
    assert d.matched == [setter_low, setter_high, reader, grouped_a, grouped_b]
    assert d.applied == [setter_low, setter_high, reader, grouped_b]
    assert d.winners == {"facts.x": [setter_high], "resolution": [grouped_b]}
    assert d.values == {"facts.x": "high"}


def _names(module: Path) -> set[str]:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names
    }


@pytest.mark.parametrize("module", ["engine/evaluate.py", "authoring/casespace.py"])
def test_engine_and_linter_call_decide_and_replay_none_of_it(module):
    names = _names(PACKAGE / module)
    assert "decide" in names
    assert not names & {"apply_groups", "winner", "top", "SINGLE_SLOTS"}
