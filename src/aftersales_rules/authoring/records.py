"""The cases of a batch or a diff, read lazily: a JSONL file, a pipe, or a directory of case files.

A JSONL input (a file, a pipe, ``-`` for stdin) is split into lines at ``\\n`` only, as an editor
numbers them: a line may end ``\\r\\n``, a lone CR is part of its line. A BOM may open it; a blank
line is skipped but counted. Each line is read by the rules of a case file
(``jsonl.parse_json_line``): the same values, and the same errors, with their codes and words,
placed at the line and column. A line may be as long as a case file may be (``MAX_FILE_BYTES``); a
longer one becomes an error, read past without being held in memory.

A pipe is read as it comes, never to its end first: with ``idle=True`` the records are interleaved
with ``None`` each time the input has nothing more ready, so that a batch can finish what it holds
before it waits for more.
"""

from __future__ import annotations

import contextlib
import functools
import os
import select
import stat
import sys
from collections.abc import Callable, Iterator
from datetime import tzinfo
from pathlib import Path
from typing import Any, NamedTuple

from ..case import Case, parse_case
from ..errors import CaseError, InputError, SourceLocation
from ..jsonl import parse_json_line
from ..loader import MAX_FILE_BYTES, Document, load_document, read_json_line

__all__ = [
    "CASE_SUFFIXES",
    "STDIN",
    "LineSplitter",
    "Record",
    "case_id_of",
    "case_of",
    "count_cases",
    "is_stream",
    "locate",
    "read_cases",
    "read_range",
    "read_record",
]

CASE_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"  # CASES that names standard input
BLOCK = 1 << 16  # bytes read at a time
BOM = b"\xef\xbb\xbf"


class Record(NamedTuple):
    """One case of the input, as read but not yet parsed."""

    where: str  # "line" | "file" | "row"
    ref: int | str  # the line's number, the case file's path, or the row's number (Parquet)
    # a line's bytes (without its line break), or its size when it is over the limit; a file's path;
    # a row's case, already read (``parquet.rows``)
    payload: bytes | int | str | dict[str, Any]
    source: str  # the input as problems name it: the JSONL file, "<stdin>" for -


def is_stream(path: str | os.PathLike[str]) -> bool:
    """Whether the input can only be read once, as it comes: ``-``, a pipe, a device, a socket."""
    if str(path) == STDIN:
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False  # reading it will say what is wrong
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def read_cases(path: str | os.PathLike[str], idle: bool = False) -> Iterator[Record | None]:
    """Every case of a JSONL input or a directory, lazily; with ``idle``, ``None`` whenever a stream has
    nothing more ready yet (never for a file or a directory, which are always ready)."""
    p = Path(path)
    if str(path) != STDIN and p.is_dir():
        for file in sorted(f for f in p.iterdir() if f.suffix in CASE_SUFFIXES and f.is_file()):
            yield Record("file", str(file), str(file), str(file))
        return
    source = "<stdin>" if str(path) == STDIN else str(path)
    with _opened(path) as (read, fd):
        for item in _lines(read, fd if idle and is_stream(path) else None):
            if item is None:
                yield None
                continue
            record = _line_record(*item, source)
            if record is not None:
                yield record


def _line_record(number: int, line: bytes | int, source: str) -> Record | None:
    """The record of line ``number`` (its CR and, on line 1, a BOM taken off); None for a blank line."""
    if isinstance(line, bytes):
        if line.endswith(b"\r"):
            line = line[:-1]
        if number == 1 and line.startswith(BOM):
            line = line[len(BOM) :]
        if not line.strip(b" \t\r"):
            return None
    return Record("line", number, line, source)


def read_range(path: str | os.PathLike[str], start: int, end: int, lines_before: int) -> Iterator[Record]:
    """The records of the lines of a JSONL file that begin at a byte in ``[start, end)``, read as
    ``read_cases`` reads them; ``lines_before`` is the number of line breaks before ``start``.

    Ranges that tile a file give every record of it once (a partition of a distributed batch).
    """
    source = str(path)
    with _opened(path) as (read, fd):
        assert fd is not None
        first = start  # where the first line that begins in the range begins
        if start > 0:
            os.lseek(fd, start - 1, os.SEEK_SET)
            while True:  # to the line break at start - 1 or after it, in blocks (a line may be long)
                block = read()
                if not block:
                    return
                found = block.find(b"\n")
                if found >= 0:
                    first += found
                    break
                first += len(block)
            if first >= end:
                return
            if first > start:
                lines_before += 1  # the line break that ends the line begun before the range
        os.lseek(fd, first, os.SEEK_SET)
        at = first
        for item in _lines(read, None):
            assert item is not None  # never idle: a file is always ready
            number, line = item
            if at >= end:
                return
            at += (line if isinstance(line, int) else len(line)) + 1
            record = _line_record(lines_before + number, line, source)
            if record is not None:
                yield record


