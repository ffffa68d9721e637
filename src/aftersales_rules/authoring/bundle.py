"""A policy as its source: the rule files' texts and digest, small and picklable, loaded where it is used.

A ``Policy`` cannot be pickled (it owns durable_rules handles); a ``PolicyBundle`` can. It is what a
batch sends to the workers of a Dask cluster, and what a user's own pipeline (Dask, Spark) ships to
its executors: ``PolicyBundle.from_folder("rules")`` loads the policy once (reporting a broken one
as ``Policy.load`` does), reads its files' bytes, and checks that they are the policy it loaded.

``bundle.policy()`` gives the policy, loaded once per process and kept (a few, keyed by texts and digest):
the texts are written into a temporary folder of their own (never the user's folder), loaded from
there under the same file names (so the digest is the same; messages name the folder as the client
was given it, ``shown_as``, as ``Policy.load`` does) and the digest compared with the one sent.
A policy that loads with another digest is refused with an ``EvaluationError`` saying so, never
used: a worker decides with the policy the client read, or not at all.
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from ..errors import EvaluationError, InputError, SourceLocation, quoted
from ..loader import read_bounded
from ..policy import Policy

__all__ = ["KEPT", "PolicyBundle"]

KEPT = 4  # policies a process keeps loaded (batch needs one, diff two); the least recently used goes first
FOLDER = "policy"  # the folder's name when the policy's own folder has none (a policy at /)


@dataclass(frozen=True)
class PolicyBundle:
    """A policy's rule files as texts: ``files`` are (name inside the folder, bytes) in load order."""

    folder: str  # the policy folder's name: file names in messages and in the digest begin with it
    files: tuple[tuple[str, bytes], ...]
    digest: str  # "sha256:…", the digest the policy loaded with where the bundle was made
    shown_as: str | None = None  # how locations name the folder (as the user gave it), not the worker's copy

    @classmethod
    def from_folder(cls, path: str | os.PathLike[str], *, shown_as: str | None = None) -> PolicyBundle:
        """The policy in ``path`` (a folder of rule files, or one rule file) as a bundle; its locations name
        the folder as ``path`` does, or as ``shown_as`` (``HEAD:rules`` for a folder taken from git).

        Raises ``PolicyError`` as ``Policy.load`` does for a policy that does not load, and
        ``InputError`` when a file changes between being loaded and being read.
        """
        shown = shown_as if shown_as is not None else os.fspath(path)
        policy = Policy.load(path, shown_as=shown)
        try:
            files = policy.source.files
            digest = policy.digest
        finally:
            policy.close()
        given = Path(path)
        root = given.resolve() if given.is_dir() else given.resolve().parent
        folder = root.name or FOLDER
        prefix = f"{root.name}/" if root.name else ""
        texts = []
        for name in files:
            inside = name.removeprefix(prefix)
            file = root / inside if given.is_dir() else given
            texts.append((inside, read_bounded(file, name)))
        # a worker loads a folder holding the files: named as the given folder, or as the given file's folder
        bundle = cls(folder, tuple(texts), digest, shown if given.is_dir() else os.path.dirname(shown) or ".")
        try:
            bundle._load().close()  # loaded here as a worker will load it: the same digest, or refused now
        except EvaluationError:
            raise InputError(
                "the policy changed while it was being read; run again", SourceLocation(str(path)), "changed"
            ) from None
        return bundle

    def policy(self) -> Policy:
        """The policy of these texts, loaded once in this process (and kept: do not close it)."""
        with _lock:  # keyed by the texts and the digest: a bundle whose texts differ is loaded (and checked)
            kept = _loaded.get(self)
            if kept is not None:
                _loaded.move_to_end(self)
                return kept
            policy = self._load()
            _loaded[self] = policy
            while len(_loaded) > KEPT:
                _loaded.popitem(last=False)[1].close()
            return policy

    def _load(self) -> Policy:
        with tempfile.TemporaryDirectory(prefix="aftersales-policy-") as tmp:
            folder = Path(tmp) / self.folder
            folder.mkdir()
            for name, raw in self.files:
                target = folder / name
                if target.parent != folder:  # a name is one file of the folder, never a path out of it
                    raise EvaluationError(f"a policy bundle names a file outside its folder: {quoted(name)}")
                target.write_bytes(raw)
            policy = Policy.load(
                folder, shown_as=self.shown_as
            )  # the documents are read into memory: the folder can go
        if policy.digest != self.digest:
            policy.close()
            raise EvaluationError(
                f"the policy loaded on {socket.gethostname()} (pid {os.getpid()}) has the digest "
                f"{policy.digest}, not {self.digest} as sent: refused (a different version of "
                "aftersales-rules, or texts changed on the way)"
            )
        return policy


_loaded: OrderedDict[PolicyBundle, Policy] = OrderedDict()
_lock = threading.Lock()
