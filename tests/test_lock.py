"""The locks hold what pyproject.toml asks for, at versions it allows: a fresh machine installs what CI tested."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import ROOT

PINNED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^ ;\\]+)", re.M)


def _pins(name: str) -> dict[str, str]:
    text = (ROOT / name).read_text(encoding="utf-8")
    return {canonicalize_name(n): v for n, v in PINNED.findall(text)}


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    own = canonicalize_name(project["name"])
    # the test extras name the project's own extras (serve, dask), whose requirements are listed here themselves
    return [Requirement(r) for r in declared if canonicalize_name(Requirement(r).name) != own]


def test_the_test_extras_take_in_every_optional_part():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    own = [Requirement(r) for r in extras["test"] if canonicalize_name(Requirement(r).name) == project["name"]]
    assert own and set().union(*(r.extras for r in own)) >= set(extras) - {"test", "bench"}


@pytest.mark.parametrize("requirement", _declared(), ids=str)
def test_every_declared_dependency_is_locked_at_an_allowed_version(requirement):
    pins = _pins("requirements.lock")
    name = canonicalize_name(requirement.name)
    assert name in pins, f"{requirement.name} is declared but not locked: run ./dev lock"
    assert requirement.specifier.contains(pins[name], prereleases=True), (requirement, pins[name])


def test_every_pin_is_hashed_and_the_build_lock_holds_setuptools():
    for lock in ("requirements.lock", "requirements-build.lock"):
        text = (ROOT / lock).read_text(encoding="utf-8")
        entries = re.split(r"\n(?=[A-Za-z0-9])", text.strip())
        assert entries and all("--hash=sha256:" in entry for entry in entries), lock
    assert "setuptools" in _pins("requirements-build.lock")


def test_the_environment_runs_the_locked_versions():
    pins = _pins("requirements.lock")
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        assert metadata.version(requirement.name) == pins[name], f"{name}: installed is not the locked version"
