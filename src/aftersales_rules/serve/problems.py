"""Errors a client can act on: RFC 9457 ``application/problem+json``, one ``code`` per kind of failure.

``type`` is ``urn:aftersales:problem:<code>``; ``problems`` lists every problem of the input as the
library reports it (file, line, column, code, message, path, suggestion: ``errors.Problem.to_dict``).
Nothing a client sends gives a 500: input is refused with a 4xx; a 500 is a bug, and its ``error_id``
is in the log beside the traceback.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from ..errors import (
    AfterSalesError,
    CaseError,
    ConflictError,
    EngineError,
    EvaluationError,
    InputError,
    Problem,
    SourceLocation,
    UndecidedError,
    UnknownRuleError,
    cut,
)
from .live import log
from .metrics import Metrics

__all__ = ["PROBLEM_JSON", "TITLES", "ProblemDetails", "ServiceProblem", "install_handlers", "problem_of"]

PROBLEM_JSON = "application/problem+json"
TYPE = "urn:aftersales:problem:"

TITLES: dict[str, tuple[int, str]] = {  # code → (status, title)
    "not_json": (400, "The body is not JSON"),
    "invalid_body": (400, "The body cannot be read as a case"),
    "invalid_parameter": (400, "A query parameter is not valid"),
    "unknown_rule": (400, "The policy has no such rule"),
    "not_found": (404, "No such resource"),
    "method_not_allowed": (405, "Method not allowed"),
    "too_large": (413, "The body is over the size limit"),
    "invalid_case": (422, "The case is not valid"),
    "conflict": (422, "Two rules decided the case differently"),
    "undecided": (422, "No rule decided the case"),
    "not_decided": (422, "The policy cannot decide the case"),
    "internal": (500, "Internal error"),
    "not_ready": (503, "No policy is loaded yet"),
    "timeout": (503, "The case was not decided within the time limit"),
}


class ProblemItem(BaseModel):
    """One problem of the input, placed where it was written."""

    file: str | None = Field(None, description="`<request>` for the body.")
    line: int | None = None
    column: int | None = None
    severity: str = "error"
    code: str = Field(description="What is wrong, in a word a program can test (missing, not_a_number, ...).")
    message: str
    path: str | None = Field(None, description="The dotted path in the case (order.items.0.unit_price).")
    suggestion: str | None = Field(None, description="The name a misspelling most likely meant.")


class ProblemDetails(BaseModel):
    """An RFC 9457 problem: what went wrong with a request, and every problem of its input."""

    type: str = Field(description=f"`{TYPE}<code>`.")
    title: str
    status: int
    detail: str = Field(description="For a person: a line per problem.")
    instance: str = Field(description="The request's path.")
    code: str = Field(description=f"One of: {', '.join(TITLES)}.")
    problems: list[ProblemItem] = Field(default_factory=list)
    error_id: str | None = Field(None, description="A 500's id, also in the service's log.")


class ServiceProblem(Exception):
    """A request that is answered with a problem."""

    def __init__(self, code: str, detail: str, problems: Sequence[Problem] = (), **extra: Any) -> None:
        super().__init__(detail)
        self.code = code
        self.status, self.title = TITLES[code]
        self.detail = detail
        self.problems = [p.to_dict() for p in problems]
        self.extra = extra

    def response(self, request: Request, metrics: Metrics) -> JSONResponse:
        metrics.errors.labels(self.code).inc()
        body = {
            "type": TYPE + self.code,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": request.url.path,
            "code": self.code,
            "problems": self.problems,
            **self.extra,
        }
        return JSONResponse(body, status_code=self.status, media_type=PROBLEM_JSON)


def problem_of(exc: AfterSalesError) -> ServiceProblem:
    """The problem a library error is answered with."""
    problems = tuple(getattr(exc, "problems", ()))
    if isinstance(exc, CaseError):
        return ServiceProblem("invalid_case", str(exc), problems)
    if isinstance(exc, InputError):
        return ServiceProblem("too_large" if exc.code == "too_large" else "invalid_body", str(exc), problems)
    if isinstance(exc, UnknownRuleError):
        return ServiceProblem("unknown_rule", str(exc), (), rule=exc.rule, suggestion=exc.suggestion)
    if isinstance(exc, ConflictError):
        return ServiceProblem("conflict", str(exc), (), rules=list(exc.rules), output=exc.output)
    if isinstance(exc, UndecidedError):
        return ServiceProblem("undecided", str(exc), (), kind=exc.kind)
    if isinstance(exc, EvaluationError) and not isinstance(exc, EngineError):
        return ServiceProblem("not_decided", str(exc))
    raise exc  # EngineError and any other: the service's fault, a 500 with an id


def parameter_problem(exc: RequestValidationError) -> ServiceProblem:
    problems = [
        Problem(None, str(e.get("type", "invalid")), str(e.get("msg", "")), path=".".join(map(str, e.get("loc", ()))))
        for e in exc.errors()
    ]
    return ServiceProblem("invalid_parameter", "\n".join(f"{p.path}: {p.message}" for p in problems), problems)


def json_problem(message: str, line: int, column: int) -> ServiceProblem:
    """400 for a body that is not JSON, placed where the JSON reader stopped."""
    problem = Problem(SourceLocation("<request>", line, column), "syntax", f"invalid JSON: {cut(message)}")
    return ServiceProblem("not_json", str(problem), (problem,))


def install_handlers(app: FastAPI, metrics: Metrics) -> None:
    """Every error a request can end in, answered as a problem."""

    @app.exception_handler(ServiceProblem)
    async def _problem(request: Request, exc: ServiceProblem) -> JSONResponse:
        return exc.response(request, metrics)

    @app.exception_handler(RequestValidationError)
    async def _parameters(request: Request, exc: RequestValidationError) -> JSONResponse:
        return parameter_problem(exc).response(request, metrics)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(exc.status_code)
        if code is None:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        response = ServiceProblem(code, str(exc.detail)).response(request, metrics)
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        return internal_problem(exc, request).response(request, metrics)


def internal_problem(exc: BaseException, request: Request) -> ServiceProblem:
    """A bug: logged with its traceback under an id the answer carries."""
    error_id = uuid.uuid4().hex[:16]
    log.error("internal error %s on %s %s", error_id, request.method, request.url.path, exc_info=exc)
    return ServiceProblem(
        "internal", f"internal error (please report, id {error_id}): {type(exc).__name__}", error_id=error_id
    )
