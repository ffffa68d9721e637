"""The OpenAPI document (``/openapi.json``, shown at ``/docs``), its schemas generated from the models.

The case is ``Case``'s JSON Schema fitted to the policy in service (its issue kinds, its item
attributes: ``authoring.schema.json_schema``), generated again after each reload; the plan is
``Plan``'s, the explanation ``RuleExplanation``'s, the problem ``ProblemDetails``'. The endpoints
read their bodies themselves (so that a refused case is placed at its line and column), and declare
them here.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from .. import __version__
from ..authoring.schema import json_schema
from ..explanation import RuleExplanation
from ..plan import Plan
from ..policy import Policy
from .problems import PROBLEM_JSON, TITLES, ProblemDetails
from .status import PolicyStatus, RuleSummary

__all__ = ["CASE_BODY", "JSONL_BODY", "answers", "openapi_document"]

REF = "#/components/schemas/"
CASE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "One case, as a case file holds it, in JSON.",
        "content": {"application/json": {"schema": {"$ref": REF + "Case"}}},
    }
}
JSONL_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "Cases, one JSON document a line (JSONL), read as `aftersales batch` reads a file.",
        "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
    }
}


def _problems(*codes: str) -> dict[int | str, dict[str, Any]]:
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        status, title = TITLES[code]
        entry = out.setdefault(
            status, {"description": "", "content": {PROBLEM_JSON: {"schema": {"$ref": REF + "ProblemDetails"}}}}
        )
        entry["description"] = "; ".join(filter(None, (entry["description"], f"`{code}`: {title}")))
    return out


def answers(ok: dict[str, Any], *codes: str) -> dict[int | str, dict[str, Any]]:
    """An endpoint's ``responses``: 200 as ``ok`` says, and a problem for each code."""
    return {200: ok, **_problems(*codes, "internal")}


def _schemas(model: type[BaseModel], mode: str = "validation") -> dict[str, Any]:
    schema = model.model_json_schema(ref_template=REF + "{model}", mode=mode)  # type: ignore[arg-type]
    found = schema.pop("$defs", {})
    found[model.__name__] = schema
    return found


def _case(policy: Policy | None) -> dict[str, Any]:
    """``Case`` and its parts, fitted to ``policy``."""
    schema = json_schema("case", policy.source if policy is not None else None)
    schema.pop("$schema", None)
    schema = json.loads(json.dumps(schema).replace('"#/$defs/', f'"{REF}'))
    found = schema.pop("$defs", {})
    found["Case"] = schema
    return found


def openapi_document(app: FastAPI, policy: Policy | None) -> dict[str, Any]:
    """The document for ``app`` serving ``policy``."""
    described = f"policy {policy.name} {policy.version} ({policy.digest})" if policy else "no policy loaded yet"
    document = get_openapi(
        title="aftersales-rules decision service",
        version=__version__,
        summary=f"After-sales plans for dispute cases; {described}.",
        description="Errors are RFC 9457 problems (`application/problem+json`); see docs/service.md.",
        routes=app.routes,
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    parts = [
        _case(policy),
        _schemas(Plan, "serialization"),
        _schemas(RuleExplanation, "serialization"),
        _schemas(ProblemDetails),
        _schemas(PolicyStatus),
        _schemas(RuleSummary),
    ]
    for part in parts:
        for name, schema in part.items():
            if name in schemas and schemas[name] != schema:
                raise ValueError(f"two schemas named {name} in the OpenAPI document")  # a test keeps them apart
            schemas[name] = schema
    return document
