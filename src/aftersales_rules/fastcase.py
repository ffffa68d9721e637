"""The fast path for well-formed cases: the model's own validation, its Python steps swapped for native ones.

``parse_case`` (case.py) tries it first. ``FastCases(Case)`` copies the model's pydantic-core schema once
and replaces each Python function in it that casevalues.STAND_INS names — money, the years of a time, the
issue kind, an attribute's value — by a pydantic-core schema that accepts part of what the function
accepts and gives the same value for it: money only as a plain amount with two places (``"299.00"``),
times only a day inside the years a case may name, an own kind only by its pattern, an attribute only as
a boolean, integer, text or null, each as itself. The model validators it is told of are left out: one
plain check of the built case stands in for them (case.py: one line per SKU and affected items; the
order's total by bounds on its lines, units and amounts, under which no order reaches the limit).
Everything else is the model's own schema, and it builds the very ``Case`` classes, with the fields set
that the model sets. So it gives exactly the ``Case`` the model gives, or refuses — and then the full
model validates as always, so every error message is the model's own. tests/test_fastcase.py holds the
two to the same ``Case`` over the bad-input corpus and generated near-valid cases.

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

__all__ = ["Bounds", "FastCases", "narrowed", "native_schema"]

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


def _left_out(schema: CoreSchema) -> CoreSchema:
    return schema["schema"]  # a model validator's schema: the model it checks


Bounds = dict[tuple[type, str], dict[str, int]]


def narrowed(schema: Any, bounds: Bounds) -> Any:
    """A copy of ``schema`` in which each (model class, field) of ``bounds`` takes only values within the
    constraints there (such as ``{"le": 99}``), set on the field's own value schema."""
    if isinstance(schema, list):
        return [narrowed(s, bounds) for s in schema]
    if not isinstance(schema, dict):
        return schema
    copy = {k: v if k in _KEPT or k == "function" else narrowed(v, bounds) for k, v in schema.items()}
    if copy.get("type") == "model":
        fields = copy["schema"]["fields"]
        for (cls, name), limits in bounds.items():
            if cls is copy["cls"]:
                fields[name] = _within(fields[name], limits)
    return copy


def _within(schema: Any, limits: dict[str, int]) -> Any:  # through the field, its default and null to the value
    if schema["type"] in ("model-field", "default", "nullable"):
        return {**schema, "schema": _within(schema["schema"], limits)}
    tighter = all(
        schema.get(k) is None or (v <= schema[k] if k.startswith(("le", "max")) else v >= schema[k])
        for k, v in limits.items()
    )
    if not tighter:
        raise ValueError(f"{limits} would widen {schema}")
    return {**schema, **limits}


class FastCases(Generic[M]):
    """``read(data)``: the ``model`` instance of ``data`` as the model's validation gives it, or None.

    ``checked`` names model validators (``mode="after"``) left out of the fast schema, and ``holds`` is one
    plain check of the built instance that is true only when every one of them would pass, given ``bounds``
    (fields' values narrowed, see ``narrowed``); where it is false, ``read`` gives None and the full model
    raises its own error.
    """

    def __init__(
        self,
        model: type[M],
        checked: tuple[Any, ...] = (),  # the functions of the model validators, as the schema holds them
        holds: Callable[[M], bool] | None = None,
        bounds: Bounds | None = None,
    ) -> None:
        self.model = model
        self._holds = holds
        stand_ins = {**STAND_INS, **dict.fromkeys(checked, _left_out)}
        schema = narrowed(native_schema(model.__pydantic_core_schema__, stand_ins), bounds or {})
        with _built_anew(schema):
            self._validate = SchemaValidator(schema).validate_python

    def read(self, data: Any) -> M | None:
        try:
            built = self._validate(data)
        except ValidationError:
            return None
        return built if self._holds is None or self._holds(built) else None
