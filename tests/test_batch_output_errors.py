"""An output batch cannot write is a user's error: one line naming the path and the cause, exit 1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from aftersales_rules.authoring.batch import run_batch
from aftersales_rules.cli import cli
from aftersales_rules.errors import AfterSalesError, OutputError

from conftest import EXAMPLES, RULES

CASE = str(EXAMPLES)  # a directory of case files


def batch(out: str):
    return CliRunner().invoke(cli, ["batch", CASE, "--out", out, "--rules", str(RULES)], catch_exceptions=False)


def assert_one_line(result, path: str, cause: str) -> None:
    assert result.exit_code == 1
    assert result.stderr == f"{path}: cannot write: {cause}\n"
    assert "internal error" not in result.output


def test_a_missing_folder_is_named_with_its_cause(tmp_path):
    out = str(tmp_path / "missing_dir" / "plans.jsonl")
    assert_one_line(batch(out), out, "No such file or directory")


def test_a_full_disk_is_named_with_its_cause():
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    assert_one_line(batch("/dev/full"), "/dev/full", "No space left on device")


def test_a_read_only_file_is_named_with_its_cause(tmp_path):
    out = tmp_path / "plans.jsonl"
    out.write_text("old plans\n", encoding="utf-8")
    out.chmod(0o444)
    if os.access(out, os.W_OK):
        pytest.skip("running as root: permissions are not enforced")
    assert_one_line(batch(str(out)), str(out), "Permission denied")
    assert out.read_text(encoding="utf-8") == "old plans\n"


def test_a_folder_as_output_is_named_with_its_cause(tmp_path):
    assert_one_line(batch(str(tmp_path)), str(tmp_path), "Is a directory")


def test_run_batch_raises_output_error_for_a_folder(tmp_path):
    with pytest.raises(OutputError) as raised:
        run_batch(CASE, tmp_path, RULES)
    assert raised.value.path == str(tmp_path)
    assert raised.value.cause == "Is a directory"
    assert str(raised.value) == f"{tmp_path}: cannot write: Is a directory"
    assert isinstance(raised.value, AfterSalesError) and raised.value.exit_code == 1


@pytest.mark.parametrize("jobs", [1, 2])
def test_run_batch_raises_output_error_for_a_full_disk(jobs):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    with pytest.raises(OutputError, match="No space left on device"):
        run_batch(CASE, "/dev/full", RULES, jobs=jobs)
