"""The fast path for well-formed cases: the model's own validation, its Python steps swapped for native ones.

``parse_case`` (case.py) tries it first. ``FastCases(Case)`` copies the model's pydantic-core schema once
and replaces each Python function in it that casevalues.STAND_INS names — money, the years of a time, the
issue kind, an attribute's value — by a pydantic-core schema that accepts part of what the function
accepts and gives the same value for it: money only as a plain amount with two places (``"299.00"``),
times only a day inside the years a case may name, an own kind only by its pattern, an attribute only as
a boolean, integer, text or null, each as itself. Everything else is the model's own schema, its own
model validators (one line per SKU, affected items, the order's total) among them, and it builds the
very ``Case`` classes, with the fields set that the model sets. So it gives exactly the ``Case`` the model
gives, or refuses — and then the full model validates as always, so every error message is the model's
own. tests/test_fastcase.py holds the two to the same ``Case`` over the bad-input corpus and generated
near-valid cases.

msgspec (``convert`` into Structs, then building the models in Python) was measured too: the Python
building cost more than it saved (docs/performance.md, "A plan built once per decision").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from pydantic_core import CoreSchema, SchemaValidator, ValidationError

from .casevalues import STAND_INS

__all__ = ["FastCases", "native_schema"]

M = TypeVar("M", bound=BaseModel)
_KEPT = ("cls", "default", "default_factory", "serialization", "metadata", "ref")  # values that are not schemas to walk
_FRESH = (dict, list)


def native_schema(schema: Any, stand_ins: dict[Any, Callable[[CoreSchema], CoreSchema]]) -> Any:
    """A copy of ``schema`` with each function validator ``stand_ins`` names replaced by its stand-in."""
    if isinstance(schema, list):
        return [native_schema(s, stand_ins) for s in schema]
    if not isinstance(schema, dict):
        return schema
    if schema.get("type") == "default" and type(schema.get("default")) in _FRESH and not schema["default"]:
        # an empty dict or list default made anew rather than deep-copied from the model's one: the same value
        fresh = {k: v for k, v in schema.items() if k != "default"}
        return native_schema({**fresh, "default_factory": type(schema["default"])}, stand_ins)
    function = schema.get("function")
    if str(schema.get("type", "")).startswith("function") and isinstance(function, dict):
        stand_in = stand_ins.get(function.get("function"))
        if stand_in is not None:
            return native_schema(stand_in(schema), stand_ins)
    return {k: v if k in _KEPT or k == "function" else native_schema(v, stand_ins) for k, v in schema.items()}


def _model_classes(schema: Any) -> set[type]:
    """Every model class a schema builds."""
    if isinstance(schema, list):
        return {cls for s in schema for cls in _model_classes(s)}
    if not isinstance(schema, dict):
        return set()
    found = {schema["cls"]} if schema.get("type") == "model" else set()
    return found.union(*(_model_classes(v) for k, v in schema.items() if k not in _KEPT))


@contextmanager
def _built_anew(schema: Any) -> Iterator[None]:
    """While ``schema`` is built, its model classes read as not yet complete.

    pydantic-core builds a model schema whose class is complete from the class's own validator (its
    "prebuilt" one, ``__pydantic_validator__``), not from the schema given: the stand-ins inside it would be
    ignored and every Python step would run. It reads ``__pydantic_complete__`` from the class's own
    ``__dict__`` for that, at build time only; each class gets its own value back at once.
    """
    classes = _model_classes(schema)
    kept = {cls: cls.__dict__["__pydantic_complete__"] for cls in classes}
    try:
        for cls in classes:
            type.__setattr__(cls, "__pydantic_complete__", False)
        yield
    finally:
        for cls, complete in kept.items():
            type.__setattr__(cls, "__pydantic_complete__", complete)


class FastCases(Generic[M]):
    """``read(data)``: the ``model`` instance of ``data`` as the model's validation gives it, or None."""

    def __init__(self, model: type[M]) -> None:
        self.model = model
        schema = native_schema(model.__pydantic_core_schema__, STAND_INS)
        with _built_anew(schema):
            self._validate = SchemaValidator(schema).validate_python

    def read(self, data: Any) -> M | None:
        try:
            return self._validate(data)
        except ValidationError:
            return None
