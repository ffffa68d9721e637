"""The library's exceptions, and the source locations that travel with them.

Every error a user can cause is one of these; nothing else escapes the public
API. The CLI prints ``str(error)`` and exits with ``error.exit_code``::

    AfterSalesError                 base class, exit code 1
     ├── InputError                 a file cannot be read or parsed at all
     ├── PolicyError                a policy failed to load: every problem, sorted
     ├── CaseError                  a case is not valid: every problem, sorted
     ├── OutputError                an output file cannot be written (no folder, a folder, disk full)
     ├── UnknownRuleError           a rule id the policy does not have (``Policy.explain``); exit code 2
     └── EvaluationError            a valid policy could not decide a valid case
          ├── ConflictError         two rules decided one thing differently, equal priority
          ├── UndecidedError        no rule decided a resolution, and there is no default
          └── EngineError           durable_rules refused (its error code is kept)

What each carries as data, for a program to test (the message is for a person,
and nothing in the library reads it back)::

    every error         message, exit_code
    InputError          problem (one Problem), code (its word: syntax, too_large, ...), location
    PolicyError         problems, sorted by location
    CaseError           problems, sorted by location (the message shows every one, a line each)
    OutputError         path, cause (the operating system's words: "No such file or directory", ...)
    UnknownRuleError    rule (the id asked for), suggestion (the id it most likely meant, or None)
    EvaluationError     the message only (raised as itself for a case outside the policy's dates,
                        by a batch whose worker process died, and by a worker whose policy has
                        another digest than the one sent: authoring.bundle)
    ConflictError       rules (the two rule ids), output (what they decided differently)
    UndecidedError      case_id, kind (the case's issue kind)
    EngineError         code (durable_rules' error number, or None)

A ``Problem`` is one finding: a location, a short code, a message, a severity,
the dotted path in the document and, for a misspelling, the name it most
likely meant (``suggestion``; the message says "did you mean" in words).
Input, policy and case errors carry them (``problems``), so that callers (the
linter, an editor integration) get data rather than text. ``str(problem)`` is
the one way a problem is printed: ``file:line:col: code: message`` on one line,
``warning code`` for a warning (a linter ``Finding`` names ``error`` too); the
CLI prints every problem, and every error made of problems, through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "MAX_QUOTED",
    "AfterSalesError",
    "CaseError",
    "ConflictError",
    "EngineError",
    "EvaluationError",
    "InputError",
    "OutputError",
    "PolicyError",
    "Problem",
    "SourceLocation",
    "UndecidedError",
    "UnknownRuleError",
    "cut",
    "quoted",
]

MAX_QUOTED = 120  # characters of a value a message shows: every valid id and name (at most 120) whole


def cut(text: str, limit: int = MAX_QUOTED) -> str:
    """``text`` when it has at most ``limit`` characters; else its first ``limit`` and ``...``.

    The one cutting function: every value from a case, a rule file or a tests file that a
    message names passes through it (``quoted`` for one in quotes), and the message stays
    readable however long the value.
    """
    return text if len(text) <= limit else text[:limit] + "..."


def quoted(value: object) -> str:
    """``'value'``: the value's text in quotes, ``cut``."""
    return f"'{cut(str(value))}'"


def one_line(text: str) -> str:
    """``text`` with what is not printable shown escaped (a newline or carriage return in a key, a NUL).

    The one way text from a case or a rule file reaches a terminal: error messages and
    every text view (``render_text``, ``diff``, ``check``, the batch summary, policy test reports)
    pass their lines through it. ``str.isprintable`` is false for every control
    character (ESC, BEL, CR, U+0080–U+009F) and for every format character, which
    includes the bidi controls (U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), so
    none of them can clear the screen, set a title or reorder what is shown;
    each is shown as its escape (``\\x1b``, ``\\r``, ``\\u202e``).
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


@dataclass(frozen=True, order=True)
class SourceLocation:
    """Where something was written: file, 1-based line and column."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column}"
        return self.file


