"""Reference pages of the case and plan contracts, generated from the models so they cannot drift.

``reference("case")`` is docs/case-format.md and ``reference("plan")`` docs/plan-format.md: every field of
``Case`` (``Plan``) by its dotted path, its type and values, what it is when left out (null) and what it means,
from the models' ``Field(description=...)`` and class docstrings; each enumeration with the vocabulary's
docstring of it; the case page ends with an annotated example, a case of examples/ with each field's meaning
as a comment and the fields it leaves out commented out. ``aftersales schema case|plan --format markdown``
prints a page and ``./dev docs`` writes both; tests/test_reference.py fails when a committed page is stale.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import types
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import AwareDatetime, BaseModel
from pydantic.fields import FieldInfo

from .. import vocabulary
from ..case import Case
from ..errors import cut
from ..loader import load_document
from ..plan import Plan

__all__ = ["EXAMPLE", "PAGES", "annotated_example", "reference"]

PAGES = {"case": "docs/case-format.md", "plan": "docs/plan-format.md"}
"""Where each page is committed, relative to the repository."""
EXAMPLE = "examples/damaged_exchange_after_return.yaml"
"""The case the case page annotates."""
COMMAND = "./dev docs"


@dataclass(frozen=True)
class Field:
    path: str  # order.items[].sku
    type: str  # Markdown
    absent: str  # what it is when left out (a case) or whether it may be null (a plan)
    description: str
    enumerations: tuple[str, ...]  # the vocabulary names of the enumerations it takes


# -- the vocabulary ---------------------------------------------------------------------------------------------


def _vocabulary_docs() -> dict[str, str]:
    """Each Literal type of the vocabulary by name → the docstring that follows it."""
    tree = ast.parse(inspect.getsource(vocabulary))
    docs: dict[str, str] = {}
    for node, following in zip(tree.body, tree.body[1:], strict=False):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[node.targets[0].id] = " ".join(following.value.value.replace("``", "`").split())
    return docs


DOCS = _vocabulary_docs()
# each enumeration by its values: the Literal type's name and its key in ENUMERATIONS
ENUMS: dict[tuple[str, ...], tuple[str, str]] = {
    get_args(getattr(vocabulary, name)): (name, key)
    for name in DOCS
    if get_origin(getattr(vocabulary, name, None)) is Literal
    for key, values in vocabulary.ENUMERATIONS.items()
    if values == get_args(getattr(vocabulary, name))
}


# -- types ------------------------------------------------------------------------------------------------------


def _parts(annotation: Any) -> list[Any]:
    """The alternatives of a union (Annotated unwrapped), None included."""
    if get_origin(annotation) is Annotated:
        return _parts(get_args(annotation)[0])
    if get_origin(annotation) in (Union, types.UnionType):
        return [p for arg in get_args(annotation) for p in _parts(arg)]
    return [annotation]


def _code(value: str) -> str:
    return f"`{value}`"


def _type(annotation: Any, found: list[str]) -> str:
    """``annotation`` in words; the enumerations it takes are appended to ``found``."""
    words = []
    for part in _parts(annotation):
        origin = get_origin(part)
        if part is type(None):
            continue
        if origin is Literal:
            values = get_args(part)
            key = ENUMS.get(values, ("", ""))[1]
            if key:
                found.append(key)
            words.append(f"[{key}](#{key.replace('_', '-')}): " if key else "")
            words[-1] += " · ".join(_code(v) for v in values)
        elif origin is list:
            words.append("list of " + _type(get_args(part)[0], found))
        elif origin is dict:
            words.append("mapping of names to " + _type(get_args(part)[1], found))
        elif isinstance(part, type) and issubclass(part, BaseModel):
            words.append("mapping")
        else:
            words.append(_scalar(part))
    return " or ".join(dict.fromkeys(words))


def _scalar(part: Any) -> str:
    if part is AwareDatetime or part is datetime:
        return "time (ISO 8601 with a UTC offset)"
    if part is date:
        return "date"
    if part is Decimal:
        return 'amount ("299.00")'
    if part is bool:
        return "true/false"
    if part is int:
        return "whole number"
    if part is str:
        return "text"
    return "any value" if part is Any else getattr(part, "__name__", str(part))


def _model(annotation: Any) -> tuple[type[BaseModel], str] | None:
    """The model inside a field (``X``, ``X | None``, ``list[X]``) and the path suffix for it."""
    for part in _parts(annotation):
        if isinstance(part, type) and issubclass(part, BaseModel):
            return part, ""
        if get_origin(part) is list:
            inner = get_args(part)[0]
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner, "[]"
    return None


def _absent(info: FieldInfo, output: bool) -> str:
    nullable = type(None) in _parts(info.annotation)
    if output:
        return "may be null" if nullable else "never"
    if info.is_required():
        return "**required**"
    default = info.get_default(call_default_factory=True)
    if default is None:
        return "null"
    if isinstance(default, BaseModel):
        return "as its fields' defaults"
    if isinstance(default, Decimal):
        return _code(f"{default:.2f}")
    return _code(json.dumps(default, ensure_ascii=False))


def fields(
    model: type[BaseModel], output: bool, prefix: str = "", seen: dict[type, str] | None = None, again: bool = False
) -> Iterator[Field]:
    """Every field of ``model`` and of the models inside it, depth first, in the model's order; a model met a
    second time (the two legs of postage) is listed once, unless ``again``."""
    seen = {} if seen is None else seen
    for name, info in model.model_fields.items():
        path = f"{prefix}.{name}" if prefix else name
        found: list[str] = []
        kind = _type(info.annotation, found)
        inner = _model(info.annotation)
        description = " ".join((info.description or "").replace("``", "`").split())
        if inner and inner[0] in seen and not again:
            description += f" Its fields are those of `{seen[inner[0]]}`."
        yield Field(path, kind, _absent(info, output), description, tuple(found))
        if inner and (again or inner[0] not in seen):
            seen.setdefault(inner[0], path + inner[1])
            yield from fields(inner[0], output, path + inner[1], seen, again)


# -- the pages --------------------------------------------------------------------------------------------------

INTRO = {
    "case": """\
