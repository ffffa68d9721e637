"""Shared values in step texts (issue 10 point 8): `{values.x}`, `{values.x:zh}`, and check's `spelled_value`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aftersales_rules import Policy, PolicyError
from aftersales_rules.authoring.lint import check_policy
from aftersales_rules.language.texts import chinese_number
from aftersales_rules.loader import load_document

from conftest import EXAMPLES, RULES


def rules_copy(tmp_path: Path, days: int) -> Path:
    out = tmp_path / f"rules{days}"
    shutil.copytree(RULES, out, ignore=shutil.ignore_patterns("tests"))
    policy = out / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    assert "  no_reason_days: 7 " in text
    policy.write_text(text.replace("  no_reason_days: 7 ", f"  no_reason_days: {days} "), encoding="utf-8")
    return out


def late_case(example: str, opened_at: str) -> dict:
    data = load_document(EXAMPLES / example).data
    return {**data, "opened_at": opened_at}


def decline_text(policy: Policy, case: dict) -> tuple[str, str]:
    plan = policy.evaluate(case)
    assert plan.resolution == "decline"
    (step,) = [s for s in plan.steps if s.action == "decline_with_reason"]
    assert step.text.zh is not None and step.text.en is not None
    return step.text.zh, step.text.en


# signed for on 1 March; opened on the 20th: outside a 7-day and a 15-day window alike
RETURN = late_case("return_no_reason_outside_window.yaml", "2026-03-20T10:00:00+08:00")


def test_widening_the_window_changes_what_the_buyer_is_told(tmp_path, reference_policy):
    zh, en = decline_text(reference_policy, RETURN)
    assert "the 7-day no-reason return" in en and zh.startswith("礼貌说明：七天无理由退货") and "超过七天" in zh
    zh, en = decline_text(Policy.load(rules_copy(tmp_path, 15)), RETURN)
    assert "the 15-day no-reason return" in en and "7-day" not in en
    assert zh.startswith("礼貌说明：十五天无理由退货") and "这单已经超过十五天，" in zh and "七" not in zh


def test_the_refund_request_decline_follows_the_window_too(tmp_path):
    data = load_document(EXAMPLES / "refund_request_outside_window_declined.yaml").data
    case = {**data, "opened_at": "2026-12-30T10:00:00+08:00"}
    zh, en = decline_text(Policy.load(rules_copy(tmp_path, 30)), case)
    assert "(past the 30-day no-reason window)" in en and "（已超过三十天无理由期限）" in zh


def test_the_law_s_own_seven_days_stay_whatever_the_window(tmp_path):
    """Custom-made goods are excluded from the statutory 七天无理由 return: that text names the law, not the value."""
    case = load_document(EXAMPLES / "return_custom_made_declined.yaml").data
    zh, _ = decline_text(Policy.load(rules_copy(tmp_path, 15)), case)
    assert "依法不适用七天无理由退货" in zh


@pytest.mark.parametrize(
    "n, zh",
    [(0, "零"), (2, "二"), (7, "七"), (10, "十"), (15, "十五"), (30, "三十"), (105, "一百零五"), (2010, "二千零一十")],
)
def test_whole_numbers_in_chinese_numerals(n, zh):
    assert chinese_number(n) == zh


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "policy.yaml").write_text(
        'policy: {name: p, version: "1"}\nvalues:\n  days: 7\n  limit: "30.00"\n  brace: "{x}"\n' + text, "utf-8"
    )
    return tmp_path


def one_step(tmp_path: Path, zh: str, en: str = "x") -> tuple[str | None, str | None]:
    write(
        tmp_path,
        f"rules:\n  - id: r\n    then:\n      resolution: explain\n      steps:\n"
        f"        - {{actor: buyer, action: x_read, text: {{zh: '{zh}', en: '{en}'}}}}\n",
    )
    plan = Policy.load(tmp_path).evaluate(
        {
            "case_id": "C",
            "opened_at": "2026-07-15T14:05:00+08:00",
            "order": {"order_id": "O", "items": [{"sku": "S", "unit_price": "1.00"}]},
            "issue": {"kind": "damaged"},
        }
    )
    return plan.steps[0].text.zh, plan.steps[0].text.en


def test_values_are_shown_as_written_and_braces_stay_literal(tmp_path):
    zh, en = one_step(
        tmp_path, "{values.days:zh}天，{values.days} 天", "up to {values.limit}, {{values.days}} {values.brace}"
    )
    assert zh == "七天，7 天"
    assert en == "up to 30.00, {values.days} {x}"


@pytest.mark.parametrize(
    "zh, code, message, suggestion",
    [
        ("{values.dayz}", "unknown_placeholder", "unknown placeholder '{values.dayz}' in text", "values.days"),
        ("{value.days}", "unknown_placeholder", "unknown placeholder '{value.days}' in text", "values.days"),
        ("{values.days:roman}", "unknown_placeholder", "unknown format ':roman' of '{values.days:roman}'", None),
        ("{values.limit:zh}", "invalid_value", "'{values.limit:zh}': only a whole number is shown", None),
    ],
)
def test_a_wrong_value_placeholder_is_refused_at_load(tmp_path, zh, code, message, suggestion):
    with pytest.raises(PolicyError) as exc:
        one_step(tmp_path, zh)
    (problem,) = [p for p in exc.value.problems if p.code != "unused_definition"]
    assert (problem.code, problem.suggestion) == (code, suggestion) and problem.message.startswith(message)


def test_a_shared_text_shows_values_and_uses_them(tmp_path):
    write(
        tmp_path,
        "texts:\n  late: {zh: '{values.days:zh}天', en: '{values.days} days'}\n"
        "rules:\n  - id: r\n    then:\n      resolution: explain\n"
        "      steps: [{actor: buyer, action: x_read, text: $late}]\n",
    )
    policy = Policy.load(tmp_path)
    (step,) = policy.rules[0].steps
    assert (step.text.zh, step.text.en) == ("七天", "7 days")
    unused = [f.message for f in check_policy(tmp_path).findings if f.code == "unused_definition"]
    assert unused == ["shared value 'limit' is never used", "shared value 'brace' is never used"]


# ----------------------------------------------------------------------------- check: spelled_value


def test_the_reference_policy_spells_no_value_its_rules_use():
    assert [f for f in check_policy(RULES).findings if f.code == "spelled_value"] == []


def test_the_reference_texts_as_they_were_are_reported_and_the_law_s_are_not(tmp_path, monkeypatch):
    old = tmp_path / "old"
    shutil.copytree(RULES, old, ignore=shutil.ignore_patterns("tests"))
    for name in ("refund_request.yaml", "return_request.yaml"):
        path = old / name
        text = path.read_text(encoding="utf-8")
        text = text.replace("{values.no_reason_days:zh}", "七").replace("{values.no_reason_days}", "7")
        path.write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    found = [(f.location.file, f.location.line, f.message.split(" text of ")[0]) for f in check_policy("old").findings]
    assert found == [
        ("old/refund_request.yaml", 83, "the en"),
        ("old/refund_request.yaml", 83, "the zh"),
        ("old/return_request.yaml", 77, "the en"),
        ("old/return_request.yaml", 77, "the zh"),
    ]
