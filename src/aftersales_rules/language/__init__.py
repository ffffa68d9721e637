"""The rule language: YAML rule files → a validated ``PolicySource`` (internal).

``read_policy`` (source.py) lists and reads the rule files and has the builder
(build.py) check them into one ``PolicySource``, or raises one ``PolicyError``
with every problem. The parts: rule-file models (rulefile.py), the facts a rule
can test (facts.py), names and their lookups (scope.py), conditions, moments
and amounts as plain data (conditions.py, moments.py, amounts.py), and rules
with their outputs (rules.py).

Nothing here knows durable_rules or the engine: this package never imports
``aftersales_rules.engine``, ``authoring``, ``cli``, ``policy`` or ``service``
(tests/test_architecture.py checks it).

Internal: the public surface is ``aftersales_rules.__all__`` plus the authoring
API listed in ``aftersales_rules.authoring``; module names here may change.
"""

from .source import PolicySource, read_policy

__all__ = ["PolicySource", "read_policy"]
