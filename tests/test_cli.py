"""The `aftersales dry-run` contract: exact output, one JSON document, exit codes 0/1/2, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from aftersales_rules.cli import cli

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"
CLI_RULES = str(FIX / "policies" / "cli")
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_text_output_is_for_a_person(monkeypatch):
    monkeypatch.chdir(FIX / "policies")  # the text names each rule's file as the policy was given
    result = run("dry-run", str(FIX / "cases" / "wrong_item_return.yaml"), "--rules", "cli", "--lang", "en")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Case C-CLI · policy cli 1 (sha256:")
    assert (
        lines[1:]
        == """Resolution: return and refund

Refund: 311.00 CNY, released once the return reaches the courier's hub
  goods TEAK-STOOL-40                          299.00
  return postage                                12.00
Postage:
  return leg:   advanced by buyer, borne by seller (12.00, prepaid)
  outbound leg: none

Steps:
   1. buyer      ship the return
      Send it back
   2. warehouse  reship  [due 2026-07-15 20:00]
      Reship O-CLI by 2026-07-15 20:00
   3. CS         note the order
      Note the order

Waiting for:
  progress.inspection.error_confirmed
    if true             → return and refund, refund 311.00, return postage borne by seller
    if false            → return and refund, refund 299.00, return postage borne by buyer

Decided by:
  wrong.return (cli/policy.yaml:7): resolution, return leg, refund lines, refund release, steps
      because issue.kind == wrong_item; issue.wants == return
  close (cli/policy.yaml:27): steps
      because always

Near misses (one condition short):
  refuted (cli/policy.yaml:21): progress.inspection.error_confirmed == false: could not be decided because \
progress.inspection.error_confirmed is unknown""".splitlines()
    )
    assert result.stderr == ""


def test_json_is_exactly_one_document():
    result = run("dry-run", str(FIX / "cases" / "wrong_item_return.yaml"), "--rules", CLI_RULES, "--format", "json")
    assert result.exit_code == 0
    plan = json.loads(result.stdout)  # raises if there is anything but one document
    assert plan["refund"]["total"] == "311.00"
    assert plan["branches"][1] == {
        "when": {"progress.inspection.error_confirmed": False},
        "resolution": "return_and_refund",
        "refund_total": "299.00",
        "release": "on_return_at_hub",
        "return_postage_borne_by": "buyer",
        "outbound_postage_borne_by": None,
        "offer_limit": None,
        "compensation_total": "0.00",
    }
    assert plan["steps"][1]["due_by"] == "2026-07-15T20:00:00+08:00"


def test_no_branches_flag():
    result = run(
        "dry-run",
        str(FIX / "cases" / "wrong_item_return.yaml"),
        "--rules",
        CLI_RULES,
        "--format",
        "json",
        "--no-branches",
    )
    plan = json.loads(result.stdout)
    assert plan["awaiting"] == [] and plan["branches"] == []


CONTRACT = {
    "case_id": None,
    "policy": ["name", "version", "digest"],
    "resolution": None,
    "postage": ["return_leg", "outbound_leg"],
    "refund": ["total", "currency", "lines", "release"],
    "compensation": ["total", "currency", "lines"],
    "gestures": None,
    "steps": None,
    "awaiting": None,
    "branches": None,
    "trace": None,
}


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_every_example_dry_runs_to_a_full_plan(example):
    result = run("dry-run", str(example), "--rules", str(ROOT / "rules"), "--format", "json")
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    for key, sub in CONTRACT.items():
        assert key in plan
        for s in sub or ():
            assert s in plan[key]
    assert Decimal(plan["refund"]["total"]) == sum(
        (Decimal(line["amount"]) for line in plan["refund"]["lines"]), Decimal(0)
    )
    assert plan["steps"] and plan["trace"]
    assert all(set(s) >= {"seq", "actor", "action", "text", "due_by"} for s in plan["steps"])
    assert all(set(t) >= {"rule", "source", "because"} for t in plan["trace"])
    assert [s["action"] for s in plan["steps"]][-3:] == ["note_order", "register_case", "follow_up"]


@pytest.mark.parametrize(
    "case_text, message",
    [
        ("misspelled_key.yaml", "misspelled_key.yaml:6:1: unknown_field: unknown field 'isue' (did you mean 'issue'?)"),
    ],
)
def test_case_errors_are_one_line_exit_1(case_text, message):
    result = run("dry-run", str(FIX / "cases" / case_text), "--rules", CLI_RULES)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.endswith(message + "\n") and result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("kind", "wrong_itme", "issue.kind: 'wrong_itme' is not one of"),
        ("price", "-3.00", "order.items[0].unit_price: amount -3.00 is negative"),
        ("price", '"3.001"', "order.items[0].unit_price: amount 3.001 has a fraction of a cent"),
        ("time", "2026-07-15 14:05", "opened_at: needs a UTC offset"),
    ],
)
def test_bad_values_name_the_field(tmp_path, field, value, message):
    text = (FIX / "cases" / "wrong_item_return.yaml").read_text(encoding="utf-8")
    text = {
        "kind": lambda t: t.replace("kind: wrong_item", f"kind: {value}"),
        "price": lambda t: t.replace('unit_price: "299.00"', f"unit_price: {value}"),
        "time": lambda t: t.replace("opened_at: 2026-07-15T14:05:00+08:00", f"opened_at: {value}"),
    }[field](text)
    case = tmp_path / "case.yaml"
    case.write_text(text, encoding="utf-8")
    result = run("dry-run", str(case), "--rules", CLI_RULES)
    assert result.exit_code == 1
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"{case}:")


def test_policy_errors_list_every_problem_exit_1():
    result = run(
        "dry-run",
        str(FIX / "cases" / "wrong_item_return.yaml"),
        "--rules",
        str(FIX / "policies" / "invalid" / "three_mistakes_two_files"),
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "3 errors occurred:"
    assert len(result.stderr.splitlines()) == 4


def test_usage_errors_exit_2():
    assert run("dry-run").exit_code == 2
    assert run("dry-run", "x.yaml", "--format", "xml").exit_code == 2
    assert run("no-such-command").exit_code == 2


def test_missing_case_file_is_one_line(tmp_path):
    result = run("dry-run", str(tmp_path / "nope.yaml"), "--rules", CLI_RULES)
    assert (result.exit_code, result.stderr) == (1, f"{tmp_path / 'nope.yaml'}: not_found: no such file\n")


def test_console_script_runs_without_a_traceback(tmp_path):
    exe = Path(sys.executable).with_name("aftersales")
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"case_id": ')
    proc = subprocess.run(
        [str(exe), "dry-run", str(bad), "--rules", CLI_RULES],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
    assert proc.stderr == f"{bad}:2:1: syntax: invalid JSON: a value is missing here\n"


def test_a_closed_pipe_is_not_an_internal_error():
    # the reader closes its end before the command writes, like `aftersales … | head -c 10`
    code = "import time; time.sleep(0.5); from aftersales_rules.cli import main; main(['schema', 'policy'])"
    with subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
    ) as proc:
        proc.stdout.close()
        err = proc.stderr.read().decode()
        proc.wait(timeout=60)
    assert "internal error" not in err and "Traceback" not in err and "BrokenPipe" not in err
    assert proc.returncode == 1