A case is one after-sales dispute: the order, the buyer, what went wrong and what has happened since. It is a
YAML or JSON file (`aftersales dry-run CASE`) or a dict (`Policy.evaluate`). Unknown keys are refused at every
level, with "did you mean"; an enumerated value that is not one of the values is offered the closest
(`issue.kind: wrong_itme` → `wrong_item`) or the values it is another word for (`issue.wants: replacement` →
`exchange` or `reship`). Amounts are decimal strings with at most two places (`"299.00"`); times are ISO 8601
with a UTC offset (`2026-07-15T14:05:00+08:00`): a time without one is refused and told the offset to add, the
policy's own when read for a policy; a number (`1784095500`, `"2026"`) is refused, never read as seconds since
1970. A field left out takes its default; a fact that is null is *unknown*, and a
plan that depends on it says what it is waiting for (`awaiting`) and what each answer would decide
(`branches`; docs/rule-language.md, "Unknown facts, awaiting and branches").""",
    "plan": """\
A plan is what the policy decides for one case: `aftersales dry-run CASE --format json` prints it and
`Policy.evaluate` returns it. Fields are added, never renamed; amounts are decimal strings with two places
(`"299.00"`), times ISO 8601 with the policy's offset. For the same policy and case a plan is byte-identical.""",
}


def reference(name: str) -> str:
    """The Markdown page of the ``case`` or ``plan`` contract."""
    if name not in PAGES:
        raise ValueError(f"no reference page named {cut(name)!r}; one of {', '.join(PAGES)}")
    output = name == "plan"
    model: type[BaseModel] = Plan if output else Case
    rows = list(fields(model, output))
    title = "The plan format" if output else "The case format"
    lines = [
        f"# {title}",
        "",
        f"<!-- Generated from the {name} model by aftersales_rules/authoring/reference.py: do not edit by hand;",
        f"     run {COMMAND} (or `aftersales schema {name} --format markdown`). -->",
        "",
        INTRO[name],
        "",
        f"`aftersales schema {name}` prints the same contract as JSON Schema, for editors.",
        "",
    ]
    lines += _tables(rows, "null?" if output else "if left out")
    lines += _enumerations(rows)
    if not output:
        lines += ["## An annotated example", "", f"`{EXAMPLE}`, each field explained; the fields it leaves out are"]
        lines += ["commented out.", "", "```yaml", *annotated_example().splitlines(), "```", ""]
    return "\n".join(lines)


