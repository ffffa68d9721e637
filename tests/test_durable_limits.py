"""durable_rules' fixed sizes: measured on the raw engine, then refused at load with a located problem.

Before these checks, a policy past a limit loaded (and ``aftersales check``
reported no error), then every evaluation failed with error 302, or the load
failed with a bare "error 113" naming no file, line or rule. The raw probes run
in child processes, as in test_durable_edges.py.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml
from click.testing import CliRunner

from aftersales_rules import Policy, PolicyError, load_case
from aftersales_rules.cli import cli
from aftersales_rules.engine.limits import MAX_GROUPS_PER_RULE, MAX_MESSAGE_PROPERTIES, MESSAGE_OVERHEAD

from conftest import ROOT

CASE = ROOT / "examples" / "damaged_vip_gift.yaml"

PROBE = r"""
import json, sys
import durable_rules_engine as E
what, n = sys.argv[1], int(sys.argv[2])
try:
    if what == "properties":  # a message of n properties, sid and id included
        h = E.create_ruleset("p", json.dumps({"r": {"all": [{"m": {"_k": "case"}}]}}))
        message = {"sid": "1", "id": "case", "_k": "case", **{"p%d" % i: i for i in range(n - 3)}}
        E.assert_fact(h, json.dumps(message))
    elif what == "nested":  # n groups, each inside the last, $and and $or in turn
        e = {"a": 1}
        for i in range(n):
            e = {"$and": [e, {"b": i}]} if i % 2 == 0 else {"$or": [e, {"c": i}]}
        E.create_ruleset("n", json.dumps({"r": {"all": [{"m": e}]}}))
    else:  # n groups side by side: one $and of n - 1 one-item $or
        e = {"$and": [{"$or": [{"x%d" % i: 1}]} for i in range(n - 1)]}
        E.create_ruleset("f", json.dumps({"r": {"all": [{"m": e}]}}))
    print("ok")
except Exception as e:
    print(e)
"""


def _probe(what: str, n: int) -> str:
    done = subprocess.run([sys.executable, "-c", PROBE, what, str(n)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("what", "limit", "code"),
    [
        ("properties", MAX_MESSAGE_PROPERTIES, 302),
        ("nested", MAX_GROUPS_PER_RULE, 113),
        ("flat", MAX_GROUPS_PER_RULE, 113),
    ],
)
def test_the_limits_are_the_raw_engines(what, limit, code):
    assert _probe(what, limit) == "ok"
    assert _probe(what, limit + 1).endswith(f"error code: {code}")


# --------------------------------------------------------------------------- generated policies


def _write(tmp_path, facts: dict, rules: list, attributes: dict | None = None):
    policy = {"policy": {"name": "gen", "version": "1"}, "defaults": {"resolution": "escalate"}}
    if attributes:
        policy["attributes"] = attributes
    if facts:
        policy["facts"] = facts
    policy["rules"] = rules
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(policy, sort_keys=False), encoding="utf-8")
    return tmp_path


def derived_facts(tmp_path, n: int):
    """``n`` derived facts, each set by a rule of its own, the first one read."""
    facts = {f"f{i}": {"type": "bool", "default": False} for i in range(n)}
    rules = [{"id": f"set{i}", "then": {"set": {f"f{i}": True}}} for i in range(n)]
    rules.append({"id": "read", "when": {"facts.f0": True}, "then": {"resolution": "explain"}})
    return _write(tmp_path, facts, rules)


def attributes_read(tmp_path, n: int):
    """``n`` attributes of the case, each read by a rule of damaged cases (which read issue.kind too)."""
    attributes = {f"a{i}": {"type": "bool"} for i in range(n)}
    rules = [
        {
            "id": f"read{i}",
            "when": {"issue.kind": "damaged", f"attributes.a{i}": True},
            "then": {"resolution": "explain"},
        }
        for i in range(n)
    ]
    return _write(tmp_path, {}, rules, attributes)


def nested(tmp_path, depth: int):
    """One rule whose condition nests ``all`` and ``any`` ``depth`` levels deep."""
    when: dict = {"order.goods_total": {"at_least": 1}}
    for i in range(depth):
        when = {"any": [when, {"customer.urgent": True}]} if i % 2 else {"all": [when, {"evidence.photos": False}]}
    return _write(tmp_path, {}, [{"id": "deep", "when": when, "then": {"resolution": "explain"}}])


def side_by_side(tmp_path, groups: int):
    """One rule of ``groups`` groups, at most three deep: a named fact's among them (it counts too)."""
    facts = {"listed": {"when": {"customer.tier": "vip", "customer.urgent": True}}}
    pairs = [{"order.goods_total": {"at_least": i}, "order.shipping_fee": {"at_least": i}} for i in range(groups - 4)]
    when = {"facts.listed": True, "all": pairs}  # the rule, its top 'all', the named fact, 'all': 4 groups
    return _write(tmp_path, facts, [{"id": "flat", "when": when, "then": {"resolution": "explain"}}])


ROOM = MAX_MESSAGE_PROPERTIES - len(MESSAGE_OVERHEAD)  # facts one message can carry
DEPTH = MAX_GROUPS_PER_RULE - 1  # levels of all/any one rule can nest (the rule itself is a group)

REFUSED = [
    (
        derived_facts,
        260,
        "too_many_facts",
        "p.yaml:1792:3",
        "with rule 'set251', the case message for every issue kind",
    ),
    (
        derived_facts,
        ROOM + 1,
        "too_many_facts",
        "",
        "with rule 'set251', the case message for every issue kind carries 255",
    ),
    (attributes_read, ROOM, "too_many_facts", "", "with rule 'read250', the case message for issue kind damaged"),
    (nested, 15, "too_complex", "p.yaml:9:5", "rule 'deep' compiles into 16 groups"),
    (nested, DEPTH + 1, "too_complex", "", f"durable_rules takes at most {MAX_GROUPS_PER_RULE} in one rule"),
    (side_by_side, MAX_GROUPS_PER_RULE + 1, "too_complex", "", "rule 'flat' compiles into 16 groups"),
]


@pytest.mark.parametrize(("make", "n", "code", "where", "says"), REFUSED, ids=lambda v: getattr(v, "__name__", v))
def test_a_policy_past_a_limit_is_refused_at_load_with_the_rule(tmp_path, make, n, code, where, says):
    folder = make(tmp_path, n)
    with pytest.raises(PolicyError) as caught:
        Policy.load(folder)
    (problem,) = caught.value.problems
    assert problem.code == code and says in problem.message
    line = str(caught.value)
    assert f": {code}: " in line and line.split(": ")[0].count(":") == 2  # file:line:col
    assert where in line
    result = CliRunner().invoke(cli, ["check", str(folder)])
    assert result.exit_code == 1, result.output
    assert f"error {code}: " in result.output and says in result.output


ACCEPTED = [(derived_facts, ROOM), (attributes_read, ROOM - 1), (nested, DEPTH), (side_by_side, MAX_GROUPS_PER_RULE)]


@pytest.mark.parametrize(("make", "n"), ACCEPTED, ids=lambda v: getattr(v, "__name__", v))
def test_a_policy_at_each_limit_loads_and_evaluates(tmp_path, make, n):
    policy = Policy.load(make(tmp_path, n))
    try:
        case = load_case(CASE)
        plan = policy.evaluate(case)
        assert plan.resolution in ("explain", "escalate")
        if make in (derived_facts, nested):
            assert (
                plan.resolution == "explain"
            )  # every set rule ran and the reading rule matched; the deep rule matched
    finally:
        policy.close()
