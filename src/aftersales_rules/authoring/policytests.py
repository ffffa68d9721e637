"""A policy's own tests: YAML files of a case and the plan fragment it must produce.

Tests live in ``<RULES_DIR>/tests/*.yaml`` (a subdirectory, so ``Policy.load``
never reads them)::

    tests:
      - name: wrong item, error confirmed, reship before the cut-off
        case: ../../examples/wrong_item_reship_before_cutoff.yaml   # or the case inline
        expect:
          resolution: reship
          refund: {total: "0.00"}
          steps_in_order: [create_replacement_order, reship]
          due: {reship: "2026-07-15T20:00:00+08:00"}

``expect`` is matched against ``plan.model_dump(mode="json")``: a mapping
matches when every key it gives matches (others are ignored); a list matches
element by element (in ``steps``, ``gestures`` and ``trace`` an element may be
the bare ``action`` / ``kind`` / ``rule``); money compares as Decimal, times as
instants. ``steps_in_order`` and ``due`` are the two keys of its own.

A case file is named relative to the test file and must be a regular file inside the policy
folder, or inside the one folder of example cases the policy declares in its header
(``examples: ../examples``) (``loader.in_folder``, the check rule files pass too): an absolute
path, a path that leaves both folders, or a link to a file outside them is refused where it is
written. A test file can therefore make ``aftersales test`` read nothing but the policy's own
files and the cases it declares.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..diagnostics import dotted, suggest
from ..errors import AfterSalesError, InputError, PolicyError, Problem, SourceLocation, quoted
from ..loader import Document, in_folder, load_document
from ..plan import Plan
from .expect import check_plan, same_value

__all__ = [
    "PolicyTest",
    "TestReport",
    "TestResult",
    "check_plan",
    "examples_folder",
    "load_tests",
    "run_tests",
    "same_value",
]

TEST_KEYS = ("name", "case", "expect", "description")
MAX_TEST_NAME = 200
EXTRA_KEYS = ("steps_in_order", "due")


@dataclass
class PolicyTest:
    """One test: a case and the plan fragment it must produce."""

    name: str
    file: str
    line: int
    case: dict
    case_file: str | None
    expect: dict
    column: int = 1
    case_doc: Document | None = field(default=None, repr=False, compare=False)  # locations for case errors

    @property
    def id(self) -> str:
        return f"{self.file}::{self.name}"

    @property
    def location(self) -> SourceLocation:
        return SourceLocation(self.file, self.line, self.column)


# --------------------------------------------------------------------------- loading


def examples_folder(policy_folder: str | os.PathLike[str], declared: str | None) -> str | None:
    """The folder of example cases a policy declares (``examples:`` in its header, relative to the
    policy folder, checked at load), as a path from where ``policy_folder`` is named; None without one."""
    return None if declared is None else tidy_path(os.path.join(policy_folder, declared))


def tidy_path(path: str | os.PathLike[str]) -> str:
    """``path`` without its ``.`` and ``dir/..`` steps when that names the same place, else as it is.

    ``shop/tests/../../examples/a.yaml`` is ``examples/a.yaml``, but not when ``shop`` is a link to a
    folder elsewhere: ``..`` then leaves the link's target, and only the path as written opens the file.
    """
    text = os.fspath(path)
    tidy = os.path.normpath(text)
    return tidy if os.path.realpath(tidy) == os.path.realpath(text) else text


def load_tests(
    path: str | os.PathLike[str],
    policy_folder: str | os.PathLike[str] | None = None,
    examples: str | os.PathLike[str] | None = None,
) -> list[PolicyTest]:
    """The tests of a tests directory (``*.yaml``, ``*.yml``, sorted) or of one file.

    Their case files must lie inside ``policy_folder`` (``aftersales test`` passes the policy's
    folder); without one, inside the folder of the tests (``path``, or the folder holding it); or
    inside ``examples``, the folder of example cases the policy declares (``examples_folder``).
    Raises ``PolicyError`` listing every problem (file:line:col) when a file is malformed.
    """
    p = Path(path)
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.suffix in (".yaml", ".yml") and f.is_file())
    elif p.exists():
        files = [p]
    else:
        raise InputError("no such file or directory", SourceLocation(str(path)), "not_found")
    folder = Path(policy_folder) if policy_folder is not None else (p if p.is_dir() else p.parent)
    problems: list[Problem] = []
    tests: list[PolicyTest] = []
    for file in files:
        try:
            doc = load_document(file, display=str(file))
        except InputError as exc:
            problems.append(replace(exc.problem, location=exc.location or SourceLocation(str(file))))
            continue
        tests.extend(_file_tests(doc, file, (folder, *([] if examples is None else [examples])), problems))
    if problems:
        raise PolicyError(problems)
    return tests


def _file_tests(doc: Document, file: Path, folders: tuple, problems: list[Problem]) -> list[PolicyTest]:
    def error(path: tuple, code: str, message: str, suggestion: str | None = None, *, on_key: bool = False) -> None:
        where = doc.key_at(path) if on_key else doc.at(path)
        problems.append(Problem(where, code, message, path=dotted(path), suggestion=suggestion))

    data = doc.data
    if not isinstance(data, dict) or "tests" not in data:
        error((), "invalid_file", "a policy test file is a mapping with a 'tests' list")
        return []
    for key in data:
        if key != "tests":
            error(
                (key,),
                "unknown_field",
                *suggest(
                    f"unknown field {quoted(key)}", str(key), ["tests"], otherwise=" (a test file holds only 'tests')"
                ),
                on_key=True,
            )
    entries = data["tests"]
    if not isinstance(entries, list):
        error(("tests",), "invalid_value", "'tests' is a list of {name, case, expect}")
        return []
    out: list[PolicyTest] = []
    names: dict[str, int] = {}
    for i, entry in enumerate(entries):
        at = ("tests", i)
        if not isinstance(entry, dict):
            error(at, "invalid_value", "a test is a mapping with name, case and expect")
            continue
        bad = False
        for key in entry:
            if key not in TEST_KEYS:
                error(
                    at + (key,),
                    "unknown_field",
                    *suggest(f"unknown field {quoted(key)} in a test", str(key), TEST_KEYS),
                    on_key=True,
                )
                bad = True
        for key in ("name", "case", "expect"):
            if key not in entry:
                error(at, "missing_field", f"missing field {quoted(key)} in a test")
                bad = True
        if bad:
            continue
        name, expect = entry["name"], entry["expect"]
        line, column = doc.at(at).line, doc.at(at).column
        if not isinstance(name, str) or not name.strip():
            error(at + ("name",), "invalid_value", "a test's name is non-empty text")
            continue
        if len(name) > MAX_TEST_NAME:  # it names the test on every line of the report
            error(at + ("name",), "invalid_value", f"a test's name has at most {MAX_TEST_NAME} characters")
            continue
        if name in names:
            error(at + ("name",), "duplicate_name", f"test name {quoted(name)} is already used at line {names[name]}")
            continue
        names[name] = line
        if not isinstance(expect, dict) or not expect:
            error(at + ("expect",), "invalid_value", "expect is a mapping: a fragment of the plan")
            continue
        if not _check_expect(doc, at + ("expect",), expect, error):
            continue
        loaded = _case(doc, file, folders, at + ("case",), entry["case"], error)
        if loaded is None:
            continue
        case, case_file, case_doc = loaded
        out.append(PolicyTest(name, doc.file, line, case, case_file, expect, column, case_doc))
    return out


def _check_expect(doc: Document, at: tuple, expect: dict, error) -> bool:
    ok = True
    fields = [*Plan.model_fields, *EXTRA_KEYS]
    for key, value in expect.items():
        if key not in fields:
            error(
                at + (key,),
                "unknown_field",
                *suggest(f"unknown plan field {quoted(key)}", str(key), fields),
                on_key=True,
            )
            ok = False
        elif key == "steps_in_order" and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            error(at + (key,), "invalid_value", "steps_in_order is a list of actions")
            ok = False
        elif key == "due" and not (isinstance(value, dict) and value):
            error(at + (key,), "invalid_value", "due is a mapping of action to time, e.g. {reship: ...}")
            ok = False
    return ok


def _case(
    doc: Document, file: Path, folders: tuple, at: tuple, value: Any, error
) -> tuple[dict, str | None, Document] | None:
    if isinstance(value, dict):
        return value, None, _subdocument(doc, at, value)
    if not isinstance(value, str) or not value.strip():
        error(at, "invalid_value", "case is a case file (relative to this file) or the case itself")
        return None
    if os.path.isabs(value):
        error(at, "outside_policy", f"case file {quoted(value)} is an absolute path: name it relative to this file")
        return None
    target = file.parent / value
    try:
        real = in_folder(target, *folders)
        case_doc = load_document(real, display=tidy_path(target))
    except InputError as exc:
        if exc.code == "outside_policy":
            error(at, exc.code, f"case file {quoted(value)} {exc.problem.message}")
        else:
            error(at, "invalid_case_file", f"cannot read case file {quoted(value)}: {exc.problem.message}")
        return None
    if not isinstance(case_doc.data, dict):
        error(at, "invalid_case_file", f"case file {quoted(value)} does not hold a case (a mapping)")
        return None
    return case_doc.data, case_doc.file, case_doc


def _subdocument(doc: Document, prefix: tuple, data: dict) -> Document:
    """The part of ``doc`` below ``prefix``, as a document of its own (for an inline case's locations)."""
    n = len(prefix)
    values = {p[n:]: loc for p, loc in doc.values.items() if p[:n] == prefix}
    keys = {p[n:]: loc for p, loc in doc.keys.items() if p[:n] == prefix and len(p) > n}
    return Document(doc.file, data, values, keys)


# --------------------------------------------------------------------------- running


@dataclass
class TestResult:
    """One test's outcome: passed, or the mismatches, or the error that stopped it."""

    __test__ = False  # not a pytest class

    test: PolicyTest
    passed: bool
    mismatches: list[str] = field(default_factory=list)
    error: str | None = None
    rules: tuple[str, ...] = ()  # the rules the plan's trace names


@dataclass
class TestReport:
    """Every result, in order, with the counts and the rules the passing tests exercised."""

    __test__ = False

    results: list[TestResult]

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.passed)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    @property
    def exercised(self) -> set[str]:
        """Rule ids named in a passing test's plan trace."""
        return {rule for r in self.results if r.passed for rule in r.rules}

    def unexercised(self, policy) -> list:
        """The policy's rules (in load order) that no passing test exercised."""
        done = self.exercised
        return [rule for rule in policy.rules if rule.id not in done]


def run_tests(policy, tests: list[PolicyTest]) -> TestReport:
    """Evaluate each test's case with ``policy`` and match the plan against its ``expect``."""
    results = []
    for test in tests:
        try:
            plan = policy.evaluate(test.case, document=test.case_doc)
        except AfterSalesError as exc:
            results.append(TestResult(test, False, error=str(exc)))
            continue
        mismatches = check_plan(plan, test.expect)
        rules = tuple(entry.rule for entry in plan.trace)
        results.append(TestResult(test, not mismatches, mismatches, None, rules))
    return TestReport(results)
