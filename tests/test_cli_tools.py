"""The policy-author commands through the CLI: exact lines and exit codes of check, test, schema, batch, diff."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from aftersales_rules.cli import cli
from aftersales_rules.loader import load_document

from conftest import EXAMPLES, FIXTURES, RULES

LINT = FIXTURES / "policies" / "lint"
SHOP = FIXTURES / "policytests" / "shop"


def run(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


# ----------------------------------------------------------------------------- check


@pytest.mark.parametrize("name", sorted(p.name for p in LINT.iterdir() if p.is_dir()))
def test_check_prints_each_finding_and_a_count(name, monkeypatch):
    monkeypatch.chdir(LINT)  # a location names a file as it was given: here relative to LINT
    result = run("check", name)
    expected = (LINT / name / "expected.txt").read_text(encoding="utf-8")
    assert result.stdout == expected
    assert result.exit_code == (1 if re.search(r"^[1-9]\d* errors?,", expected, re.M) else 0)


def test_check_passes_the_reference_policy():
    result = run("check", RULES)
    assert result.exit_code == 0
    assert re.fullmatch(r"0 errors, \d+ warnings?", result.stdout.splitlines()[-1])


def test_check_json_is_one_document_with_the_example_case(monkeypatch):
    monkeypatch.chdir(LINT)
    result = run("check", "overlap", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert (report["errors"], report["warnings"]) == (1, 0)
    (finding,) = report["findings"]
    assert {k: finding[k] for k in ("file", "line", "column", "severity", "code")} == {
        "file": "overlap/policy.yaml",
        "line": 14,
        "column": 5,
        "severity": "error",
        "code": "overlap",
    }
    assert finding["example"]["issue"] == {"kind": "damaged", "wants": "return"}


def test_check_of_nothing_is_one_line():
    result = run("check", "no/such/rules")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        "",
        "no/such/rules: not_found: no such file or directory\n",
    )


# ----------------------------------------------------------------------------- test


def test_test_runs_the_policy_tests_pytest_style(monkeypatch, root):
    monkeypatch.chdir(root)
    result = run("test", "tests/fixtures/policytests/shop", "--coverage")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "tests/fixtures/policytests/shop/tests/damaged.yaml::return at the seller's cost PASSED",
        "tests/fixtures/policytests/shop/tests/damaged.yaml::vip reship before 20:00, inline case PASSED",
        "",
        "every rule is exercised by a passing test (4 rules)",
        "",
        "2 passed, 0 failed",
    ]


def test_test_shows_expected_versus_actual_for_each_failure(monkeypatch, root):
    monkeypatch.chdir(root)
    result = run(
        "test", "tests/fixtures/policytests/shop", "--tests", "tests/fixtures/policytests/failing", "--coverage"
    )
    assert result.exit_code == 1
    f = "tests/fixtures/policytests/failing/damaged.yaml"
    assert result.stdout.splitlines() == [
        f"{f}::passes PASSED",
        f"{f}::wrong figures FAILED",
        f"{f}::invalid case FAILED",
        "",
        f"________ {f}::wrong figures ________",
        f"{f}:6:5 (case tests/fixtures/policytests/shop/examples/damaged_return.yaml)",
        "  expected versus actual:",
        "    resolution: expected reship, got return_and_refund",
        "    refund.total: expected 459.00, got 471.00",
        "    steps_in_order: 'apologize' does not come after 'ship_return' in steps [apologize, ship_return]",
        "    due.reship: no step with action 'reship' in steps [apologize, ship_return]",
        "",
        f"________ {f}::invalid case ________",
        f"{f}:14:5",
        f"  error: {f}:18:61: invalid_value: order.items[0].unit_price: amount -1 is negative",
        "",
        "rules no passing test exercised (2 of 4):",
        "  damaged.reship (tests/fixtures/policytests/shop/policy.yaml:32)",  # as the policy was named
        "  damaged.vip_gift (tests/fixtures/policytests/shop/policy.yaml:46)",
        "",
        "1 passed, 2 failed",
    ]


def test_test_passes_the_reference_policy():
    result = run("test", RULES)
    assert result.exit_code == 0
    assert re.fullmatch(r"[1-9]\d* passed, 0 failed", result.stdout.splitlines()[-1])


def test_test_refuses_a_malformed_test_file_in_one_line_per_problem(tmp_path):
    shutil.copy(SHOP / "policy.yaml", tmp_path / "policy.yaml")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "t.yaml").write_text("tests:\n  - name: x\n    case: {}\n", encoding="utf-8")
    result = run("test", tmp_path)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"{tmp_path}/tests/t.yaml:2:5: missing_field: missing field 'expect' in a test\n"
    (tmp_path / "tests" / "t.yaml").unlink()
    assert (
        run("test", tmp_path).stderr
        == f"{tmp_path}/tests: no_tests: no policy tests in it (*.yaml files with a 'tests' list)\n"
    )


# ----------------------------------------------------------------------------- schema


def test_schema_policy_validates_every_rule_file():
    result = run("schema", "policy")
    assert result.exit_code == 0
    validator = Draft202012Validator(json.loads(result.stdout))
    files = sorted(RULES.glob("*.yaml"))
    assert files and all(list(validator.iter_errors(load_document(f).data)) == [] for f in files)


def test_schema_case_validates_the_examples():
    validator = Draft202012Validator(json.loads(run("schema", "case").stdout))
    assert all(validator.is_valid(load_document(f).data) for f in EXAMPLES.glob("*.yaml"))


def test_schema_of_an_unknown_name_is_a_usage_error():
    result = run("schema", "rules")
    assert result.exit_code == 2
    assert "'rules' is not one of 'case', 'plan', 'policy', 'test'" in result.stderr


# ----------------------------------------------------------------------------- batch


def _cases(tmp_path, *names: str, broken: bool = True):
    lines = [json.dumps(load_document(EXAMPLES / f"{n}.yaml").data, default=str, ensure_ascii=False) for n in names]
    if broken:
        lines.insert(1, "{oops")
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_batch_writes_plans_and_prints_the_summary(tmp_path):
    cases = _cases(tmp_path, "damaged_vip_gift", "lost_parcel_refund", "return_seller_fault")
    out = tmp_path / "plans.jsonl"
    result = run("batch", cases, "--out", out, "--rules", RULES)
    assert result.exit_code == 1  # a case failed
    assert [line.rstrip() for line in result.stdout.splitlines()] == [
        "batch summary",
        "",
        "  resolution                                        cases",
        " ─────────────────────────────────────────────────────────",
        "  partial_refund                                        1",
        "  refund_without_return                                 1",
        "  return_and_refund                                     1",
        "",
        "  evaluated                                             3",
        "  errors                                                1",
        "  total                                                 4",
        "",
        "  refunds total (CNY)                            1,455.00",
        "  postage borne by seller   1 legs (1 return, 0 outbound)",
        "    known amounts (CNY)                             45.00",
        "",
    ]
    assert result.stderr.splitlines() == ["batch: 4 of 4 cases, 1 failed"]
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r.get("case_id") for r in records] == ["C-1208", None, "C-1902", "C-1503"]
    assert records[1] == {  # placed and worded as in a case file
        "case_id": None,
        "error": f"{cases}:2:6: syntax: invalid JSON: a ',' or '}}' is missing in this {{...}} mapping",
        "problems": [
            {
                "file": str(cases),
                "line": 2,
                "column": 6,
                "severity": "error",
                "code": "syntax",
                "message": "invalid JSON: a ',' or '}' is missing in this {...} mapping",
                "path": None,
                "suggestion": None,
            }
        ],
        "line": 2,
    }


def test_batch_on_two_workers_exits_0_when_every_case_passes(tmp_path):
    cases = _cases(tmp_path, "damaged_vip_gift", "lost_parcel_refund", broken=False)
    result = run("batch", cases, "--out", tmp_path / "plans.jsonl", "-j", "2", "--rules", RULES)
    assert result.exit_code == 0
    assert [line.split()[-1] for line in result.stdout.splitlines() if "total" in line] == ["2", "130.00"]


def test_batch_needs_an_output_file(tmp_path):
    result = run("batch", _cases(tmp_path, "damaged_vip_gift"))
    assert result.exit_code == 2 and "Missing option '--out'" in result.stderr


# ----------------------------------------------------------------------------- diff


def _fifteen_days(tmp_path):
    target = tmp_path / "rules15"
    shutil.copytree(RULES, target, ignore=shutil.ignore_patterns("tests"))
    header = (target / "policy.yaml").read_text(encoding="utf-8")
    header = header.replace("no_reason_days: 7 ", "no_reason_days: 15").replace('"2026.11"', '"2026.11-15d"')
    (target / "policy.yaml").write_text(header, encoding="utf-8")
    return target


def _request(case_id: str, kind: str, day: int) -> dict:
    return {
        "case_id": case_id,
        "opened_at": f"2026-03-{day:02d}T10:00:00+08:00",
        "order": {
            "order_id": "O-" + case_id,
            "delivered_at": "2026-03-01T09:00:00+08:00",
            "items": [{"sku": "ASH-CHAIR", "unit_price": "399.00", "quantity": 2}],
        },
        "issue": {"kind": kind, "fault": "buyer"},
    }


def test_diff_lists_each_changed_case_and_sums_up(tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        "\n".join(
            json.dumps(c)
            for c in [
                _request("R-day5", "return_request", 6),
                _request("R-day10", "return_request", 11),
                _request("F-day12", "refund_request", 13),
                _request("R-day20", "return_request", 21),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    result = run("diff", RULES, _fifteen_days(tmp_path), cases)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("old: reference 2026.11 (sha256:") and lines[1].startswith(
        "new: reference 2026.11-15d (sha256:"
    )

    def common(release: str) -> str:
        return (
            "resolution decline → return_and_refund; refund.total 0.00 → 798.00 (+798.00 CNY); "
            f"refund.lines +{{component: goods, sku: ASH-CHAIR, amount: 798.00}}; refund.release none → {release}; "
            "postage.return_leg none → {advanced_by: buyer, borne_by: buyer, method: prepaid}; "
            "steps.action -decline_with_reason +file_return_request +ship_return +receive_return "
        )

    assert lines[2:] == [
        "",
        "R-day10 return_request (line 2): " + common("on_return_at_hub") + "+inspect_return +restock +refund; "
        "steps.actor +buyer +warehouse +warehouse +warehouse +operations; steps.due_by +none +none +none +none +none",
        "F-day12 refund_request (line 3): " + common("on_return_received") + "+restock +refund; "
        "steps.actor +buyer +warehouse +warehouse +operations; steps.due_by +none +none +none +none",
        "",
        "4 cases, 2 changed, 0 failed under both",
        "changed by kind:",
        "  refund_request       1",
        "  return_request       1",
        "refund delta CNY: +1,596.00 in total, +798.00 per changed case",
    ]
    as_json = json.loads(run("diff", RULES, _fifteen_days(tmp_path / "j"), cases, "--format", "json").stdout)
    assert [c["case_id"] for c in as_json["changes"]] == ["R-day10", "F-day12"]
    assert as_json["summary"]["refund_delta"] == {"CNY": "1596.00"}


def test_diff_needs_existing_inputs(tmp_path):
    result = run("diff", RULES, RULES, tmp_path / "none.jsonl")
    assert result.exit_code == 2 and "does not exist" in result.stderr
