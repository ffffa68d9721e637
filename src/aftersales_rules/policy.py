"""``Policy``: the public facade over the language and the engine.

``Policy.load`` reads and validates the rule files (``aftersales_rules.language``)
and compiles them into durable_rules (``aftersales_rules.engine``); loading
raises one ``PolicyError`` listing every problem sorted by file:line:column.
Only a policy with no problems is compiled; a failed load changes nothing that
was loaded before.
"""

from __future__ import annotations

from datetime import date
from typing import Any, overload

from .engine import Engine
from .engine.explain import explain_case, explain_rule
from .engine.limits import limit_problems
from .engine.memo import DEFAULT_SIZE, MemoInfo, check_size
from .explanation import CaseExplanation, RuleExplanation
from .language.rules import Rule
from .language.source import Paths, PolicySource, read_policy
from .loader import Document
from .plan import Plan

__all__ = ["Policy"]


class Policy:
    """A loaded policy: immutable, safe to share between threads.

    ``Policy.load(path)`` reads a directory of rule files (or a list of files);
    ``policy.evaluate(case)`` returns the ``Plan``; ``policy.explain(case, rule_id)`` why a rule did or did
    not apply to it.
    """

    __slots__ = ("__weakref__", "_engine", "_source")
    _source: PolicySource
    _engine: Engine

    def __init__(self, source: PolicySource, *, memo_size: int = DEFAULT_SIZE, verify_memo: bool | None = None) -> None:
        object.__setattr__(self, "_source", source)
        object.__setattr__(self, "_engine", Engine(source, memo_size=memo_size, verify_memo=verify_memo))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a Policy is immutable; load a new one instead")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("a Policy is immutable; load a new one instead")

    @classmethod
    def load(
        cls,
        paths: Paths,
        *,
        shown_as: str | None = None,
        memo_size: int = DEFAULT_SIZE,
        verify_memo: bool | None = None,
    ) -> Policy:
        """Read, validate and compile the rule files (raises ``PolicyError`` listing every problem).

        Locations name a file as ``paths`` does (``../myrules/damage.yaml:12:5``), or with ``shown_as`` in
        place of the one folder or file given (``HEAD:rules`` for a copy taken from git); the digest and
        the plans' trace do not depend on either.

        ``memo_size``: how many of durable_rules' matches to remember (exactly, per abstract case message:
        docs/performance.md); 0 matches every case in durable_rules. ``verify_memo``: also match every case in
        durable_rules and raise ``EngineError`` on any difference (default: the ``AFTERSALES_VERIFY_MEMO``
        environment variable, set and neither empty nor 0).
        """
        check_size(memo_size)  # before reading anything
        source = read_policy(paths, checks=[limit_problems], shown_as=shown_as)
        return cls(source, memo_size=memo_size, verify_memo=verify_memo)

    # what the policy is
    @property
    def name(self) -> str:
        return self._source.header.name

    @property
    def version(self) -> str:
        return self._source.header.version

    @property
    def digest(self) -> str:
        return self._source.digest

    @property
    def effective_from(self) -> date | None:
        return self._source.header.effective_from

    @property
    def effective_until(self) -> date | None:
        return self._source.header.effective_until

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(self._source.rules)

    @property
    def source(self) -> PolicySource:
        """The validated policy (rules, definitions, documents): for tools such as the linter."""
        return self._source

    def location(self, source: str) -> str:
        """A trace's ``source`` (``rules/policy.yaml:78``, the same however the policy was loaded) as a place
        one can open from the current folder, the file named as the policy was (``../myrules/policy.yaml:78``)."""
        return self._source.location(source)

    def evaluate(self, case: Any, *, branches: bool = True, document: Document | None = None) -> Plan:
        """The plan for ``case`` (a dict as parsed from a case file, or a ``Case``).

        ``document``, the case file as ``loader.load_document`` read it, places every problem in it,
        those this policy finds (an attribute it does not declare, or of another type) too; a case
        that does not validate is refused with its undeclared attributes among its problems.
        """
        return self._engine.evaluate(case, branches=branches, document=document)

    @overload
    def explain(self, case: Any) -> CaseExplanation: ...
    @overload
    def explain(self, case: Any, rule_id: str) -> RuleExplanation: ...

    def explain(self, case: Any, rule_id: str | None = None) -> CaseExplanation | RuleExplanation:
        """Why ``rule_id`` did or did not apply to ``case``, as data; without a rule id, every rule and the
        near misses (the rules of the case's kind that failed on exactly one condition).

        Raises ``UnknownRuleError`` (with "did you mean") for a rule the policy does not have, and what
        ``evaluate`` raises for a case it cannot evaluate.
        """
        if rule_id is None:
            return explain_case(self._engine, case)
        return explain_rule(self._engine, case, rule_id)

    def memo_info(self) -> MemoInfo:
        """The memo of durable_rules' matches: on or off, its size and counts, and for each ruleset what its key
        keeps of the case, or why it is matched in durable_rules every time; ``decisions``, the same of the memo
        of whole decisions above it (per issue kind)."""
        return self._engine.memo.info(self._engine.decisions.info())

    def close(self) -> None:
        """Free the compiled rulesets now (they are also freed when the policy is garbage-collected)."""
        self._engine.close()

    def __repr__(self) -> str:
        return f"<Policy {self.name} {self.version} ({len(self._source.rules)} rules, {self.digest[:19]})>"
