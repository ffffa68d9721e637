"""Per-case cost of case validation and plan assembly, before and after issue 12's points 3 and 4, in one run.

    .venv/bin/python benchmarks/plan_once.py [--cases 3000] [--rounds 5]

Each part's "before" and "after" run side by side in the same process on the same corpus, each case handed
to both in turn (the order alternating) and each call timed on its own, so that every variant sees the
same moments of a shared, busy machine; for each chunk of 100 cases the best of the rounds is kept. The
figures are µs a case; compare the ratios, not the figures, across machines and runs.

- case validation: ``Case.model_validate`` (the full model: before) against ``parse_case`` (the fast path
  for well-formed cases, fastcase.py: after);
- facts and decision: reading the facts and matching them in durable_rules (the same in both);
- plan assembly (settling, steps, trace, the plan's models): ``Engine(validate_plans=True, skeletons=0)``
  (every plan built afresh through pydantic: before) against the default engine (a skeleton per decision,
  engine/skeleton.py, and constructors, engine/build.py: after), and each change alone;
- the whole evaluation of a case dict, before and after.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aftersales_rules.case import ISSUE_KINDS, Case, parse_case
from aftersales_rules.engine import Engine
from aftersales_rules.language.source import read_policy
from aftersales_rules.testing import generate_cases

RULES = Path(__file__).resolve().parent.parent / "rules"


def interleaved(
    variants: dict[str, Callable[[Any], object]], inputs: list, rounds: int, chunk: int = 100
) -> dict[str, float]:
    """µs a call of each variant: every input to every variant in turn (the order alternating), each call
    timed on its own; for each chunk of inputs the best of the rounds is kept (a burst of other work on
    the machine spoils a chunk of one round, not the figure)."""
    clock = time.perf_counter_ns
    names = list(variants)
    chunks = [inputs[i : i + chunk] for i in range(0, len(inputs), chunk)]
    best = {name: [float("inf")] * len(chunks) for name in names}
    for r in range(rounds):
        for c, part in enumerate(chunks):
            order = names if (r + c) % 2 == 0 else names[::-1]
            totals = dict.fromkeys(names, 0)
            for item in part:
                for name in order:
                    fn = variants[name]
                    start = clock()
                    fn(item)
                    totals[name] += clock() - start
            for name in names:
                best[name][c] = min(best[name][c], totals[name])
    return {name: sum(best[name]) / len(inputs) / 1000 for name in names}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    source = read_policy(RULES)
    before = Engine(source, validate_plans=True, skeletons=0)
    skeletons_only = Engine(source, validate_plans=True)
    constructors_only = Engine(source, skeletons=0)
    after = Engine(source)
    corpus = list(generate_cases(args.cases, seed=2026, kinds=list(ISSUE_KINDS)))
    parsed = {id(c): Case.model_validate(c) for c in corpus}
    for engine in (before, skeletons_only, constructors_only, after):  # warm: skeletons made, caches filled
        for case in corpus[:500]:
            engine.evaluate(case)

    def decide(engine: Engine) -> Callable[[dict], object]:
        def run(data: dict) -> object:
            case = parsed[id(data)]
            part = engine._partition(case)
            return engine._decide(part, engine._facts(case, part))

        return run

    def evaluate(engine: Engine, branches: bool) -> Callable[[dict], object]:
        return lambda data: engine.evaluate(parsed[id(data)], branches=branches)

    def pair(before_fn: Callable[[Any], object], after_fn: Callable[[Any], object]) -> tuple[float, float]:
        t = interleaved({"before": before_fn, "after": after_fn}, corpus, args.rounds)
        return t["before"], t["after"]

    t = interleaved(
        {"before": evaluate(before, False), "decide": decide(after), "after": evaluate(after, False)},
        corpus,
        args.rounds,
    )
    matching = t["decide"]
    rows = [
        ("case validation", *pair(Case.model_validate, parse_case)),
        ("facts and decision", matching, matching),
        ("plan assembly (settle, steps, trace, models)", t["before"] - matching, t["after"] - matching),
        ("evaluate a Case, without branches", t["before"], t["after"]),
        ("  with a skeleton per decision alone", *pair(evaluate(before, False), evaluate(skeletons_only, False))),
        ("  with constructors alone", *pair(evaluate(before, False), evaluate(constructors_only, False))),
        ("evaluate a Case, with branches", *pair(evaluate(before, True), evaluate(after, True))),
        (
            "evaluate a case dict, without branches",
            *pair(
                lambda d: before.evaluate(Case.model_validate(d), branches=False),
                lambda d: after.evaluate(d, branches=False),
            ),
        ),
    ]
    print(f"{args.cases} cases (seed 2026), interleaved, best of {args.rounds} rounds per 100 cases; µs a case")
    print(f"{'part':<42} {'before':>8} {'after':>8} {'after/before':>13}")
    for name, was, now in rows:
        print(f"{name:<42} {was:>8.1f} {now:>8.1f} {now / was:>13.2f}")
    kept = after.skeletons
    print(f"skeletons kept: {len(kept)} (hits {kept.hits:,}, misses {kept.misses:,})")
    for engine in (before, skeletons_only, constructors_only, after):
        engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
