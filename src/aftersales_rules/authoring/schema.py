"""JSON Schemas (draft 2020-12) of the files people write and read: for editors and other tools.

``json_schema(name)`` for ``case`` (a case file), ``plan`` (what ``dry-run
--format json`` prints), ``policy`` (a rule file) and ``test`` (a policy test
file); ``json_schema(name, source)`` fits the case (and the test's cases) to
one policy: ``issue.kind`` lists its kinds, its own ``x_…`` kinds included.
They come from the pydantic models, so they cannot drift from what
the library accepts; the policy schema adds the shapes that the models leave
free because the language modules parse them with their locations (conditions,
step texts), with every fact of the catalogue listed for completion.
"""

from __future__ import annotations

from typing import Any

from ..case import Case
from ..language.facts import FACTS
from ..language.rulefile import PolicyFileSchema
from ..language.scope import QUANTIFIERS
from ..language.source import PolicySource
from ..plan import Plan
from .policytests import EXTRA_KEYS, TEST_KEYS

__all__ = ["SCHEMAS", "json_schema"]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMAS = ("case", "plan", "policy", "test")


def json_schema(name: str, source: PolicySource | None = None) -> dict[str, Any]:
    """The JSON Schema called ``name`` (one of ``SCHEMAS``); with ``source``, a case is one that policy takes
    (its issue kinds, its own x_... kinds included, and the item attributes it declares, each of its type)."""
    if name == "case":
        schema = Case.model_json_schema()
        title = "aftersales-rules case file"
        _fit(schema, source)
    elif name == "plan":
        schema = Plan.model_json_schema(mode="serialization")
        title = "aftersales-rules plan"
    elif name == "policy":
        schema = _policy()
        title = "aftersales-rules rule file"
    elif name == "test":
        schema = _tests()
        title = "aftersales-rules policy test file"
        _fit(schema, source)
    else:
        raise ValueError(f"no schema named {name!r}; one of {', '.join(SCHEMAS)}")
    return {"$schema": DIALECT, "title": title, **{k: v for k, v in schema.items() if k != "title"}}


def _fit(schema: dict[str, Any], source: PolicySource | None) -> None:
    """A case (or a test file's cases) as the policy ``source`` takes it; unchanged without a policy."""
    if source is None:
        return
    _fit_kinds(schema, source)
    if "Item" in schema.get("$defs", {}):
        _item_attributes(schema, source)


def _item_attributes(schema: dict[str, Any], source: PolicySource) -> None:
    """``order.items[*].attributes``: the item attributes ``source`` declares, and no others."""
    types = {"bool": "boolean", "int": "integer", "text": "string"}
    properties = {}
    for name, fact in source.scope.items.facts.items():
        if fact.type == "enum":
            shape: dict[str, Any] = {"enum": [*fact.values, None]}
        elif fact.type == "money":
            shape = {"type": ["string", "number", "null"]}
        else:
            shape = {"type": [types[fact.type], "null"]}
        properties[name] = {"description": fact.description, **shape} if fact.description else shape
    schema["$defs"]["Item"]["properties"]["attributes"] = {
        "type": "object",
        "description": f"the line's facts that policy {source.header.name} declares (item_attributes); "
        "null or left out: unknown, or the declared default",
        "properties": properties,
        "additionalProperties": False,
    }


def _fit_kinds(schema: dict[str, Any], source: PolicySource | None) -> None:
    """``issue.kind`` as one policy has it: its standard kinds and its own, each own kind described."""
    if source is None:
        return
    own = "; ".join(f"{name}: {d.value}" for name, d in source.scope.kinds.items())
    schema["$defs"]["Issue"]["properties"]["kind"] = {
        "description": f"what the dispute is about, under policy {source.header.name}"
        + (f" (its own kinds: {own})" if own else ""),
        "type": "string",
        "enum": list(source.scope.issue_kinds()),
    }


def _policy() -> dict[str, Any]:
    schema = PolicyFileSchema.model_json_schema()
    defs = schema["$defs"]
    defs["Condition"] = _condition()
    when = {
        "description": "when the rule applies: facts and their tests, all/any/not, or a list (all of them)",
        "anyOf": [
            {"$ref": "#/$defs/Condition"},
            {"type": "array", "items": {"$ref": "#/$defs/Condition"}},
            {"type": "null"},
        ],
    }
    defs["RuleSchema"]["properties"]["when"] = when
    defs["FactDecl"]["properties"]["when"] = {**when, "description": "the condition that defines this fact"}
    defs["EscalationDecl"]["properties"]["when"] = {**when, "description": "the cases it sends to a person"}
    defs["StepModel"]["properties"]["text"] = {
        "description": "what the step says: {zh: ..., en: ...}, or $name of a shared text",
        "anyOf": [{"$ref": "#/$defs/TextModel"}, {"type": "string", "pattern": "^\\$"}],
    }
    return schema


def _condition() -> dict[str, Any]:
    facts = {path: {"description": fact.description} for path, fact in FACTS.items()}
    nested = {"type": "array", "items": {"$ref": "#/$defs/Condition"}, "minItems": 1}
    quantified = {  # items.any / items.all / items.none: a condition on one order line's item attributes
        q: {
            "description": f"{q.split('.')[1]} of the affected items: a condition on an order line's item attributes",
            "anyOf": [{"$ref": "#/$defs/Condition"}, nested],
        }
        for q in QUANTIFIERS
    }
    return {
        "type": "object",
        "description": "fact: value, fact: [values], fact: {is_not / in / not_in / known / at_least / at_most / "
        "above / below / before / after / on_or_before / on_or_after / within_days_after: ...}; "
        "also attributes.<name> and facts.<name> the policy declares",
        "properties": {**facts, "all": nested, "any": nested, "not": {"$ref": "#/$defs/Condition"}, **quantified},
        "additionalProperties": True,
    }


def _tests() -> dict[str, Any]:
    case = Case.model_json_schema()
    defs = case.pop("$defs", {})
    defs["Case"] = case
    expect: dict[str, Any] = {
        "type": "object",
        "description": "a fragment of the plan; steps_in_order and due are checks of their own",
        "properties": {
            **{name: {} for name in Plan.model_fields},
            "steps_in_order": {"type": "array", "items": {"type": "string"}},
            "due": {"type": "object", "additionalProperties": {"type": ["string", "null"]}},
        },
        "additionalProperties": False,
        "minProperties": 1,
    }
    assert set(EXTRA_KEYS) <= set(expect["properties"])
    test: dict[str, Any] = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "minLength": 1},
            "description": {"type": "string"},
            "case": {
                "description": "a case file relative to this file, or the case itself",
                "anyOf": [{"type": "string", "minLength": 1}, {"$ref": "#/$defs/Case"}],
            },
            "expect": expect,
        },
        "required": ["name", "case", "expect"],
        "additionalProperties": False,
    }
    assert set(test["properties"]) == set(TEST_KEYS)
    return {
        "type": "object",
        "properties": {"tests": {"type": "array", "items": test}},
        "required": ["tests"],
        "additionalProperties": False,
        "$defs": defs,
    }
