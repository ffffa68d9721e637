"""The benchmark: this engine vs the plain-Python baseline vs zen-engine, in one run.

    ./dev bench                  # the whole benchmark (10,000 cases, 200,000 evaluations for memory)
    ./dev bench --quick          # a smoke run: a few hundred cases, 20,000 evaluations
    .venv/bin/python benchmarks/run.py --help

Builds a deterministic corpus (``generate_cases``, every issue kind in turn),
checks that every contender decides every case as the engine does (a mismatch
fails the benchmark before anything is timed), then reports cases per second,
p50/p99 latency and the ratios: the engine without its memo of durable_rules'
matches, cold (the first pass over the corpus on a freshly loaded policy, its
memo empty) and warm (the second pass), with and without branches, and the
memo's hit rate, size and distinct abstract messages; load and compile time of the reference policy
and of a generated 1,000-rule policy (checked against its own expectation);
peak RSS and RSS growth over many evaluations (in a child process, so that the
other contenders do not count). Writes nothing except where ``--json`` says.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

import gen_policy  # noqa: E402
from aftersales_rules import Policy, parse_case  # noqa: E402
from aftersales_rules.case import ISSUE_KINDS  # noqa: E402
from aftersales_rules.language.source import read_policy  # noqa: E402
from aftersales_rules.testing import generate_cases  # noqa: E402

import baseline  # noqa: E402
from contenders import disagreements, engine_decide, load_oracle, plan_figures  # noqa: E402
from measure import (  # noqa: E402
    Timing,
    best_of,
    interleaved,
    memo_passes,
    rss_mb,
    seconds,
    time_calls,
    use_cpu_time,
)

RULES = HERE.parent / "rules"
SEED = 2026
TARGETS = {
    "throughput vs zen-engine (without branches)": ">= 1.5x",
    "throughput vs zen-engine (derive + evaluate), issue 12": ">= 0.7x",
    "p99 without branches": "<= 1 ms",
    "p99 without branches vs no memo, issue 12": "no worse",
    "p99 with branches": "<= 3 ms",
    "1,000-rule policy load + compile": "<= 3 s",
    "1,000-rule policy throughput vs reference": ">= 0.5x",
    "RSS growth over the evaluations": "<= 20 MB",
}


def _evaluate(branches: bool, policy: Policy | None = None):
    """``evaluate(policy, case)``, or ``evaluate(case)`` on ``policy`` when one is given."""
    if policy is None:
        return lambda p, case: p.evaluate(case, branches=branches)
    return lambda case: policy.evaluate(case, branches=branches)


def build_corpus(count: int, seed: int = SEED) -> list[dict]:
    return list(generate_cases(count, seed=seed, kinds=list(ISSUE_KINDS)))


def check_contenders(policy: Policy, cases: list[dict], zen=None) -> dict[str, list[str]]:
    """Disagreements of every contender with the engine (without branches), case by case."""
    others = {"baseline": baseline.decide, "engine with branches": engine_decide(policy, True)}
    oracle = load_oracle()
    if oracle is not None:
        others["oracle (tests/oracle.py)"] = oracle
    if zen is not None:
        others["zen-engine"] = zen.decide
    return disagreements(cases, engine_decide(policy, False), others)


def check_generated(policy: Policy, cases: list[dict]) -> list[str]:
    """Cases the generated policy decides otherwise than its generator says (figures and matched rules)."""
    bad = []
    for case in cases:
        plan = policy.evaluate(case, branches=False)
        got = plan_figures(plan) | {"rules": sorted(t.rule for t in plan.trace)}
        want = gen_policy.expect(case)
        if got != want:
            bad.append(
                f"{case['case_id']}: "
                + ", ".join(f"{k}: {got[k]!r} (expected {want[k]!r})" for k in want if got[k] != want[k])
            )
    return bad


# --------------------------------------------------------------------------- memory (child process)


def rss_child(evaluations: int, seed: int) -> dict:
    """Evaluate ``evaluations`` cases in this process and sample RSS; run as ``run.py --rss-child N``."""
    cases = build_corpus(10_000, seed)
    policy = Policy.load(RULES)
    warmup = min(10_000, evaluations // 10)
    step = max(1, evaluations // 20)
    samples = []
    start_rss, _ = rss_mb()
    after_warmup = None
    for i in range(evaluations):
        case = cases[i % len(cases)]
        policy.evaluate(case, branches=i % 2 == 1)  # half with branches: every code path
        if i + 1 == warmup:
            after_warmup, _ = rss_mb()
        if (i + 1) % step == 0:
            samples.append((i + 1, rss_mb()[0]))
    final, peak = rss_mb()
    return {
        "evaluations": evaluations,
        "warmup": warmup,
        "rss_start_mb": start_rss,
        "rss_after_warmup_mb": after_warmup,
        "rss_final_mb": final,
        "peak_rss_mb": peak,
        "growth_mb": final - after_warmup,
        "samples": samples,
    }


def run_rss_child(evaluations: int, seed: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--rss-child", str(evaluations), "--seed", str(seed)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


# --------------------------------------------------------------------------- the run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the engine against a plain-Python baseline and zen-engine.")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 500 cases, 20,000 evaluations for memory")
    parser.add_argument("--cases", type=int, help="corpus size (default 10,000; 500 with --quick)")
    parser.add_argument("--evaluations", type=int, help="evaluations for the memory run (default 200,000)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--keep-going",
        action="store_true",
        help="time the contenders even if they disagree (the run still fails, exit 1)",
    )
    parser.add_argument(
        "--cpu-time",
        action="store_true",
        help="time with this process's CPU time, not wall time (a shared machine's other jobs do not count)",
    )
    parser.add_argument("--rss-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_child:
        print(json.dumps(rss_child(args.rss_child, args.seed)))
        return 0
    if args.cpu_time:
        use_cpu_time()
    count = args.cases or (500 if args.quick else 10_000)
    evaluations = args.evaluations or (20_000 if args.quick else 200_000)
    console = Console(width=max(100, Console().width))
    report: dict = {
        "cases": count,
        "seed": args.seed,
        "machine": _machine(),
        "clock": "cpu" if args.cpu_time else "wall",
    }

    console.print(f"[bold]corpus[/]: {count} cases, seed {args.seed}, kinds in turn")
    cases = build_corpus(count, args.seed)
    policy = Policy.load(RULES)
    zen = _zen(console)

    console.print("checking that every contender decides every case as the engine does …")
    problems = check_contenders(policy, cases, zen)
    for name, lines in problems.items():
        console.print(f"[red]MISMATCH[/] {name}: " + "\n  ".join(lines))
    report["disagreements"] = problems
    if zen is None or (problems and not args.keep_going):
        console.print("[red]benchmark failed[/]: " + ("contenders disagree" if problems else "zen-engine is missing"))
        return 1
    if not problems:
        console.print(
            f"  agree on all {count} cases: baseline, engine with branches, zen-engine"
            + (", oracle (tests/oracle.py)" if load_oracle() else " (no tests/oracle.py yet)")
        )

    # ---- throughput and latency
    warm = min(500, count)
    parsed = [parse_case(c) for c in cases]
    contexts = [baseline.derive(c) for c in cases]
    unmemoised = Policy.load(RULES, memo_size=0)
    without = memo_passes(partial(Policy.load, RULES), "engine, without branches", _evaluate(False), cases)
    with_ = memo_passes(partial(Policy.load, RULES), "engine, with branches", _evaluate(True), cases)
    timings: list[Timing] = [
        time_calls("engine, without branches, no memo", _evaluate(False, unmemoised), cases, warm),
        without.cold,
        without.warm,
        time_calls("engine, with branches, no memo", _evaluate(True, unmemoised), cases, warm),
        with_.cold,
        with_.warm,
        time_calls("engine, without branches, Case input, warm", _evaluate(False, policy), parsed, warm),
        time_calls("baseline (plain Python)", baseline.decide, cases, warm),
        time_calls("zen-engine (derive + evaluate)", zen.decide, cases, warm),
        time_calls("zen-engine (evaluate only)", zen.evaluate, contexts, warm),
    ]
    oracle = load_oracle()
    if oracle is not None:
        timings.insert(-2, time_calls("oracle (tests/oracle.py)", oracle, cases, warm))
    by_name = {t.name: t for t in timings}
    engine = without.warm
    table = Table(title=f"evaluation, {count} cases")
    for col in ("contender", "cases/s", "p50 ms", "p99 ms", "engine warm ÷ it"):
        table.add_column(col, justify="left" if col == "contender" else "right")
    for t in timings:
        table.add_row(
            t.name, f"{t.per_second:,.0f}", f"{t.p50:.3f}", f"{t.p99:.3f}", f"{engine.per_second / t.per_second:.2f}×"
        )
    console.print(table)
    report["timings"] = {t.name: {"per_second": t.per_second, "p50_ms": t.p50, "p99_ms": t.p99} for t in timings}

    def matches(memo: dict, name: str) -> list[str]:
        more = [f"{memo['distinct']:,}", f"{memo['matches_per_case']:.2f}"] if name == "cold" else ["", ""]
        return [*_counts(memo[name]), f"{memo['size']:,}" if name == "warm" else "", *more]

    def decisions(memo: dict, name: str) -> list[str]:
        decided = memo["decisions"]
        return [*_counts(decided[name]), f"{decided['size']:,}" if name == "warm" else ""]

    _memo_table(
        console,
        f"the memo of durable_rules' matches (at most {without.memo['maxsize']:,} entries)",
        ("size", "distinct", "matches/case"),
        (without, with_),
        matches,
    )
    _memo_table(
        console,
        "the memo of whole decisions (durable_rules' matches above are made on its misses only)",
        ("size",),
        (without, with_),
        decisions,
    )
    report["memo"] = {"without_branches": without.memo, "with_branches": with_.memo}
    zen_all = by_name["zen-engine (derive + evaluate)"]
    warm_policy = Policy.load(RULES)
    for case in cases:  # its memo warm
        warm_policy.evaluate(case, branches=False)
    headline = interleaved({"engine": _evaluate(False, warm_policy), "zen": zen.decide}, cases, rounds=3)
    ratio = headline["engine"] / headline["zen"]
    console.print(
        f"[bold]headline[/] (best of 3 interleaved passes): engine without branches, warm, "
        f"{headline['engine']:,.0f} cases/s ÷ zen-engine (derive + evaluate) {headline['zen']:,.0f} cases/s "
        f"= [bold]{ratio:.2f}×[/] (issue 12 wants ≥ 0.7×); single passes above: warm "
        f"{engine.per_second / zen_all.per_second:.2f}×, cold {without.cold.per_second / zen_all.per_second:.2f}×, "
        f"no memo {by_name['engine, without branches, no memo'].per_second / zen_all.per_second:.2f}×"
    )
    report["headline"] = {"engine_per_second": headline["engine"], "zen_per_second": headline["zen"], "ratio": ratio}

    # ---- load and compile
    ref_read = best_of(5, lambda: seconds(lambda: read_policy(RULES)))
    ref_load = best_of(5, lambda: seconds(lambda: Policy.load(RULES).close()))
    with tempfile.TemporaryDirectory(prefix="aftersales-gen-") as tmp:
        written = gen_policy.write_policy(Path(tmp))
        gen_read = best_of(3, lambda: seconds(lambda: read_policy(tmp)))
        gen_load = best_of(3, lambda: seconds(lambda: Policy.load(tmp).close()))
        generated = Policy.load(tmp, memo_size=0)  # checked in durable_rules itself
        bad = check_generated(generated, cases)
        if bad:
            console.print(f"[red]generated policy: {len(bad)} cases decided wrongly[/]\n  " + "\n  ".join(bad[:5]))
            return 1
        chunks = len(generated._engine.compiled.definitions)
        generated.close()
        gen = memo_passes(partial(Policy.load, tmp), "generated 1,000-rule policy", _evaluate(False), cases)
    gen_timing = gen.warm
    table = Table(title="policies (without branches, warm)")
    for col in ("policy", "rules", "rulesets", "read + validate s", "load + compile s", "cases/s", "p99 ms"):
        table.add_column(col, justify="left" if col == "policy" else "right")
    table.add_row(
        "reference (rules/)",
        str(len(policy.rules)),
        str(len(policy._engine.compiled.definitions)),
        f"{ref_read:.3f}",
        f"{ref_load:.3f}",
        f"{engine.per_second:,.0f}",
        f"{engine.p99:.3f}",
    )
    table.add_row(
        "generated",
        str(written),
        str(chunks),
        f"{gen_read:.3f}",
        f"{gen_load:.3f}",
        f"{gen_timing.per_second:,.0f}",
        f"{gen_timing.p99:.3f}",
    )
    console.print(table)
    console.print(f"  generated policy decides all {count} cases as its generator says (figures and matched rules)")
    report["policies"] = {
        "reference": {"rules": len(policy.rules), "read_s": ref_read, "load_s": ref_load},
        "generated": {
            "rules": written,
            "rulesets": chunks,
            "read_s": gen_read,
            "load_s": gen_load,
            "per_second": gen_timing.per_second,
            "p50_ms": gen_timing.p50,
            "p99_ms": gen_timing.p99,
            "cold_per_second": gen.cold.per_second,
            "memo": gen.memo,
        },
    }

    # ---- memory
    console.print(f"memory: {evaluations:,} evaluations in a child process (half of them with branches) …")
    mem = run_rss_child(evaluations, args.seed)
    console.print(
        f"  RSS at start {mem['rss_start_mb']:.1f} MiB, after {mem['warmup']:,} warm-up evaluations "
        f"{mem['rss_after_warmup_mb']:.1f} MiB, at the end {mem['rss_final_mb']:.1f} MiB; "
        f"peak {mem['peak_rss_mb']:.1f} MiB; growth after warm-up {mem['growth_mb']:+.1f} MiB"
    )
    report["memory"] = mem

    # ---- targets
    zen_only = by_name["zen-engine (evaluate only)"]
    unmemoised_timing = by_name["engine, without branches, no memo"]
    checks = [
        (
            f"engine {engine.per_second / zen_all.per_second:.2f}× zen (derive + evaluate), "
            f"{engine.per_second / zen_only.per_second:.2f}× zen (evaluate only)",
            engine.per_second >= 1.5 * zen_all.per_second,
        ),
        (
            f"{ratio:.2f}× warm (best of 3), {without.cold.per_second / zen_all.per_second:.2f}× cold",
            ratio >= 0.7,
        ),
        (f"{engine.p99:.3f} ms", engine.p99 <= 1.0),
        (
            f"{engine.p99:.3f} ms warm, {without.cold.p99:.3f} ms cold, {unmemoised_timing.p99:.3f} ms no memo",
            engine.p99 <= unmemoised_timing.p99,
        ),
        (f"{with_.warm.p99:.3f} ms", with_.warm.p99 <= 3.0),
        (f"{gen_load:.3f} s", gen_load <= 3.0),
        (f"{gen_timing.per_second / engine.per_second:.2f}×", gen_timing.per_second >= 0.5 * engine.per_second),
        (f"{mem['growth_mb']:+.1f} MiB over {evaluations:,}", mem["growth_mb"] <= 20),
    ]
    table = Table(title="targets (issues 5 and 12; engine without branches, warm, unless said)")
    for col in ("target", "wanted", "measured", "met"):
        table.add_column(col)
    for (name, wanted), (measured, met) in zip(TARGETS.items(), checks, strict=True):
        table.add_row(name, wanted, measured, "[green]yes[/]" if met else "[red]no[/]")
    console.print(table)
    report["targets"] = {
        name: {"wanted": wanted, "measured": measured, "met": met}
        for (name, wanted), (measured, met) in zip(TARGETS.items(), checks, strict=True)
    }
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    if problems:
        console.print("[red]benchmark failed[/]: contenders disagree (see MISMATCH above); figures shown for reference")
        return 1
    return 0


def _zen(console: Console):
    try:
        from zen_contender import ZenContender

        return ZenContender()
    except ImportError:
        console.print("[red]zen-engine is not installed[/]: run ./dev bench (it installs the 'bench' extras)")
        return None


def _machine() -> dict:
    import platform

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}


def _counts(row: dict) -> list[str]:
    """A memo's figures for one pass: hit rate, hits, misses, lookups made without it."""
    return [f"{row['hit_rate']:.1%}", f"{row['hits']:,}", f"{row['misses']:,}", f"{row['direct']:,}"]


def _memo_table(console: Console, title: str, columns: tuple[str, ...], passes: tuple, cells) -> None:
    """A memo's table: a cold and a warm row for the passes without and with branches."""
    table = Table(title=title)
    for col in ("evaluations", "pass", "hit rate", "hits", "misses", "direct", *columns):
        table.add_column(col, justify="left" if col in ("evaluations", "pass") else "right")
    for label, measured in zip(("without branches", "with branches"), passes, strict=True):
        for name in ("cold", "warm"):
            table.add_row(label if name == "cold" else "", name, *cells(measured.memo, name))
    console.print(table)


if __name__ == "__main__":
    sys.exit(main())
