"""Why not? ``Policy.explain``, ``aftersales dry-run --why-not`` and the text plan's near misses.

The explanation reads each rule's condition again in Python (language/truth.py's ``evaluate``); the
property tests check that it says a rule matched exactly when durable_rules matched it, for every rule
of the reference policy over generated cases, and of random policies of every operator.
"""

from __future__ import annotations

import json
import random
from datetime import datetime

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings

from aftersales_rules import (
    AfterSalesError,
    CaseExplanation,
    Policy,
    RuleExplanation,
    UnknownRuleError,
    load_case,
    parse_case,
)
from aftersales_rules.cli import cli
from aftersales_rules.engine import Engine
from aftersales_rules.testing import ATTRIBUTES
from test_compiler import case_values, condition

from conftest import EXAMPLES, FIXTURES, RULES
from strategies import cases

CLI_RULES = str(FIXTURES / "policies" / "cli")
CLI_CASE = FIXTURES / "cases" / "wrong_item_return.yaml"
AFTER_CUTOFF = EXAMPLES / "wrong_item_reship_after_cutoff.yaml"
URGENT_EXCHANGE = EXAMPLES / "wrong_item_exchange_urgent.yaml"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(autouse=True)
def _in_the_repository(monkeypatch, root) -> None:
    """The commands run in the repository's top with ``--rules rules``: their texts name rules/... as given."""
    monkeypatch.chdir(root)


@pytest.fixture(scope="module")
def cli_policy() -> Policy:
    return Policy.load(CLI_RULES)


# --------------------------------------------------------------------------- the four answers


def test_a_rule_that_matched_and_won(reference_policy):
    e = reference_policy.explain(load_case(AFTER_CUTOFF), "wrong_item.A.reship")
    assert isinstance(e, RuleExplanation)
    assert e.matched and e.applied and e.won and e.failed is None and e.lost == ()
    assert e.source == "rules/wrong_item.yaml:107" and e.location.line == 107
    assert {"resolution", "outbound_leg", "steps"} <= set(e.decided)
    assert e.because == ("issue.kind == wrong_item", "issue.wants not in [return, refund, exchange]")
    result = run("dry-run", "--lang", "en", str(AFTER_CUTOFF), "--rules", "rules", "--why-not", "wrong_item.A.reship")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[:3] == [
        "Rule wrong_item.A.reship (rules/wrong_item.yaml:107) · case C-1302",
        "Matched: yes, and it applies",
        "  because issue.kind == wrong_item; issue.wants not in [return, refund, exchange]",
    ]
    assert result.stdout.splitlines()[3].startswith("Decided: facts.reship_now, resolution, ")


def test_a_rule_that_failed_names_the_first_condition_and_the_cases_value(reference_policy):
    e = reference_policy.explain(load_case(AFTER_CUTOFF), "reship.same_day")
    assert not e.matched and not e.applied and e.decided == ()
    assert len(e.failures) == 1
    failed = e.failed
    assert failed.text == "facts.opened_before_cutoff"  # as the trace's "because" lines write it
    assert str(failed.location) == f"{RULES}/policy.yaml:123:35"  # the file as the policy was named
    assert [(a.path, a.value) for a in failed.actual] == [
        ("opened_at", datetime.fromisoformat("2026-07-15T21:30:00+08:00"))
    ]
    assert failed.unknown == ()
    result = run("dry-run", "--lang", "en", str(AFTER_CUTOFF), "--rules", "rules", "--why-not", "reship.same_day")
    assert result.exit_code == 0
    assert result.stdout == (
        "Rule reship.same_day (rules/policy.yaml:118) · case C-1302\n"
        "Matched: no\n"
        "  failed: facts.opened_before_cutoff (rules/policy.yaml:123:35), but opened_at is 2026-07-15T21:30:00+08:00\n"
    )


def test_every_failed_condition_is_listed_the_first_first(reference_policy):
    e = reference_policy.explain(load_case(AFTER_CUTOFF), "wrong_item.B.exchange.urgent")
    assert [f.text for f in e.failures] == [
        "issue.wants == exchange",
        "customer.urgent == true",
        "progress.return_shipment.tracking_number is known",
    ]
    assert e.failed == e.failures[0]
    assert [(a.path, a.value) for a in e.failed.actual] == [("issue.wants", "reship")]
    text = run(
        "dry-run", "--lang", "en", str(AFTER_CUTOFF), "--rules", "rules", "--why-not", "wrong_item.B.exchange.urgent"
    ).stdout
    assert "  failed: issue.wants == exchange (rules/wrong_item.yaml:" in text
    assert "), but issue.wants is reship\n  also failed: customer.urgent == true (" in text


