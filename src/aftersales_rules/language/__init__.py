"""The rule language: YAML rule files → a validated policy (internal).

Rule-file models (``rulefile``), the facts a rule can test (``facts``), names
and their lookups (``scope``), conditions, moments and amounts as plain data,
and rules with their outputs (``rules``). Nothing here knows durable_rules or
the engine: this package never imports ``aftersales_rules.engine``,
``authoring``, ``cli``, ``policy`` or ``service`` (tests/test_architecture.py).

Internal: the public surface is ``aftersales_rules.__all__`` plus the authoring
API listed in ``aftersales_rules.authoring``; module names here may change.
"""
