"""A text plan wholly in one language: ``aftersales dry-run CASE --lang zh|en`` (issue 11, point 2).

Done when: for every example (and every case of the marketplace policy) ``--lang zh`` prints no English
word of the tool's own, only words the policy or the case owns (derived below from the policy and the
case, not listed per example), and ``--lang en`` no Chinese character outside them; the JSON is the
same whatever the language; the language defaults to the locale's, else the policy's first declared one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from aftersales_rules import Policy
from aftersales_rules.cli import cli
from aftersales_rules.language.conditions import FactRef, Test, walk
from aftersales_rules.language.wording import policy_wording
from aftersales_rules.loader import load_document
from aftersales_rules.plan import Plan
from aftersales_rules.render import (
    catalogue,
    choose_language,
    languages,
    locale_language,
    render_explanation,
    render_text,
)
from aftersales_rules.vocabulary import ENUMERATIONS

from conftest import EXAMPLES, FIXTURES, ROOT, RULES

MARKETPLACE = ROOT / "examples" / "policies" / "marketplace"
CASES = [(RULES, p) for p in sorted(EXAMPLES.glob("*.yaml"))] + [
    (MARKETPLACE, p) for p in sorted((MARKETPLACE / "cases").glob("*.yaml"))
]
CLI_RULES = FIXTURES / "policies" / "cli"
CLI_CASE = FIXTURES / "cases" / "wrong_item_return.yaml"
WORD = re.compile(r"[A-Za-z_]+")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
VOCABULARY = {v for values in ENUMERATIONS.values() for v in values}
ESCAPES = re.compile(r"\x1b\[")


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner(env=env).invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def policies() -> dict[Path, Policy]:
    return {RULES: Policy.load(RULES), MARKETPLACE: Policy.load(MARKETPLACE)}


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [str(value)] if value is not None and not isinstance(value, bool) else []


def owned(policy: Policy, case: Any, plan: Plan) -> list[str]:
    """What the policy and the case own, shown as they wrote it: ids, sources, names, their own values."""
    source = policy.source
    out = [plan.case_id, plan.policy.name, plan.policy.version, plan.policy.digest]
    out += [s for s in _strings(case) if s not in VOCABULARY]  # ids, SKUs, times, texts; not a kind or a want
    for rule in source.rules:
        out += [rule.id, rule.source, rule.where, rule.group or ""]  # where: the file as the policy was given
        for node in walk(rule.when):  # what a condition compares a fact with, but a value of the vocabulary
            if isinstance(node, Test) and not isinstance(node.value, FactRef):
                values = _strings(list(node.value) if isinstance(node.value, tuple) else node.value)
                out += [v for v in values if v not in VOCABULARY]
    own = {path: fact for path, fact in source.scope.facts.items() if path.split(".")[0] in ("attributes", "facts")}
    out += [*own, *(v for fact in own.values() for v in _strings(list(fact.values)))]  # and the values it declares
    out += [f"facts.{name}" for name in source.scope.condition_facts]
    out += [path for path in source.scope.facts if path.startswith("items.")]
    out += [kind for kind in source.scope.facts["issue.kind"].values if kind.startswith("x_")]
    out += [g.detail for g in plan.gestures]  # a gesture's detail is the policy's text, in one language
    out += [s.action for s in plan.steps if s.action.startswith("x_")]
    out += [line.component for line in plan.compensation.lines if line.component.startswith("x_")]
    out += [t for s in plan.steps for t in (s.text.zh, s.text.en) if t]  # a text shown in the policy's language
    return out


def _text(policy: Policy, case_file: Path, language: str) -> tuple[str, Plan, Any]:
    doc = load_document(case_file)
    plan = policy.evaluate(doc.data, document=doc)
    wording = policy_wording(policy.source, language)
    return render_text(plan, policy.explain(doc.data).near_misses, language=language, wording=wording), plan, doc.data


@pytest.mark.parametrize("rules, case_file", CASES, ids=lambda v: v.name)
def test_a_chinese_plan_has_no_english_word_of_the_tools_own(policies, rules, case_file):
    policy = policies[rules]
    text, plan, case = _text(policy, case_file, "zh")
    allowed = {w for s in owned(policy, case, plan) for w in WORD.findall(s)}
    foreign = sorted(set(WORD.findall(text)) - allowed)
    assert not foreign, f"English words of the tool's own in the zh text: {foreign}\n{text}"
    assert CJK.search(text)


@pytest.mark.parametrize("rules, case_file", CASES, ids=lambda v: v.name)
def test_an_english_plan_has_no_chinese_outside_what_the_policy_and_case_wrote(policies, rules, case_file):
    policy = policies[rules]
    text, plan, case = _text(policy, case_file, "en")
    for value in sorted(owned(policy, case, plan), key=len, reverse=True):
        text = text.replace(value, "")
    assert not CJK.search(text), text


@pytest.mark.parametrize("rules, case_file", CASES, ids=lambda v: v.name)
def test_the_json_is_the_same_whatever_the_language(rules, case_file):
    outputs = {
        run("dry-run", str(case_file), "--rules", str(rules), "--format", "json", "--lang", tag).stdout
        for tag in languages()
    }
    assert len(outputs) == 1 and outputs.pop().startswith("{")


@pytest.mark.parametrize(
    "example, rule",
    [
        ("wrong_item_reship_after_cutoff.yaml", "wrong_item.B.exchange"),  # failed
        ("wrong_item_reship_after_cutoff.yaml", "wrong_item.A.reship"),  # matched and won
        ("wrong_item_reship_after_cutoff.yaml", "wrong_item.B.exchange.urgent"),  # failed on three conditions
        ("wrong_item_return_awaiting_inspection.yaml", "wrong_or_missing.error.inspection_confirms"),  # undecided
        ("wrong_item_exchange_urgent.yaml", "wrong_item.B.exchange"),  # lost its group
    ],
)
def test_why_not_is_in_the_language_asked_for(policies, example, rule):
    doc = load_document(EXAMPLES / example)
    policy = policies[RULES]
    allowed = {w for s in owned(policy, doc.data, policy.evaluate(doc.data)) for w in WORD.findall(s)}
    explanation = policy.explain(doc.data, rule)
    zh = render_explanation(explanation, language="zh", wording=policy_wording(policy.source, "zh"))
    assert set(WORD.findall(zh)) <= allowed, zh
    en = render_explanation(explanation, language="en", wording=policy_wording(policy.source, "en"))
    assert not CJK.search(en) and en == render_explanation(explanation)  # in English, the words of the trace


def test_why_not_on_the_command_line_in_chinese():
    result = run(
        "dry-run",
        str(EXAMPLES / "wrong_item_reship_after_cutoff.yaml"),
        "--rules",
        str(RULES),
        "--why-not",
        "wrong_item.B.exchange",
        "--lang",
        "zh",
    )
    assert result.stdout.splitlines()[1:] == [
        "是否匹配：否",
        f"  未满足：买家诉求 为 换货（{RULES}/wrong_item.yaml:175:20），但买家诉求为 补发",  # the file as given
    ]


def test_the_trace_words_the_conditions_from_their_data():
    result = run("dry-run", str(CLI_CASE), "--rules", str(CLI_RULES), "--lang", "zh")
    lines = result.stdout.splitlines()
    assert lines[1] == "处理方式：退货退款"
    assert "      因为 问题类型 为 发错货；买家诉求 为 退货" in lines
    assert "    若为 是               → 退货退款，退款 311.00，退货运费承担方：卖家" in lines
    assert "退款：311.00 元，退货到达网点后放款" in lines
    assert "   1. 买家       寄回商品" in lines and "      寄回" in lines and "Send it back" not in result.stdout


# --------------------------------------------------------------------------- which language


def test_the_default_is_the_locales_language_else_the_policys_first(monkeypatch):
    declared = ["en", "zh"]
    assert choose_language(None, declared, {}) == "en"
    assert choose_language(None, ["zh", "en"], {}) == "zh"
    assert choose_language(None, declared, {"LANG": "zh_CN.UTF-8"}) == "zh"
    assert choose_language(None, declared, {"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_US"}) == "en"
    assert choose_language(None, declared, {"LANG": "en_US", "LC_ALL": "zh_CN.GB18030"}) == "zh"
    assert choose_language("en", declared, {"LC_ALL": "zh_CN"}) == "en"  # --lang wins
    for no_choice in ("C", "POSIX", "C.UTF-8", "fr_FR.UTF-8", ""):
        assert locale_language({"LANG": no_choice}) is None, no_choice
        assert choose_language(None, ["zh", "en"], {"LANG": no_choice}) == "zh"
    assert choose_language(None, ["x-klingon"], {}) == "en"  # declared, but there is no catalogue for it


def test_the_cli_follows_the_locale_and_the_policy():
    args = ("dry-run", str(CLI_CASE), "--rules", str(CLI_RULES))
    plain = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "C"}
    assert run(*args, env=plain).stdout.startswith("案件 C-CLI")  # the fixture policy declares no languages: zh first
    assert run(*args, env={**plain, "LANG": "en_GB.UTF-8"}).stdout.startswith("Case C-CLI")
    assert run(*args, "--lang", "zh", env={**plain, "LANG": "en_GB.UTF-8"}).stdout.startswith("案件 C-CLI")


def test_a_language_without_a_catalogue_is_a_usage_error_naming_those_there_are():
    result = run("dry-run", str(CLI_CASE), "--rules", str(CLI_RULES), "--lang", "fr")
    assert result.exit_code == 2 and result.stdout == ""
    assert "Invalid value for '--lang': 'fr' is not one of 'en', 'zh'." in result.stderr
    with pytest.raises(ValueError, match="no catalogue for language 'fr'; there are en, zh"):
        catalogue("fr")


def test_a_step_without_a_text_in_the_language_shows_the_policys_first_marked(tmp_path):
    (tmp_path / "p.yaml").write_text(
        "policy: {name: half, version: '1', languages: [en, zh]}\n"
        "rules:\n  - id: all\n    then:\n      resolution: escalate\n"
        "      steps: [{stage: intake, actor: customer_service, action: register_case, text: {en: Log it}}]\n",
        encoding="utf-8",
    )
    zh = run("dry-run", str(CLI_CASE), "--rules", str(tmp_path), "--lang", "zh").stdout
    assert "   1. 客服       登记案件\n      〔en〕Log it\n" in zh
    en = run("dry-run", str(CLI_CASE), "--rules", str(tmp_path), "--lang", "en").stdout
    assert "   1. CS         register the case\n      Log it\n" in en


# --------------------------------------------------------------------------- colour


def test_no_colour_when_piped():
    result = run("dry-run", str(CLI_CASE), "--rules", str(CLI_RULES), "--lang", "en", env={"FORCE_COLOR": ""})
    assert result.exit_code == 0 and not ESCAPES.search(result.stdout)


def test_colour_on_a_terminal_and_none_with_no_color_or_a_dumb_terminal():
    args = ("dry-run", str(CLI_CASE), "--rules", str(CLI_RULES), "--lang", "en")
    forced = run(*args, env={"FORCE_COLOR": "1", "NO_COLOR": "", "TERM": "xterm-256color"}).stdout
    assert ESCAPES.search(forced)
    assert re.sub(r"\x1b\[[0-9;]*m", "", forced) == run(*args, env={"FORCE_COLOR": ""}).stdout
    assert "\x1b[1;32mreturn and refund\x1b[0m" in forced  # the resolution
    assert "\x1b[35mbuyer\x1b[0m" in forced and "\x1b[36m311.00\x1b[0m" in forced  # an actor, an amount
    assert not ESCAPES.search(run(*args, env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout)
    assert not ESCAPES.search(run(*args, env={"FORCE_COLOR": "", "TERM": "dumb"}).stdout)


def test_rich_markup_in_case_text_prints_as_written(tmp_path):
    case = CLI_CASE.read_text(encoding="utf-8").replace("sku: TEAK-STOOL-40", "sku: '[bold]X[/bold]'")
    path = tmp_path / "c.yaml"
    path.write_text(case, encoding="utf-8")
    args = ("dry-run", str(path), "--rules", str(CLI_RULES), "--lang", "en")
    for env in ({"FORCE_COLOR": "1", "NO_COLOR": "", "TERM": "xterm"}, {"FORCE_COLOR": ""}):
        out = run(*args, env=env).stdout
        assert "[bold]X[/bold]" in re.sub(r"\x1b\[[0-9;]*m", "", out)
