"""The engine: a validated ``PolicySource`` → durable_rules rulesets → a ``Plan`` (internal).

compiler.py turns the policy into durable_rules ruleset definitions; limits.py
refuses at load a policy that would outgrow durable_rules' fixed sizes
(``limit_problems``); runtime.py is the only module that imports
durable_rules, and wraps it; decision.py is the conflict policy (groups, then
per output the highest priority); steps.py fills in the plan's steps; and
evaluate.py's ``Engine`` evaluates a case: sessions, plan assembly, what-if
branches. This package never imports ``aftersales_rules.authoring`` or ``cli``
(tests/test_architecture.py checks it).

Internal: the public surface is ``aftersales_rules.__all__`` plus the authoring
API listed in ``aftersales_rules.authoring``; module names here may change.
"""

from .evaluate import Engine

__all__ = ["Engine"]
