"""Cases a second of ``batch`` on a Dask cluster of 1 and of 2 local workers, and the scaling ratio.

    ./dev bench --dask                  # 20,000 cases, best of 2 runs a configuration
    ./dev bench --dask --cases 2000     # a smoke run
    .venv/bin/python benchmarks/dask_batch.py --help

Writes a deterministic corpus (``generate_cases``, every issue kind in turn) as JSONL into a
temporary folder and decides it with ``batch_on_cluster`` on a LocalCluster started beforehand
(started and joined once per worker count: its start-up is reported apart, not in the rate); one
process (``run_batch``, ``-j 1``) is the reference. Every run's output must be byte-identical to
the reference's, or the benchmark fails before it reports. The rate of a run includes the first
pass over the input, each worker's loading of the policy, and writing the output.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from aftersales_rules.authoring.batch import run_batch
from aftersales_rules.authoring.cluster import local_cluster
from aftersales_rules.authoring.distributed import batch_on_cluster
from aftersales_rules.authoring.parts import PART_BYTES
from aftersales_rules.case import ISSUE_KINDS
from aftersales_rules.testing import generate_cases

RULES = Path(__file__).resolve().parent.parent / "rules"
SEED = 2026


def timed(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def measure(count: int, repeat: int, workers: list[int], part_bytes: int, branches: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="aftersales-bench-") as tmp:
        cases = Path(tmp) / "cases.jsonl"
        with cases.open("w", encoding="utf-8") as out:
            for case in generate_cases(count, seed=SEED, kinds=list(ISSUE_KINDS)):
                out.write(json.dumps(case, ensure_ascii=False) + "\n")
        reference = Path(tmp) / "one.jsonl"
        one = min(timed(lambda: run_batch(cases, reference, RULES, 1, branches)) for _ in range(repeat))
        figures: dict = {"cases": count, "part_bytes": part_bytes, "branches": branches, "one process": count / one}
        figures["load average"] = os.getloadavg()
        for n in workers:
            start = time.perf_counter()
            with local_cluster(n, silence=logging.ERROR) as cluster:
                figures[f"start-up, {n} workers (s)"] = time.perf_counter() - start
                out = Path(tmp) / f"dask{n}.jsonl"
                run = functools.partial(
                    batch_on_cluster, cases, out, RULES, cluster.scheduler_address, branches, part_bytes=part_bytes
                )
                best = min(timed(run) for _ in range(repeat))
                if out.read_bytes() != reference.read_bytes():
                    raise SystemExit(f"{n} workers wrote other records than one process: the benchmark is void")
                figures[f"{n} workers"] = count / best
        return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=2, help="runs a configuration, the best one counts")
    parser.add_argument("--part-bytes", type=int, default=PART_BYTES)
    parser.add_argument("--no-branches", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    figures = measure(args.cases, args.repeat, [1, 2], args.part_bytes, not args.no_branches)
    figures["scaling 2 workers / 1 worker"] = figures["2 workers"] / figures["1 workers"]
    table = Table(title=f"batch on Dask, {args.cases:,} cases, {os.cpu_count()} cores", title_justify="left")
    table.add_column("run")
    table.add_column("figure", justify="right")
    for name, value in figures.items():
        if isinstance(value, float):
            unit = "" if "(s)" in name or "scaling" in name else " cases/s"
            table.add_row(name, f"{value:,.2f}{unit}" if unit == "" else f"{value:,.0f}{unit}")
        else:
            table.add_row(name, str(value))
    Console().print(table)
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
