"""Batch evaluation: streaming, error records, worker processes, summary figures, constant memory."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from aftersales_rules.authoring.batch import run_batch
from aftersales_rules.authoring.records import Record, count_cases, read_cases
from aftersales_rules.testing import generate_cases

from conftest import EXAMPLES, RULES

ERROR_EVERY = 1000  # in a generated input, line n*1000+8 is broken JSON and n*1000+14 an invalid case


def write_cases(path: Path, count: int, seed: int = 1) -> int:
    """``count`` generated cases as JSONL with two bad lines per thousand; returns how many are bad."""
    bad = 0
    with path.open("w", encoding="utf-8") as out:
        for i, case in enumerate(generate_cases(count, seed)):
            if i % ERROR_EVERY == 7:
                out.write('{"case_id": "cut-off", "opened_at": \n')
                bad += 1
            elif i % ERROR_EVERY == 13:
                case["order"]["items"][0]["unit_price"] = "-1"
                out.write(json.dumps(case, ensure_ascii=False) + "\n")
                bad += 1
            else:
                out.write(json.dumps(case, ensure_ascii=False) + "\n")
    return bad


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


SYNTAX = "invalid JSON: a value is missing here"  # the words a case file with that text gets
NEGATIVE = "order.items[0].unit_price: amount -1 is negative"


def problem(code: str, message: str, path: str | None = None, file: str | None = None, line=None, column=None) -> dict:
    """One problem of an error record, as data."""
    return {
        "file": file,
        "line": line,
        "column": column,
        "severity": "error",
        "code": code,
        "message": message,
        "path": path,
        "suggestion": None,
    }


def test_jsonl_batch_writes_one_record_per_case_in_order(tmp_path):
    cases = tmp_path / "cases.jsonl"
    bad = write_cases(cases, 1500)
    out = tmp_path / "plans.jsonl"
    summary = run_batch(cases, out, RULES)
    records = _records(out)
    assert len(records) == 1500 and bad == 4
    errors = [r for r in records if "error" in r]
    lines = cases.read_text(encoding="utf-8").splitlines()

    def syntax(line: int) -> dict:  # placed at the line and column, as in a case file
        column = len(lines[line - 1]) + 1
        where = f"{cases}:{line}:{column}"
        problems = [problem("syntax", SYNTAX, file=str(cases), line=line, column=column)]
        return {"case_id": None, "error": f"{where}: syntax: {SYNTAX}", "problems": problems, "line": line}

    def negative(line: int) -> dict:
        column = lines[line - 1].index('"-1"') + 1
        where = f"{cases}:{line}:{column}"
        path = "order.items[0].unit_price"
        problems = [problem("invalid_value", NEGATIVE, path, file=str(cases), line=line, column=column)]
        case_id = json.loads(lines[line - 1])["case_id"]
        return {"case_id": case_id, "error": f"{where}: invalid_value: {NEGATIVE}", "problems": problems, "line": line}

    assert errors == [syntax(8), negative(14), syntax(1008), negative(1014)]
    assert [e["case_id"] for e in errors] == [None, "G1-000013", None, "G1-001013"]
    plans = [r for r in records if "error" not in r]
    assert [p["case_id"] for p in plans[:3]] == ["G1-000000", "G1-000001", "G1-000002"]
    assert (summary.cases, summary.errors, summary.evaluated) == (1500, 4, 1496)
    assert summary.resolutions == Counter(p["resolution"] for p in plans)
    assert summary.refunds == {"CNY": sum((Decimal(p["refund"]["total"]) for p in plans), Decimal("0.00"))}
    seller = Counter(
        leg
        for p in plans
        for leg in ("return_leg", "outbound_leg")
        if p["postage"][leg] and p["postage"][leg]["borne_by"] == "seller"
    )
    assert (summary.seller_legs["return"], summary.seller_legs["outbound"]) == (
        seller["return_leg"],
        seller["outbound_leg"],
    )


def test_worker_processes_give_the_same_output(tmp_path):
    cases = tmp_path / "cases.jsonl"
    write_cases(cases, 700, seed=2)
    run_batch(cases, tmp_path / "one.jsonl", RULES, jobs=1)
    summary = run_batch(cases, tmp_path / "two.jsonl", RULES, jobs=2)
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    assert (summary.cases, summary.errors) == (700, 2)


def test_a_directory_of_case_files(tmp_path):
    for name in ("damaged_vip_gift.yaml", "lost_parcel_refund.yaml"):
        (tmp_path / name).write_bytes((EXAMPLES / name).read_bytes())
    (tmp_path / "broken.yaml").write_text("case_id: [\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a case", encoding="utf-8")
    assert count_cases(tmp_path) == 3
    out = tmp_path / "out" / "plans.jsonl"
    out.parent.mkdir()
    summary = run_batch(tmp_path, out, RULES)
    records = _records(out)
    assert records[0] == {
        "case_id": None,
        "file": str(tmp_path / "broken.yaml"),
        "error": f"{tmp_path / 'broken.yaml'}:2:1: syntax: invalid YAML: a value is missing here",
        "problems": [
            problem(
                "syntax", "invalid YAML: a value is missing here", file=str(tmp_path / "broken.yaml"), line=2, column=1
            )
        ],
    }
    assert [r["case_id"] for r in records[1:]] == ["C-1208", "C-1902"]
    assert (summary.cases, summary.errors) == (3, 1)


def test_reading_is_lazy(tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_text('{"case_id": 1}\n\n[1, 2]\n', encoding="utf-8")
    lines = read_cases(cases)
    assert next(lines) == Record("line", 1, b'{"case_id": 1}', str(cases))
    assert next(lines) == Record("line", 3, b"[1, 2]", str(cases))


PEAK_RSS = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stdout.write(done.stdout + f"returncode={done.returncode}\\nmaxrss={peak}\\n")
"""