@dataclass(frozen=True)
class Problem:
    """One finding about an input file: where, what kind, and what to do."""

    location: SourceLocation | None
    code: str
    message: str
    severity: str = "error"  # "error" | "warning"
    path: str = ""  # the dotted path in the document, when known
    suggestion: str | None = None  # the name a misspelling most likely meant (the message's "did you mean")

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location or SourceLocation("")
        return (loc.file, loc.line, loc.column, self.code, self.message)

    @property
    def label(self) -> str:
        """What ``str`` prints before the message: the code, after the severity unless it is an error."""
        return self.code if self.severity == "error" else f"{self.severity} {self.code}"

    def __str__(self) -> str:
        """``file:line:col: label: message`` on one line, what is not printable escaped (``one_line``)."""
        where = f"{self.location}: " if self.location else ""
        return one_line(f"{where}{self.label}: {self.message}")

    def to_dict(self) -> dict[str, Any]:
        loc = self.location
        return {
            "file": loc.file if loc else None,
            "line": loc.line if loc else None,
            "column": loc.column if loc else None,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "path": self.path or None,
            "suggestion": self.suggestion,
        }


class AfterSalesError(Exception):
    """Base class of every error the library raises on purpose."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return one_line(self.message)


class InputError(AfterSalesError):
    """A file could not be read or parsed (missing, too large, not YAML): one ``Problem``.

    ``code`` says what went wrong in a word a program can test (``syntax``,
    ``too_deep``, ``bad_character``, ``duplicate_key``, ``too_large``, …);
    ``problem`` carries it with the location and the message, as data.
    """

    def __init__(self, message: str, location: SourceLocation | None = None, code: str = "invalid_input"):
        self.location = location
        self.code = code
        self.problem = Problem(location, code, message)
        super().__init__(str(self.problem))

    @property
    def problems(self) -> list[Problem]:
        return [self.problem]


class OutputError(AfterSalesError):
    """An output file could not be opened or written: one line, ``path: cannot write: cause``."""

    def __init__(self, path: str, cause: str):
        self.path = path
        self.cause = cause
        super().__init__(f"{path}: cannot write: {cause}")


class UnknownRuleError(AfterSalesError, LookupError):
    """A rule id the policy does not have: one line, with "did you mean" when one is close (``suggestion``).

    Exit code 2: on the command line it is the argument that is wrong, as with any usage error.
    """

    exit_code = 2

    def __init__(self, message: str, rule: str, suggestion: str | None = None):
        self.rule = rule
        self.suggestion = suggestion
        super().__init__(message)


class _ProblemsError(AfterSalesError):
    """An error made of several problems."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=Problem.sort_key)
        super().__init__(self._render())

    def __str__(self) -> str:
        return self.message  # made of the problems' one-line texts

    def _render(self) -> str:
        """One problem as its line; several as ``N errors occurred:`` and then a line each, sorted."""
        if len(self.problems) == 1:
            return str(self.problems[0])
        head = f"{len(self.problems)} errors occurred:"
        return "\n".join([head] + [str(p) for p in self.problems])


class PolicyError(_ProblemsError):
    """A policy failed to load; ``problems`` lists every one, sorted by location."""


class CaseError(_ProblemsError):
    """A case is not valid; ``problems`` lists every one, sorted by location, and the message a line each."""


class EvaluationError(AfterSalesError):
    """A valid policy could not decide a valid case."""


class ConflictError(EvaluationError):
    """Two rules of equal priority decided the same output differently."""

    def __init__(self, message: str, rules: tuple[str, ...] = (), output: str = ""):
        self.rules = rules
        self.output = output
        super().__init__(message)


class UndecidedError(EvaluationError):
    """No rule decided a resolution for the case (``case_id``, of issue ``kind``), and the policy sets no default."""

    def __init__(self, message: str, case_id: str = "", kind: str = ""):
        self.case_id = case_id
        self.kind = kind
        super().__init__(message)


class EngineError(EvaluationError):
    """durable_rules reported an error code the library cannot work around."""

    def __init__(self, message: str, code: int | None = None):
        self.code = code
        super().__init__(message)
