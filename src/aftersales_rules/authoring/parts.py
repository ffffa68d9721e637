"""An input cut into partitions, for a cluster: byte ranges of JSONL files, runs of case files, Parquet row groups.

The client only lists and measures the input (a folder's entries, a file's size, a Parquet file's
footer); the workers read it, so a remote cluster's workers must see the input at the same path.
The line numbers of a JSONL partition come from a first pass over the ranges (``count_range``, run
on the workers: the line breaks and the records in each) so that every record is numbered as
``records.read_cases`` numbers it, and the total is known before the plans.

``CASES`` may be a JSONL file, a Parquet file (``*.parquet``), a folder of case files, or a glob
of JSONL or Parquet files (``'cases/*.jsonl'``, quoted for the shell; matched in name order). A
record of an input of several files names its file in its error record (``"file"``).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ..errors import InputError, SourceLocation, quoted
from .parquet import is_parquet, row_groups, rows
from .records import BLOCK, Record, is_stream, read_cases, read_range

__all__ = ["FILES_PER_PART", "PART_BYTES", "Part", "Split", "count_range", "expand", "split"]

PART_BYTES = 1 << 20  # bytes of a JSONL file a partition takes (about 1,500 cases of the reference shop)
FILES_PER_PART = 256  # case files of a folder a partition takes

Range = tuple[str, int, int]  # a JSONL file, the first byte and the byte after the last


@dataclass(frozen=True)
class Part:
    """One partition: what a worker reads, and how it numbers its records."""

    kind: str  # "lines" | "rows" | "files"
    path: str = ""  # the JSONL or Parquet file
    start: int = 0  # "lines": the first byte; "rows": the row group
    end: int = 0  # "lines": the byte after the last
    before: int = 0  # line breaks (or rows) of the file before the partition
    files: tuple[str, ...] = ()  # "files": the case files
    named: bool = False  # the input has several files: an error record names its file

    def records(self) -> Iterator[Record]:
        """The partition's records, in the input's order (read on a worker)."""
        if self.kind == "lines":
            yield from read_range(self.path, self.start, self.end, self.before)
        elif self.kind == "rows":
            yield from rows(self.path, self.start, self.before)
        else:
            yield from (Record("file", f, f, f) for f in self.files)


@dataclass
class Split:
    """The partitions of an input, in order, and how many records they hold."""

    parts: list[Part] = field(default_factory=list)
    total: int = 0
    files: list[str] = field(default_factory=list)  # the files read (a folder's case files are not listed)


def expand(cases: str | os.PathLike[str]) -> tuple[str, list[str]]:
    """What ``cases`` names: ``("folder", [folder])``, or ``("lines" | "rows", files)``."""
    text = str(cases)
    if is_stream(cases):
        raise InputError(
            "a stream cannot be cut into partitions: write it to a file, or run without --scheduler",
            SourceLocation("<stdin>" if text == "-" else text),
            "not_a_file",
        )
    if os.path.isdir(text):
        return "folder", [text]
    if os.path.exists(text) or not glob.has_magic(text):
        files = [text]
    else:
        files = sorted(f for f in glob.glob(text) if os.path.isfile(f))
        if not files:
            raise InputError("no file matches this pattern", SourceLocation(text), "not_found")
    kinds = {is_parquet(f) for f in files}
    if len(kinds) > 1:
        raise InputError(
            f"matches both Parquet and JSONL files ({quoted(files[0])}, ...): match one kind",
            SourceLocation(text),
            "mixed_input",
        )
    return ("rows" if kinds == {True} else "lines"), files


def split(
    cases: str | os.PathLike[str],
    count: Callable[[list[Range]], list[tuple[int, int]]],
    part_bytes: int = PART_BYTES,
    files_per_part: int = FILES_PER_PART,
) -> Split:
    """The partitions of ``cases``; ``count`` runs ``count_range`` on each range given (on the cluster)."""
    kind, files = expand(cases)
    result = Split(files=files if kind != "folder" else [])
    if kind == "folder":
        names: list[str] = []
        for record in read_cases(files[0]):
            assert record is not None
            names.append(str(record.ref))
            if len(names) == files_per_part:
                result.parts.append(Part("files", files=tuple(names)))
                names = []
        if names:
            result.parts.append(Part("files", files=tuple(names)))
        result.total = sum(len(p.files) for p in result.parts)
        return result
    named = len(files) > 1
    if kind == "rows":
        for file in files:
            before = 0
            for group, size in enumerate(row_groups(file)):
                result.parts.append(Part("rows", file, group, before=before, named=named))
                before += size
            result.total += before
        return result
    ranges = [
        (file, start, min(start + part_bytes, size)) for file in files for start, size in _starts(file, part_bytes)
    ]
    breaks = 0
    for (file, start, end), (lines, records) in zip(ranges, count(ranges), strict=True):
        breaks = 0 if start == 0 else breaks
        result.parts.append(Part("lines", file, start, end, before=breaks, named=named))
        breaks += lines
        result.total += records
    return result


def _starts(file: str, part_bytes: int) -> Iterator[tuple[int, int]]:
    try:
        size = os.stat(file).st_size
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", SourceLocation(file), "unreadable") from None
    for start in range(0, max(size, 1), part_bytes):
        yield start, size


def count_range(file: str, start: int, end: int) -> tuple[int, int]:
    """The line breaks in bytes ``[start, end)`` of ``file``, and the records of the lines that begin there."""
    breaks = 0
    try:
        with open(file, "rb") as stream:
            stream.seek(start)
            left = end - start
            while left > 0:
                block = stream.read(min(BLOCK, left))
                if not block:
                    break
                breaks += block.count(b"\n")
                left -= len(block)
    except OSError as exc:  # a worker that does not see the file the client saw
        raise InputError(f"cannot read: {exc.strerror or exc}", SourceLocation(file), "unreadable") from None
    # numbered from 2 past the file's start: a BOM is taken off line 1 only
    return breaks, sum(1 for _ in read_range(file, start, end, 0 if start == 0 else 1))
