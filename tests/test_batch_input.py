"""JSONL is read as case files are (trust point 14), by ``batch`` and ``diff`` alike: lines split at ``\\n``
only, a BOM allowed, a duplicate key refused with the case file's code and words, every problem placed
at the line and column an editor shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from aftersales_rules.authoring.batch import run_batch
from aftersales_rules.authoring.impact import diff_policies
from aftersales_rules.case import load_case
from aftersales_rules.cli import cli
from aftersales_rules.errors import AfterSalesError
from aftersales_rules.testing import generate_cases

from conftest import RULES

CASES = list(generate_cases(3, seed=11))


def line_of(case: dict) -> str:
    return json.dumps(case, ensure_ascii=False)


def batch_records(tmp_path: Path, raw: bytes) -> list[dict]:
    cases, out = tmp_path / "cases.jsonl", tmp_path / "plans.jsonl"
    cases.write_bytes(raw)
    run_batch(cases, out, RULES)
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def diff_errors(tmp_path: Path) -> list[dict]:
    return diff_policies(RULES, RULES, tmp_path / "cases.jsonl").errors


def test_a_carriage_return_inside_a_line_splits_nothing(tmp_path):
    first = line_of(CASES[0]).replace(", ", ",\r ", 3)  # a CR between values: whitespace to JSON and YAML
    broken = line_of(CASES[1]).replace('"case_id": ', '"case_id": [', 1)
    raw = "\n".join([first, broken, line_of(CASES[2])]).encode() + b"\n"
    records = batch_records(tmp_path, raw)
    assert len(records) == 3
    assert records[0]["case_id"] == CASES[0]["case_id"] and "error" not in records[0]
    assert records[1]["line"] == 2 and [p["line"] for p in records[1]["problems"]] == [2]
    assert records[2]["case_id"] == CASES[2]["case_id"] and "error" not in records[2]
    assert [(e["line"], [p["line"] for p in e["problems"]]) for e in diff_errors(tmp_path)] == [(2, [2])]


def test_a_crlf_line_break_is_one_line_break(tmp_path):
    raw = (line_of(CASES[0]) + "\r\n" + "{oops\r\n" + line_of(CASES[2]) + "\r\n").encode()
    records = batch_records(tmp_path, raw)
    assert [r.get("line") for r in records] == [None, 2, None]
    assert records[1]["problems"][0]["column"] == 6  # the CR is the line break's, not the line's


def test_a_bom_may_open_the_file(tmp_path):
    raw = b"\xef\xbb\xbf" + "\n".join(map(line_of, CASES)).encode() + b"\n"
    records = batch_records(tmp_path, raw)
    assert [r.get("case_id") for r in records] == [c["case_id"] for c in CASES]
    assert not any("error" in r for r in records)
    assert diff_errors(tmp_path) == []


def test_a_duplicate_key_is_refused_as_in_a_case_file(tmp_path):
    text = line_of(CASES[1]).replace('"unit_price": ', '"unit_price": "1000.00", "unit_price": ', 1)
    (tmp_path / "case.json").write_text(text, encoding="utf-8")
    with pytest.raises(AfterSalesError) as as_file:
        load_case(tmp_path / "case.json")
    (file_problem,) = as_file.value.problems
    assert file_problem.code == "duplicate_key"

    records = batch_records(tmp_path, "\n".join([line_of(CASES[0]), text]).encode())
    assert "error" not in records[0]
    ((line_problem,),) = [r["problems"] for r in records[1:]]
    same_words = file_problem.message.replace("at line 1", "at line 2")  # the first 'unit_price' is on line 2
    assert (line_problem["code"], line_problem["message"]) == (file_problem.code, same_words)
    assert (line_problem["line"], line_problem["column"]) == (2, file_problem.location.column)
    assert records[1]["error"] == str(as_file.value).replace(
        f"{tmp_path / 'case.json'}:1:", f"{tmp_path / 'cases.jsonl'}:2:"
    ).replace("at line 1", "at line 2")
    ((diff_problem,),) = [e["problems"] for e in diff_errors(tmp_path)]
    assert diff_problem == line_problem


def test_a_line_over_the_size_of_a_case_file_is_an_error_record_and_the_next_line_is_read(tmp_path):
    huge = '{"case_id": "' + "x" * (1024 * 1024) + '"}'
    raw = "\n".join([huge, line_of(CASES[0])]).encode() + b"\n"
    records = batch_records(tmp_path, raw)
    assert records[0]["line"] == 1 and records[0]["problems"][0]["code"] == "too_large"
    assert records[0]["error"].endswith(f"too_large: input is {len(huge):,} bytes, over the 1,048,576-byte limit")
    assert records[1]["case_id"] == CASES[0]["case_id"] and "error" not in records[1]


def test_the_cli_diff_reads_jsonl_as_batch_does(tmp_path):
    bad = line_of(CASES[1]).replace('"kind": ', '"kind": "damaged", "kind": ', 1)
    (tmp_path / "cases.jsonl").write_bytes(b"\xef\xbb\xbf" + "\r\n".join([line_of(CASES[0]), bad]).encode())
    result = CliRunner().invoke(
        cli, ["diff", str(RULES), str(RULES), str(tmp_path / "cases.jsonl"), "--format", "json"]
    )
    report = json.loads(result.stdout)
    assert report["summary"]["cases"] == 2
    ((problem,),) = [e["problems"] for e in report["errors"]]
    assert (problem["code"], problem["line"]) == ("duplicate_key", 2)
