"""Locations one can open: every ``file:line:col`` a command prints names the file as the user gave it.

Each command runs from a folder of its own against a policy named three ways (relative, through ``..``;
absolute; through a link to a folder elsewhere), and every location in what it prints, text and JSON,
must open from that folder, on the line it names. The plan's contract does not move with them: the
digest and the trace's ``source`` are the same however the policy was named or reached.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from aftersales_rules import Policy, load_case
from aftersales_rules.cli import cli

from conftest import EXAMPLES, FIXTURES, RULES

# a location: a rule, test or case file (never a bare word), a line, and maybe a column
LOCATION = re.compile(r"(?P<file>[^\s()'\"]+\.(?:ya?ml|json)):(?P<line>\d+)(?::(?P<column>\d+))?")


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def shop(tmp_path: Path, monkeypatch) -> dict[str, str]:
    """The reference policy and its examples under ``work/``, a broken copy beside it, a link to each from
    ``links/``; the commands run in ``here/``. Returns each spelling of each policy, by name."""
    work = tmp_path / "work"
    shutil.copytree(RULES, work / "rules")
    shutil.copytree(EXAMPLES, work / "examples")
    shutil.copytree(RULES, work / "broken", ignore=shutil.ignore_patterns("tests"))
    wrong_item = work / "broken" / "wrong_item.yaml"
    text = wrong_item.read_text(encoding="utf-8")
    assert "issue.wants: exchange\n" in text
    wrong_item.write_text(text.replace("issue.wants: exchange\n", "issue.wants: exchang\n", 1), encoding="utf-8")
    (tmp_path / "links").mkdir()
    (tmp_path / "links" / "shop").symlink_to(work / "rules")
    (tmp_path / "links" / "broken").symlink_to(work / "broken")
    shutil.copytree(FIXTURES / "policies" / "lint" / "overlap", work / "overlap")  # a finding naming two rules
    (tmp_path / "links" / "overlap").symlink_to(work / "overlap")
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    return {
        "relative": "../work/rules",
        "absolute": str(work / "rules"),
        "linked": "../links/shop",
        "broken relative": "../work/broken",
        "broken absolute": str(work / "broken"),
        "broken linked": "../links/broken",
        "lint relative": "../work/overlap",
        "lint absolute": str(work / "overlap"),
        "lint linked": "../links/overlap",
    }


SPELLINGS = ["relative", "absolute", "linked"]


def locations(text: str) -> list[tuple[str, int, int | None]]:
    found = [(m["file"], int(m["line"]), int(m["column"]) if m["column"] else None) for m in LOCATION.finditer(text)]
    assert found, f"no location in {text!r}"
    return found


def json_locations(doc: object) -> list[tuple[str, int, int | None]]:
    """Every ``{"file", "line", "column"}`` in a JSON document."""
    if isinstance(doc, dict):
        here = [(doc["file"], doc["line"], doc.get("column"))] if {"file", "line"} <= doc.keys() else []
        return here + [loc for value in doc.values() for loc in json_locations(value)]
    if isinstance(doc, list):
        return [loc for value in doc for loc in json_locations(value)]
    return []


def line_at(file: str, line: int) -> str:
    """Line ``line`` of ``file``, opened from the current folder as a person would open it."""
    lines = Path(file).read_text(encoding="utf-8").splitlines()
    assert 1 <= line <= len(lines), (file, line)
    return lines[line - 1]


def assert_openable(found: list[tuple[str, int, int | None]]) -> None:
    for file, line, column in found:
        text = line_at(file, line)
        assert column is None or column <= len(text) + 1, (file, line, column, text)


# --------------------------------------------------------------------------- load problems, every command


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_policy_error_names_the_file_as_given_in_every_command(shop, spelling, tmp_path):
    broken = shop[f"broken {spelling}"]
    case = "../work/examples/wrong_item_exchange_urgent.yaml"
    cases = tmp_path / "work" / "examples"
    outputs = {
        "check": run("check", broken),
        "dry-run": run("dry-run", "--lang", "en", case, "--rules", broken),
        "test": run("test", broken),
        "batch": run("batch", cases, "--out", tmp_path / "plans.jsonl", "--rules", broken),
        "diff": run("diff", broken, shop[spelling], cases),
    }
    for command, result in outputs.items():
        assert result.exit_code == 1, (command, result.output)
        found = locations(result.output)
        assert {file for file, _, _ in found} == {f"{broken}/wrong_item.yaml"}, command
        assert_openable(found)
        (file, line, column), *_ = found
        assert line_at(file, line)[column - 1 :].startswith("exchang"), command  # the very place of the typo


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_check_json_names_the_file_as_given(shop, spelling):
    result = run("check", shop[f"broken {spelling}"], "--format", "json")
    found = json_locations(json.loads(result.stdout))
    assert found and {file for file, _, _ in found} == {shop[f"broken {spelling}"] + "/wrong_item.yaml"}
    assert_openable(found)
    assert all(line_at(file, line)[column - 1 :].startswith("exchang") for file, line, column in found)


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_lint_findings_text_and_json_open(shop, spelling):
    policy = shop[f"lint {spelling}"]
    text = run("check", policy)
    assert text.exit_code == 1
    found = locations(text.stdout)  # where the finding is, and the two rules its message names
    assert [(file, line) for file, line, _ in found] == [(f"{policy}/policy.yaml", n) for n in (14, 10, 14)]
    assert_openable(found)
    assert [line_at(file, line).strip() for file, line, _ in found[1:]] == ["- id: damaged.return", "- id: damaged.vip"]
    assert json_locations(json.loads(run("check", policy, "--format", "json").stdout)) == found[:1]


# --------------------------------------------------------------------------- the text views


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_the_text_plan_names_each_rule_where_it_is_written(shop, spelling):
    policy = shop[spelling]
    result = run("dry-run", "--lang", "en", "../work/examples/wrong_item_reship_after_cutoff.yaml", "--rules", policy)
    assert result.exit_code == 0, result.output
    decided = result.stdout.split("Decided by:\n")[1]
    entries = re.findall(r"^  (\S+) \((\S+?):(\d+)\)", decided, re.M)  # decided by, then the near misses
    assert len(entries) > 5 and "Near misses" in decided
    for rule, file, line in entries:
        assert file.startswith(policy + "/")
        assert line_at(file, int(line)).strip() == f"- id: {rule}"
    json_plan = json.loads(run("dry-run", "../work/examples/wrong_item_reship_after_cutoff.yaml", "--rules", policy,
                               "--format", "json").stdout)  # fmt: skip
    assert {e["source"].split(":")[0] for e in json_plan["trace"]} == {"rules/policy.yaml", "rules/wrong_item.yaml"}


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_why_not_names_the_rule_its_condition_and_the_winner_where_written(shop, spelling):
    policy = shop[spelling]
    case = "../work/examples/wrong_item_exchange_urgent.yaml"
    lost = run("dry-run", "--lang", "en", case, "--rules", policy, "--why-not", "wrong_item.B.exchange")
    failed = run("dry-run", "--lang", "en", case, "--rules", policy, "--why-not", "wrong_item.A.reship")
    for result in (lost, failed):
        found = locations(result.stdout)
        assert all(file.startswith(policy + "/") for file, _, _ in found)
        assert_openable(found)
    rule_line = locations(lost.stdout)[0]
    assert line_at(rule_line[0], rule_line[1]).strip() == "- id: wrong_item.B.exchange"
    winner = locations(lost.stdout.split("Lost ")[1])[0]
    assert line_at(winner[0], winner[1]).strip() == "- id: wrong_item.B.exchange.urgent"
    condition = locations(failed.stdout.split("failed: ")[1])[0]
    assert line_at(condition[0], condition[1])[condition[2] - 1 :].startswith("[return, refund, exchange]}")
    as_json = json.loads(run("dry-run", case, "--rules", policy, "--why-not", "wrong_item.A.reship", "--format",
                             "json").stdout)  # fmt: skip
    assert as_json["source"].startswith("rules/wrong_item.yaml:")  # the contract's name, as in the trace
    assert json_locations(as_json) and all(file.startswith(policy + "/") for file, _, _ in json_locations(as_json))
    assert_openable(json_locations(as_json))


def test_a_conflict_names_both_rules_where_written(monkeypatch):
    monkeypatch.chdir(FIXTURES / "policies")
    report = json.loads(run("check", "lint/overlap", "--format", "json").stdout)
    example = report["findings"][0]["example"]
    result = CliRunner().invoke(cli, ["dry-run", "-", "--rules", "lint/overlap"], input=json.dumps(example))
    assert result.exit_code == 1 and "both decide resolution" in result.stderr
    found = locations(result.stderr)
    assert [file for file, _, _ in found] == ["lint/overlap/policy.yaml"] * 2
    assert [line_at(file, line).strip() for file, line, _ in found] == ["- id: damaged.return", "- id: damaged.vip"]


# --------------------------------------------------------------------------- policy tests and case files


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_policy_test_failures_and_coverage_open(shop, spelling, tmp_path):
    policy = shop[spelling]
    tests = tmp_path / "work" / "rules" / "tests" / "zz_failing.yaml"
    tests.write_text(
        "tests:\n"
        "  - name: wrong figure\n"
        "    case: ../../examples/damaged_vip_gift.yaml\n"
        "    expect: {resolution: reship}\n"
        "  - name: a case with a mistake\n"
        "    case: {case_id: X, opened_at: 5}\n"
        "    expect: {resolution: reship}\n",
        encoding="utf-8",
    )
    result = run("test", policy, "--coverage")
    assert result.exit_code == 1
    found = locations(result.stdout)
    assert f"{policy}/tests/zz_failing.yaml" in {file for file, _, _ in found}
    assert_openable(found)
    case = re.search(r"\(case (\S+)\)", result.stdout)
    assert case is not None and Path(case[1]).is_file()  # "../work/examples/...", or through the link as written
    assert line_at(f"{policy}/tests/zz_failing.yaml", 6).strip().startswith("case: {case_id: X")


def test_a_case_file_problem_names_the_case_file_as_given(shop, tmp_path):
    case = tmp_path / "work" / "examples" / "zz_bad.yaml"
    case.write_text(
        (EXAMPLES / "damaged_vip_gift.yaml").read_text(encoding="utf-8").replace("wants: ", "wants: replacment #", 1),
        encoding="utf-8",
    )
    result = run("dry-run", "--lang", "en", "../work/examples/zz_bad.yaml", "--rules", shop["linked"])
    assert result.exit_code == 1
    ((file, line, column),) = locations(result.stderr)
    assert file == "../work/examples/zz_bad.yaml" and "replacment" in line_at(file, line)[column - 1 :]


# --------------------------------------------------------------------------- from git


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=repo, check=True, capture_output=True
    )


def test_a_policy_from_git_is_named_rev_path_and_git_opens_it(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    shutil.copytree(RULES, repo / "rules", ignore=shutil.ignore_patterns("tests"))
    wrong_item = repo / "rules" / "wrong_item.yaml"
    good = wrong_item.read_text(encoding="utf-8")
    wrong_item.write_text(good.replace("issue.wants: exchange\n", "issue.wants: exchang\n", 1), encoding="utf-8")
    _git(repo, "init", "-q")
    _git(repo, "add", "rules")
    _git(repo, "commit", "-q", "-m", "a typo")
    wrong_item.write_text(good, encoding="utf-8")
    (repo / "sub").mkdir()
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(repo / "sub")
    result = run("diff", "HEAD:rules", "../rules", EXAMPLES)
    assert result.exit_code == 1
    ((file, line, column),) = locations(result.stderr)
    assert file == "HEAD:rules/wrong_item.yaml"
    shown = subprocess.run(["git", "show", file], capture_output=True, text=True, check=True).stdout
    assert shown.splitlines()[line - 1][column - 1 :].startswith("exchang")
    # committed as it is now, the policy from git has the work tree's digest
    _git(repo, "commit", "-q", "-am", "fixed")
    report = json.loads(run("diff", "HEAD:rules", "../rules", EXAMPLES, "--format", "json").stdout)
    assert report["old_digest"] == report["new_digest"] == Policy.load(RULES).digest


# --------------------------------------------------------------------------- the contract does not move


def test_digest_and_trace_are_the_same_however_the_policy_is_named(shop, tmp_path, monkeypatch, root):
    monkeypatch.chdir(tmp_path / "work")
    spellings = ["rules", "./rules", "rules/", str(tmp_path / "work" / "rules"), "../links/shop", "../work/rules"]
    policies = [Policy.load(s) for s in spellings]
    monkeypatch.chdir(root)
    policies.append(Policy.load("rules"))  # the repository's own, as the golden plans were approved
    assert len({p.digest for p in policies}) == 1
    for example in ("wrong_item_reship_after_cutoff", "damaged_vip_gift", "return_fault_unknown"):
        case = load_case(EXAMPLES / f"{example}.yaml")
        plans = {p.evaluate(case).to_json() for p in policies}
        assert len(plans) == 1
    sources = {tuple(r.source for r in p.rules) for p in policies}
    assert len(sources) == 1 and next(iter(sources))[0].startswith("rules/policy.yaml:")
    in_the_folder = policies[-1].rules[0].where.removeprefix("rules/")  # policy.yaml:78
    for spelling, policy in zip(spellings, policies, strict=False):  # but each names its files as it was given
        assert policy.rules[0].where == f"{Path(spelling)}/{in_the_folder}"


def test_location_turns_a_trace_source_into_a_place_to_open(shop):
    policy = Policy.load(shop["linked"])
    plan = policy.evaluate(load_case(EXAMPLES / "wrong_item_reship_after_cutoff.yaml"))
    for entry in plan.trace:
        shown = policy.location(entry.source)
        assert shown.startswith("../links/shop/") and shown.endswith(entry.source.removeprefix("rules"))
        file, line = shown.rsplit(":", 1)
        assert line_at(file, int(line)).strip() == f"- id: {entry.rule}"
    assert policy.location("elsewhere/x.yaml:3") == "elsewhere/x.yaml:3"  # not this policy's: as it is
