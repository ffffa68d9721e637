"""Text from a case or a rule file never reaches a terminal raw: control and bidi characters are shown escaped.

Every text view (dry-run, diff, the batch summary, policy test reports) passes its lines through
``errors.one_line``, as error messages do; the JSON output keeps the data exactly as it is.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from rich.console import Console

from aftersales_rules.authoring.batch import BatchSummary
from aftersales_rules.authoring.impact import CaseChange, ImpactReport, Outcome
from aftersales_rules.authoring.policytests import PolicyTest, TestReport, TestResult
from aftersales_rules.cli.batch import summary_table
from aftersales_rules.cli.diff import report_lines
from aftersales_rules.cli.policy_test import format_report
from aftersales_rules.errors import one_line

from conftest import FIXTURES

BIDI = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
HOSTILE = "A\x1b[2J\x1b]0;x\x07\rB\u202eC"  # clear screen, OSC title, carriage return, right-to-left override
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f" + BIDI + "]")  # anything a terminal acts on (a newline ends a line)


def assert_shown_escaped(text: str) -> None:
    assert not RAW.search(text), f"raw control or bidi character in {text!r}"


@pytest.mark.parametrize("char", list(BIDI + "\x1b\x07\r\x00\x7f\x9b\u2028\u2029"), ids=lambda c: f"U+{ord(c):04X}")
def test_one_line_escapes_every_control_and_bidi_character(char):
    assert not char.isprintable()
    shown = one_line(f"a{char}b")
    assert_shown_escaped(shown)
    assert shown.startswith("a\\") and shown.endswith("b")


def test_one_line_leaves_printable_text_as_it_is():
    text = "Case C-1 · 退货退款 → refund 12.00 (sha256:ab…)"
    assert one_line(text) == text


def hostile_case(tmp_path: Path) -> Path:
    case = (FIXTURES / "cases" / "wrong_item_return.yaml").read_text(encoding="utf-8")
    case = case.replace("case_id: C-CLI", f"case_id: {json.dumps(HOSTILE)}")
    case = case.replace("sku: TEAK-STOOL-40", f"sku: {json.dumps(HOSTILE)}")
    path = tmp_path / "hostile.yaml"
    path.write_text(case, encoding="utf-8")
    return path


def dry_run(*args: str) -> bytes:
    code = "import sys; from aftersales_rules.cli import main; sys.argv[0] = 'aftersales'; main()"
    done = subprocess.run([sys.executable, "-c", code, "dry-run", *args], capture_output=True, check=True)
    return done.stdout


def test_dry_run_text_shows_case_data_escaped(tmp_path):
    out = dry_run(str(hostile_case(tmp_path)), "--rules", str(FIXTURES / "policies" / "cli"), "--lang", "en")
    assert not re.search(rb"[\x00-\x09\x0b-\x1f\x7f]", out)  # no ESC, BEL, CR in the bytes
    assert not any(c.encode() in out for c in BIDI)  # no bidi control either
    text = out.decode("utf-8")
    shown = "A\\x1b[2J\\x1b]0;x\\x07\\rB\\u202eC"
    assert text.startswith(f"Case {shown} · policy cli 1")
    assert f"  goods {shown}" in text


def test_dry_run_json_keeps_the_data_as_it_is(tmp_path):
    out = dry_run(str(hostile_case(tmp_path)), "--rules", str(FIXTURES / "policies" / "cli"), "--format", "json")
    assert not re.search(rb"[\x00-\x09\x0b-\x1f]", out)  # JSON escapes control characters itself
    plan = json.loads(out)
    assert plan["case_id"] == HOSTILE
    assert plan["refund"]["lines"][0]["sku"] == HOSTILE


def test_diff_text_shows_case_data_escaped():
    old = Outcome({"resolution": "decline", "refund.total": "0.00"}, "CNY")
    new = Outcome({"resolution": "return_and_refund", "refund.total": "12.00"}, "CNY")
    report = ImpactReport(f"p{HOSTILE} 1", "p 2", cases=2)
    report.changes.append(CaseChange(HOSTILE, HOSTILE, "line", 1, old, new))
    report.changes.append(CaseChange("C-2", "damaged", "file", HOSTILE, Outcome(error=HOSTILE), new))
    lines = report_lines(report)
    for line in lines:
        assert_shown_escaped(line)
    assert lines[3].startswith("A\\x1b[2J")
    assert "error A\\x1b[2J" in lines[4]


def test_batch_summary_shows_data_escaped():
    summary = BatchSummary(cases=1, resolutions={HOSTILE: 1}, refunds={HOSTILE: Decimal("1.00")})
    sink = io.StringIO()
    Console(file=sink, highlight=False, width=120).print(summary_table(summary))
    assert_shown_escaped(sink.getvalue().replace("\n", " "))
    assert "A\\x1b[2J" in sink.getvalue()


def test_policy_test_report_shows_rule_file_text_escaped():
    test = PolicyTest(HOSTILE, "t.yaml", 3, {}, None, {})
    report = TestReport([TestResult(test, False, mismatches=[HOSTILE]), TestResult(test, False, error=HOSTILE)])
    for line in format_report(report):
        assert_shown_escaped(line)