def test_a_rule_that_matched_but_lost_its_group_names_the_winner_and_why(reference_policy):
    e = reference_policy.explain(load_case(URGENT_EXCHANGE), "wrong_item.B.exchange")
    assert e.matched and not e.applied and not e.won and e.decided == ()
    (loss,) = e.lost
    assert (loss.output, loss.winner, loss.part) == ("group wrong_item.plan", "wrong_item.B.exchange.urgent", "group")
    assert (loss.winner_priority, loss.priority) == (20, 10)
    result = run(
        "dry-run", "--lang", "en", str(URGENT_EXCHANGE), "--rules", "rules", "--why-not", "wrong_item.B.exchange"
    )
    assert result.stdout.splitlines()[1:] == [
        "Matched: yes, but it does not apply",
        "  because issue.kind == wrong_item; issue.wants == exchange",
        "Lost group wrong_item.plan to wrong_item.B.exchange.urgent (rules/wrong_item.yaml:197), priority 20 over "
        "this rule's 10: within a group only the matching rule of highest priority applies (conflict policy, part 1)",
    ]


def test_a_rule_that_applied_but_lost_an_output_to_a_higher_priority(cli_policy):
    case = load_case(CLI_CASE).model_dump(mode="json")
    case["progress"]["inspection"] = {"error_confirmed": False}
    e = cli_policy.explain(case, "wrong.return")
    assert e.matched and e.applied and not e.won
    assert [(x.output, x.winner, x.part) for x in e.lost] == [
        ("return_leg", "refuted", "priority"),
        ("refund.lines", "refuted", "priority"),
        ("refund.release", "refuted", "priority"),
    ]
    assert e.decided == ("resolution", "steps")
    plan = cli_policy.evaluate(case)
    assert [t.decided for t in plan.trace if t.rule == "wrong.return"] == [list(e.decided)]  # the trace agrees
    assert cli_policy.explain(case, "refuted").won


def test_a_derived_fact_set_again_by_a_later_stratum_is_lost_to_it(tmp_path):
    (tmp_path / "p.yaml").write_text(
        """
policy: {name: strata, version: "1"}
defaults: {resolution: escalate}
facts:
  first: {type: bool, default: false}
  flag: {type: bool, default: false}
rules:
  - {id: sets_first, then: {set: {first: true}}}
  - {id: early, priority: 10, then: {set: {flag: true}}}
  - {id: late, when: {facts.first: true}, then: {set: {flag: false}}}
  - {id: reads, when: {facts.flag: false}, then: {resolution: decline}}
""",
        encoding="utf-8",
    )
    policy = Policy.load(tmp_path)
    case = load_case(CLI_CASE)
    assert policy.evaluate(case).resolution == "decline"  # the engine: the later stratum's value stands
    early = policy.explain(case, "early")
    assert [(x.output, x.winner, x.part) for x in early.lost] == [("facts.flag", "late", "stratum")]
    assert policy.explain(case, "reads").matched


def test_an_undecided_condition_says_which_fact_is_unknown(cli_policy):
    e = cli_policy.explain(load_case(CLI_CASE), "refuted")
    assert not e.matched
    assert e.failed.unknown == ("progress.inspection.error_confirmed",)
    assert [(a.path, a.value) for a in e.failed.actual] == [("progress.inspection.error_confirmed", None)]
    text = run(
        "dry-run", "--lang", "en", str(CLI_CASE), "--rules", "tests/fixtures/policies/cli", "--why-not", "refuted"
    ).stdout
    assert text.splitlines()[2] == (
        "  failed: progress.inspection.error_confirmed == false (tests/fixtures/policies/cli/policy.yaml:23:73): "
        "could not be decided "
        "because progress.inspection.error_confirmed is unknown"
    )


def test_a_rule_of_another_kind_failed_on_the_kind(reference_policy):
    e = reference_policy.explain(load_case(AFTER_CUTOFF), "damaged.first.photos")
    assert not e.matched
    assert e.failed.text == "issue.kind == damaged"
    assert [(a.path, a.value) for a in e.failed.actual] == [("issue.kind", "wrong_item")]


# --------------------------------------------------------------------------- unknown ids, JSON


def test_an_unknown_rule_id_is_one_line_with_did_you_mean(reference_policy):
    with pytest.raises(UnknownRuleError) as info:
        reference_policy.explain(load_case(AFTER_CUTOFF), "reship.smae_day")
    assert (info.value.rule, info.value.suggestion) == ("reship.smae_day", "reship.same_day")
    assert isinstance(info.value, AfterSalesError) and isinstance(info.value, LookupError)
    result = run("dry-run", str(AFTER_CUTOFF), "--rules", "rules", "--why-not", "reship.smae_day")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "policy reference has no rule 'reship.smae_day' (did you mean 'reship.same_day'?)\n"
    far = run("dry-run", str(AFTER_CUTOFF), "--rules", "rules", "--why-not", "zzz")
    assert far.stderr == "policy reference has no rule 'zzz'\n" and far.exit_code == 2


