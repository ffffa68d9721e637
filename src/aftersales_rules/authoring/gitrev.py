"""A policy folder named ``REV:PATH``: the folder PATH as it was at the git revision REV of the current repository.

``policy_folder(spec)`` yields a folder to load: ``spec`` itself when it exists (or names no
revision), else the tree ``PATH`` of ``REV`` written into a temporary folder (``git archive``),
removed afterwards. PATH is read from the repository's top, as git reads ``REV:PATH``. git is run
with an argument list, never a shell string; what goes wrong (not a repository, no such revision,
no such path at it, no git) is one ``InputError`` naming ``spec``.
"""

from __future__ import annotations

import contextlib
import io
import os
import posixpath
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator

from ..errors import InputError, SourceLocation, cut, quoted

__all__ = ["is_revision", "policy_folder"]

GIT_SECONDS = 60  # a git command that takes longer is stopped


def is_revision(spec: str) -> bool:
    """Whether ``spec`` names a folder at a git revision (``REV:PATH``) rather than a path that exists."""
    return ":" in spec and not os.path.exists(spec)


@contextlib.contextmanager
def policy_folder(spec: str) -> Iterator[str]:
    """``spec`` when it is a path; for ``REV:PATH`` a temporary folder holding PATH as it was at REV."""
    if not is_revision(spec):
        yield spec
        return
    with tempfile.TemporaryDirectory(prefix="aftersales-rev-") as tmp:
        yield _extract(spec, tmp)


def _extract(spec: str, into: str) -> str:
    where = SourceLocation(spec)
    rev, _, path = spec.partition(":")

    def fail(message: str, code: str) -> InputError:
        return InputError(message, where, code)

    if not rev or rev.startswith("-"):
        raise fail("a revision is needed before ':' (REV:PATH, such as HEAD:rules)", "no_revision")
    top = _git(["rev-parse", "--show-toplevel"], where)
    if top.returncode != 0:
        raise fail("not in a git repository (REV:PATH names a folder at a revision of the current one)", "not_in_git")
    root = top.stdout.decode("utf-8", "surrogateescape").strip()
    commit = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], where, root)
    if commit.returncode != 0:
        raise fail(f"no revision {quoted(rev)} in the repository {root}", "no_revision")
    sha = commit.stdout.decode("ascii").strip()
    relative = posixpath.normpath(path.replace(os.sep, "/")) if path else "."
    if relative == ".." or relative.startswith(("../", "/")):
        raise fail(f"{quoted(path)} is outside the repository", "not_found")
    if relative != ".":
        kind = _git(["cat-file", "-t", f"{sha}:{relative}"], where, root)
        if kind.returncode != 0:
            raise fail(f"no file or folder {quoted(relative)} at revision {quoted(rev)}", "not_found")
    archive = _git(["archive", "--format=tar", sha, *([] if relative == "." else ["--", relative])], where, root)
    if archive.returncode != 0:
        message = archive.stderr.decode("utf-8", "replace").strip().splitlines()
        raise fail(f"git archive failed: {cut(message[0] if message else 'no reason given')}", "unreadable")
    top_folder = os.path.join(into, os.path.basename(root))  # REV: is named as the repository's top is: same digest
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(top_folder, filter="data")
    return os.path.join(top_folder, *relative.split("/")) if relative != "." else top_folder


def _git(args: list[str], where: SourceLocation, cwd: str | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, stdin=subprocess.DEVNULL, timeout=GIT_SECONDS, check=False
        )
    except FileNotFoundError:
        raise InputError("git is not installed (needed to read REV:PATH)", where, "no_git") from None
    except subprocess.TimeoutExpired:
        raise InputError(f"git did not answer within {GIT_SECONDS} seconds", where, "unreadable") from None
