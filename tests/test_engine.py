"""Evaluation: the conflict policy, derived facts, what-if branches, purity, sessions, threads, versions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from aftersales_rules import ConflictError, EvaluationError, Policy, load_case

from conftest import SMALL_CASE, changed

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

CASE = SMALL_CASE


def step(action: str, stage: str = "resolve") -> dict:
    return {"actor": "customer_service", "action": action, "stage": stage, "text": {"zh": action, "en": action}}


def make_policy(tmp_path: Path, rules: list, name: str = "t", version: str = "1", **extra) -> Policy:
    folder = tmp_path / f"{name}-{version}"
    folder.mkdir()
    doc = {"policy": {"name": name, "version": version, "timezone": "Asia/Shanghai"}, **extra, "rules": rules}
    (folder / "policy.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return Policy.load(folder)


def case(**changes) -> dict:
    return changed(CASE, **changes)


# --------------------------------------------------------------------------- conflict policy


def test_higher_priority_wins_each_output(tmp_path):
    policy = make_policy(
        tmp_path,
        [
            {"id": "base", "then": {"resolution": "explain", "refund": {"lines": ["goods"], "release": "immediately"}}},
            {
                "id": "over",
                "priority": 5,
                "when": {"issue.wants": "return"},
                "then": {"resolution": "return_and_refund"},
            },
        ],
    )
    plan = policy.evaluate(case())
    assert plan.resolution == "return_and_refund"
    assert str(plan.refund.total) == "299.00"  # refund still from 'base': nothing overrides it
    assert {t.rule: t.decided for t in plan.trace} == {
        "base": ["refund.lines", "refund.release"],
        "over": ["resolution"],
    }


def test_equal_priority_different_values_is_a_conflict(tmp_path):
    policy = make_policy(
        tmp_path,
        [
            {"id": "a", "then": {"resolution": "explain"}},
            {"id": "b", "when": {"issue.kind": "damaged"}, "then": {"resolution": "decline"}},
        ],
    )
    with pytest.raises(ConflictError) as err:
        policy.evaluate(case())
    assert err.value.rules == ("a", "b") and err.value.output == "resolution"
    assert "both decide resolution at priority 0, differently" in str(err.value)


def test_equal_priority_same_value_is_no_conflict(tmp_path):
    policy = make_policy(
        tmp_path,
        [
            {"id": "a", "then": {"resolution": "explain"}},
            {"id": "b", "when": {"issue.kind": "damaged"}, "then": {"resolution": "explain"}},
        ],
    )
    plan = policy.evaluate(case())
    assert [t.rule for t in plan.trace] == ["a", "b"]


def test_group_applies_only_its_best_match(tmp_path):
    policy = make_policy(
        tmp_path,
        [
            {"id": "plan.a", "group": "plan", "priority": 1, "then": {"resolution": "explain", "steps": [step("x_a")]}},
            {
                "id": "plan.b",
                "group": "plan",
                "priority": 2,
                "when": {"issue.wants": "return"},
                "then": {"resolution": "return_and_refund", "steps": [step("x_b")]},
            },
            {"id": "always", "then": {"steps": [step("x_always", "close")]}},
        ],
    )
    plan = policy.evaluate(case())
    assert plan.resolution == "return_and_refund"
    assert [s.action for s in plan.steps] == ["x_b", "x_always"]  # plan.a's steps do not leak in
    plan = policy.evaluate(case(issue__wants="keep"))
    assert [s.action for s in plan.steps] == ["x_a", "x_always"]


def test_group_tie_is_a_conflict(tmp_path):
    policy = make_policy(
        tmp_path,
        [
            {"id": "g.a", "group": "g", "then": {"resolution": "explain"}},
            {"id": "g.b", "group": "g", "then": {"resolution": "decline"}},
        ],
    )
    with pytest.raises(ConflictError, match="of group 'g' both match at priority 0"):
        policy.evaluate(case())


def test_no_resolution_and_no_default_is_an_error(tmp_path):
    policy = make_policy(tmp_path, [{"id": "s", "then": {"steps": [step("x_s")]}}])
    with pytest.raises(EvaluationError, match="no rule decided a resolution for case T-1"):
        policy.evaluate(case())
    policy = make_policy(
        tmp_path, [{"id": "s", "then": {"steps": [step("x_s")]}}], version="2", defaults={"resolution": "escalate"}
    )
    assert policy.evaluate(case()).resolution == "escalate"


def test_steps_order_by_stage_then_load_order_and_repeat_once(tmp_path):
    policy = make_policy(
        tmp_path,
        [
            {"id": "late", "then": {"resolution": "explain", "steps": [step("note_order", "close"), step("x_one")]}},
            {"id": "early", "then": {"steps": [step("message_buyer", "intake"), step("x_one")]}},
        ],
    )
    plan = policy.evaluate(case())
    assert [(s.seq, s.action) for s in plan.steps] == [(1, "message_buyer"), (2, "x_one"), (3, "note_order")]


# --------------------------------------------------------------------------- derived facts


def test_rules_read_facts_other_rules_set(tmp_path):
    policy = make_policy(
        tmp_path,
        [
            {
                "id": "confirm",
                "priority": 1,
                "when": {"evidence.outbound_check": "error_confirmed"},
                "then": {"set": {"error": "confirmed"}},
            },
            {
                "id": "refute",
                "priority": 1,
                "when": {"evidence.outbound_check": "no_error_found"},
                "then": {"set": {"error": "refuted"}},
            },
            {"id": "decide.confirmed", "when": {"facts.error": "confirmed"}, "then": {"resolution": "reship"}},
            {"id": "decide.other", "when": {"facts.error": {"is_not": "confirmed"}}, "then": {"resolution": "decline"}},
        ],
        facts={"error": {"type": "enum", "values": ["confirmed", "refuted", "unverified"], "default": "unverified"}},
    )
    assert [r.stratum for r in policy.rules] == [0, 0, 1, 1]
    assert policy.evaluate(case(evidence={"outbound_check": "error_confirmed"})).resolution == "reship"
    assert policy.evaluate(case(evidence={"outbound_check": "no_error_found"})).resolution == "decline"
    plan = policy.evaluate(case())
    assert plan.resolution == "decline"
    assert plan.awaiting == ["evidence.outbound_check"]
    assert [(b.when, b.resolution) for b in plan.branches] == [
        ({"evidence.outbound_check": "error_confirmed"}, "reship"),
        ({"evidence.outbound_check": "no_error_found"}, "decline"),
    ]


def test_named_conditions_show_in_the_trace(tmp_path):
    policy = make_policy(
        tmp_path,
        [
            {"id": "late", "when": {"facts.after_cutoff": True}, "then": {"resolution": "explain"}},
            {"id": "early", "when": {"facts.after_cutoff": False}, "then": {"resolution": "reship"}},
        ],
        values={"cutoff": "20:00"},
        facts={"after_cutoff": {"when": {"opened_at": {"on_or_after": {"day_of": "opened_at", "at": "$cutoff"}}}}},
    )
    plan = policy.evaluate(case(opened_at="2026-07-15T20:00:00+08:00"))
    assert plan.resolution == "explain" and plan.trace[0].because == ["facts.after_cutoff"]
    plan = policy.evaluate(case(opened_at="2026-07-15T19:59:59+08:00"))
    assert plan.resolution == "reship" and plan.trace[0].because == ["not facts.after_cutoff"]


# --------------------------------------------------------------------------- money and moments


def test_refund_lines_caps_and_the_paid_bound(tmp_path):
    policy = make_policy(
        tmp_path,
        [
            {
                "id": "r",
                "then": {
                    "resolution": "partial_refund",
                    "refund": {
                        "release": "on_agreement",
                        "lines": [
                            {"component": "partial", "amount": {"percent": 12.5, "of": "affected.goods"}},
                            {"component": "partial", "amount": "500.00", "cap": {"min": ["order.profit", "100.00"]}},
                            {"component": "original_shipping"},
                            {"component": "price_difference", "amount": "1000.00"},
                        ],
                    },
                },
            },
        ],
    )
    plan = policy.evaluate(case())
    amounts = [(line.component, str(line.amount)) for line in plan.refund.lines]
    # 37.38 (12.5% of 299 half-up) + 100 (capped) + 15 + cut back to what was paid: 299 + 15
    assert amounts == [
        ("partial", "37.38"),
        ("partial", "100.00"),
        ("original_shipping", "15.00"),
        ("price_difference", "161.62"),
    ]
    assert str(plan.refund.total) == "314.00" and str(plan.refund.capped_at) == "314.00"


def test_unknown_amounts_are_pending_not_guessed(tmp_path):
    policy = make_policy(
        tmp_path,
        [
            {
                "id": "r",
                "then": {
                    "resolution": "return_and_refund",
                    "return_leg": {"advanced_by": "buyer", "borne_by": "seller"},
                    "refund": {"lines": ["goods", "return_postage"], "release": "on_return_at_hub"},
                },
            },
        ],
    )
    plan = policy.evaluate(case())
    assert str(plan.refund.total) == "299.00" and plan.refund.pending == ["return_postage"]
    assert plan.postage.return_leg.amount is None
    plan = policy.evaluate(case(progress={"return_shipment": {"postage_paid": "12.00", "status": "at_hub"}}))
    assert str(plan.refund.total) == "311.00" and plan.refund.pending == []
    assert str(plan.postage.return_leg.amount) == "12.00"


def test_due_times_are_in_the_policy_time_zone(tmp_path):
    policy = make_policy(
        tmp_path,
        [
            {
                "id": "r",
                "then": {
                    "resolution": "reship",
                    "steps": [
                        {**step("reship"), "due": {"next": "20:00", "after": "opened_at"}},
                        {
                            **step("message_buyer"),
                            "due": {"from": "opened_at", "plus": "20s"},
                            "text": {"zh": "請在 {due_by} 前回覆", "en": "Reply by {due_by}, order {order.order_id}"},
                        },
                    ],
                },
            },
        ],
    )
    # opened 13:30 UTC = 21:30 in Shanghai: past 20:00 there, so tomorrow 20:00
    plan = policy.evaluate(case(opened_at="2026-07-15T13:30:00+00:00"))
    assert plan.steps[0].due_by.isoformat() == "2026-07-16T20:00:00+08:00"
    assert plan.steps[1].due_by.isoformat() == "2026-07-15T21:30:20+08:00"
    assert plan.steps[1].text.en == "Reply by 2026-07-15 21:30, order O-1"


def test_effective_dates(tmp_path):
    policy = make_policy(tmp_path, [{"id": "r", "then": {"resolution": "explain"}}])
    folder = tmp_path / "dated"
    folder.mkdir()
    (folder / "p.yaml").write_text(
        yaml.safe_dump(
            {
                "policy": {
                    "name": "d",
                    "version": "1",
                    "effective_from": "2026-08-01",
                    "effective_until": "2026-08-31",
                },
                "rules": [{"id": "r", "then": {"resolution": "explain"}}],
            }
        )
    )
    dated = Policy.load(folder)
    with pytest.raises(EvaluationError, match="before policy d 1 takes effect"):
        dated.evaluate(case())
    assert dated.evaluate(case(opened_at="2026-08-31T23:00:00+08:00")).resolution == "explain"
    with pytest.raises(EvaluationError, match="after policy d 1 ended"):
        dated.evaluate(case(opened_at="2026-09-01T00:00:00+08:00"))
    assert policy.evaluate(case()).policy.effective_from is None


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago", None])
def test_effective_dates_are_days_in_the_shops_zone_at_every_offset(tmp_path, zone):
    """Near either end of a policy's dates, every offset a case may give: accepted exactly when its day in the
    shop's zone (its own offset's, when the policy names no zone) is within the dates."""
    header = {"name": "d", "version": "1", "effective_from": "2026-08-01", "effective_until": "2026-08-31"}
    if zone:
        header["timezone"] = zone
    (tmp_path / "p.yaml").write_text(
        yaml.safe_dump({"policy": header, "rules": [{"id": "r", "then": {"resolution": "explain"}}]})
    )
    dated = Policy.load(tmp_path)
    start, end = date(2026, 8, 1), date(2026, 8, 31)
    for first in (datetime(2026, 7, 29, tzinfo=UTC), datetime(2026, 8, 29, tzinfo=UTC)):
        for hours in range(5 * 24):
            for offset in (-12, -5, 0, 5.75, 14):
                at = (first + timedelta(hours=hours)).astimezone(timezone(timedelta(hours=offset)))
                day = at.astimezone(ZoneInfo(zone) if zone else at.tzinfo).date()
                if start <= day <= end:
                    assert dated.evaluate(case(opened_at=at.isoformat()), branches=False).resolution == "explain"
                    continue
                with pytest.raises(EvaluationError, match="before policy d 1 takes effect" if day < start else "ended"):
                    dated.evaluate(case(opened_at=at.isoformat()), branches=False)


# --------------------------------------------------------------------------- purity, sessions, threads, versions


@pytest.mark.slow
def test_same_inputs_give_byte_identical_json(reference_policy, root):
    for path in sorted((root / "examples").glob("*.yaml")):
        c = load_case(path)
        first = reference_policy.evaluate(c).to_json()
        assert reference_policy.evaluate(c.model_dump(mode="json")).to_json() == first
        assert Policy.load(root / "rules").evaluate(c).to_json() == first


def test_two_versions_side_by_side(tmp_path, root):
    import shutil

    shutil.copytree(root / "rules", tmp_path / "v2", ignore=shutil.ignore_patterns("tests"))
    policy_yaml = tmp_path / "v2" / "policy.yaml"
    text = policy_yaml.read_text(encoding="utf-8")
    policy_yaml.write_text(
        text.replace('version: "2026.11"', 'version: "2026.12"').replace("no_reason_days: 7 ", "no_reason_days: 15 "),
        encoding="utf-8",
    )
    v1 = Policy.load(root / "rules")
    v2 = Policy.load(tmp_path / "v2")
    day_ten = load_case(root / "examples" / "return_no_reason_outside_window.yaml").model_dump(mode="json")
    day_ten["opened_at"] = "2026-03-11T10:00:00+08:00"
    for _ in range(3):  # interleaved: neither version disturbs the other
        assert v1.evaluate(day_ten).resolution == "decline"
        assert v2.evaluate(day_ten).resolution == "return_and_refund"
    assert (v1.evaluate(day_ten).policy.version, v2.evaluate(day_ten).policy.version) == ("2026.11", "2026.12")


def test_a_closed_policy_refuses_to_evaluate(tmp_path):
    policy = make_policy(tmp_path, [{"id": "r", "then": {"resolution": "explain"}}])
    policy.close()
    policy.close()  # idempotent
    with pytest.raises(EvaluationError, match="closed"):
        policy.evaluate(case())


def test_a_derived_fact_no_rule_of_the_kind_sets_keeps_its_default(tmp_path):
    policy = make_policy(
        tmp_path,
        [
            {"id": "setter", "when": {"issue.kind": "wrong_item"}, "then": {"set": {"flag": True}}},
            {"id": "reader", "when": {"facts.flag": False}, "then": {"resolution": "explain"}},
        ],
        facts={"flag": {"type": "bool", "default": False}},
        defaults={"resolution": "escalate"},
    )
    assert policy.evaluate(case()).resolution == "explain"  # damaged: nothing sets flag
    wrong = case(issue={"kind": "wrong_item"})
    assert policy.evaluate(wrong).resolution == "escalate"
