"""Reading a policy: rule files → one validated ``PolicySource`` (internal).

``read_policy`` lists and reads the files, parses each into located values and
its rule-file model, and has the builder (build.py) check every definition and
rule; it raises one ``PolicyError`` listing every problem sorted by
file:line:column. Nothing here compiles anything: that is the engine's part.

A rule file has two names. Every location (a problem, a finding, ``Rule.location``) names it as the
user did, relative to the current folder or absolute as given (``../myrules/wrong_item.yaml:113:19``,
``HEAD:rules/wrong_item.yaml`` for a folder read from git): a path they can open. Its name in the
policy (``Document.name``, ``rules/wrong_item.yaml``: the folder's own name, links followed, and the
path inside it) is what the digest, the load order and the plan's trace (``Rule.source``) read, so
they are the same however the folder was named or reached; ``PolicySource.location`` turns one into
the other.
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
    files: list[str]  # the rule files' names in the policy (rules/policy.yaml), in load order
    digest: str
    documents: dict[str, Document]  # by file as locations name it (Document.file); each knows its name

    def location(self, source: str) -> str:
        """A trace's ``source`` (``rules/policy.yaml:78``, a rule file's name in the policy) as a location
        one can open from the current folder (``../myrules/policy.yaml:78``); a source of another policy as it is."""
        name, colon, line = source.rpartition(":")
        if not colon or not line.isdigit():
            name, colon, line = source, "", ""
        shown = next((doc.file for doc in self.documents.values() if doc.name == name), name)
        return f"{shown}{colon}{line}"


def _files(paths: Paths, shown_as: str | None) -> tuple[dict[Path, str], Path]:
    """Each rule file with how locations name it, and the folder the names in the policy start from."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    named = [Path(p) for p in paths]
    if not named:
        raise InputError("no policy files given", code="not_found")
    if shown_as is not None and len(named) != 1:
        raise ValueError("shown_as names one policy folder or file")
    one_folder = len(named) == 1 and named[0].is_dir()
    given: dict[Path, tuple[Path, Path]] = {}  # each file by where it really is: as named, and through what
    for p in named:
        where = SourceLocation(_shown(p, p, shown_as))
        if p.is_dir():
            found = sorted(
                f
                for f in p.iterdir()
                if f.suffix in RULE_SUFFIXES and _listed(f, p, one_folder, _shown(f, p, shown_as))
            )
            if not found:
                raise InputError("no rule files (*.yaml) in this directory", where, "no_rule_files")
        elif p.exists():
            found = [p]
        else:
            raise InputError("no such file or directory", where, "not_found")
        for f in found:
            real = f.resolve()
            if real in given:
                earlier = given[real][1]
                how = f"the folder {earlier}" if earlier.is_dir() else str(earlier)
                where = SourceLocation(_shown(f, p, shown_as))
                raise InputError(f"is given twice (also through {how})", where, "duplicate_file")
            given[real] = (f, p)
    files = {f: _shown(f, p, shown_as) for f, p in given.values()}
    root = named[0].resolve() if one_folder else Path(os.path.commonpath([f.parent for f in given]))
    return files, root


def _shown(file: Path, given: Path, shown_as: str | None) -> str:
    """How locations name ``file``, found through ``given`` (a folder or the file itself): as the user
    named it, or ``shown_as`` in place of ``given`` (``HEAD:rules`` for a temporary copy of that folder)."""
    if shown_as is None:
        return str(file)
    if file == given:
        return shown_as
    return shown_as + ("" if shown_as.endswith(("/", ":")) else "/") + file.relative_to(given).as_posix()


def _listed(file: Path, folder: Path, confined: bool, shown: str) -> bool:
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
        raise InputError(exc.problem.message, SourceLocation(shown), exc.code) from None
    return True


def _name(file: Path, root: Path) -> str:
    """A rule file's name in the policy: the folder's own name and the path in it (``rules/policy.yaml``)."""
    rel = file.resolve().relative_to(root)
    return f"{root.name}/{rel.as_posix()}" if root.name else rel.as_posix()


Check = Callable[[PolicySource], list[Problem]]


def read_policy(paths: Paths, checks: Iterable[Check] = (), *, shown_as: str | None = None) -> PolicySource:
    """Read and validate a policy without compiling it (raises ``PolicyError``).

    ``checks`` are further checks of the built policy that this package cannot make itself (the
    engine's limits, ``engine.limits.limit_problems``); their problems are reported with the others.
    ``shown_as`` is how locations name the one folder or file ``paths`` gives (``HEAD:rules`` for a
    copy of it taken from git); by default, as ``paths`` names it.
    """
    files, root = _files(paths, shown_as)
    problems: list[Problem] = []
    docs: dict[str, Document] = {}
    parsed: dict[str, PolicyFile] = {}
    digest = hashlib.sha256()
    for file, shown in files.items():
        name = _name(file, root)
        try:
            raw = read_bounded(file, shown)
            doc = parse_document(raw, shown)
        except InputError as exc:
            problems.append(replace(exc.problem, location=exc.location or SourceLocation(shown)))
            continue
        digest.update(name.encode() + b"\0" + raw + b"\0")
        doc.name = name
        docs[shown] = doc
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
            parsed[shown] = PolicyFile.model_validate(data)
        except ValidationError as exc:
            problems.extend(pydantic_problems(exc, PolicyFile, doc))
            # keep what is readable so the other sections are still checked
            salvage = {k: v for k, v in data.items() if k in PolicyFile.model_fields}
            with contextlib.suppress(ValidationError):
                parsed[shown] = PolicyFile.model_validate(_drop_bad(salvage, exc))
    if len(docs) < len(files):
        # a file that cannot be read may define what the others use: its errors come first, alone
        raise PolicyError(problems)
    built = build(parsed, docs, problems)
    source = None
    if built is not None:
        header, defaults, scope, rules, order = built
        if header.examples is not None:
            problems.extend(_examples_problems(header.examples, root, docs[order[0]]))
        names = [docs[f].name for f in order]
        source = PolicySource(header, defaults, scope, rules, names, "sha256:" + digest.hexdigest(), docs)
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
