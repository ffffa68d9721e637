"""The reference shop writes Simplified Chinese; a policy declares the languages its texts carry.

Traditional-only characters: each has a distinct Simplified form (亲/親, 这/這, 后/後 …). The table
is the characters the rewrite to Simplified replaced in rules/ and src/ (and a few more of the
same kind), so it fails on the Traditional files they were before.
"""

from __future__ import annotations

import json
import shutil

import pytest

from aftersales_rules import Policy, PolicyError
from aftersales_rules.authoring.lint import check_policy
from aftersales_rules.plan import Plan
from aftersales_rules.render import catalogue, step_text

from conftest import FIXTURES, RULES, SMALL_CASE

SRC = RULES.parent / "src"
TRADITIONAL_ONLY = set(
    "丟並亞併倉個們備價償優內兩動協問單嚴圖墊壞實寫對層幫庫張後從憑戶掃揀換損擔據攤攬數斷於時書會條櫻沒"
    "況減溝滿潤澤無營爭狀現異當發盡盤確禮節範簽約紋納細結給經繫聯與萬處號螢蠟補裝裡製規視親訂記訪設訴註詐"
    "評話認誤說調談請諾證議豐負貨責買費賠質購較輸轉辦辯這進運過達違遞適遲還郵釋銷鋪錄錯間際隨雙電響順預頻"
    "題額顯馬驗體臺點讓為預設"
)
TEXT_FILES = ("*.yaml", "*.py", "*.json", "*.md", "*.txt")
MISSING_TEXT = FIXTURES / "policies" / "lint" / "missing_text"


def traditional(text: str) -> str:
    return "".join(sorted({ch for ch in text if ch in TRADITIONAL_ONLY}))


def test_the_table_finds_the_traditional_texts_the_policy_had():
    assert traditional("親，您好！這裡是售後客服") == "後裡親這"
    assert traditional("在後台訂單備注處理方案") and traditional("快遞、貨款、運費")
    assert traditional("亲，您好！这里是售后客服；在后台订单备注处理方案；快递、货款、运费") == ""


@pytest.mark.parametrize("folder", [RULES, SRC], ids=["rules", "src"])
def test_no_traditional_only_character(folder):
    found = {}
    for pattern in TEXT_FILES:
        for path in folder.rglob(pattern):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if traditional(line):
                    found[f"{path.relative_to(folder.parent)}:{n}"] = traditional(line)
    assert found == {}


def test_the_reference_policy_is_read_in_chinese_and_english():
    policy = Policy.load(RULES)
    assert policy._source.header.languages == ["zh", "en"]


def _policy(tmp_path, languages: str | None):
    folder = tmp_path / "p"
    shutil.copytree(MISSING_TEXT, folder)
    if languages is not None:
        path = folder / "policy.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace('version: "1"}', f'version: "1", languages: {languages}}}'), encoding="utf-8")
    return folder


def _missing(folder) -> list[str]:
    return [f.message for f in check_policy(folder).findings if f.code == "missing_text"]


def test_check_reports_a_text_missing_in_a_declared_language(tmp_path):
    both = [
        "text 'apologize' has no English (en) text",
        "the message_buyer step of rule 'anything.escalate' has no Chinese (zh) text",
    ]
    assert _missing(_policy(tmp_path / "default", None)) == both
    assert _missing(_policy(tmp_path / "both", "[zh, en]")) == both
    assert _missing(_policy(tmp_path / "zh", "[zh]")) == both[1:]
    assert _missing(_policy(tmp_path / "en", "[en]")) == both[:1]


@pytest.mark.parametrize(
    ("languages", "says"),
    [
        ("[]", "at least 1"),
        ("[zh, zh]", "each language once"),
        ("[zh, zh_CN]", "'zh_CN' is not a language tag (BCP 47: a language, then a script or a region"),
        ("[zh, Chinese]", "'Chinese' is not a language tag"),
        ("zh", "list"),
    ],
)
def test_a_language_list_that_is_not_of_language_tags_is_refused(tmp_path, languages, says):
    refused = _refused(_policy(tmp_path, languages))
    assert "languages" in refused and says in refused


def _refused(folder) -> str:
    """The error of loading the policy in ``folder``."""
    with pytest.raises(PolicyError) as caught:
        Policy.load(folder)
    return str(caught.value)


def test_a_policy_may_declare_more_languages_and_check_reports_a_text_missing_in_one(tmp_path):
    folder = _policy(tmp_path, "[zh, en, zh-Hant]")
    path = folder / "policy.yaml"
    text = path.read_text(encoding="utf-8").replace("{zh: 先道歉。}", "{zh: 先道歉。, zh-Hant: 先道歉。}")
    path.write_text(text.replace("{en: We are on it.}", "{en: We are on it., zh-Hant: 馬上處理。}"), encoding="utf-8")
    policy = Policy.load(folder)
    assert policy.source.header.languages == ["zh", "en", "zh-Hant"]
    steps = policy.source.rules[0].steps
    assert [s.text.text("zh-Hant") for s in steps] == ["先道歉。", "馬上處理。"]
    assert _missing(folder) == [
        "text 'apologize' has no English (en) text",
        "the message_buyer step of rule 'anything.escalate' has no Chinese (zh) text",
    ]
    path.write_text(text, encoding="utf-8")  # the step text without zh-Hant
    assert "the message_buyer step of rule 'anything.escalate' has no (zh-Hant) text" in _missing(folder)
    assert len(_missing(folder)) == 3


