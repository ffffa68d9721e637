"""The output file of a batch: checked before the run, written whole or not at all.

An output that is an input (the case file, a case in the input folder, a rule file of
the policy) is refused before anything is read; plans go to a temporary file beside
the output, renamed over it only when the run completes.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import OutputError
from ..language.source import RULE_SUFFIXES
from .records import CASE_SUFFIXES, STDIN

STDOUT = "-"  # --out -: the plans go to standard output
STDOUT_NAME = "standard output"  # how a failed write to it is named

__all__ = ["STDOUT", "Output", "check_not_policy", "check_output"]


class Output:
    """The output file, written whole or not at all.

    A regular file (or a new one) is written to a temporary file beside it and renamed over it
    only by ``commit``: a run that fails or is interrupted leaves the old output as it was and
    removes the temporary file. A device or a pipe (``/dev/stdout``) is written directly, and so is
    ``-``, standard output (``sys.stdout``: flushed, never closed). An ``OSError`` opening, writing,
    closing or renaming becomes an ``OutputError`` naming ``path``.
    """

    def __init__(self, path: str | os.PathLike[str]):
        self.path = str(path)
        self._temp: str | None = None
        self._committed = False
        self.whole = False
        if self.path == STDOUT:
            self.path = STDOUT_NAME
            self._file: Any = _Stdout()
            return
        try:
            st: os.stat_result | None = os.stat(path)
        except OSError:
            st = None
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise OutputError(self.path, "Is a directory")
        if st is not None and not stat.S_ISREG(st.st_mode):
            self._file = self._do(open, path, "w", encoding="utf-8")
            return
        if st is not None and not os.access(path, os.W_OK):
            raise OutputError(self.path, "Permission denied")
        folder, name = os.path.split(os.path.abspath(path))
        temp = os.path.join(folder, f".{name}.{os.getpid()}.{secrets.token_hex(4)}.partial")
        fd = self._do(os.open, temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        self._temp = temp
        self.whole = True  # written whole or not at all (not directly, as a device or a pipe is)
        if st is not None:
            with contextlib.suppress(OSError):
                os.chmod(temp, stat.S_IMODE(st.st_mode))
        self._file = os.fdopen(fd, "w", encoding="utf-8")

    def _do(self, action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return action(*args, **kwargs)
        except OSError as exc:
            raise OutputError(self.path, exc.strerror or str(exc)) from None

    def write(self, text: str) -> None:
        self._do(self._file.write, text)

    def flush(self) -> None:
        self._do(self._file.flush)

    def commit(self) -> None:
        """Close the file and rename the temporary file over the output (``__exit__`` does it if not done)."""
        self._committed = True
        try:
            self._do(self._file.close)  # the last buffer is written here: a full disk can show now
            if self._temp is not None:
                self._do(os.replace, self._temp, self.path)
        finally:
            self._discard()

    def __enter__(self) -> Output:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: Any) -> None:
        if kind is None:
            if not self._committed:
                self.commit()
            return
        with contextlib.suppress(OSError):  # the error already on its way is the one to report
            self._file.close()
        self._discard()

    def _discard(self) -> None:
        if self._temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._temp)
            self._temp = None


class _Stdout:
    """Standard output as an output file: written through ``sys.stdout`` (whatever it is now), never closed."""

    def write(self, text: str) -> None:
        sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()

    def close(self) -> None:
        sys.stdout.flush()


def check_output(cases: str | os.PathLike[str], out: str | os.PathLike[str]) -> None:
    """Refuse an output that is an input: the input file itself, or a case file in the input folder."""
    source, target = Path(cases), Path(out)
    if str(cases) == STDIN or str(out) == STDOUT:
        return
    if source.is_dir():
        inside = target.resolve().parent == source.resolve() and target.suffix in CASE_SUFFIXES
        if inside:
            raise OutputError(str(out), f"it would be read as a case of {cases}")
        return
    same = target.resolve() == source.resolve()
    with contextlib.suppress(OSError):
        same = same or os.path.samefile(source, target)
    if same and (not source.exists() or stat.S_ISREG(source.stat().st_mode)):
        raise OutputError(str(out), "it is the input")


def check_not_policy(rules: str | os.PathLike[str], out: str | os.PathLike[str]) -> None:
    """Refuse an output that is an input of the policy: one of its rule files, or a new one in its folder."""
    if str(out) == STDOUT:
        return
    folder, target = Path(rules), Path(out).resolve()
    if folder.is_dir() and target.parent == folder.resolve() and target.suffix in RULE_SUFFIXES:
        how = "it is a rule file" if target.exists() else "it would be read as a rule file"
        raise OutputError(str(out), f"{how} of {rules}")
    if not folder.is_dir() and target == folder.resolve():
        raise OutputError(str(out), "it is the policy's rule file")
