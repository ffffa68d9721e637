"""Gaps found by trying issue 9's requirements on main again, each fixed at its root (issue 9 audit).

A time zone that names a folder of zones (point 9: only the library's errors out of
``Policy.load``); an output over a rule file (point 11: refuse an output that is an input);
standard output that cannot be written (point 15: one line naming it and the cause); a case
that fails under both policies with several problems shown a line each by ``diff`` (point 8).
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

from aftersales_rules import Policy, PolicyError
from aftersales_rules.authoring.batch import run_batch
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
    "dry-run": ["dry-run", "rules/examples/damaged_vip_gift.yaml"],
    "dry-run json": ["dry-run", "rules/examples/damaged_vip_gift.yaml", "--format", "json"],
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
    assert body == [
        "C-1 damaged (line 1): error none → 2 errors occurred:",
        "    unknown_attribute: attributes.gift_wrap: policy p declares no attribute 'gift_wrap' (it declares none)",
        "    unknown_attribute: attributes.rush: policy p declares no attribute 'rush' (it declares none)",
        "C-2 (line 2): not decided by either policy: 3 errors occurred:",
        "    missing_field: missing field 'issue'",
        "    missing_field: missing field 'opened_at'",
        "    missing_field: missing field 'order'",
    ]
