"""`aftersales diff` for authors: an old policy taken from git (REV:PATH), -j N, progress."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from aftersales_rules.authoring.gitrev import policy_folder
from aftersales_rules.authoring.impact import diff_policies
from aftersales_rules.cli import cli
from aftersales_rules.errors import InputError
from test_cli_tools import _request as buyer_request

from conftest import RULES


def run(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def _request(case_id: str, day: int) -> dict:
    return buyer_request(case_id, "return_request", day)


def _cases(path, days=range(2, 28)):
    lines = [json.dumps(_request(f"R{day}", day)) for day in days]
    lines.insert(3, '{"case_id": "BROKEN", "opened_at": 5}')  # decided by neither policy
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _fifteen_days(rules):
    header = (rules / "policy.yaml").read_text(encoding="utf-8")
    (rules / "policy.yaml").write_text(header.replace("no_reason_days: 7 ", "no_reason_days: 15"), encoding="utf-8")


def _git(repo, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=repo, check=True, capture_output=True
    )


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A git repository holding the reference policy committed, then changed (15 days) in the work tree."""
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copytree(RULES, root / "rules", ignore=shutil.ignore_patterns("tests"))
    _git(root, "init", "-q")
    _git(root, "add", "rules")
    _git(root, "commit", "-q", "-m", "the policy")
    _fifteen_days(root / "rules")
    _cases(root / "cases.jsonl")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(root)
    return root


def test_diff_takes_the_old_policy_from_a_git_revision(repo, tmp_path, monkeypatch):
    from_git = run("diff", "HEAD:rules", "rules/", "cases.jsonl")
    assert from_git.exit_code == 0, from_git.output
    assert "27 cases, 8 changed, 1 failed under both" in from_git.stdout.splitlines()
    assert "R10 return_request (line 10): resolution decline → return_and_refund" in from_git.stdout
    # the same report, digests too, as with a copy of the committed folder (of the same name)
    copy = tmp_path / "copy" / "rules"
    shutil.copytree(RULES, copy, ignore=shutil.ignore_patterns("tests"))
    assert run("diff", copy, "rules/", "cases.jsonl").stdout == from_git.stdout
    # in a subfolder PATH is still read from the repository's top, as git reads REV:PATH
    (repo / "sub").mkdir()
    monkeypatch.chdir(repo / "sub")
    in_sub = run("diff", "HEAD:rules", "../rules", "../cases.jsonl").stdout
    assert in_sub == from_git.stdout.replace("cases.jsonl:", "../cases.jsonl:")
    unchanged = run("diff", "HEAD:rules", "HEAD:rules", "../cases.jsonl")
    assert "27 cases, 0 changed, 1 failed under both" in unchanged.stdout


def test_diff_says_in_one_line_what_is_wrong_with_a_revision(repo, tmp_path, monkeypatch):
    def error(spec: str) -> str:
        result = run("diff", spec, repo / "rules", repo / "cases.jsonl")
        assert result.exit_code == 1 and result.stdout == ""
        assert result.stderr.count("\n") == 1
        return result.stderr.strip()

    assert error("HEAD:nowhere") == "HEAD:nowhere: not_found: no file or folder 'nowhere' at revision 'HEAD'"
    assert error("HEAD:../x") == "HEAD:../x: not_found: '../x' is outside the repository"
    assert error("NOPE:rules") == f"NOPE:rules: no_revision: no revision 'NOPE' in the repository {repo}"
    assert error(":rules").startswith(":rules: no_revision: a revision is needed before ':'")
    outside = tmp_path / "outside"
    outside.mkdir()
    monkeypatch.chdir(outside)
    assert error("HEAD:rules").startswith("HEAD:rules: not_in_git: not in a git repository")
    missing = run("diff", "nowhere", "rules", "cases.jsonl")
    assert missing.exit_code == 2 and "Path 'nowhere' does not exist" in missing.stderr


def test_a_revision_folder_is_removed_when_the_run_ends(repo):
    with policy_folder("HEAD:rules") as folder:
        assert (repo / "rules" / "policy.yaml").read_text() != Path(folder, "policy.yaml").read_text()
        kept = Path(folder)
    assert not kept.exists()
    with pytest.raises(InputError), policy_folder("HEAD~5:rules"):
        pass


def test_diff_on_two_workers_reports_what_one_reports(tmp_path):
    new = tmp_path / "new"
    shutil.copytree(RULES, new, ignore=shutil.ignore_patterns("tests"))
    _fifteen_days(new)
    cases = _cases(tmp_path / "cases.jsonl", days=list(range(2, 28)) * 6)  # 157 lines: three chunks
    for fmt in ("text", "json"):
        one = run("diff", RULES, new, cases, "--format", fmt)
        two = run("diff", RULES, new, cases, "--format", fmt, "-j", "2")
        assert one.exit_code == two.exit_code == 0
        assert one.stdout == two.stdout and "48 changed" in run("diff", RULES, new, cases).stdout
        assert one.stderr == two.stderr == ""  # not a terminal: no progress bar


def test_diff_reports_its_progress(tmp_path):
    new = tmp_path / "new"
    shutil.copytree(RULES, new, ignore=shutil.ignore_patterns("tests"))
    cases = _cases(tmp_path / "cases.jsonl", days=range(2, 6))
    seen: list[int] = []
    assert diff_policies(RULES, new, cases, progress=seen.append).cases == 5
    assert seen == [1, 2, 3, 4, 5]
    seen.clear()
    assert diff_policies(RULES, new, cases, jobs=2, progress=seen.append).cases == 5
    assert seen == [1, 2, 3, 4, 5]


def test_diff_reads_the_cases_from_standard_input(repo):
    from_file = run("diff", "HEAD:rules", "rules/", "cases.jsonl")
    text = (repo / "cases.jsonl").read_text(encoding="utf-8")
    from_stdin = CliRunner().invoke(cli, ["diff", "HEAD:rules", "rules/", "-"], input=text, catch_exceptions=False)
    assert from_stdin.exit_code == 0, from_stdin.output
    assert "27 cases, 8 changed, 1 failed under both" in from_stdin.stdout.splitlines()
    # the same report, each case placed on its line of <stdin> rather than of the file
    assert from_stdin.stdout == from_file.stdout.replace("cases.jsonl", "<stdin>")
    on_cluster = CliRunner().invoke(cli, ["diff", "rules/", "rules/", "-", "--scheduler", "local:1"], input=text)
    assert on_cluster.exit_code != 0 and "<stdin>" in on_cluster.output  # a stream cannot be split into parts
