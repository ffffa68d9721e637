"""Every value a message quotes is cut to a readable length (issue 9, point 9).

A message names a value from a case, a rule file or a tests file only through
``errors.quoted`` or ``errors.cut``, which keep ``MAX_QUOTED`` characters of it. Here a
500,000-character value is fed to each place such a value comes from (a case field or key,
an attribute, a rule file's scalar or key, a tests file's expectation, name or case path),
through the library and through the command line, and every line printed stays short.
"""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from aftersales_rules import AfterSalesError, Policy
from aftersales_rules.authoring.policytests import load_tests, run_tests
from aftersales_rules.cli import cli
from aftersales_rules.cli.policy_test import format_report
from aftersales_rules.errors import MAX_QUOTED, cut, quoted
from aftersales_rules.loader import parse_document

from conftest import RULES, SMALL_CASE, changed

HUGE = "x" * 500_000
SHORT = 500  # a line with a location, a message and two cut values fits in this


def _longest(text: str) -> int:
    return max((len(line) for line in text.splitlines()), default=0)


def _error_text(action) -> str:
    with pytest.raises(AfterSalesError) as caught:
        action()
    return str(caught.value)


def _case(**changes: Any) -> dict[str, Any]:
    return changed(SMALL_CASE, **changes)


def test_cut_keeps_short_values_and_cuts_long_ones() -> None:
    assert cut("abc") == "abc" and quoted("abc") == "'abc'"
    assert cut("y" * MAX_QUOTED) == "y" * MAX_QUOTED
    assert cut(HUGE) == "x" * MAX_QUOTED + "..."
    assert quoted(HUGE) == "'" + "x" * MAX_QUOTED + "...'"


# ----------------------------------------------------------------------------- cases