def test_json_prints_the_explanation_as_one_document():
    result = run("dry-run", str(AFTER_CUTOFF), "--rules", "rules", "--why-not", "reship.same_day", "--format", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["rule"] == "reship.same_day" and doc["matched"] is False
    assert doc["failures"][0]["text"] == "facts.opened_before_cutoff"
    assert doc["failures"][0]["location"] == {"file": "rules/policy.yaml", "line": 123, "column": 35}
    assert doc["failures"][0]["actual"] == [{"path": "opened_at", "value": "2026-07-15T21:30:00+08:00"}]
    same = Policy.load("rules")  # loaded as the command loads it: its locations name rules/ as given
    assert doc == json.loads(same.explain(load_case(AFTER_CUTOFF), "reship.same_day").model_dump_json())


# --------------------------------------------------------------------------- near misses


def test_the_text_plan_lists_near_misses_and_the_json_plan_does_not(reference_policy):
    text = run("dry-run", "--lang", "en", str(AFTER_CUTOFF), "--rules", "rules").stdout
    section = text[text.index("\nNear misses (one condition short):\n") :].splitlines()[2:]
    assert text.index("Decided by:") < text.index("Near misses")
    assert (
        "  reship.same_day (rules/policy.yaml:118): facts.opened_before_cutoff, "
        "but opened_at is 2026-07-15T21:30:00+08:00"
    ) in section
    assert (
        "  negative_review.call_back (rules/policy.yaml:89): attributes.negative_review == true: "
        "could not be decided because attributes.negative_review is unknown"
    ) in section
    assert (
        "  wrong_item.B.exchange (rules/wrong_item.yaml:168): issue.wants == exchange, but issue.wants is reship"
        in section
    )
    everything = reference_policy.explain(load_case(AFTER_CUTOFF))
    assert isinstance(everything, CaseExplanation)
    assert [line.split(" ")[2] for line in section] == [m.rule for m in everything.near_misses]
    # every near miss is of the case's kind, did not match, and failed on one condition
    for miss in everything.near_misses:
        assert miss.rule in everything.kind_rules and not miss.matched and len(miss.failures) == 1
    assert "damaged.first.photos" not in {m.rule for m in everything.near_misses}  # another kind
    plan = run("dry-run", str(AFTER_CUTOFF), "--rules", "rules", "--format", "json").stdout
    assert "Near" not in plan and json.loads(plan) == json.loads(
        reference_policy.evaluate(load_case(AFTER_CUTOFF)).to_json()
    )


def test_a_plan_without_near_misses_has_no_such_section(tmp_path):
    (tmp_path / "p.yaml").write_text(
        "policy: {name: tiny, version: '1'}\nrules:\n  - {id: all, then: {resolution: escalate}}\n", encoding="utf-8"
    )
    text = run("dry-run", "--lang", "en", str(CLI_CASE), "--rules", str(tmp_path)).stdout
    assert text.endswith("because always\n") and "Near misses" not in text


# --------------------------------------------------------------------------- agreement with durable_rules


@pytest.fixture(scope="module")
def reference_engine(reference_policy):
    engine = Engine(reference_policy.source)
    yield engine
    engine.close()


@settings(max_examples=150)
@given(data=cases())
def test_explain_matched_is_what_durable_rules_matched_for_every_rule(reference_policy, reference_engine, data):
    policy = reference_policy
    try:
        engine_matched = {r.id for r in reference_engine.match(data)[1].matched}
    except AfterSalesError as exc:
        with pytest.raises(type(exc)):
            policy.explain(data)
        return
    everything = policy.explain(data)
    assert [e.rule for e in everything.rules] == [r.id for r in policy.rules]
    for e in everything.rules:
        assert e.matched == (e.rule in engine_matched), (e.rule, e.failures)
        assert e.matched == (not e.failures)
        assert not e.applied or e.matched
    plan = policy.evaluate(data, branches=False)
    assert {t.rule for t in plan.trace} == {e.rule for e in everything.rules if e.decided}
    one = policy.rules[len(data["case_id"]) % len(policy.rules)].id  # and one rule asked for alone: the same
    assert policy.explain(data, one) == everything.rule(one)


@pytest.mark.parametrize("seed", range(6))
def test_explain_agrees_with_durable_rules_on_random_conditions(tmp_path, seed):
    rng = random.Random(1000 + seed)
    rules = [
        {
            "id": f"r{i}",
            "when": {"all": [{"issue.kind": "damaged"}, condition(rng)]},
            "then": {"steps": [{"actor": "warehouse", "action": f"x_r{i}", "text": {"zh": "x", "en": "x"}}]},
        }
        for i in range(25)
    ]
    policy_file = {"policy": {"name": "prop", "version": "1", "timezone": "Asia/Shanghai"}, "attributes": ATTRIBUTES}
    (tmp_path / "p.yaml").write_text(
        yaml.safe_dump({**policy_file, "defaults": {"resolution": "escalate"}, "rules": rules})
    )
    policy = Policy.load(tmp_path)
    engine = Engine(policy.source)
    undecided = 0
    for _ in range(40):
        case = parse_case(case_values(rng))
        fired = {r.id for r in engine.match(case)[1].matched}
        for e in policy.explain(case).rules:
            assert e.matched == (e.rule in fired), (e.rule, e.failures, case.model_dump(mode="json"))
            undecided += sum(1 for f in e.failures if f.unknown)
    engine.close()
    policy.close()
    assert undecided > 0  # unknown facts were really met
