"""A request's body: read within the size limit, refused unless it is JSON, then read by the case-file rules.

The JSON check comes first (``json``, strict: no NaN, no Infinity): a body that is not JSON is a 400
whatever else could read it. The values are then read as ``aftersales dry-run`` reads a case file
(``loader``: money as ``Decimal`` from its text, duplicate keys refused with both places), so that
the plan is byte for byte the one the command prints. A body on one line (what programs send) is read
on ``jsonl``'s fast path and placed again only if the case is refused; a pretty-printed one is read
with every value's line and column.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request

from ..authoring.records import Record
from ..errors import CaseError, InputError, Problem, SourceLocation
from ..jsonl import parse_json_line
from ..loader import Document, parse_document, read_json_line
from .problems import ServiceProblem, json_problem, problem_of

__all__ = ["BODY", "CaseBody", "parse_case_body", "read_body", "too_large"]

BODY = "<request>"  # how the problems of a body name it
T = TypeVar("T")


def too_large(limit: int, size: int | None = None) -> ServiceProblem:
    said = f"{size:,} bytes, " if size is not None else ""
    problem = Problem(SourceLocation(BODY), "too_large", f"the body is {said}over the {limit:,}-byte limit")
    return ServiceProblem("too_large", str(problem), (problem,), limit=limit)


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, refused (413) once it is over ``limit`` bytes: by its Content-Length before a byte is
    read, and by what actually arrives (a chunked body, or a length that lies)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise too_large(limit, int(length))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


class _NotJson(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON number")


def check_json(raw: bytes) -> None:
    """Raise the 400 for a body that is not one JSON document."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise json_problem(f"not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be decoded", line, 1) from None
    try:
        json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise json_problem(exc.msg, exc.lineno, exc.colno) from None
    except _NotJson as exc:
        raise json_problem(str(exc), 1, 1) from None
    except RecursionError:
        raise ServiceProblem("invalid_body", "the body is nested too deeply") from None


@dataclass(frozen=True)
class CaseBody:
    """A case as the request sent it: its bytes, its values and (unless read on the fast path) their places."""

    raw: bytes
    data: Any
    doc: Document | None
    one_line: bytes | None  # the body as one line, when it was read on the fast path (placed on demand)

    @property
    def kind(self) -> str:
        issue = self.data.get("issue") if isinstance(self.data, dict) else None
        kind = issue.get("kind") if isinstance(issue, dict) else None
        return kind if isinstance(kind, str) else ""

    def record(self) -> Record:
        """The body as line 1 of a JSONL input, read by the batch tools' rules (``records.read_record``)."""
        return Record("line", 1, self.one_line if self.one_line is not None else self.raw, BODY)

    def decide(self, work: Callable[[Any, Document | None], T]) -> T:
        """``work(data, document)``; a case it refuses is read again with its places first, so that every
        problem names its line and column (as ``aftersales batch`` does with a JSONL line)."""
        try:
            return work(self.data, self.doc)
        except CaseError:
            if self.one_line is None:
                raise
        placed = read_json_line(self.one_line, BODY, 1)
        return work(placed.data, placed)


def parse_case_body(raw: bytes) -> CaseBody:
    """The body's case, or the 400 (not JSON, or JSON the case reader refuses: a duplicate key, too deep)."""
    check_json(raw)
    line = raw.rstrip(b" \t\r\n")
    try:
        if b"\n" not in line:
            return CaseBody(raw, parse_json_line(line, BODY, 1), None, line)
        doc = parse_document(raw, BODY)
        return CaseBody(raw, doc.data, doc, None)
    except InputError as exc:
        raise problem_of(exc) from None
