"""Reading a policy: rule files → one validated ``PolicySource`` (internal).

``read_policy`` lists and reads the files, parses each into located values and
its rule-file model, and has the builder (build.py) check every definition and
rule; it raises one ``PolicyError`` listing every problem sorted by
file:line:column. Nothing here compiles anything: that is the engine's part.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from pydantic import ValidationError

from ..diagnostics import pydantic_problems
from ..errors import InputError, PolicyError, Problem, SourceLocation, quoted
from ..loader import Document, in_folder, parse_document, read_bounded
from .build import build
from .rulefile import Defaults, PolicyFile, PolicyHeader
from .rules import Rule
from .scope import Scope

__all__ = ["Paths", "PolicySource", "read_policy"]

RULE_SUFFIXES = (".yaml", ".yml")

Paths = str | os.PathLike[str] | Iterable[str | os.PathLike[str]]  # a rule file, a directory of them, or a list


@dataclass
class PolicySource:
    """A validated policy before compilation: what the linter and the compiler read."""

    header: PolicyHeader
    defaults: Defaults
    scope: Scope
    rules: list[Rule]
    files: list[str]
    digest: str
    documents: dict[str, Document]


def _files(paths: Paths) -> tuple[list[Path], Path]:
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    named = [Path(p) for p in paths]
    if not named:
        raise InputError("no policy files given", code="not_found")
    one_folder = len(named) == 1 and named[0].is_dir()
    given: dict[Path, tuple[Path, Path]] = {}  # each file by where it really is: as named, and through what
    for p in named:
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.suffix in RULE_SUFFIXES and _listed(f, p, one_folder))
            if not found:
                raise InputError("no rule files (*.yaml) in this directory", SourceLocation(str(p)), "no_rule_files")
        elif p.exists():
            found = [p]
        else:
            raise InputError("no such file or directory", SourceLocation(str(p)), "not_found")
        for f in found:
            real = f.resolve()
            if real in given:
                earlier = given[real][1]
                how = f"the folder {earlier}" if earlier.is_dir() else str(earlier)
                raise InputError(f"is given twice (also through {how})", SourceLocation(str(f)), "duplicate_file")
            given[real] = (f, p)
    files = [f for f, _ in given.values()]
    root = named[0].resolve() if one_folder else Path(os.path.commonpath([f.parent for f in given]))
    return files, root


def _listed(file: Path, folder: Path, confined: bool) -> bool:
    """Whether a ``*.yaml`` entry of a policy folder is one of its rule files (``in_folder``'s check).

    A regular file is; anything else under that name is refused by name (a link to nothing, to a
    pipe or to a directory would otherwise leave its rules out of the policy without a word), and,
    when the folder is the whole policy, so is a link to a file outside it. Hidden entries that are
    not regular files (an editor's lock link, ``.#policy.yaml``) are passed over.
    """
    try:
        in_folder(file, folder if confined else file.resolve().parent)
    except InputError as exc:
        if file.name.startswith(".") and exc.code != "outside_policy":
            return False
        raise InputError(exc.problem.message, SourceLocation(str(file)), exc.code) from None
    return True


def _display(file: Path, root: Path) -> str:
    rel = file.resolve().relative_to(root)
    return f"{root.name}/{rel.as_posix()}" if root.name else rel.as_posix()


Check = Callable[[PolicySource], list[Problem]]


def read_policy(paths: Paths, checks: Iterable[Check] = ()) -> PolicySource:
    """Read and validate a policy without compiling it (raises ``PolicyError``).

    ``checks`` are further checks of the built policy that this package cannot make itself (the
    engine's limits, ``engine.limits.limit_problems``); their problems are reported with the others.
    """
    files, root = _files(paths)
    problems: list[Problem] = []
    docs: dict[str, Document] = {}
    parsed: dict[str, PolicyFile] = {}
    digest = hashlib.sha256()
    for file in files:
        name = _display(file, root)
        try:
            raw = read_bounded(file, name)
            doc = parse_document(raw, name)
        except InputError as exc:
            problems.append(replace(exc.problem, location=exc.location or SourceLocation(name)))
            continue
        digest.update(name.encode() + b"\0" + raw + b"\0")
        docs[name] = doc
        data = doc.data if doc.data is not None else {}
        if not isinstance(data, dict):
            problems.append(
                Problem(
                    doc.at(()),
                    "invalid_file",
                    "a rule file is a mapping with sections such as policy, values, texts, facts, rules",
                )
            )
            continue
        try:
            parsed[name] = PolicyFile.model_validate(data)
        except ValidationError as exc:
            problems.extend(pydantic_problems(exc, PolicyFile, doc))
            # keep what is readable so the other sections are still checked
            salvage = {k: v for k, v in data.items() if k in PolicyFile.model_fields}
            with contextlib.suppress(ValidationError):
                parsed[name] = PolicyFile.model_validate(_drop_bad(salvage, exc))
    if len(docs) < len(files):
        # a file that cannot be read may define what the others use: its errors come first, alone
        raise PolicyError(problems)
    built = build(parsed, docs, problems)
    source = None
    if built is not None:
        header, defaults, scope, rules, order = built
        if header.examples is not None:
            problems.extend(_examples_problems(header.examples, root, docs[order[0]]))
        source = PolicySource(header, defaults, scope, rules, order, "sha256:" + digest.hexdigest(), docs)
        for check in checks:
            problems.extend(check(source))
    if problems:
        raise PolicyError(problems)
    assert source is not None
    return source


def _examples_problems(declared: str, folder: Path, doc: Document) -> list[Problem]:
    """The header's ``examples:``, the one folder of example cases the policy's tests may read besides
    the policy folder: relative to it, inside the folder that holds the policy folder."""
    where, path = doc.at(("policy", "examples")), "policy.examples"
    name = f"the examples folder {quoted(declared)}"
    if os.path.isabs(declared):
        message = f"{name} is an absolute path: name it relative to the policy folder (examples: ../examples)"
        return [Problem(where, "outside_policy", message, path=path)]
    parent = folder.resolve().parent
    real = (folder / declared).resolve()
    if real == parent or not real.is_relative_to(parent):
        message = f"{name} is outside {parent}, the folder that holds the policy folder"
        return [Problem(where, "outside_policy", message, path=path)]
    return []  # whether it exists is no matter here: a test's case file in it must (policytests)


def _drop_bad(data: dict, exc: ValidationError) -> dict:
    bad = {e["loc"][0] for e in exc.errors() if e["loc"]}
    return {k: v for k, v in data.items() if k not in bad}
