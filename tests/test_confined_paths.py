"""Files a policy names stay inside its policy folder (issue 9, point 9).

One check, ``loader.in_folder``, decides for the rule files of a folder and for the case files of
its tests: a regular file, inside the folder once every link is followed. A policy test's case
is named relative to the test file; an absolute path, a path that leaves the policy folder, a
link out of it, a link to nothing, a pipe or a device is refused in one located line.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from aftersales_rules import InputError, Policy, PolicyError
from aftersales_rules.authoring.policytests import load_tests
from aftersales_rules.cli import cli
from aftersales_rules.loader import in_folder

from conftest import FIXTURES, RULES

SHOP = FIXTURES / "policytests" / "shop"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A copy of the small test policy, its tests and its example case, under tmp_path/shop."""
    folder = tmp_path / "shop"
    shutil.copytree(SHOP, folder)
    (tmp_path / "outside.yaml").write_text((SHOP / "examples" / "damaged_return.yaml").read_text("utf-8"), "utf-8")
    return folder


def _tests_naming(shop: Path, case: str) -> Path:
    path = shop / "tests" / "t.yaml"
    path.write_text(f"tests:\n  - name: one\n    case: {case}\n    expect: {{resolution: reship}}\n", "utf-8")
    return path


def _refusal(shop: Path, case: str) -> str:
    path = _tests_naming(shop, case)
    with pytest.raises(PolicyError) as caught:
        load_tests(path, policy_folder=shop)
    (problem,) = caught.value.problems
    return str(problem).replace(str(path), "T")


def test_a_case_inside_the_policy_folder_is_read(shop: Path) -> None:
    (test,) = load_tests(_tests_naming(shop, "../examples/damaged_return.yaml"), policy_folder=shop)
    assert test.case["case_id"] == "T-1"
    assert test.case_file == str(shop / "examples" / "damaged_return.yaml")


def test_a_case_path_leaving_the_policy_folder_is_refused(shop: Path) -> None:
    assert _refusal(shop, "../../outside.yaml") == (
        f"T:3:11: outside_policy: case file '../../outside.yaml' is outside the policy folder {shop}"
    )


@pytest.mark.parametrize("case", ["/dev/urandom", "/etc/passwd", "ABSOLUTE"])
def test_an_absolute_case_path_is_refused_even_inside_the_folder(shop: Path, case: str) -> None:
    case = case.replace("ABSOLUTE", str(shop / "examples" / "damaged_return.yaml"))
    assert _refusal(shop, case) == (
        f"T:3:11: outside_policy: case file '{case}' is an absolute path: name it relative to this file"
    )


def test_a_link_out_of_the_policy_folder_is_refused(shop: Path) -> None:
    (shop / "examples" / "link.yaml").symlink_to(shop.parent / "outside.yaml")
    assert _refusal(shop, "../examples/link.yaml") == (
        f"T:3:11: outside_policy: case file '../examples/link.yaml' links to {shop.parent / 'outside.yaml'}, "
        "outside the policy folder"
    )


def test_a_link_to_a_device_is_refused(shop: Path) -> None:
    (shop / "examples" / "zero.yaml").symlink_to("/dev/zero")
    assert "outside_policy: case file '../examples/zero.yaml' links to /dev/zero" in _refusal(
        shop, "../examples/zero.yaml"
    )


def test_a_pipe_and_a_link_to_nothing_are_refused_without_being_opened(shop: Path) -> None:
    os.mkfifo(shop / "examples" / "pipe.yaml")  # opening it would wait for a writer forever
    assert _refusal(shop, "../examples/pipe.yaml") == (
        "T:3:11: invalid_case_file: cannot read case file '../examples/pipe.yaml': "
        "is not a regular file (a directory, a device or a pipe)"
    )
    (shop / "examples" / "gone.yaml").symlink_to(shop / "examples" / "missing.yaml")
    assert _refusal(shop, "../examples/gone.yaml") == (
        "T:3:11: invalid_case_file: cannot read case file '../examples/gone.yaml': "
        f"no such file (a link to {shop / 'examples' / 'missing.yaml'})"
    )


def test_without_a_policy_folder_the_tests_own_folder_is_the_boundary(shop: Path) -> None:
    with pytest.raises(PolicyError, match="outside_policy"):
        load_tests(_tests_naming(shop, "../examples/damaged_return.yaml"))
    shutil.copy(SHOP / "examples" / "damaged_return.yaml", shop / "tests" / "case.yaml")
    (test,) = load_tests(_tests_naming(shop, "case.yaml"))  # the tests file alone: case.yaml is not read as one
    assert test.case["case_id"] == "T-1"


def test_the_cli_refuses_a_stray_case_path_in_one_line(shop: Path) -> None:
    path = _tests_naming(shop, "../../outside.yaml")
    result = CliRunner().invoke(cli, ["test", str(shop)], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr == (
        f"{path}:3:11: outside_policy: case file '../../outside.yaml' is outside the policy folder {shop}\n"
    )


def test_the_reference_tests_read_only_the_policy_folder_and_its_declared_examples() -> None:
    result = CliRunner().invoke(cli, ["test", str(RULES)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert Policy.load(RULES).source.header.examples == "../examples"
    examples = RULES.parent / "examples"
    tests = load_tests(RULES / "tests", policy_folder=RULES, examples=examples)
    assert tests and all(Path(t.case_file).resolve().is_relative_to(examples) for t in tests if t.case_file)
    with pytest.raises(PolicyError, match="outside_policy"):  # without the declaration: outside the policy folder
        load_tests(RULES / "tests", policy_folder=RULES)


# ----------------------------------------------------------------------------- rule files


def test_in_folder_is_the_one_check(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("x: 1\n", "utf-8")
    assert in_folder(tmp_path / "a.yaml", tmp_path) == (tmp_path / "a.yaml").resolve()
    for path, code in [(tmp_path / ".." / "a.yaml", "outside_policy"), (tmp_path / "b.yaml", "not_found")]:
        with pytest.raises(InputError) as caught:
            in_folder(path, tmp_path)
        assert caught.value.code == code


@pytest.mark.parametrize(
    ("make", "code", "message"),
    [
        (lambda f: f.symlink_to(f.parent / "gone.yaml"), "not_found", "no such file (a link to {folder}/gone.yaml)"),
        (lambda f: os.mkfifo(f), "not_a_file", "is not a regular file (a directory, a device or a pipe)"),
        (lambda f: f.mkdir(), "not_a_file", "is not a regular file (a directory, a device or a pipe)"),
    ],
    ids=["link to nothing", "pipe", "directory"],
)
def test_a_rule_file_that_cannot_be_read_is_refused_not_left_out(tmp_path: Path, make, code, message) -> None:
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder, ignore=shutil.ignore_patterns("tests", "examples"))
    make(folder / "zz.yaml")
    with pytest.raises(InputError) as caught:
        Policy.load(folder)
    assert caught.value.code == code
    assert str(caught.value) == f"{folder / 'zz.yaml'}: {code}: " + message.format(folder=folder.resolve())


def test_an_editors_lock_link_is_passed_over(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder, ignore=shutil.ignore_patterns("tests", "examples"))
    (folder / ".#policy.yaml").symlink_to("someone@host.1234:1700000000")  # what Emacs leaves while editing
    assert Policy.load(folder).digest == Policy.load(RULES).digest