def test_a_text_in_a_language_the_policy_does_not_declare_is_refused_where_it_is_written(tmp_path):
    folder = _policy(tmp_path, "[zh, en]")
    path = folder / "policy.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("{en: We are on it.}", "{en: We are on it., zh-Hant: 馬上處理。}"), encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        Policy.load(folder)
    assert "policy.yaml:13:" in str(caught.value)
    assert "unknown language 'zh-Hant' (the policy declares zh, en)" in str(caught.value)


def test_a_declared_language_s_texts_reach_the_plan_and_its_text_view(tmp_path):
    folder = _policy(tmp_path, "[zh, en, zh-Hant]")
    path = folder / "policy.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "{zh: 先道歉。}", "{zh: 先道歉。, en: Say sorry., zh-Hant: 先道歉。}"
    )
    path.write_text(
        text.replace("{en: We are on it.}", "{en: We are on it., zh: 马上处理。, zh-Hant: 馬上處理。}"), "utf-8"
    )
    policy = Policy.load(folder)
    plan = policy.evaluate(json.loads(json.dumps(SMALL_CASE)))
    texts = [json.loads(plan.to_json())["steps"][n]["text"] for n in range(2)]
    assert texts == [
        {"zh": "先道歉。", "en": "Say sorry.", "zh-Hant": "先道歉。"},
        {"zh": "马上处理。", "en": "We are on it.", "zh-Hant": "馬上處理。"},
    ]
    assert Plan.model_validate_json(plan.to_json()) == plan  # the extra language survives a round trip
    assert step_text(catalogue("en"), plan.steps[1].text, ["zh-Hant"]) == "We are on it."
    reference = json.loads(Policy.load(RULES).evaluate(json.loads(json.dumps(SMALL_CASE))).to_json())
    assert {key for step in reference["steps"] for key in step["text"]} == {"zh", "en"}  # only what is declared


# -- a gesture's detail: one text, or one per language ---------------------------------------------------------


def _with_gesture(tmp_path, detail: str, languages: str = "[zh, en]"):
    folder = _policy(tmp_path, languages)
    path = folder / "policy.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "      steps:\n", f"      gestures:\n        - {{kind: coupon, detail: {detail}}}\n      steps:\n"
        ),
        "utf-8",
    )
    return folder


def _gesture(folder) -> dict:
    plan = Policy.load(folder).evaluate(json.loads(json.dumps(SMALL_CASE)))
    (gesture,) = json.loads(plan.to_json())["gestures"]
    return gesture


def test_a_gesture_in_each_language_reaches_the_plan_and_the_text_view_in_its_language(tmp_path):
    folder = _with_gesture(tmp_path, "{zh: 下次购物优惠券, en: a next-order coupon}")
    # the detail in the policy's first language; each text as a step text is
    assert _gesture(folder) == {
        "kind": "coupon",
        "detail": "下次购物优惠券",
        "text": {"zh": "下次购物优惠券", "en": "a next-order coupon"},
    }
    english = _with_gesture(tmp_path / "en", "{zh: 下次购物优惠券, en: a next-order coupon}", "[en, zh]")
    assert _gesture(english)["detail"] == "a next-order coupon"
    from aftersales_rules.render import render_text

    plan = Policy.load(folder).evaluate(json.loads(json.dumps(SMALL_CASE)))
    assert "coupon: a next-order coupon" in render_text(plan, language="en")
    assert "下次购物优惠券" not in render_text(plan, language="en")
    assert "下次购物优惠券" in render_text(plan, language="zh")


def test_a_gesture_with_one_text_shows_it_in_every_language(tmp_path):
    assert _gesture(_with_gesture(tmp_path, "a next-order coupon")) == {
        "kind": "coupon",
        "detail": "a next-order coupon",
        "text": None,
    }


def test_check_reports_a_gesture_text_missing_in_a_declared_language(tmp_path):
    folder = _with_gesture(tmp_path, "{en: a next-order coupon}")
    assert "the coupon gesture of rule 'anything.escalate' has no Chinese (zh) text" in _missing(folder)


@pytest.mark.parametrize(
    ("detail", "says"),
    [
        ('{zh: "优惠券 {order.order_id}", en: "coupon {order.order_id}"}', "it cannot show '{order.order_id}'"),
        ("{zh: 优惠券, fr: bon}", "unknown language 'fr'"),
        ("''", "a gesture's detail must be non-empty text"),
        ("$nothing", "nothing"),
    ],
)
def test_a_gesture_text_that_cannot_be_shown_is_refused_where_it_is_written(tmp_path, detail, says):
    refused = _refused(_with_gesture(tmp_path, detail))
    assert "policy.yaml:12:" in refused and says in refused


def test_the_reference_policy_s_gestures_are_in_chinese_and_english():
    for name in ("wrong_item.yaml", "damaged.yaml"):
        assert "detail: {zh: " in (RULES / name).read_text(encoding="utf-8")
