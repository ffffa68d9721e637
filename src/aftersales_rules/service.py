"""``PolicyService``: the policy a running service decides with, reloadable without a gap.

A service loads its policy once and evaluates cases from many threads; when
the rule files change, ``reload()`` reads, validates and compiles the new
policy completely first and only then swaps it in, in one assignment. A
reload that fails raises the library's error and leaves the previous policy
in service: nothing is half-applied (SPEC, "Errors").

Evaluations already running finish on the policy they started with; the
replaced policy's rulesets are freed when the last of them lets go of it
(``Policy`` frees them when it is garbage-collected), never under a running
evaluation.
"""

from __future__ import annotations

import threading
from typing import Any

from .language.source import Paths
from .loader import Document
from .plan import Plan
from .policy import Policy

__all__ = ["PolicyService"]


class PolicyService:
    """Holds the policy in service; ``evaluate`` from any thread, ``reload`` when the rules change."""

    def __init__(self, policy: Policy) -> None:
        self._policy = policy
        self._reload_lock = threading.Lock()  # one reload at a time; evaluations never wait for it

    @classmethod
    def load(cls, paths: Paths) -> PolicyService:
        """A service for the policy at ``paths`` (raises like ``Policy.load``)."""
        return cls(Policy.load(paths))

    @property
    def policy(self) -> Policy:
        """The policy in service now."""
        return self._policy

    def evaluate(self, case: Any, *, branches: bool = True, document: Document | None = None) -> Plan:
        """The plan for ``case`` under the policy in service when the call starts (``Policy.evaluate``)."""
        return self._policy.evaluate(case, branches=branches, document=document)

    def reload(self, paths: Paths) -> Policy:
        """Load the policy at ``paths`` and put it in service; returns it.

        Raises ``PolicyError``/``InputError``/``EngineError`` when it cannot be
        loaded; the previous policy then stays in service.
        """
        with self._reload_lock:
            policy = Policy.load(paths)  # everything that can fail happens here, before the swap
            self._policy = policy
            return policy

    def __repr__(self) -> str:
        return f"<PolicyService serving {self._policy!r}>"