def _batch_with_peak_rss(cases: Path, out: Path) -> tuple[list[str], int, int]:
    """Run the CLI in a process of its own; its output lines, exit code and the peak RSS (KiB) of the whole tree."""
    cli = Path(sys.executable).parent / "aftersales"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            PEAK_RSS,
            str(cli),
            "batch",
            str(cases),
            "--out",
            str(out),
            "-j",
            "2",
            "--rules",
            str(RULES),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [line.rstrip() for line in done.stdout.splitlines()]
    return lines[:-2], int(lines[-2].split("=")[1]), int(lines[-1].split("=")[1])


@pytest.mark.slow
def test_twenty_thousand_cases_on_two_workers_in_constant_memory(tmp_path):
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    write_cases(small, 2_000, seed=4)
    bad = write_cases(large, 20_000, seed=4)
    _, _, small_rss = _batch_with_peak_rss(small, tmp_path / "small_plans.jsonl")
    lines, code, large_rss = _batch_with_peak_rss(large, tmp_path / "large_plans.jsonl")

    records = _records(tmp_path / "large_plans.jsonl")
    assert len(records) == 20_000
    errors = [r for r in records if "error" in r]
    assert len(errors) == bad == 40
    assert {r["line"] % ERROR_EVERY for r in errors} == {8, 14}
    assert code == 1  # some cases failed: said by the exit code, after the whole batch ran

    rows = dict(m.groups() for m in map(re.compile(r"^\s+(\S.*?)\s{2,}(\S.*?)$").match, lines) if m)
    assert (rows["total"], rows["errors"], rows["evaluated"]) == ("20,000", "40", "19,960")
    by_resolution = Counter(r["resolution"] for r in records if "error" not in r)
    assert {k: int(rows[k].replace(",", "")) for k in by_resolution} == dict(by_resolution)
    # ten times the cases, not meaningfully more memory: nothing is kept per case
    assert large_rss < small_rss * 1.25, (small_rss, large_rss)


def test_a_deeply_nested_line_is_an_error_record_not_an_internal_error():
    from aftersales_rules.authoring.records import read_record
    from aftersales_rules.errors import InputError

    with pytest.raises(InputError, match="nested too deeply"):
        read_record(Record("line", 1, b"[" * 100_000 + b"]" * 100_000, "cases.jsonl"))
