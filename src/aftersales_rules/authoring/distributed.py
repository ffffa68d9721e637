"""``batch`` and ``diff`` on a Dask cluster (``--scheduler local:N|tcp://HOST:PORT``): the output of one process.

The client loads the policy (a broken one is reported as ``batch`` reports it), cuts the input into
partitions (``parts``: it lists and measures, the workers read) and sends each with the policy as
its source (``bundle.PolicyBundle``: loaded once per worker, checked by digest). Every record of a
partition is evaluated as ``batch`` evaluates it (``batch.evaluate_record``, ``impact.compare_record``);
the results come back in the input's order and the client alone writes them, through the same
``Output`` (a temporary file beside ``--out``, renamed when the run completes) and counts them into
the same summary. A partition whose worker dies is run again by Dask; its results are taken once.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from .batch import BatchSummary, Figures, commit, evaluate_record, interrupted, take
from .bundle import PolicyBundle
from .cluster import gathered, in_order, running
from .impact import CaseChange, ImpactReport, add_result, compare_record, empty_report, load_both
from .output import Output, check_not_policy, check_output
from .parts import PART_BYTES, Part, Split, count_range, split
from .stopping import Stopped, Stopping

__all__ = ["batch_on_cluster", "diff_on_cluster"]


def batch_on_cluster(
    cases: str | os.PathLike[str],
    out: str | os.PathLike[str],
    rules: str | os.PathLike[str] = "rules",
    scheduler: str = "local:1",
    branches: bool = True,
    progress: Callable[[BatchSummary], None] | None = None,
    total: Callable[[int], None] | None = None,
    part_bytes: int = PART_BYTES,
    bundle: PolicyBundle | None = None,
) -> BatchSummary:
    """``batch.run_batch`` on the cluster ``scheduler`` names: the same output file and summary.

    ``total`` is told how many cases there are once the input is measured; ``part_bytes`` is the
    size of a JSONL partition; ``bundle`` sends that policy (its source) instead of reading ``rules``
    (which still names the policy the output must not overwrite).
    """
    summary = BatchSummary()
    sinks: list[Output] = []
    try:
        with Stopping() as stopping:
            check_output(cases, out)
            check_not_policy(rules, out)
            if bundle is None:
                bundle = PolicyBundle.from_folder(rules)  # a broken policy is reported before anything runs
            with running(scheduler) as client:
                parts = _split(client, cases, part_bytes, stopping, total)
                for file in parts.files:  # a glob may match a file --out names
                    check_output(file, out)
                with Output(out) as sink:
                    sinks.append(sink)
                    for results in in_order(client, parts.parts, _batch_part, (bundle, branches), stopping):
                        take(stopping, sink, summary, progress, results)
                    commit(stopping, sink)
    except Stopped as exc:
        raise interrupted(exc, out, summary, sinks) from None
    return summary


def diff_on_cluster(
    old_rules: str | os.PathLike[str],
    new_rules: str | os.PathLike[str],
    cases: str | os.PathLike[str],
    scheduler: str = "local:1",
    progress: Callable[[int], None] | None = None,
    total: Callable[[int], None] | None = None,
    part_bytes: int = PART_BYTES,
    shown_as: tuple[str | None, str | None] = (None, None),
) -> ImpactReport:
    """``impact.diff_policies`` on the cluster ``scheduler`` names: the same report (``shown_as`` as there)."""
    old, new = load_both(old_rules, new_rules, shown_as)
    report = empty_report(old, new)
    old.close()
    new.close()
    bundles = (
        PolicyBundle.from_folder(old_rules, shown_as=shown_as[0]),
        PolicyBundle.from_folder(new_rules, shown_as=shown_as[1]),
    )
    with Stopping() as stopping, running(scheduler) as client:
        parts = _split(client, cases, part_bytes, stopping, total)
        for results in in_order(client, parts.parts, _diff_part, bundles, stopping):
            for result in results:
                add_result(report, result, progress)
        stopping.finished()
    return report


def _split(
    client: Any,
    cases: str | os.PathLike[str],
    part_bytes: int,
    stopping: Stopping,
    total: Callable[[int], None] | None,
) -> Split:
    parts = split(cases, lambda ranges: gathered(client, count_range, ranges, stopping), part_bytes)
    if total is not None:
        total(parts.total)
    return parts


# --------------------------------------------------------------------------- on a worker


def _batch_part(part: Part, bundle: PolicyBundle, branches: bool) -> list[tuple[str, Figures | None]]:
    """The output lines of a partition's records, and their figures."""
    policy = bundle.policy()
    results = []
    for record in part.records():
        line, figures = evaluate_record(policy, record, branches)
        if figures is None and part.named:  # an error record of an input of several files names its file
            line = json.dumps({**json.loads(line), "file": record.source}, ensure_ascii=False)
        results.append((line, figures))
    return results


def _diff_part(part: Part, old: PolicyBundle, new: PolicyBundle) -> list[CaseChange | dict[str, Any] | None]:
    """What changed for each of a partition's records (None: nothing)."""
    policies = old.policy(), new.policy()
    results: list[CaseChange | dict[str, Any] | None] = []
    for record in part.records():
        result = compare_record(*policies, record)
        if part.named and isinstance(result, CaseChange):
            result = replace(result, file=record.source)
        elif part.named and isinstance(result, dict):
            result = {**result, "file": record.source}
        results.append(result)
    return results
