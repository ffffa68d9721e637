"""Tools for policy authors, behind the ``aftersales`` subcommands (internal package).

The documented authoring API (docs/tooling.md), one function a command:

=====================  ==============================================================
``aftersales check``   ``lint.check_policy(path)`` → ``CheckReport``; ``lint.lint(policy)``
``aftersales test``    ``policytests.load_tests``, ``run_tests``, ``check_plan``
``aftersales schema``  ``schema.json_schema(name)``, ``schema.SCHEMAS``; ``reference.reference(name)`` (markdown)
``aftersales batch``   ``batch.run_batch(...)`` → ``BatchSummary``
``aftersales diff``    ``impact.diff_policies(...)`` → ``ImpactReport``; ``gitrev.policy_folder(REV:PATH)``
``--scheduler``        ``distributed.batch_on_cluster(...)``, ``distributed.diff_on_cluster(...)``
pipelines              ``evaluate_partition(cases, PolicyBundle.from_folder(path))``, ``evaluate_frame``, ``frame_meta``
=====================  ==============================================================

The last line is importable from this package itself (``from aftersales_rules.authoring import
PolicyBundle, evaluate_partition``; docs/distributed.md).

The rest is how they work: casespace.py (the abstract space of cases the
linter searches: leaves, conflicts) and witness.py (a concrete example case
for a leaf). These tools use the public facade ``Policy``, the language and
the engine; nothing below them imports this package.

Internal apart from the functions above: the public surface is
``aftersales_rules.__all__`` plus this authoring API.
"""

from .bundle import PolicyBundle
from .partition import evaluate_frame, evaluate_partition, frame_meta

__all__ = ["PolicyBundle", "evaluate_frame", "evaluate_partition", "frame_meta"]
