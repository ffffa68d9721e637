"""The one folder of example cases a policy declares (``examples:`` in its header) for its tests.

A test's case file must be inside the policy folder or inside that declared folder (links
followed, a regular file); the declaration is relative to the policy folder and must stay inside
the folder that holds it, else the policy does not load (a located ``outside_policy``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from aftersales_rules import Policy, PolicyError
from aftersales_rules.authoring.policytests import examples_folder, load_tests
from aftersales_rules.cli import cli

from conftest import FIXTURES

SHOP = FIXTURES / "policytests" / "shop"


def _shop(tmp_path: Path, examples: str | None) -> Path:
    """A copy of the small test policy under tmp_path/shop, declaring ``examples`` (if given), with its
    example case moved to tmp_path/cases and its tests reading it there."""
    folder = tmp_path / "shop"
    shutil.copytree(SHOP, folder)
    (tmp_path / "cases").mkdir()
    shutil.move(folder / "examples" / "damaged_return.yaml", tmp_path / "cases" / "damaged_return.yaml")
    if examples is not None:
        header = folder / "policy.yaml"
        text = header.read_text("utf-8")
        header.write_text(
            text.replace("  timezone: Asia/Shanghai\n", f"  timezone: Asia/Shanghai\n  examples: {examples}\n")
        )
    tests = folder / "tests" / "damaged.yaml"
    tests.write_text(tests.read_text("utf-8").replace("../examples/", "../../cases/"), "utf-8")
    return folder


def test_a_declared_folder_is_honoured(tmp_path: Path) -> None:
    shop = _shop(tmp_path, "../cases")
    assert Policy.load(shop).source.header.examples == "../cases"
    assert examples_folder(shop, "../cases") == str(tmp_path / "cases")
    result = CliRunner().invoke(cli, ["test", str(shop)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "2 passed, 0 failed"
    tests = load_tests(shop / "tests", policy_folder=shop, examples=tmp_path / "cases")
    assert tests[0].case_file == str(tmp_path / "cases" / "damaged_return.yaml")


def test_without_a_declaration_a_case_beside_the_policy_folder_is_refused(tmp_path: Path) -> None:
    shop = _shop(tmp_path, None)
    result = CliRunner().invoke(cli, ["test", str(shop)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"{shop / 'tests' / 'damaged.yaml'}:3:11: outside_policy: case file '../../cases/damaged_return.yaml' "
        f"is outside the policy folder {shop}\n"
    )


def test_a_case_outside_both_folders_is_refused(tmp_path: Path) -> None:
    shop = _shop(tmp_path, "../cases")
    (tmp_path / "elsewhere").mkdir()
    shutil.copy(tmp_path / "cases" / "damaged_return.yaml", tmp_path / "elsewhere" / "damaged_return.yaml")
    tests = shop / "tests" / "damaged.yaml"
    tests.write_text(tests.read_text("utf-8").replace("../../cases/", "../../elsewhere/"), "utf-8")
    result = CliRunner().invoke(cli, ["test", str(shop)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"{tests}:3:11: outside_policy: case file '../../elsewhere/damaged_return.yaml' is outside the policy "
        f"folder {shop} and its examples folder {tmp_path / 'cases'}\n"
    )


def test_a_link_in_the_declared_folder_to_a_file_outside_is_refused(tmp_path: Path) -> None:
    shop = _shop(tmp_path, "../cases")
    (tmp_path / "secret.yaml").write_text((tmp_path / "cases" / "damaged_return.yaml").read_text("utf-8"), "utf-8")
    (tmp_path / "cases" / "damaged_return.yaml").unlink()
    (tmp_path / "cases" / "damaged_return.yaml").symlink_to(tmp_path / "secret.yaml")
    with pytest.raises(PolicyError) as caught:
        load_tests(shop / "tests", policy_folder=shop, examples=tmp_path / "cases")
    assert caught.value.problems[0].code == "outside_policy"
    assert f"links to {tmp_path / 'secret.yaml'}, outside the policy folder and its examples folder" in str(
        caught.value.problems[0]
    )


@pytest.mark.parametrize(
    ("declared", "why"),
    [
        ("/etc", "is an absolute path: name it relative to the policy folder (examples: ../examples)"),
        ("../../x", "is outside {parent}, the folder that holds the policy folder"),
        ("..", "is outside {parent}, the folder that holds the policy folder"),
        ("../cases/../../x", "is outside {parent}, the folder that holds the policy folder"),
    ],
)
def test_a_declaration_outside_the_policy_folder_s_parent_is_refused_at_load(
    tmp_path: Path, declared: str, why: str
) -> None:
    shop = _shop(tmp_path, declared)
    with pytest.raises(PolicyError) as caught:
        Policy.load(shop)
    (problem,) = caught.value.problems
    assert (problem.code, problem.path) == ("outside_policy", "policy.examples")
    assert (problem.location.file, problem.location.line, problem.location.column) == (str(shop / "policy.yaml"), 7, 13)
    assert problem.message == f"the examples folder '{declared}' " + why.format(parent=tmp_path.resolve())


def test_a_folder_inside_the_policy_folder_may_be_declared_and_need_not_exist_to_load(tmp_path: Path) -> None:
    shop = _shop(tmp_path, "examples")
    assert Policy.load(shop).source.header.examples == "examples"
    shop_missing = _shop(tmp_path / "other", "../not_there")
    assert Policy.load(shop_missing).source.header.examples == "../not_there"
