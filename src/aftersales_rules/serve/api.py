"""The endpoints of ``/v1``, ``/healthz``, ``/readyz`` and ``/metrics``.

Each request takes the policy in service once, when it starts (``Context.policy``), decides on the
thread pool within the time limit, and answers with ``X-Policy-Digest`` naming that policy. A plan
is exactly what ``aftersales dry-run --format json`` prints; a refused request is a problem
(``problems.py``).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from ..case import parse_case
from ..errors import AfterSalesError
from ..loader import Document
from ..plan import Plan
from ..policy import Policy
from .body import CaseBody, parse_case_body, read_body
from .context import Context
from .metrics import CONTENT_TYPE
from .openapi import CASE_BODY, REF, answers
from .problems import problem_of
from .status import policy_status, rule_summaries
from .text import explanation_view, language_of, text_view

__all__ = ["add_api"]

Branches = Query(True, description="false: skip the what-if branches (faster), as `dry-run --no-branches`.")
Language = Query(
    None,
    description="The language of the text view: any with a message catalogue (en, zh); "
    "default: the policy's first declared language that has one.",
    max_length=35,
)
PLAN_JSON = {"description": "The plan, byte for byte what `aftersales dry-run --format json` prints.",
             "content": {"application/json": {"schema": {"$ref": REF + "Plan"}}}}  # fmt: skip
TEXT = {"description": "The plan as text for a person.", "content": {"text/plain": {"schema": {"type": "string"}}}}
CASE_ERRORS = ("not_json", "invalid_body", "invalid_parameter", "too_large", "invalid_case", "conflict", "undecided",
               "not_decided", "not_ready", "timeout")  # fmt: skip


async def decided(ctx: Context, work: Any) -> Any:
    """``work()`` on the pool; a library error becomes its problem (a bug stays a bug: a 500 with an id)."""
    try:
        return await ctx.run(work)
    except AfterSalesError as exc:
        raise problem_of(exc) from None


async def case_of(ctx: Context, request: Request, policy: Policy) -> CaseBody:
    """The request's case; queued for the shadow policy, if there is one."""
    body = parse_case_body(await read_body(request, ctx.settings.max_body))
    if ctx.shadow is not None:
        ctx.shadow.submit(policy, body.record(), ctx.shadow.number())
    return body


def add_api(app: FastAPI, ctx: Context) -> None:
    @app.post("/v1/plans", openapi_extra=CASE_BODY, responses=answers(PLAN_JSON, *CASE_ERRORS), response_class=Response)
    async def plan(request: Request, branches: bool = Branches) -> Response:
        """One case → its plan."""
        with ctx.timed("plans"):
            policy = ctx.policy()
            body = await case_of(ctx, request, policy)

            def work() -> Plan:
                return body.decide(lambda data, doc: policy.evaluate(data, branches=branches, document=doc))

            result: Plan = await decided(ctx, work)
            ctx.metrics.evaluations.labels(result.resolution, body.kind).inc()
            return Response(result.to_json() + "\n", media_type="application/json", headers=ctx.headers(policy))

    @app.post("/v1/plans:text", openapi_extra=CASE_BODY, responses=answers(TEXT, *CASE_ERRORS), response_class=Response)
    async def plan_text(request: Request, branches: bool = Branches, lang: str | None = Language) -> PlainTextResponse:
        """One case → its plan as text (what `aftersales dry-run` prints), the near misses at the end."""
        with ctx.timed("plans:text"):
            policy = ctx.policy()
            language = language_of(policy, lang)
            body = await case_of(ctx, request, policy)

            def work() -> tuple[str, Plan]:
                def view(data: Any, doc: Document | None) -> tuple[str, Plan]:
                    result = policy.evaluate(data, branches=branches, document=doc)
                    return text_view(policy, result, policy.explain(data).near_misses, language), result

                return body.decide(view)

            text, result = await decided(ctx, work)
            ctx.metrics.evaluations.labels(result.resolution, body.kind).inc()
            return PlainTextResponse(text, headers=ctx.headers(policy))

    explained = {"description": "Whether the rule matched the case and, if not, which conditions failed.",
                 "content": {"application/json": {"schema": {"$ref": REF + "RuleExplanation"}},
                             "text/plain": {"schema": {"type": "string"}}}}  # fmt: skip

    @app.post(
        "/v1/explain",
        openapi_extra=CASE_BODY,
        responses=answers(explained, *CASE_ERRORS, "unknown_rule"),
        response_class=Response,
    )
    async def explain(
        request: Request,
        rule: str = Query(description="The rule's id (GET /v1/rules lists them).", max_length=200),
        format: Literal["json", "text"] = Query("json", description="json: data; text: as `dry-run --why-not`."),
        lang: str | None = Language,
    ) -> Response:
        """Why a rule did or did not apply to a case (`aftersales dry-run --why-not`)."""
        with ctx.timed("explain"):
            policy = ctx.policy()
            language = language_of(policy, lang)
            body = parse_case_body(await read_body(request, ctx.settings.max_body))
            zone = policy.source.scope.timezone

            def work() -> Any:
                return body.decide(lambda data, doc: policy.explain(parse_case(data, doc, zone=zone), rule))

            why = await decided(ctx, work)
            if format == "text":
                return PlainTextResponse(explanation_view(policy, why, language), headers=ctx.headers(policy))
            return Response(why.model_dump_json() + "\n", media_type="application/json", headers=ctx.headers(policy))

    listing = {"type": "array", "items": {"$ref": REF + "RuleSummary"}}
    rules_json = {"description": "Every rule, in load order.", "content": {"application/json": {"schema": listing}}}

    @app.get("/v1/rules", responses=answers(rules_json, "not_ready"), response_class=JSONResponse)
    async def rules() -> JSONResponse:
        """The rules of the policy in service."""
        policy = ctx.policy()
        listed = [r.model_dump(mode="json") for r in rule_summaries(policy)]
        return JSONResponse(listed, headers=ctx.headers(policy))

    status_json = {"description": "The policy in service.",
                   "content": {"application/json": {"schema": {"$ref": REF + "PolicyStatus"}}}}  # fmt: skip

    @app.get("/v1/policy", responses=answers(status_json), response_class=JSONResponse)
    async def policy() -> JSONResponse:
        """Name, version, digest, languages, when it was loaded, and the last reload error if any."""
        shadow = ctx.shadow.candidate if ctx.shadow is not None else None
        return JSONResponse(policy_status(ctx.live, shadow).model_dump(mode="json"))

    @app.get("/healthz", response_class=JSONResponse)
    async def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", responses=answers({"description": "A policy is loaded."}, "not_ready"))
    async def readyz() -> JSONResponse:
        """A policy is loaded (503 `not_ready` until one is)."""
        policy = ctx.policy()
        return JSONResponse({"status": "ready", "digest": policy.digest}, headers=ctx.headers(policy))

    @app.get("/metrics", response_class=PlainTextResponse)
    async def metrics() -> Response:
        """Prometheus text: evaluations, errors, latency, reloads, shadow differences."""
        return Response(ctx.metrics.render(), media_type=CONTENT_TYPE)
