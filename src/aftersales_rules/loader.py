"""YAML (and JSON) text → plain Python values, with file:line:column for every node.

Only safe loading: the document is composed into nodes by PyYAML's safe
composer (over libyaml's parser when present) and turned into values here, so
no tag can construct an object. Floats become ``Decimal`` from their source text (money
never passes through binary floating point); timestamps stay strings (the case
model parses ISO 8601 itself). Duplicate keys, unknown tags, alias bombs,
deep nesting, oversized files and non-UTF-8 bytes are refused with one clear
``InputError`` naming the place.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from .errors import InputError, SourceLocation

__all__ = ["Document", "load_document", "parse_document", "MAX_FILE_BYTES"]

MAX_FILE_BYTES = 1024 * 1024  # a policy file or case file larger than this is refused
MAX_NODES = 100_000  # after alias expansion: stops "billion laughs"
MAX_DEPTH = 64

if yaml.__with_libyaml__:
    from yaml.composer import Composer
    from yaml.cyaml import CParser
    from yaml.resolver import Resolver

    class _Loader(Composer, CParser, Resolver):
        """libyaml's parser with PyYAML's Python composer (the safe resolver, no constructor).

        libyaml's own composer recurses in C: a deeply nested flow collection
        (``[[[[…``, 200 KB) overflows the C stack and kills the process. The
        Python composer stops at the recursion limit with a RecursionError.
        """

        def __init__(self, stream):
            CParser.__init__(self, stream)
            Composer.__init__(self)
            Resolver.__init__(self)
else:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

_SCALAR_TAGS = {
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:timestamp",
}

Path_ = tuple  # a path into the document: keys and list indexes


@dataclass
class Document:
    """A parsed file: its data and where each value (and each key) was written."""

    file: str
    data: Any
    values: dict[Path_, SourceLocation] = field(default_factory=dict)
    keys: dict[Path_, SourceLocation] = field(default_factory=dict)

    def at(self, path: Path_) -> SourceLocation:
        """Location of the value at ``path``, or of its nearest written ancestor."""
        path = tuple(path)
        while path:
            loc = self.values.get(path)
            if loc is not None:
                return loc
            path = path[:-1]
        return self.values.get((), SourceLocation(self.file, 1, 1))

    def key_at(self, path: Path_) -> SourceLocation:
        """Location of the mapping key that names ``path`` (falls back to ``at``)."""
        return self.keys.get(tuple(path)) or self.at(path)


def load_document(path: str | os.PathLike, display: str | None = None,
                  max_bytes: int = MAX_FILE_BYTES) -> Document:
    """Read and parse one YAML or JSON file."""
    p = Path(path)
    name = display or str(path)
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise InputError(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit",
                             SourceLocation(name))
        raw = p.read_bytes()
    except InputError:
        raise
    except IsADirectoryError:
        raise InputError("is a directory, not a file", SourceLocation(name)) from None
    except FileNotFoundError:
        raise InputError("no such file", SourceLocation(name)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", SourceLocation(name)) from None
    return parse_document(raw, name, max_bytes=max_bytes)


def parse_document(raw: bytes | str, name: str = "<input>", max_bytes: int = MAX_FILE_BYTES) -> Document:
    """Parse YAML or JSON text (bytes are decoded as UTF-8, a BOM is allowed)."""
    if isinstance(raw, bytes):
        if len(raw) > max_bytes:
            raise InputError(f"input is {len(raw):,} bytes, over the {max_bytes:,}-byte limit",
                             SourceLocation(name))
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise InputError(f"not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be decoded",
                             SourceLocation(name, line, 1)) from None
    else:
        text = raw.lstrip("\ufeff")
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = SourceLocation(name, mark.line + 1, mark.column + 1) if mark else SourceLocation(name)
        problem = exc.problem or exc.context or "invalid YAML"
        at_tab = mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t"
        if at_tab or "tab" in problem:
            problem += " (indent with spaces, not tabs)"
        kind = "JSON" if name.lower().endswith(".json") else "YAML"
        raise InputError(f"invalid {kind}: {problem}", loc) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (NUL, other control characters)
        where = SourceLocation(name, text.count("\n", 0, exc.position) + 1,
                               exc.position - text.rfind("\n", 0, exc.position))
        char = f"#x{exc.character:04x}" if isinstance(exc.character, int) else repr(exc.character)
        raise InputError(f"invalid YAML: unacceptable character {char}: {exc.reason}", where) from None
    except yaml.YAMLError as exc:  # composer errors without a mark
        raise InputError(f"invalid YAML: {str(exc).splitlines()[0]}", SourceLocation(name)) from None
    except RecursionError:
        raise InputError(f"document is nested too deeply (limit {MAX_DEPTH})", SourceLocation(name)) from None
    doc = Document(name, None)
    if node is None:
        return doc
    builder = _Builder(doc)
    doc.data = builder.build(node, (), 0)
    return doc


class _Builder:
    def __init__(self, doc: Document):
        self.doc = doc
        self.count = 0
        self.scalars = SafeConstructor()

    def loc(self, node: yaml.Node) -> SourceLocation:
        m = node.start_mark
        return SourceLocation(self.doc.file, m.line + 1, m.column + 1)

    def build(self, node: yaml.Node, path: tuple, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise InputError(f"document expands to more than {MAX_NODES:,} values "
                             "(anchors and aliases used as a bomb?)", self.loc(node))
        if depth > MAX_DEPTH:
            raise InputError(f"document is nested too deeply (limit {MAX_DEPTH})", self.loc(node))
        self.doc.values.setdefault(path, self.loc(node))
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            if node.tag not in ("tag:yaml.org,2002:seq",):
                raise InputError(f"unsupported tag {node.tag!r}", self.loc(node))
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        return self.scalar(node)

    def mapping(self, node: yaml.MappingNode, path: tuple, depth: int) -> dict:
        if node.tag != "tag:yaml.org,2002:map":
            raise InputError(f"unsupported tag {node.tag!r}", self.loc(node))
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise InputError("a key must be a plain name, not a list or mapping", self.loc(key_node))
            key = key_node.value
            if key in out:
                first = self.doc.keys[path + (key,)]
                raise InputError(f"duplicate key '{key}' (first written at line {first.line})",
                                 self.loc(key_node))
            self.doc.keys[path + (key,)] = self.loc(key_node)
            out[key] = self.build(value_node, path + (key,), depth + 1)
        return out

    def scalar(self, node: yaml.ScalarNode) -> Any:
        tag = node.tag
        if tag not in _SCALAR_TAGS:
            raise InputError(f"unsupported tag {tag!r}: only plain YAML values are allowed", self.loc(node))
        if tag == "tag:yaml.org,2002:str":
            return node.value
        if tag == "tag:yaml.org,2002:timestamp":
            return node.value  # parsed (ISO 8601, offset required) by the models
        if tag == "tag:yaml.org,2002:float":
            text = node.value.replace("_", "")
            try:
                value = Decimal(text)
            except InvalidOperation:
                value = None
            if value is None or not value.is_finite():
                raise InputError(f"'{node.value}' is not a finite number", self.loc(node))
            return value
        try:
            return self.scalars.construct_object(node)
        except (yaml.YAMLError, ValueError) as exc:
            raise InputError(f"bad value '{node.value}': {exc}", self.loc(node)) from None
