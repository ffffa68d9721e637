"""aftersales-rules: after-sales dispute policies as YAML rules, compiled into durable_rules.

    from aftersales_rules import Policy
    policy = Policy.load("rules/")
    plan = policy.evaluate(case)        # a dict as parsed from a case file, or a Case
    print(plan.model_dump_json())

A long-running service holds its policy in a ``PolicyService``: ``evaluate``
from any thread, ``reload(path)`` when the rules change; a reload that fails
raises and leaves the previous policy in service.

    service = PolicyService.load("rules/")
    plan = service.evaluate(case)
    service.reload("rules/")            # the new policy is loaded in full before it is swapped in
"""

from .case import Case, load_case, parse_case
from .errors import (
    AfterSalesError,
    CaseError,
    ConflictError,
    EngineError,
    EvaluationError,
    InputError,
    OutputError,
    PolicyError,
    Problem,
    SourceLocation,
    UndecidedError,
    UnknownRuleError,
)
from .explanation import CaseExplanation, RuleExplanation
from .plan import Plan
from .policy import Policy
from .service import PolicyService

__all__ = [
    "AfterSalesError",
    "Case",
    "CaseError",
    "CaseExplanation",
    "ConflictError",
    "EngineError",
    "EvaluationError",
    "InputError",
    "OutputError",
    "Plan",
    "Policy",
    "PolicyError",
    "PolicyService",
    "Problem",
    "RuleExplanation",
    "SourceLocation",
    "UndecidedError",
    "UnknownRuleError",
    "load_case",
    "parse_case",
]

__version__ = "0.1.0"