def count_cases(path: str | os.PathLike[str]) -> int | None:
    """How many cases ``read_cases`` will yield (read through once, in constant memory); None for a stream,
    which counting would use up."""
    if is_stream(path):
        return None
    return sum(1 for _ in read_cases(path))


@contextlib.contextmanager
def _opened(path: str | os.PathLike[str]) -> Iterator[tuple[Callable[[], bytes], int | None]]:
    """A function reading the next block of the input (b"" at its end), and its file descriptor if it has one."""
    if str(path) == STDIN:
        try:
            fd = sys.stdin.fileno()
        except (AttributeError, OSError, ValueError):  # stdin replaced by an object without a descriptor
            yield functools.partial(sys.stdin.buffer.read, BLOCK), None
        else:
            yield functools.partial(os.read, fd, BLOCK), fd
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", SourceLocation(str(path)), "unreadable") from None
    try:
        yield functools.partial(os.read, fd, BLOCK), fd
    finally:
        os.close(fd)


class LineSplitter:
    """Blocks of bytes in, lines out: ``(number, the line without its \\n)`` for every line, its size instead
    when it is over ``limit`` (its bytes are not kept). Lines are split at ``\\n`` only. One for every
    reader of JSONL: files, pipes and standard input here, a request's body in the service."""

    def __init__(self, limit: int = MAX_FILE_BYTES) -> None:
        self.limit = limit
        self.number = 0
        self._pieces: list[bytes] = []
        self._size = 0

    def feed(self, block: bytes) -> Iterator[tuple[int, bytes | int]]:
        """The lines ``block`` ends (a line it begins is kept for the next block or ``end``)."""
        start = 0
        while True:
            end = block.find(b"\n", start)
            piece = block[start:] if end < 0 else block[start:end]
            self._size += len(piece)
            if self._size <= self.limit:
                self._pieces.append(piece)
            elif self._pieces:
                self._pieces = []
            if end < 0:
                return
            yield self._line()
            start = end + 1

    def end(self) -> Iterator[tuple[int, bytes | int]]:
        """The last line, when the input does not end with ``\\n``."""
        if self._size:
            yield self._line()

    def _line(self) -> tuple[int, bytes | int]:
        self.number += 1
        line = b"".join(self._pieces) if self._size <= self.limit else self._size
        self._pieces, self._size = [], 0
        return self.number, line


def _lines(read: Callable[[], bytes], idle: int | None) -> Iterator[tuple[int, bytes | int] | None]:
    """``LineSplitter``'s lines of what ``read`` gives; ``None`` before a read that would wait, when ``idle`` is
    the descriptor to watch."""
    poll = None
    if idle is not None:
        poll = select.poll()
        poll.register(idle, select.POLLIN)
    lines = LineSplitter()
    while True:
        if poll is not None and not poll.poll(0):
            yield None
        block = read()
        if not block:
            break
        yield from lines.feed(block)
    yield from lines.end()


def read_record(record: Record) -> tuple[Any, Document | None]:
    """The data of a record, parsed but not yet validated, and a case file's document (None for a line)."""
    if record.where == "row":  # a Parquet row, or a case of a partition: read already
        return record.payload, None
    if record.where == "file":
        doc = load_document(str(record.payload))
        return doc.data, doc
    if isinstance(record.payload, bytes):
        return parse_json_line(record.payload, record.source, int(record.ref)), None
    raise InputError(  # a line over the limit: its size in place of its bytes
        f"input is {record.payload:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit",
        SourceLocation(record.source, int(record.ref), 1),
        "too_large",
    )


def case_of(record: Record, data: Any, doc: Document | None, zone: tzinfo | None = None) -> Case:
    """The case of a record's data; a line's problems placed at their line and column as a file's are
    (``zone``: the time zone of the policy it is read for, as ``parse_case`` takes it)."""
    try:
        return parse_case(data, doc, zone=zone)
    except CaseError:
        located = locate(record, doc)
        if located is None:
            raise
    return parse_case(located.data, located, zone=zone)


def locate(record: Record, doc: Document | None) -> Document | None:
    """A JSON line read on the fast path (no places), read again with its places; None if it has them already."""
    if doc is not None or not isinstance(record.payload, bytes):
        return None
    return read_json_line(record.payload, record.source, int(record.ref))


def case_id_of(data: Any) -> str | None:
    """The `case_id` of a record as written, if it is a text (read before the case is validated)."""
    case_id = data.get("case_id") if isinstance(data, dict) else None
    return case_id if isinstance(case_id, str) else None
