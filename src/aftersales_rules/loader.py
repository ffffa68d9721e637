"""YAML (and JSON) text → plain Python values, with file:line:column for every node.

Only safe loading: the document is composed into nodes by PyYAML's safe
composer (over libyaml's parser when present) and turned into values here, so
no tag can construct an object. Floats become ``Decimal`` from their source text (money
never passes through binary floating point); timestamps stay strings (the case
model parses ISO 8601 itself). Duplicate keys, unknown tags, alias bombs,
deep nesting, oversized files and non-UTF-8 bytes are refused with one clear
``InputError`` naming the place.

A line of a JSONL file is read by the same rules (``read_json_line``), every
place on that line; ``jsonl.parse_json_line`` reads it faster, to the same value.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO

import yaml
from yaml.constructor import SafeConstructor

from .errors import InputError, SourceLocation, cut, quoted

__all__ = [
    "MAX_FILE_BYTES",
    "Document",
    "in_folder",
    "load_document",
    "parse_document",
    "read_bounded",
    "read_json_line",
    "read_stream",
]

MAX_FILE_BYTES = 1024 * 1024  # a policy file or case file larger than this is refused
MAX_NODES = 100_000  # after alias expansion: stops "billion laughs"
MAX_DEPTH = 64

if yaml.__with_libyaml__:
    from yaml._yaml import CParser
    from yaml.composer import Composer
    from yaml.resolver import Resolver

    class _ComposingCLoader(Composer, CParser, Resolver):
        """libyaml's parser with PyYAML's Python composer (the safe resolver, no constructor).

        libyaml's own composer recurses in C: a deeply nested flow collection
        (``[[[[…``, 200 KB) overflows the C stack and kills the process. The
        Python composer stops at the recursion limit with a RecursionError.
        """

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            Resolver.__init__(self)

    _Loader: type[_ComposingCLoader | yaml.SafeLoader] = _ComposingCLoader
else:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader


SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # \ud83d\ude00: how json.dumps writes an emoji
_SURROGATE = re.compile("[\ud800-\udfff]")


def _compose(text: str) -> tuple[yaml.Node | None, bool]:
    """``yaml.compose(text, Loader=_Loader)``, written out (its stub accepts only PyYAML's own loaders),
    and whether the text's strings may hold UTF-16 surrogates (``_Builder`` pairs them).

    libyaml refuses a surrogate escape even when it is one half of a pair: such a text is composed
    by PyYAML's Python scanner, which keeps each half as written.
    """
    try:
        return _compose_with(_Loader, text), False
    except yaml.MarkedYAMLError as exc:
        if _Loader is yaml.SafeLoader or "escape code" not in (exc.problem or "") or not SURROGATE_ESCAPE.search(text):
            raise
    return _compose_with(yaml.SafeLoader, text), True


def _compose_with(kind: type[_ComposingCLoader | yaml.SafeLoader], text: str) -> yaml.Node | None:
    loader = kind(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


_SCALAR_TAGS = {
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:timestamp",
}

Path_ = tuple  # a path into the document: keys and list indexes

# What the YAML parser reports, in this project's words: (a phrase of the parser's message, our code,
# our message). A parser upgrade that rewords a message only falls back to "invalid YAML: <its text>";
# no message a user sees (and no golden file) depends on its wording.
_SYNTAX = (
    ("maximum nesting depth", "too_deep", f"document is nested too deeply (limit {MAX_DEPTH})"),
    ("tab character", "syntax", "a tab in the indentation (indent with spaces, not tabs)"),
    ("cannot start any token", "syntax", "a character that cannot start a value here"),
    ("expected ',' or '}'", "syntax", "a ',' or '}' is missing in this {...} mapping"),
    ("expected ',' or ']'", "syntax", "a ',' or ']' is missing in this [...] list"),
    ("expected node content", "syntax", "a value is missing here"),
    ("another document", "syntax", "a second document starts here (a file holds one document)"),
    ("expected key", "syntax", "a key was expected here (check the indentation)"),
    ("expected '-' indicator", "syntax", "a list item ('- ') was expected here (check the indentation)"),
    (
        "mapping values are not allowed",
        "syntax",
        "a ':' where no key can start (quote the text or fix the indentation)",
    ),
    (
        "block sequence entries are not allowed",
        "syntax",
        "a list item ('- ') where no list can start (check the indentation)",
    ),
    ("could not find expected ':'", "syntax", "a key without its ':' (write key: value)"),
    ("undefined alias", "syntax", "an alias (*name) with no anchor (&name) before it"),
    ("second occurrence", "syntax", "an anchor (&name) defined twice"),
    ("end of stream", "syntax", "the file ends inside a quoted text or an open collection"),
    ("unknown escape character", "syntax", "an unknown escape sequence in a double-quoted text"),
)


def _syntax_problem(problem: str, kind: str) -> tuple[str, str]:
    """The parser's ``problem`` as (code, message) in this project's words."""
    for phrase, code, message in _SYNTAX:
        if phrase in problem:
            return code, (message if code != "syntax" else f"invalid {kind}: {message}")
    return "syntax", f"invalid {kind}: {cut(problem)}"


@dataclass
class Document:
    """A parsed file: its data and where each value (and each key) was written.

    ``file``, which every location names, is the path as the user gave it (one can open it from where
    they are); ``name`` is a rule file's name in its policy (``language.source``: what the digest and
    the plan's trace read, the same however the folder was reached).
    """

    file: str
    data: Any
    values: dict[Path_, SourceLocation] = field(default_factory=dict)
    keys: dict[Path_, SourceLocation] = field(default_factory=dict)
    name: str = ""

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


def read_bounded(path: str | os.PathLike[str], name: str, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a file of any kind, refused past ``max_bytes``.

    The size on disk is only a first check: a pipe or a device (``/dev/zero``) reports none, so at
    most ``max_bytes + 1`` bytes are ever read.
    """
    where = SourceLocation(name)
    try:
        size = os.stat(path).st_size
        if size > max_bytes:
            raise InputError(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit", where, "too_large")
        with open(path, "rb") as stream:
            raw = stream.read(max_bytes + 1)
    except IsADirectoryError:
        raise InputError("is a directory, not a file", where, "not_a_file") from None
    except FileNotFoundError:
        raise InputError("no such file", where, "not_found") from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", where, "unreadable") from None
    if len(raw) > max_bytes:
        raise InputError(f"file is over the {max_bytes:,}-byte limit", where, "too_large")
    return raw


def read_stream(stream: BinaryIO, name: str, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a stream (standard input) to its end, refused past ``max_bytes`` as ``read_bounded``
    refuses a file: at most ``max_bytes + 1`` bytes are ever read."""
    try:
        raw = stream.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", SourceLocation(name), "unreadable") from None
    if len(raw) > max_bytes:
        raise InputError(f"input is over the {max_bytes:,}-byte limit", SourceLocation(name), "too_large")
    return raw


def in_folder(path: str | os.PathLike[str], folder: str | os.PathLike[str], *also: str | os.PathLike[str]) -> Path:
    """``path`` with every link followed, when that is a regular file inside ``folder`` (or one of ``also``).

    The one check that keeps the files a policy names inside its policy folder: the rule files of
    the folder, and the case files of its tests (which may also lie in the one folder of example
    cases the policy declares, ``examples:`` in its header: ``also``). Refused with an
    ``InputError`` (code and message, no location: the caller places it): ``outside_policy`` for a
    path that leaves the folders or a link to a file outside them, ``not_found`` for a path (or a
    link) to nothing, ``not_a_file`` for a directory, a device or a pipe (which has no end to read to).
    """
    roots = (folder, *also)
    given = Path(os.path.abspath(path))
    real = Path(path).resolve()  # not given's: abspath takes a "link/.." away without following the link
    if not any(real.is_relative_to(Path(root).resolve()) for root in roots):
        named = "the policy folder" + (" and its examples folder" if also else "")
        if any(given.is_relative_to(Path(os.path.abspath(root))) for root in roots):
            message = f"links to {real}, outside {named}"
        else:
            message = f"is outside the policy folder {folder}" + "".join(f" and its examples folder {x}" for x in also)
        raise InputError(message, code="outside_policy")
    if not real.exists():
        raise InputError("no such file" + (f" (a link to {real})" if real != given else ""), code="not_found")
    if not real.is_file():
        raise InputError("is not a regular file (a directory, a device or a pipe)", code="not_a_file")
    return real


def load_document(
    path: str | os.PathLike[str], display: str | None = None, max_bytes: int = MAX_FILE_BYTES
) -> Document:
    """Read and parse one YAML or JSON file."""
    name = display or str(path)
    return parse_document(read_bounded(path, name, max_bytes), name, max_bytes=max_bytes)


def parse_document(raw: bytes | str, name: str = "<input>", max_bytes: int = MAX_FILE_BYTES) -> Document:
    """Parse YAML or JSON text (bytes are decoded as UTF-8, a BOM is allowed)."""
    return _parse(raw, name, max_bytes, "JSON" if name.lower().endswith(".json") else "YAML", None)


def read_json_line(raw: bytes, name: str, line: int) -> Document:
    """Line ``line`` of the JSONL file ``name`` (without its line break), read as ``parse_document`` reads a
    file; every location is on that line, its column counted from the line's start (a carriage return
    or another YAML line break inside it starts no new line: an editor numbers lines by ``\\n``)."""
    return _parse(raw, name, MAX_FILE_BYTES, "JSON", line)


def _parse(raw: bytes | str, name: str, max_bytes: int, kind: str, line: int | None) -> Document:
    def where(mark_line: int, mark_column: int, index: int) -> SourceLocation:
        if line is None:
            return SourceLocation(name, mark_line + 1, mark_column + 1)
        return SourceLocation(name, line, index + 1)

    somewhere = SourceLocation(name) if line is None else SourceLocation(name, line, 1)
    if isinstance(raw, bytes):
        if len(raw) > max_bytes:
            raise InputError(f"input is {len(raw):,} bytes, over the {max_bytes:,}-byte limit", somewhere, "too_large")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            at = raw[: exc.start].count(b"\n") + 1 if line is None else line
            raise InputError(
                f"not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be decoded",
                SourceLocation(name, at, 1),
                "not_utf8",
            ) from None
    else:
        text = raw.lstrip("\ufeff")
    try:
        node, surrogates = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = where(mark.line, mark.column, mark.index) if mark else somewhere
        code, message = _syntax_problem(exc.problem or exc.context or "", kind)
        at_tab = mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t"
        if at_tab and "tab" not in message:
            message += " (indent with spaces, not tabs)"
        raise InputError(message, loc, code) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (NUL, other control characters)
        start = text.rfind("\n", 0, exc.position)
        loc = where(text.count("\n", 0, exc.position), exc.position - start - 1, exc.position)
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise InputError(f"a control character ({char}) is not allowed in YAML", loc, "bad_character") from None
    except yaml.YAMLError as exc:  # composer errors without a mark
        code, message = _syntax_problem(str(exc).splitlines()[0], "YAML")
        raise InputError(message, somewhere, code) from None
    except RecursionError:
        raise InputError(f"document is nested too deeply (limit {MAX_DEPTH})", somewhere, "too_deep") from None
    doc = Document(name, None)
    if node is None:
        return doc
    builder = _Builder(doc, kind, line, surrogates)
    doc.data = builder.build(node, (), 0)
    return doc


class _Builder:
    def __init__(self, doc: Document, kind: str = "YAML", line: int | None = None, surrogates: bool = False):
        self.doc = doc
        self.count = 0
        self.scalars = SafeConstructor()
        self.kind = kind
        self.line = line  # the text is this line of a JSONL file
        self.surrogates = surrogates  # strings may hold UTF-16 surrogates, to be paired

    def loc(self, node: yaml.Node) -> SourceLocation:
        m = node.start_mark
        if self.line is not None:
            return SourceLocation(self.doc.file, self.line, m.index + 1)
        return SourceLocation(self.doc.file, m.line + 1, m.column + 1)

    def text(self, node: yaml.ScalarNode) -> str:
        """A string as written, each pair of surrogate escapes made the one character they stand for."""
        value = node.value
        if not self.surrogates or not _SURROGATE.search(value):
            return value
        try:
            return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
        except UnicodeDecodeError as exc:
            half = ord(value[exc.start // 2])
            raise InputError(
                f"invalid {self.kind}: \\u{half:04x} is half of a surrogate pair, the other half is missing",
                self.loc(node),
                "syntax",
            ) from None

    def build(self, node: yaml.Node, path: tuple, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise InputError(
                f"document expands to more than {MAX_NODES:,} values (anchors and aliases used as a bomb?)",
                self.loc(node),
                "too_many_values",
            )
        if depth > MAX_DEPTH:
            raise InputError(f"document is nested too deeply (limit {MAX_DEPTH})", self.loc(node), "too_deep")
        self.doc.values.setdefault(path, self.loc(node))
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            if node.tag not in ("tag:yaml.org,2002:seq",):
                raise InputError(f"unsupported tag {cut(node.tag)!r}", self.loc(node), "unsupported_tag")
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)  # the composer makes only these three kinds of node
        return self.scalar(node)

    def mapping(self, node: yaml.MappingNode, path: tuple, depth: int) -> dict:
        if node.tag != "tag:yaml.org,2002:map":
            raise InputError(f"unsupported tag {cut(node.tag)!r}", self.loc(node), "unsupported_tag")
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise InputError("a key must be a plain name, not a list or mapping", self.loc(key_node), "bad_key")
            key = self.text(key_node)
            if key in out:
                first = self.doc.keys[path + (key,)]
                raise InputError(
                    f"duplicate key {quoted(key)} (first written at line {first.line})",
                    self.loc(key_node),
                    "duplicate_key",
                )
            self.doc.keys[path + (key,)] = self.loc(key_node)
            out[key] = self.build(value_node, path + (key,), depth + 1)
        return out

    def scalar(self, node: yaml.ScalarNode) -> Any:
        tag = node.tag
        if tag not in _SCALAR_TAGS:
            raise InputError(
                f"unsupported tag {cut(tag)!r}: only plain YAML values are allowed", self.loc(node), "unsupported_tag"
            )
        if tag == "tag:yaml.org,2002:str":
            return self.text(node)
        if tag == "tag:yaml.org,2002:timestamp":
            return node.value  # parsed (ISO 8601, offset required) by the models
        if tag == "tag:yaml.org,2002:float":
            text = node.value.replace("_", "")
            try:
                value = Decimal(text)
            except InvalidOperation:
                value = None
            if value is None or not value.is_finite():
                raise InputError(f"{quoted(node.value)} is not a finite number", self.loc(node), "not_finite")
            return value
        try:
            return self.scalars.construct_object(node)
        except (yaml.YAMLError, ValueError):
            raise InputError(
                f"{quoted(node.value)} is not a valid {tag.rsplit(':', 1)[-1]}", self.loc(node), "invalid_value"
            ) from None
