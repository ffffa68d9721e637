"""Bad input never escapes as a crash: only the library's own errors, one line each in the CLI.

Golden files in tests/fixtures/bad_input/ (each refused file beside the exact
message it gets), hypothesis over arbitrary documents, texts and bytes as case
files and as rule files and over valid cases and rule files with one place
broken, and the hostile ones (alias bombs, deep nesting, oversized files) run in
a child process, so that a regression that kills the interpreter fails a test
instead of the suite.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from aftersales_rules import AfterSalesError, CaseError, InputError, Policy, PolicyError, load_case
from aftersales_rules.cli import cli
from aftersales_rules.loader import MAX_FILE_BYTES, load_document
from aftersales_rules.testing import generate_cases

from conftest import FIXTURES, ROOT, RULES
from strategies import cases, documents, mutated, mutated_cases, paths_in, value_at, with_value

BAD = FIXTURES / "bad_input"
REFUSED_CASES = sorted(p for p in (BAD / "cases").iterdir() if p.suffix != ".expected")
ACCEPTED_CASES = sorted((BAD / "accepted").iterdir())
REFUSED_POLICIES = sorted((BAD / "policies").glob("*.yaml"))
SAMPLE_CASES = list(generate_cases(12, seed=4, kinds=None))
FUZZ = settings(max_examples=80, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def dry_run(case_file: str | Path, rules: str | Path = RULES):
    return CliRunner().invoke(cli, ["dry-run", str(case_file), "--rules", str(rules), "--format", "json"])


def assert_one_line_refusal(result) -> str:
    """Exit 1, nothing on stdout, a line per problem on stderr: the library's message (not a bug report).

    One problem is one line; several are ``N errors occurred:`` and then a line each.
    """
    assert result.exit_code == 1, (result.exit_code, result.output)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 or lines[0] == f"{len(lines) - 1} errors occurred:", result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    return "\n".join(lines)


# --------------------------------------------------------------------------- golden files


@pytest.mark.parametrize("case_file", REFUSED_CASES, ids=lambda p: p.name)
def test_refused_case_files_get_their_exact_message(reference_policy, case_file, monkeypatch):
    monkeypatch.chdir(BAD)
    expected = case_file.with_suffix(".expected").read_text(encoding="utf-8").rstrip("\n")
    relative = case_file.relative_to(BAD)
    with pytest.raises(AfterSalesError) as caught:  # read for the policy, as dry-run reads it
        reference_policy.evaluate(load_case(relative, zone=reference_policy.source.scope.timezone))
    assert str(caught.value) == expected
    assert assert_one_line_refusal(dry_run(relative)) == expected


@pytest.mark.parametrize("case_file", ACCEPTED_CASES, ids=lambda p: p.name)
def test_odd_but_valid_case_files_are_accepted(reference_policy, case_file):
    """A BOM, CRLF line ends, a tab inside a quoted text, anchors, one-line JSON."""
    plan = reference_policy.evaluate(load_case(case_file))
    assert plan.case_id.startswith("C-B")
    result = dry_run(case_file)
    assert result.exit_code == 0 and json.loads(result.stdout)["case_id"] == plan.case_id


def test_a_bom_changes_nothing(reference_policy):
    with_bom = load_case(BAD / "accepted" / "bom.yaml")
    without = load_case(BAD / "accepted" / "crlf.yaml")
    assert with_bom == without
    assert reference_policy.evaluate(with_bom).to_json() == reference_policy.evaluate(without).to_json()


@pytest.mark.parametrize("rule_file", REFUSED_POLICIES, ids=lambda p: p.name)
def test_refused_rule_files_get_their_exact_message(rule_file, monkeypatch):
    expected = rule_file.with_suffix(".expected").read_text(encoding="utf-8").rstrip("\n")
    monkeypatch.chdir(BAD)  # a location names the file as it was given: here relative to BAD
    given = rule_file.relative_to(BAD)
    with pytest.raises(PolicyError) as caught:
        Policy.load(given)
    assert str(caught.value) == expected
    result = dry_run(BAD / "accepted" / "bom.yaml", rules=given)
    assert assert_one_line_refusal(result) == expected


def test_yaml_tags_run_nothing(tmp_path, reference_policy):
    """The python/object tags in the fixtures would create this file if anything constructed them."""
    marker = Path("/tmp/aftersales-pwned")
    marker.unlink(missing_ok=True)
    for path in [BAD / "cases" / "python_tag.yaml"]:
        with pytest.raises(InputError, match="unsupported tag"):
            load_case(path)
    for path in [BAD / "policies" / "python_tag.yaml", BAD / "policies" / "code_in_condition.yaml"]:
        with pytest.raises(PolicyError):
            Policy.load(path)
    assert not marker.exists()


def test_only_safe_yaml_loading_and_no_eval_anywhere():
    """No module calls an unsafe YAML loader; the library calls no eval or exec (a test may run the README)."""
    unsafe_yaml = {"load", "load_all", "unsafe_load", "unsafe_load_all", "full_load", "full_load_all"}
    unsafe_names = {"Loader", "UnsafeLoader", "FullLoader", "CLoader", "CUnsafeLoader", "CFullLoader"}
    found = []
    files = [p for d in ("src", "tests", "benchmarks") for p in (ROOT / d).rglob("*.py")]
    assert len(files) > 20
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("eval", "exec")
                and "tests" not in path.relative_to(ROOT).parts
            ):
                found.append(f"{path}:{node.lineno}: {node.func.id}()")
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "yaml"
                and (node.attr in unsafe_yaml or node.attr in unsafe_names)
            ):
                found.append(f"{path}:{node.lineno}: yaml.{node.attr}")
            if isinstance(node, ast.ImportFrom) and node.module == "yaml":
                found.extend(
                    f"{path}:{node.lineno}: from yaml import {a.name}"
                    for a in node.names
                    if a.name in unsafe_yaml | unsafe_names
                )
    assert found == []


# --------------------------------------------------------------------------- arbitrary case files


def _as_text(document, fmt: str) -> str | None:
    try:
        if fmt == "json":
            return json.dumps(document, ensure_ascii=False, allow_nan=True)
        return yaml.safe_dump(document, allow_unicode=True)
    except (ValueError, yaml.YAMLError):  # e.g. lone surrogates
        return None


@pytest.mark.slow
@FUZZ
@given(document=documents(), fmt=st.sampled_from(["yaml", "json"]))
def test_arbitrary_documents_as_case_files_raise_only_library_errors(reference_policy, tmp_path, document, fmt):
    text = _as_text(document, fmt)
    assume(text is not None)
    path = tmp_path / f"case.{fmt}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        reference_policy.evaluate(load_case(path))
    except AfterSalesError:
        assert_one_line_refusal(dry_run(path))


@pytest.mark.slow
@FUZZ
@given(raw=st.one_of(st.binary(max_size=400), st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_arbitrary_bytes_as_case_files_raise_only_library_errors(reference_policy, tmp_path, raw):
    path = tmp_path / "case.yaml"
    path.write_bytes(raw)
    try:
        reference_policy.evaluate(load_case(path))
    except AfterSalesError:
        assert_one_line_refusal(dry_run(path))


@settings(max_examples=300)
@given(case=mutated_cases())
def test_valid_cases_with_one_place_broken_raise_only_library_errors(reference_policy, case):
    try:
        reference_policy.evaluate(case)
    except AfterSalesError as exc:
        problems = getattr(exc, "problems", ())
        assert (
            str(exc).splitlines()[-len(problems) :] == [str(p) for p in problems] if problems else "\n" not in str(exc)
        )
        for problem in problems:  # only this project's words, never pydantic's
            assert not any(word in problem.message for word in PYDANTIC_WORDS), problem


# how pydantic phrases its errors: a message a user sees never contains them (diagnostics.py translates)
PYDANTIC_WORDS = (
    "Input should",
    "String should",
    "Value error",
    "Assertion failed",
    "Field required",
    "Extra inputs",
    "should have",
    "should be",
)


WEIRD_NUMBERS = [
    "1e999999999",
    "-1e999999999",
    "1E+28",
    "1e-999999999",
    "0.001",
    "-0.00",
    "NaN",
    "-Infinity",
    "sNaN",
    "1_000.00",
    " 12.50 ",
    "12.5\n",
    "0x10",
    "١٢٣",
    "9" * 400,
    Decimal("1e400"),
    1e308,
    float("nan"),
    -0.0,
    2**70,
    True,
    [],
    {},
]
MONEY_PATHS = [
    ("order", "shipping_fee"),
    ("order", "items", 0, "unit_price"),
    ("order", "items", 0, "unit_cost"),
    ("issue", "requested_amount"),
    ("progress", "agreed_partial_refund"),
    ("progress", "return_shipment", "postage_paid"),
]
TIME_PATHS = [("opened_at",), ("order", "delivered_at")]
WEIRD_TIMES = [
    "9999-12-31T23:59:59+08:00",
    "0001-01-01T00:00:00+14:00",
    "2026-02-30T10:00:00+08:00",
    "2026-03-01T10:00:00+25:00",
    "2026-03-01T24:00:00+08:00",
    "2026-03-01",
    "2026-03-01T10:00:00Z",
    "1969-12-31T23:59:59-12:00",
    "2199-12-31T23:59:59-12:00",
    "now",
    1767225600,
    None,
]


@settings(max_examples=200)
@given(case=cases(), path=st.sampled_from(MONEY_PATHS + TIME_PATHS), value=st.sampled_from(WEIRD_NUMBERS + WEIRD_TIMES))
def test_odd_amounts_and_times_raise_only_library_errors(reference_policy, case, path, value):
    try:
        reference_policy.evaluate(with_value(case, path, value))
    except AfterSalesError as exc:
        assert "\n" not in str(exc)


# --------------------------------------------------------------------------- arbitrary rule files


@FUZZ
@given(document=documents(), fmt=st.sampled_from(["yaml", "json"]))
def test_arbitrary_documents_as_a_rule_file_raise_only_library_errors(tmp_path, document, fmt):
    text = _as_text(document, fmt)
    assume(text is not None)
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        policy = Policy.load(path)
    except AfterSalesError as exc:
        problems = getattr(exc, "problems", [])
        assert all("\n" not in str(p) for p in problems)
        result = dry_run(BAD / "accepted" / "bom.yaml", rules=path)
        assert result.exit_code == 1 and result.stdout == ""
        assert result.stderr == f"{exc}\n"  # one line, or "N errors occurred:" and one line per problem
        assert len(result.stderr.splitlines()) == (1 if len(problems) <= 1 else len(problems) + 1)
        return
    for case in SAMPLE_CASES:  # a document that happens to be a policy must still only raise our errors
        with contextlib.suppress(AfterSalesError):
            policy.evaluate(case)


@pytest.fixture(scope="module")
def rules_copy(tmp_path_factory):
    """The reference rule files in a scratch directory (rules/tests/ left out)."""
    target = tmp_path_factory.mktemp("scratch") / "rules"
    shutil.copytree(RULES, target, ignore=shutil.ignore_patterns("tests"))
    return target


@FUZZ
@given(document=documents())
def test_arbitrary_documents_beside_the_reference_rules_raise_only_library_errors(rules_copy, document):
    text = _as_text(document, "yaml")
    assume(text is not None)
    extra = rules_copy / "zz_extra.yaml"
    extra.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        policy = Policy.load(rules_copy)
    except AfterSalesError as exc:
        assert exc.problems and all(p.location is not None and p.code for p in exc.problems), str(exc)
        return
    finally:
        extra.unlink()
    # it loaded: it is a valid rule file, so what it adds decides; without rules it changes no decision
    adds_rules = isinstance(document, dict) and bool(document.get("rules"))
    for case, alone in zip(SAMPLE_CASES, _reference_plans(), strict=True):
        try:
            plan = policy.evaluate(case)
        except AfterSalesError:
            assert adds_rules, "a file without rules made a case fail"
            continue
        if not adds_rules:
            assert plan.model_dump(exclude={"policy"}) == alone, "a file without rules changed a plan"


@functools.cache
def _reference_plans() -> list[dict]:
    policy = Policy.load(RULES)
    return [policy.evaluate(case).model_dump(exclude={"policy"}) for case in SAMPLE_CASES]


RULE_FILES = {f.name: load_document(f).data for f in sorted(RULES.glob("*.yaml"))}
RULE_PARTS = [value_at(data, p) for data in RULE_FILES.values() for p in paths_in(data)]
RULE_KEYS = st.one_of(
    st.sampled_from(
        [
            "when",
            "then",
            "priority",
            "group",
            "amount",
            "cap",
            "first_known",
            "min",
            "percent",
            "of",
            "due",
            "day_of",
            "plus_days",
            "at",
            "from",
            "plus",
            "known",
            "is_not",
            "not_in",
            "within_days_after",
            "all",
            "any",
            "not",
            "set",
            "values",
            "facts",
            "$x",
        ]
    ),
    st.text(max_size=6),
)


@st.composite
def broken_rule_file(draw):
    """A reference rule file with one place replaced (by anything, or by a piece of another rule), removed or added."""
    name = draw(st.sampled_from(sorted(RULE_FILES)))
    values = st.one_of(documents(6), st.sampled_from(RULE_PARTS))
    return name, draw(mutated(RULE_FILES[name], values, RULE_KEYS))


@pytest.mark.slow
@FUZZ
@given(broken=broken_rule_file())
def test_reference_rules_with_one_place_broken_raise_only_library_errors(rules_copy, broken):
    name, data = broken
    target = rules_copy / name
    original = target.read_bytes()
    target.write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8", errors="surrogatepass"
    )
    try:
        policy = Policy.load(rules_copy)
    except AfterSalesError as exc:
        assert all("\n" not in str(p) for p in getattr(exc, "problems", []))
        return
    finally:
        target.write_bytes(original)
    for case in SAMPLE_CASES:
        with contextlib.suppress(AfterSalesError):
            policy.evaluate(case)


# --------------------------------------------------------------------------- hostile files, in a child process

HOSTILE = {
    "alias_bomb": (
        "a: &a ["
        + ",".join(['"lol"'] * 9)
        + "]\n"
        + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8)),
        "anchors and aliases used as a bomb",
    ),
    "deep_flow": ("[" * 500_000 + "]" * 500_000, "nested too deeply"),  # 1 MB: crashed libyaml's composer
    "deep_unclosed": ("{a: " * 200_000, "nested too deeply"),
    "deep_block": ("".join(" " * i + "a:\n" for i in range(1400)), "nested too deeply"),
    "oversized": ("x: '" + "a" * MAX_FILE_BYTES + "'\n", "over the 1,048,576-byte limit"),
}


def _child(args: list[str]) -> subprocess.CompletedProcess:
    """``aftersales`` in a child process (a hang guard of 60 s; the refusals take well under a second)."""
    code = "import sys; from aftersales_rules.cli import main; main(sys.argv[1:])"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60, cwd=ROOT)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_case_files_are_refused_in_one_line(tmp_path, name):
    text, message = HOSTILE[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    done = _child(["dry-run", str(path), "--rules", str(RULES)])
    assert done.returncode == 1, (done.returncode, done.stderr[-500:])
    assert done.stdout == "" and len(done.stderr.splitlines()) == 1, done.stderr[-500:]
    assert done.stderr.startswith(str(path)) and message in done.stderr


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_rule_files_are_refused_in_one_line(tmp_path, name):
    text, message = HOSTILE[name]
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "policy.yaml").write_text(text, encoding="utf-8")
    done = _child(["dry-run", str(BAD / "accepted" / "bom.yaml"), "--rules", str(rules)])
    assert done.returncode == 1, (done.returncode, done.stderr[-500:])
    assert done.stdout == "" and len(done.stderr.splitlines()) == 1, done.stderr[-500:]
    assert done.stderr.startswith(f"{rules}/policy.yaml") and message in done.stderr


def test_case_errors_are_case_errors_and_name_the_field(reference_policy):
    """A representative of each family: unreadable → InputError, invalid → CaseError naming the path."""
    case = dict(SAMPLE_CASES[0], order={**SAMPLE_CASES[0]["order"], "shipping_fee": "abc"})
    with pytest.raises(CaseError, match=r"^invalid_value: order\.shipping_fee: 'abc' is not an amount"):
        reference_policy.evaluate(case)
    with pytest.raises(InputError, match="no such file"):
        load_case(BAD / "cases" / "does_not_exist.yaml")
