"""Gaps found by trying issue 9's requirements on main again, each fixed at its root (issue 9 audit).

A time zone that names a folder of zones (point 9: only the library's errors out of
``Policy.load``); an output over a rule file (point 11: refuse an output that is an input);
standard output that cannot be written (point 15: one line naming it and the cause); a case
that fails under both policies with several problems shown a line each by ``diff``, and an
attribute the policy does not declare placed in the case file and reported with the case's other
problems (point 8).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from aftersales_rules import CaseError, Policy, PolicyError
from aftersales_rules.authoring.batch import run_batch
from aftersales_rules.authoring.policytests import load_tests, run_tests
from aftersales_rules.cli import cli
from aftersales_rules.errors import OutputError

from conftest import RULES, SMALL_CASE

BASE = {"policy": {"name": "p", "version": "1"}, "defaults": {"resolution": "escalate"}}


@pytest.mark.parametrize("zone", ["Asia", "America/Argentina", "x" * 300, "Asia/Nowhere"])
def test_a_time_zone_that_is_not_one_is_a_policy_error(tmp_path: Path, zone: str) -> None:
    policy = {**BASE, "policy": {**BASE["policy"], "timezone": zone}}
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(policy, width=10**6), encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        Policy.load(tmp_path)
    (problem,) = caught.value.problems
    assert problem.code == "invalid_value" and problem.path == "policy.timezone"
    assert problem.message.startswith("unknown time zone '" + zone[:120])


# ----------------------------------------------------------------------------- point 11


@pytest.fixture
def policy_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder, ignore=shutil.ignore_patterns("tests", "examples"))
    return folder


@pytest.mark.parametrize(
    ("out", "cause"),
    [
        ("rules/policy.yaml", "it is a rule file of {rules}"),
        ("rules/plans.yaml", "it would be read as a rule file of {rules}"),
        ("rules/../rules/texts.yml", "it would be read as a rule file of {rules}"),
    ],
)
def test_batch_refuses_to_write_over_the_policy(policy_copy: Path, out: str, cause: str) -> None:
    cases = policy_copy.parent / "cases.jsonl"
    cases.write_text(json.dumps(SMALL_CASE) + "\n", encoding="utf-8")
    before = {f.name: f.read_bytes() for f in policy_copy.iterdir()}
    target = policy_copy.parent / out
    result = CliRunner().invoke(cli, ["batch", str(cases), "--out", str(target), "--rules", str(policy_copy)])
    assert result.exit_code == 1
    assert result.stderr == f"{target}: cannot write: {cause.format(rules=policy_copy)}\n"
    assert {f.name: f.read_bytes() for f in policy_copy.iterdir()} == before
    assert Policy.load(policy_copy).digest == Policy.load(RULES).digest


def test_batch_refuses_to_write_over_a_policy_given_as_one_file(policy_copy: Path) -> None:
    with pytest.raises(OutputError, match="it is the policy's rule file"):
        run_batch(RULES / "examples", policy_copy / "policy.yaml", rules=policy_copy / "policy.yaml")


def test_batch_still_writes_beside_the_policy(policy_copy: Path) -> None:
    cases = policy_copy.parent / "cases.jsonl"
    cases.write_text(json.dumps(SMALL_CASE) + "\n", encoding="utf-8")
    summary = run_batch(cases, policy_copy / "plans.jsonl", rules=policy_copy)
    assert summary.cases == 1 and (policy_copy / "plans.jsonl").exists()
    assert Policy.load(policy_copy).digest == Policy.load(RULES).digest  # a .jsonl file is not a rule file


# ----------------------------------------------------------------------------- point 15

FULL_DISK_COMMANDS = {
    "dry-run": ["dry-run", "examples/damaged_vip_gift.yaml"],
    "dry-run json": ["dry-run", "examples/damaged_vip_gift.yaml", "--format", "json"],
    "check": ["check", "rules"],
    "test": ["test", "rules"],
    "schema": ["schema", "case"],
    "diff": ["diff", "rules", "rules", "CASES"],
    "batch summary": ["batch", "CASES", "--out", "PLANS"],
}


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
@pytest.mark.parametrize("args", FULL_DISK_COMMANDS.values(), ids=FULL_DISK_COMMANDS.keys())
def test_standard_output_on_a_full_disk_is_named_in_one_line(root: Path, tmp_path: Path, args: list[str]) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps(SMALL_CASE) + "\n", encoding="utf-8")
    args = [str(cases) if a == "CASES" else str(tmp_path / "plans.jsonl") if a == "PLANS" else a for a in args]
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-c", "from aftersales_rules.cli import main; main()", *args],
            cwd=root,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
        )
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1:] == ["standard output: cannot write: No space left on device"]
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr


# ----------------------------------------------------------------------------- point 8


def _tiny(folder: Path, attributes: dict) -> Path:
    folder.mkdir()
    rule = {"id": "r", "when": {"issue.kind": "damaged"}, "then": {"resolution": "explain"}}
    policy = {**BASE, "attributes": attributes, "rules": [rule]}
    (folder / "policy.yaml").write_text(yaml.safe_dump(policy), encoding="utf-8")
    return folder


def test_diff_shows_every_problem_of_a_case_on_a_line_of_its_own(tmp_path: Path) -> None:
    old = _tiny(tmp_path / "old", {"gift_wrap": {"type": "bool"}, "rush": {"type": "bool"}})
    new = _tiny(tmp_path / "new", {})
    fails_under_new = {**SMALL_CASE, "case_id": "C-1", "attributes": {"gift_wrap": True, "rush": True}}
    fails_under_both = {"case_id": "C-2"}
    cases = tmp_path / "cases.jsonl"
    cases.write_text("".join(json.dumps(c) + "\n" for c in (fails_under_new, fails_under_both)), encoding="utf-8")
    result = CliRunner().invoke(cli, ["diff", str(old), str(new), str(cases)], catch_exceptions=False)
    assert result.exit_code == 0
    body = result.stdout.split("\n\n")[1].splitlines()
    at = f"    {cases}"  # each problem placed in the JSONL file, as a case file's are

    def none(name: str) -> str:
        return f"policy p declares no attribute '{name}' (it declares none)"

    assert body == [
        "C-1 damaged (line 1): error none → 2 errors occurred:",
        f"{at}:1:350: unknown_attribute: attributes.gift_wrap: {none('gift_wrap')}",
        f"{at}:1:369: unknown_attribute: attributes.rush: {none('rush')}",
        "C-2 (line 2): not decided by either policy: 3 errors occurred:",
        f"{at}:2:1: missing_field: missing field 'issue'",
        f"{at}:2:1: missing_field: missing field 'opened_at'",
        f"{at}:2:1: missing_field: missing field 'order'",
    ]


def _case_file(tmp_path: Path, case: dict) -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(case, sort_keys=False, default_flow_style=False), encoding="utf-8")
    return path


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text("utf-8").splitlines(), 1) if text in line)


def test_attribute_problems_are_placed_in_the_case_file_and_shown_with_the_others(tmp_path: Path) -> None:
    case = {**SMALL_CASE, "opened_at": "yesterday", "attributes": {"custom_mad": True}}
    path = _case_file(tmp_path, case)
    result = CliRunner().invoke(cli, ["dry-run", str(path), "--rules", str(RULES)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "2 errors occurred:",
        f"{path}:2:12: invalid_value: opened_at: is not a date and time (ISO 8601 with an offset, such as "
        "2026-07-15T14:05:00+08:00) (got 'yesterday')",
        f"{path}:{_line_of(path, 'custom_mad')}:3: unknown_attribute: attributes.custom_mad: policy reference "
        "declares no attribute "
        "'custom_mad' (did you mean 'custom_made'?)",
    ]


def test_an_attribute_of_the_wrong_type_is_placed_at_its_value(tmp_path: Path) -> None:
    path = _case_file(tmp_path, {**SMALL_CASE, "attributes": {"custom_made": 3}})
    result = CliRunner().invoke(cli, ["dry-run", str(path), "--rules", str(RULES)])
    assert result.stderr == (
        f"{path}:{_line_of(path, 'custom_made')}:16: invalid_value: attributes.custom_made: the policy expects "
        "true or false, got 3\n"
    )


def test_evaluate_reports_undeclared_attributes_with_the_cases_other_problems(reference_policy: Policy) -> None:
    case = {**SMALL_CASE, "order": {**SMALL_CASE["order"], "currency": "yuan"}, "attributes": {"custom_mad": True}}
    with pytest.raises(CaseError) as caught:
        reference_policy.evaluate(case)
    assert [(p.code, p.path) for p in caught.value.problems] == [
        ("invalid_value", "order.currency"),
        ("unknown_attribute", "attributes.custom_mad"),
    ]
    not_names = {**case, "attributes": {"custom mad": True, 7: True}}  # the case model refuses them as names
    with pytest.raises(CaseError) as caught:
        reference_policy.evaluate(not_names)
    assert "unknown_attribute" not in [p.code for p in caught.value.problems]


def test_batch_records_and_policy_tests_place_attribute_problems_in_their_files(tmp_path: Path) -> None:
    folder = tmp_path / "cases"
    folder.mkdir()
    path = _case_file(folder, {**SMALL_CASE, "attributes": {"custom_mad": True}})
    run_batch(folder, tmp_path / "plans.jsonl", rules=RULES)
    (record,) = [json.loads(line) for line in (tmp_path / "plans.jsonl").read_text("utf-8").splitlines()]
    (problem,) = record["problems"]
    assert (problem["file"], problem["line"], problem["column"], problem["code"]) == (
        str(path),
        _line_of(path, "custom_mad"),
        3,
        "unknown_attribute",
    )
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules, ignore=shutil.ignore_patterns("tests"))
    (rules / "tests").mkdir()
    (tmp_path / "examples").mkdir()  # the folder rules/policy.yaml declares (examples: ../examples)
    shutil.copy(path, tmp_path / "examples" / "misspelt.yaml")
    test = {"name": "misspelt", "case": "../../examples/misspelt.yaml", "expect": {"resolution": "escalate"}}
    (rules / "tests" / "t.yaml").write_text(yaml.safe_dump({"tests": [test]}), encoding="utf-8")
    tests = load_tests(rules / "tests", policy_folder=rules, examples=tmp_path / "examples")
    (result,) = run_tests(Policy.load(rules), tests).results
    where = f"{tmp_path / 'examples' / 'misspelt.yaml'}:{_line_of(path, 'custom_mad')}:3"
    assert result.error is not None and result.error.startswith(f"{where}: unknown_attribute: ")


# ----------------------------------------------------------------------------- point 10


def test_check_shows_a_rule_files_text_escaped_in_its_example_cases(tmp_path: Path) -> None:
    text = "U\u202eX\x1b[2J"
    rule = {"id": "a", "when": {"issue.kind": "damaged", "customer.customer_id": text, "customer.tier": "vip"}}
    policy = {**BASE, "rules": [{**rule, "then": {"resolution": "decline"}}]}
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(policy, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(tmp_path)])
    assert all(c.isprintable() for c in result.stdout.replace("\n", ""))  # no bidi or escape reaches the terminal
    examples = [json.loads(line[len("    example: ") :]) for line in result.stdout.splitlines() if "example: " in line]
    assert text in [e.get("customer", {}).get("customer_id") for e in examples]  # still the case to copy, as JSON
