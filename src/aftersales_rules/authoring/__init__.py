"""Tools for policy authors, behind the ``aftersales`` subcommands (internal package).

The documented authoring API (docs/tooling.md), one function a command:

=====================  ==============================================================
``aftersales check``   ``lint.check_policy(path)`` → ``CheckReport``; ``lint.lint(policy)``
``aftersales test``    ``policytests.load_tests``, ``run_tests``, ``check_plan``
``aftersales schema``  ``schema.json_schema(name)``, ``schema.SCHEMAS``; ``reference.reference(name)`` (markdown)
``aftersales batch``   ``batch.run_batch(...)`` → ``BatchSummary``
``aftersales diff``    ``impact.diff_policies(...)`` → ``ImpactReport``; ``gitrev.policy_folder(REV:PATH)``
=====================  ==============================================================

The rest is how they work: casespace.py (the abstract space of cases the
linter searches: leaves, conflicts) and witness.py (a concrete example case
for a leaf). These tools use the public facade ``Policy``, the language and
the engine; nothing below them imports this package.

Internal apart from the functions above: the public surface is
``aftersales_rules.__all__`` plus this authoring API.
"""
