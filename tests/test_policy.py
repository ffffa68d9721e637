"""Policy.load: golden invalid policies (exact error text), load order, metadata, immutability."""

import shutil
from pathlib import Path

import pytest

from aftersales_rules import InputError, Policy, PolicyError
from aftersales_rules.language.source import read_policy

from conftest import SMALL_CASE

INVALID = Path(__file__).parent / "fixtures" / "policies" / "invalid"
CASES = sorted(p for p in INVALID.iterdir() if p.is_dir())


@pytest.mark.parametrize("fixture", CASES, ids=[p.name for p in CASES])
def test_invalid_policy_reports_every_problem_exactly(fixture, monkeypatch):
    monkeypatch.chdir(INVALID)  # a location names a file as it was given: here relative to INVALID
    with pytest.raises(PolicyError) as err:
        Policy.load(fixture.name)
    assert str(err.value) + "\n" == (fixture / "expected.txt").read_text(encoding="utf-8")


def test_three_mistakes_in_two_files_are_all_located(monkeypatch):
    monkeypatch.chdir(INVALID)
    with pytest.raises(PolicyError) as err:
        Policy.load("three_mistakes_two_files")
    problems = err.value.problems
    assert [(p.location.file, p.location.line, p.code) for p in problems] == [
        ("three_mistakes_two_files/policy.yaml", 7, "unknown_fact"),
        ("three_mistakes_two_files/policy.yaml", 13, "unknown_field"),
        ("three_mistakes_two_files/wrong_item.yaml", 7, "unknown_action"),
    ]
    assert all(p.severity == "error" for p in problems)


def test_missing_directory_and_empty_directory(tmp_path):
    with pytest.raises(InputError, match="no such file or directory"):
        Policy.load(tmp_path / "nope")
    with pytest.raises(InputError, match="no rule files"):
        Policy.load(tmp_path)


def test_policy_tests_subdirectory_is_not_loaded_as_rules(root):
    source = read_policy(root / "rules")
    assert all("/tests/" not in f for f in source.files)
    assert source.files[0] == "rules/policy.yaml"  # the header file first: the rules' load order
    assert source.documents[str(root / "rules" / "policy.yaml")].name == "rules/policy.yaml"  # by file as given


def test_metadata_and_digest(reference_policy, root):
    assert reference_policy.name == "reference" and reference_policy.version == "2026.11"
    assert reference_policy.digest.startswith("sha256:") and len(reference_policy.digest) == 71
    assert str(reference_policy.effective_from) == "2026-01-01"
    again = Policy.load(root / "rules")
    assert again.digest == reference_policy.digest


def test_digest_changes_with_a_file(tmp_path, root):
    import shutil

    shutil.copytree(root / "rules", tmp_path / "rules", ignore=shutil.ignore_patterns("tests"))
    before = read_policy(tmp_path / "rules").digest
    (tmp_path / "rules" / "texts.yaml").write_text(
        (tmp_path / "rules" / "texts.yaml").read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8"
    )
    assert read_policy(tmp_path / "rules").digest != before


def test_policy_is_immutable(reference_policy):
    with pytest.raises(AttributeError, match="immutable"):
        reference_policy.version = "2"
    with pytest.raises(AttributeError, match="immutable"):
        reference_policy._engine = None
    with pytest.raises(AttributeError, match="immutable"):
        del reference_policy._engine
    assert reference_policy.evaluate(SMALL_CASE).resolution  # still whole


def test_a_list_of_files_is_a_policy(root):
    files = [root / "rules" / "policy.yaml", root / "rules" / "texts.yaml", root / "rules" / "courier_change.yaml"]
    policy = Policy.load(files)
    assert {r.id for r in policy.rules} >= {"courier_change.sf_express.freight_collect", "sequence.close"}
    assert policy.rules[0].source.startswith("rules/policy.yaml:")


def test_a_rule_file_named_twice_is_refused_by_name(root):
    with pytest.raises(InputError) as err:
        Policy.load([root / "rules", root / "rules" / "policy.yaml"])
    assert err.value.code == "duplicate_file"
    folder, file = root / "rules", root / "rules" / "policy.yaml"
    assert str(err.value) == f"{file}: duplicate_file: is given twice (also through the folder {folder})"


def test_a_rule_file_linking_outside_the_policy_folder_is_refused_in_one_line(root, tmp_path):
    shutil.copytree(root / "rules", tmp_path / "rules", ignore=shutil.ignore_patterns("tests"))
    (tmp_path / "elsewhere.yaml").write_text("texts: {}\n", encoding="utf-8")
    (tmp_path / "rules" / "zz.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    with pytest.raises(InputError) as err:
        Policy.load(tmp_path / "rules")
    assert err.value.code == "outside_policy"
    assert str(err.value) == (
        f"{tmp_path / 'rules' / 'zz.yaml'}: outside_policy: "
        f"links to {tmp_path / 'elsewhere.yaml'}, outside the policy folder"
    )
