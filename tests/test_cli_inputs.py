"""Cases from anywhere: `aftersales dry-run -` reads standard input; `./dev demo CASE ARGS` passes ARGS on."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from aftersales_rules.cli import cli
from aftersales_rules.loader import MAX_FILE_BYTES, load_document

from conftest import EXAMPLES, ROOT, RULES

EXE = Path(sys.executable).with_name("aftersales")
CASE = EXAMPLES / "wrong_item_reship_after_cutoff.yaml"


def _aftersales(*args: str, stdin=subprocess.DEVNULL) -> subprocess.CompletedProcess:
    return subprocess.run([str(EXE), *args], capture_output=True, stdin=stdin, timeout=120, cwd=ROOT)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_case_on_stdin_gives_the_plan_of_the_file_byte_for_byte(tmp_path, suffix):
    case = CASE
    if suffix == ".json":  # the same case written as JSON
        case = tmp_path / "case.json"
        case.write_text(json.dumps(load_document(CASE).data, default=str), encoding="utf-8")
    for fmt in ("json", "text"):
        from_file = _aftersales("dry-run", str(case), "--rules", str(RULES), "--format", fmt)
        with open(case, "rb") as stream:
            from_stdin = _aftersales("dry-run", "-", "--rules", str(RULES), "--format", fmt, stdin=stream)
        assert from_file.returncode == 0 and from_stdin.returncode == 0, from_stdin.stderr
        assert from_stdin.stdout == from_file.stdout and from_stdin.stdout
        assert from_stdin.stderr == b""


def test_the_problems_of_a_case_on_stdin_are_placed_at_stdin_line_col():
    text = "case_id: X\nopened_at: 2026-07-15T14:05:00+08:00\norder: {order_id: 1}\nissue: {kind: wrongitem}\n"
    result = CliRunner().invoke(cli, ["dry-run", "-", "--rules", str(RULES)], input=text)
    assert result.exit_code == 1 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == "3 errors occurred:"
    assert lines[1] == "<stdin>:3:8: missing_field: missing field 'order.items'"
    assert lines[2].startswith("<stdin>:3:19: invalid_value: order.order_id: must be text")
    assert lines[3].startswith("<stdin>:4:15: invalid_value: issue.kind: 'wrongitem' is not one of")


def test_stdin_is_bounded_like_a_file():
    result = CliRunner().invoke(cli, ["dry-run", "-", "--rules", str(RULES)], input=b" " * (MAX_FILE_BYTES + 10))
    assert result.exit_code == 1
    assert result.stderr == f"<stdin>: too_large: input is over the {MAX_FILE_BYTES:,}-byte limit\n"


def test_a_syntax_error_on_stdin_names_stdin():
    result = CliRunner().invoke(cli, ["dry-run", "-", "--rules", str(RULES)], input="case_id: [1,\n")
    assert result.exit_code == 1 and result.stderr.startswith("<stdin>:2:1: syntax: ")


def test_dev_demo_passes_its_further_arguments_to_dry_run(tmp_path):
    # ./dev with a .venv already built (its stamp matches the locks): `aftersales` records its arguments
    for name in ("dev", "pyproject.toml", "requirements-build.lock", "requirements.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    locks = b"".join(
        (ROOT / n).read_bytes() for n in ("pyproject.toml", "requirements-build.lock", "requirements.lock")
    )
    venv = tmp_path / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / f".installed-{hashlib.sha256(locks).hexdigest()[:16]}").touch()
    fake = venv / "bin" / "aftersales"
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n', encoding="utf-8")
    fake.chmod(0o755)

    def demo(*args: str) -> list[str]:
        proc = subprocess.run(
            [str(tmp_path / "dev"), "demo", *args], capture_output=True, text=True, timeout=60, env=os.environ
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.splitlines()

    assert demo("examples/x.yaml", "--format", "json") == [
        "dry-run",
        "examples/x.yaml",
        "--rules",
        "rules/",
        "--format",
        "json",
    ]
    assert demo("--format", "json") == [
        "dry-run",
        "examples/wrong_item_reship_before_cutoff.yaml",
        "--rules",
        "rules/",
        "--format",
        "json",
    ]
