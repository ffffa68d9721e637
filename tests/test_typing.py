"""The public API is typed: a type checker knows what each call takes and returns, and the package says so.

mypy itself runs in CI (``./dev lint``); these tests pin what a caller of the
library relies on: the return types of the public calls, an annotation on every
public method and property of ``Policy`` and ``PolicyService``, and ``py.typed``
(PEP 561) in the package and in the wheel built from it.
"""

from __future__ import annotations

import inspect
import shutil
import subprocess
import sys
import typing
import zipfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest

from aftersales_rules import Case, Plan, Policy, PolicyService, load_case, parse_case
from aftersales_rules.language.source import PolicySource
from aftersales_rules.serve.page import ASSETS

from conftest import ROOT


def _returns(fn: Callable[..., object]) -> object:
    return typing.get_type_hints(fn)["return"]


@pytest.mark.parametrize(
    ("call", "returns"),
    [
        (Policy.load, Policy),
        (Policy.evaluate, Plan),
        (PolicyService.load, PolicyService),
        (PolicyService.evaluate, Plan),
        (PolicyService.reload, Policy),
        (load_case, Case),
        (parse_case, Case),
    ],
    ids=lambda v: getattr(v, "__qualname__", ""),
)
def test_the_public_calls_declare_what_they_return(call, returns):
    assert _returns(call) is returns


def test_the_policy_properties_are_typed():
    assert _returns(Policy.source.fget) is PolicySource
    assert _returns(PolicyService.policy.fget) is Policy


def _untyped(cls: type) -> list[str]:
    """The public methods and properties of ``cls`` with a parameter or return type left unannotated."""
    missing = []
    for name, member in vars(cls).items():
        if name.startswith("_") and name != "__init__":
            continue
        if isinstance(member, property):
            fn, name = member.fget, f"{name} (property)"
        elif isinstance(member, (classmethod, staticmethod)):
            fn = member.__func__
        elif inspect.isfunction(member):
            fn = member
        else:
            continue
        hints = typing.get_type_hints(fn)  # resolves every annotation: a name that does not exist fails here
        params = list(inspect.signature(fn).parameters)[0 if isinstance(member, staticmethod) else 1 :]
        missing.extend(f"{cls.__name__}.{name}: {p}" for p in [*params, "return"] if p not in hints)
    return missing


@pytest.mark.parametrize("cls", [Policy, PolicyService], ids=lambda c: c.__name__)
def test_every_public_method_and_property_is_annotated(cls):
    assert not _untyped(cls)


def test_the_annotation_check_sees_a_missing_annotation():
    class Untyped:
        def evaluate(self, case, *, branches: bool = True):
            return case

        @property
        def name(self):
            return ""

        @classmethod
        def load(cls, paths: str) -> str:
            return paths

    assert _untyped(Untyped) == [
        "Untyped.evaluate: case",
        "Untyped.evaluate: return",
        "Untyped.name (property): return",
    ]


def test_the_policy_facade_declares_its_fields_and_stays_immutable(reference_policy):
    assert typing.get_type_hints(Policy)["_source"] is PolicySource
    with pytest.raises(AttributeError, match="immutable"):
        reference_policy._source = None


def test_the_package_is_marked_typed():
    assert resources.files("aftersales_rules").joinpath("py.typed").is_file()


def test_the_wheel_ships_py_typed(tmp_path: Path):
    """Built from a copy of the sources (setuptools writes build/ and *.egg-info next to them)."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "src", project / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--no-build-isolation"]
        + ["--no-deps", "--no-index", "--wheel-dir", str(tmp_path / "dist"), str(project)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "aftersales_rules/py.typed" in names
    assert {f"aftersales_rules/serve/static/{a}" for a in ASSETS} <= set(names)  # the service's pages: package data