def _tables(rows: list[Field], absent: str) -> list[str]:
    """One table per mapping: its top-level fields first, then each nested mapping under its path."""
    out: list[str] = []
    groups: dict[str, list[Field]] = {}
    for row in rows:
        groups.setdefault(row.path.rpartition(".")[0], []).append(row)
    described = {row.path: row for row in rows}
    for parent, members in groups.items():
        out += [f"## `{parent}`" if parent else "## Top level", ""]
        if parent in described and described[parent].description:
            out += [described[parent].description, ""]
        out += [f"| field | type | {absent} | meaning |", "|---|---|---|---|"]
        for row in members:
            cell = row.description.replace("|", "\\|")
            out.append(f"| `{row.path.rpartition('.')[2]}` | {row.type} | {row.absent} | {cell} |")
        out.append("")
    return out


def _enumerations(rows: list[Field]) -> list[str]:
    used = list(dict.fromkeys(key for row in rows for key in row.enumerations))
    out = ["## Enumerations", "", "The values, as the vocabulary (`aftersales_rules/vocabulary.py`) defines them.", ""]
    by_key = {key: (name, values) for values, (name, key) in ENUMS.items()}
    for key in used:
        name, values = by_key[key]
        fields_ = ", ".join(f"`{row.path}`" for row in rows if key in row.enumerations)
        out += [f"### {key}", "", f"{DOCS[name]}", "", f"Values: {' · '.join(_code(v) for v in values)}."]
        out += [f"Used by {fields_}.", ""]
    return out


# -- the annotated example --------------------------------------------------------------------------------------

WIDTH = 116


def annotated_example(root: str | Path | None = None) -> str:
    """``EXAMPLE`` as YAML with each field's meaning as a comment above it; a field it leaves out is commented
    out (``# name:``), with its meaning, so the example names every field of the case."""
    base = Path(root) if root else Path(__file__).resolve().parents[3]
    data = load_document(base / EXAMPLE).data
    meaning = {row.path: row for row in fields(Case, False, again=True)}
    return "\n".join(_emit(data, Case, "", 0, meaning)) + "\n"


def _comment(text: str, indent: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + len(word) + 1 > WIDTH - indent - 2:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [" " * indent + "# " + part for part in ([*lines, line] if line else lines)]


def _scalar_yaml(value: Any) -> str:
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_.:+-]+", value) and not _is_special(value):
        return value
    return json.dumps(value, ensure_ascii=False)


def _is_special(value: str) -> bool:
    return value.lower() in ("true", "false", "null", "yes", "no", "on", "off", "~") or bool(
        re.fullmatch(r"[0-9.+-]+", value)
    )


def _emit(data: dict, model: type[BaseModel], prefix: str, indent: int, meaning: dict[str, Field]) -> list[str]:
    out: list[str] = []
    pad = " " * indent
    for name, info in model.model_fields.items():
        path = f"{prefix}.{name}" if prefix else name
        row = meaning[path]
        inner = _model(info.annotation)
        if name not in data:
            out += _comment(f"{name}: (left out: {row.absent.strip('*`')}) {row.description}", indent)
            continue
        out += _comment(row.description, indent)
        value = data[name]
        if inner and isinstance(value, dict):
            out.append(f"{pad}{name}:")
            out += _emit(value, inner[0], path, indent + 2, meaning)
        elif inner and isinstance(value, list):
            out.append(f"{pad}{name}:")
            for element in value:
                lines = _emit(element, inner[0], path + inner[1], indent + 4, meaning)
                first = next(i for i, line in enumerate(lines) if not line.lstrip().startswith("#"))
                lines[first] = f"{pad}  - " + lines[first].lstrip()
                out += lines
        elif isinstance(value, dict):
            out.append(f"{pad}{name}:" + ("" if value else " {}"))
            out += [f"{pad}  {key}: {_scalar_yaml(v)}" for key, v in value.items()]
        elif isinstance(value, list):
            out.append(f"{pad}{name}: [{', '.join(_scalar_yaml(v) for v in value)}]")
        else:
            out.append(f"{pad}{name}: {_scalar_yaml(value)}")
    return out
