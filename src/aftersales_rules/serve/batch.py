"""``POST /v1/plans:batch``: JSONL in, JSONL out, streamed, each line as ``aftersales batch`` writes it.

The body is split into lines at ``\\n`` only and each line read by the batch's rules
(``records``: ``\\r\\n`` allowed, a BOM on the first line, blank lines skipped but counted); a line is
evaluated as soon as it has arrived and its plan (or error record, ``batch.evaluate_record``) sent
at once, in the input's order. A line over ``--max-body`` is not held: it becomes an error record.
The whole batch is decided by the policy in service when it started; each line within the time limit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

from ..authoring.batch import error_record, evaluate_record
from ..authoring.records import BOM, LineSplitter, Record
from ..errors import EvaluationError, InputError, SourceLocation
from ..jsonl import parse_json_line
from ..policy import Policy
from .api import Branches, decided
from .body import BODY
from .context import Context
from .openapi import JSONL_BODY, answers
from .problems import ServiceProblem

__all__ = ["JSONL", "add_batch"]

JSONL = "application/x-ndjson"


async def lines(request: Request, limit: int) -> AsyncIterator[tuple[int, bytes | int]]:
    """``(number, the line without its \\n)`` for every line of the body; its size instead when it is over
    ``limit`` (its bytes are not kept): split as ``aftersales batch`` splits a file (``LineSplitter``)."""
    splitter = LineSplitter(limit)
    async for block in request.stream():
        for line in splitter.feed(block):
            yield line
    for line in splitter.end():
        yield line


def _kind(payload: bytes) -> str:
    """A decided line's issue kind, for the metrics (the line is valid: it was decided)."""
    data = parse_json_line(payload, BODY, 1)
    return str(data["issue"]["kind"])


async def plans(ctx: Context, request: Request, policy: Policy, branches: bool) -> AsyncIterator[bytes]:
    limit = ctx.settings.max_body
    number = ctx.shadow.number() if ctx.shadow is not None else 0
    async for n, line in lines(request, limit):
        if isinstance(line, int):
            too_long = f"input is {line:,} bytes, over the {limit:,}-byte limit"
            ctx.metrics.errors.labels("batch_line").inc()
            yield (
                error_record(None, InputError(too_long, SourceLocation(BODY, n, 1), "too_large"), "line", n) + "\n"
            ).encode()
            continue
        line = line.removesuffix(b"\r")
        if n == 1:
            line = line.removeprefix(BOM)
        if not line.strip(b" \t\r"):
            continue
        record = Record("line", n, line, BODY)
        if ctx.shadow is not None:
            ctx.shadow.submit(policy, record, number)
        try:
            out, figures = await decided(ctx, lambda record=record: evaluate_record(policy, record, branches))
        except ServiceProblem as problem:  # the time limit: this line's error record, and the batch goes on
            out, figures = error_record(None, EvaluationError(problem.detail), "line", n), None
        if figures is None:
            ctx.metrics.errors.labels("batch_line").inc()
        else:
            ctx.metrics.evaluations.labels(figures.resolution, _kind(line)).inc()
        yield (out + "\n").encode()


class LinesResponse(StreamingResponse):
    """A streamed answer to a streamed body. ``StreamingResponse`` (before ASGI 2.4) reads the request's
    messages itself, to see a disconnect, and so would eat the lines this answer is made from: here only
    the answer's lines read the body, and a client that went away ends them (``request.stream()``)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.stream_response(send)
        except OSError:
            raise ClientDisconnect() from None


def add_batch(app: FastAPI, ctx: Context) -> None:
    streamed = {"description": "A plan (or an error record, as `aftersales batch` writes it) a line, in order.",
                "content": {JSONL: {"schema": {"type": "string"}}}}  # fmt: skip

    @app.post(
        "/v1/plans:batch",
        openapi_extra=JSONL_BODY,
        responses=answers(streamed, "invalid_parameter", "not_ready"),
        response_class=LinesResponse,
    )
    async def plans_batch(request: Request, branches: bool = Branches) -> LinesResponse:
        """Many cases → their plans, streamed: each line answered as soon as it is decided."""
        policy = ctx.policy()
        return LinesResponse(plans(ctx, request, policy, branches), media_type=JSONL, headers=ctx.headers(policy))
