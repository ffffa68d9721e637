"""``batch`` never destroys a file: inputs are refused as outputs, the old output survives a failed run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aftersales_rules.testing import generate_cases

from conftest import EXAMPLES, RULES

CLI = Path(sys.executable).parent / "aftersales"
TIMEOUT = 120


def aftersales(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CLI), *args], input=stdin, capture_output=True, timeout=TIMEOUT, env={**os.environ, "COLUMNS": "200"}
    )


def write_jsonl(path: Path, count: int) -> bytes:
    text = "".join(json.dumps(case, ensure_ascii=False) + "\n" for case in generate_cases(count, 3))
    path.write_text(text, encoding="utf-8")
    return path.read_bytes()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial"))


# --------------------------------------------------------------------------- 11: no file destroyed


def test_the_input_file_is_refused_as_output(tmp_path):
    cases = tmp_path / "cases.jsonl"
    before = write_jsonl(cases, 5)
    done = aftersales("batch", str(cases), "--out", str(cases), "--rules", str(RULES))
    assert done.returncode == 1
    assert done.stderr.decode() == f"{cases}: cannot write: it is the input\n"
    assert cases.read_bytes() == before


def test_the_input_file_is_refused_under_another_name(tmp_path):
    cases = tmp_path / "cases.jsonl"
    before = write_jsonl(cases, 5)
    (tmp_path / "link.jsonl").symlink_to(cases)
    done = aftersales("batch", str(cases), "--out", str(tmp_path / "sub" / ".." / "link.jsonl"), "--rules", str(RULES))
    assert done.returncode == 1
    assert b"it is the input" in done.stderr
    assert cases.read_bytes() == before


def test_a_case_file_in_the_input_folder_is_refused_as_output(tmp_path):
    folder = tmp_path / "cases"
    folder.mkdir()
    (folder / "one.yaml").write_bytes((EXAMPLES / "add_to_order_picked.yaml").read_bytes())
    done = aftersales("batch", str(folder), "--out", str(folder / "plans.json"), "--rules", str(RULES))
    assert done.returncode == 1
    assert done.stderr.decode() == f"{folder / 'plans.json'}: cannot write: it would be read as a case of {folder}\n"
    assert sorted(p.name for p in folder.iterdir()) == ["one.yaml"]


def test_a_broken_policy_leaves_the_old_output_as_it_was(tmp_path):
    cases, out = tmp_path / "cases.jsonl", tmp_path / "plans.jsonl"
    write_jsonl(cases, 5)
    out.write_text("old plans\n", encoding="utf-8")
    done = aftersales("batch", str(cases), "--out", str(out), "--rules", str(tmp_path / "no_such_rules"))
    assert done.returncode != 0
    assert out.read_text(encoding="utf-8") == "old plans\n"
    assert leftovers(tmp_path) == []


def test_a_run_that_fails_midway_leaves_the_old_output_and_no_temporary_file(tmp_path):
    from aftersales_rules.authoring import batch as module

    cases, out = tmp_path / "cases.jsonl", tmp_path / "plans.jsonl"
    write_jsonl(cases, 200)
    out.write_text("old plans\n", encoding="utf-8")
    calls = []

    def stop(summary):
        calls.append(summary.cases)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        module.run_batch(cases, out, RULES, progress=stop)
    assert calls == [64, 128]
    assert out.read_text(encoding="utf-8") == "old plans\n"
    assert leftovers(tmp_path) == []


def test_a_completed_run_replaces_the_output_and_keeps_its_mode(tmp_path):
    cases, out = tmp_path / "cases.jsonl", tmp_path / "plans.jsonl"
    write_jsonl(cases, 5)
    out.write_text("old plans\n", encoding="utf-8")
    out.chmod(0o640)
    done = aftersales("batch", str(cases), "--out", str(out), "--rules", str(RULES))
    assert done.returncode == 0, done.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == 5
    assert out.stat().st_mode & 0o777 == 0o640
    assert leftovers(tmp_path) == []