CASES = {
    "case_id": _case(case_id=HUGE),
    "sku": _case(order__items=[{"sku": HUGE, "unit_price": "1.00"}]),
    "time": _case(opened_at=HUGE),
    "amount": _case(order__items=[{"sku": "A", "unit_price": HUGE}]),
    "amount as digits": _case(order__shipping_fee="9" * 500_000),
    "negative amount": _case(order__shipping_fee="-" + "9" * 400_000),
    "currency": _case(order__currency=HUGE),
    "enum": _case(issue__kind=HUGE),
    "requested amount": _case(issue__requested_amount=HUGE),
    "unknown key": {**_case(), HUGE: 1},
    "unknown nested key": _case(issue={"kind": "damaged", HUGE: 1}),
    "attribute name": _case(attributes={HUGE: True}),
    "attribute value": _case(attributes={"custom_made": HUGE}),
    "attribute of the wrong type": _case(attributes={"custom_made": HUGE[:4000]}),
    "affected sku": _case(issue__items=[{"sku": HUGE[:199]}]),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_huge_case_value_is_cut_in_every_line(reference_policy: Policy, case: dict) -> None:
    assert _longest(_error_text(lambda: reference_policy.evaluate(case))) <= SHORT


CASE_FILES = {
    "value": f"case_id: {HUGE}\n",
    "key": f"? {HUGE}\n: 1\n",
    "duplicate key": f"? {HUGE}\n: 1\n? {HUGE}\n: 2\n",
    "tag": f"case_id: !{HUGE[:1000]} 1\n",
    "number": f"case_id: !!int {HUGE}\n",
    "float": f"case_id: !!float {HUGE}\n",
}


@pytest.mark.parametrize("text", CASE_FILES.values(), ids=CASE_FILES.keys())
def test_a_huge_value_in_a_case_file_is_cut_by_dry_run(tmp_path: Path, text: str) -> None:
    (tmp_path / "case.yaml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["dry-run", str(tmp_path / "case.yaml"), "--rules", str(RULES)])
    assert result.exit_code == 1
    assert result.stderr and _longest(result.stderr) <= SHORT


def test_a_huge_value_is_cut_in_batch_records_and_diff_lines(tmp_path: Path) -> None:
    lines = [json.dumps(case) for case in CASES.values()] + ["{" + HUGE]
    (tmp_path / "cases.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    runner = CliRunner()
    runner.invoke(cli, ["batch", str(tmp_path / "cases.jsonl"), "--out", str(tmp_path / "plans.jsonl")])
    records = [json.loads(line) for line in (tmp_path / "plans.jsonl").read_text("utf-8").splitlines()]
    assert len(records) == len(lines) and all("error" in r for r in records)
    assert max(_longest(r["error"]) for r in records) <= SHORT
    assert max(len(p["message"]) for r in records for p in r["problems"]) <= SHORT
    diff = runner.invoke(cli, ["diff", str(RULES), str(RULES), str(tmp_path / "cases.jsonl")])
    assert diff.exit_code == 0, diff.output
    assert _longest(diff.stdout) <= SHORT


# ----------------------------------------------------------------------------- rule files

BASE = {"policy": {"name": "p", "version": "1"}, "defaults": {"resolution": "escalate"}}
STEP = {"stage": "resolve", "actor": "customer_service", "action": "message_buyer", "text": {"zh": "x", "en": "y"}}


def _policy(when: Any = None, then: Any = None, **sections: Any) -> dict[str, Any]:
    rule = {"id": "r", "when": when or {"issue.kind": "damaged"}, "then": then or {"resolution": "explain"}}
    return {**BASE, **sections, "rules": [rule]}


POLICIES = {
    "enum value": _policy({"issue.kind": HUGE}),
    "list of values": _policy({"issue.kind": {"in": [HUGE]}}),
    "unknown fact": _policy({HUGE: 1}),
    "unknown attribute": _policy({"attributes." + HUGE: 1}),
    "unknown test": _policy({"issue.kind": {HUGE: 1}}),
    "amount": _policy({"order.shipping_fee": {"above": HUGE}}),
    "true or false": _policy({"customer.urgent": HUGE}),
    "whole number": _policy({"customer.urgent": {"known": HUGE}}),
    "resolution": _policy(then={"resolution": HUGE}),
    "set": _policy(then={"set": {HUGE: True}}),
    "action": _policy(then={"resolution": "explain", "steps": [{**STEP, "action": HUGE}]}),
    "text reference": _policy(then={"resolution": "explain", "steps": [{**STEP, "text": "$" + HUGE}]}),
    "text language": _policy(texts={"t": {HUGE: "x"}}),
    "placeholder": _policy(texts={"t": {"zh": "{" + HUGE + "}", "en": "x"}}),
    "refund formula": _policy(
        then={"resolution": "explain", "refund": {"lines": [{"component": "goods", "amount": {HUGE: 1}}]}}
    ),
    "refund fact": _policy(
        then={"resolution": "explain", "refund": {"lines": [{"component": "goods", "amount": HUGE}]}}
    ),
    "rule id": {**BASE, "rules": [{"id": HUGE, "when": {"issue.kind": "damaged"}, "then": {"resolution": "explain"}}]},
    "group": {**BASE, "rules": [{"id": "r", "group": HUGE, "then": {"resolution": "explain"}}]},
    "section": {**BASE, HUGE: 1},
    "policy name": {**BASE, "policy": {"name": HUGE, "version": "1"}},
    "attribute": _policy(attributes={HUGE: {"type": "text"}}),
    "attribute type": _policy(attributes={"a": {"type": HUGE}}),
    "attribute values": _policy(attributes={"a": {"type": "enum", "values": [HUGE]}}),
    "shared value": _policy(values={"v": [HUGE]}),
    "moment": _policy({"opened_at": {"before": {"from": "order.delivered_at", "plus": HUGE}}}),
    "moment fact": _policy({"opened_at": {"before": {"from": HUGE, "plus": "1d"}}}),
    "time zone": {**BASE, "policy": {"name": "p", "version": "1", "timezone": HUGE[:300]}},
    "derived fact default": _policy(facts={"f": {"type": "bool", "default": HUGE}}),
}


@pytest.mark.parametrize("policy", POLICIES.values(), ids=POLICIES.keys())
def test_a_huge_rule_file_value_is_cut_in_every_line(tmp_path: Path, policy: dict) -> None:
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(policy, width=10**7), encoding="utf-8")
    assert _longest(_error_text(lambda: Policy.load(tmp_path))) <= SHORT
    result = CliRunner().invoke(cli, ["check", str(tmp_path)])
    assert result.exit_code == 1 and _longest(result.output) <= SHORT


def test_a_huge_scalar_in_a_rule_file_is_cut_by_the_loader() -> None:
    for text in (f"a: !!int {HUGE}\n", f"a: !!float {HUGE}\n", f"a: !{HUGE[:1000]} 1\n"):
        assert _longest(_error_text(lambda text=text: parse_document(text, "policy.yaml"))) <= SHORT


# ----------------------------------------------------------------------------- tests files


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    shutil.copytree(RULES.parent / "examples", tmp_path / "examples")  # the folder its header declares
    return folder


EXPECTATIONS = {
    "resolution": {"resolution": HUGE},
    "nested": {"refund": {"total": HUGE}},
    "list": {"steps": [HUGE]},
    "mapping": {"postage": {"return_leg": {"borne_by": HUGE}}},
    "steps in order": {"steps_in_order": [HUGE]},
    "due": {"due": {HUGE: "2026-01-01T00:00:00+08:00"}},
}


@pytest.mark.parametrize("expect", EXPECTATIONS.values(), ids=EXPECTATIONS.keys())
def test_a_huge_expectation_is_cut_in_every_mismatch(shop: Path, expect: dict) -> None:
    test = {"name": "huge", "case": "../../examples/damaged_vip_gift.yaml", "expect": expect}
    (shop / "tests" / "zz.yaml").write_text(yaml.safe_dump({"tests": [test]}, width=10**7), encoding="utf-8")
    report = run_tests(
        Policy.load(shop), load_tests(shop / "tests" / "zz.yaml", policy_folder=shop, examples=shop.parent / "examples")
    )
    assert report.failed == 1
    assert max(len(line) for line in format_report(report)) <= SHORT
    result = CliRunner().invoke(cli, ["test", str(shop)])
    assert result.exit_code == 1 and _longest(result.output) <= SHORT


TESTS_FILES = {
    "unknown plan field": {"name": "t", "case": "../../examples/damaged_vip_gift.yaml", "expect": {HUGE: 1}},
    "unknown test field": {"name": "t", "case": "../../examples/damaged_vip_gift.yaml", "expect": {}, HUGE: 1},
    "name": {"name": HUGE, "case": "../../examples/damaged_vip_gift.yaml", "expect": {"resolution": "reship"}},
    "case path": {"name": "t", "case": HUGE, "expect": {"resolution": "reship"}},
    "absolute case path": {"name": "t", "case": "/" + HUGE, "expect": {"resolution": "reship"}},
    "inline case": {"name": "t", "case": {"case_id": HUGE}, "expect": {"resolution": "reship"}},
}


@pytest.mark.parametrize("test", TESTS_FILES.values(), ids=TESTS_FILES.keys())
def test_a_huge_value_in_a_tests_file_is_cut_in_every_line(shop: Path, test: dict) -> None:
    (shop / "tests" / "zz.yaml").write_text(yaml.safe_dump({"tests": [test]}, width=10**7), encoding="utf-8")
    result = CliRunner().invoke(cli, ["test", str(shop)])
    assert result.exit_code == 1
    assert _longest(result.output) <= SHORT


# ----------------------------------------------------------------------------- the one way


def test_no_message_quotes_a_value_by_hand() -> None:
    """In the package's f-strings a value in quotes ('{x}') or by repr ({x!r}) goes through ``cut``.

    ``quoted`` and ``shown`` are written on top of it; a new message that quotes a value by hand
    would show a 500,000-character value in full.
    """
    found = []
    for path in sorted((Path(__file__).parent.parent / "src" / "aftersales_rules").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.JoinedStr):
                continue
            parts = node.values
            for i, part in enumerate(parts):
                if not isinstance(part, ast.FormattedValue):
                    continue
                before = parts[i - 1] if i else None
                after = parts[i + 1] if i + 1 < len(parts) else None
                in_quotes = (
                    isinstance(before, ast.Constant)
                    and str(before.value).endswith("'")
                    and isinstance(after, ast.Constant)
                    and str(after.value).startswith("'")
                )
                by_repr = part.conversion == ord("r")
                through_cut = isinstance(part.value, ast.Call) and getattr(part.value.func, "id", "") == "cut"
                if (in_quotes or by_repr) and not through_cut:
                    found.append(f"{path.name}: {ast.unparse(part.value)}")
    assert found == ALLOWED


# not a value from a case, a rule file or a tests file: a Policy's repr, a schema name a program asks for
ALLOWED = ["schema.py: name", "service.py: self._policy"]
