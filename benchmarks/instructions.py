"""Instructions per warm evaluation, engine and zen-engine: a speed figure a busy machine cannot blur.

    ./dev bench --instructions [--cases 300]

Wall-clock figures swing with the neighbours' load on a shared 2-core machine; the number of instructions
a run executes does not (valgrind's callgrind counts them, the same total for the same program and input
whatever else runs). Each contender runs in a child process under callgrind twice, both times loading
and warming up on the corpus (two passes: every memo and skeleton filled), then once with no timed pass
and once with two; the difference, divided by the cases of two passes, is what one warm evaluation
costs. The ratio zen ÷ engine reads as "engine ÷ zen-engine" throughput would on a quiet machine, as
far as both run at the same instructions per cycle (both are mostly interpreter and native calls).
Slow: about a minute per contender. Needs valgrind (Debian: ``apt-get install valgrind``).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SEED = 2026
PASSES = 2  # timed passes in the second run
CONTENDERS = ("engine", "zen")


def _child(contender: str, cases: int, passes: int) -> None:
    """Load, warm up on the corpus twice, then ``passes`` more passes: what callgrind counts."""
    sys.path[:0] = [str(HERE), str(ROOT / "tests")]
    from run import RULES, _evaluate, build_corpus

    corpus = build_corpus(cases, SEED)
    if contender == "engine":
        from aftersales_rules import Policy

        decide = _evaluate(False, Policy.load(RULES))
    else:
        from zen_contender import ZenContender

        decide = ZenContender().decide
    for _ in range(2 + passes):
        for case in corpus:
            decide(case)


def _counted(contender: str, cases: int, passes: int) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--child",
        contender,
        "--cases",
        str(cases),
        "--passes",
        str(passes),
    ]
    ran = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
    found = re.search(r"Collected : (\d+)", ran.stderr)
    if ran.returncode != 0 or found is None:
        tail = ran.stderr.strip().splitlines()[-1:] or ["no output"]
        raise SystemExit(f"instructions: the {contender} run under callgrind failed: {tail[0]}")
    return int(found.group(1))


def per_evaluation(contender: str, cases: int) -> float:
    """Instructions one warm evaluation of ``contender`` executes."""
    return (_counted(contender, cases, PASSES) - _counted(contender, cases, 0)) / (cases * PASSES)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=300, help="corpus size (default 300)")
    parser.add_argument("--child", choices=CONTENDERS, help=argparse.SUPPRESS)
    parser.add_argument("--passes", type=int, default=PASSES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.cases, args.passes)
        return 0
    if shutil.which("valgrind") is None:
        print("instructions: valgrind is not installed (Debian: apt-get install valgrind)", file=sys.stderr)
        return 1
    print(f"instructions per warm evaluation over {args.cases} corpus cases (callgrind; about a minute each) …")
    counts = {}
    for contender in CONTENDERS:
        counts[contender] = per_evaluation(contender, args.cases)
        print(f"  {contender:<6} {counts[contender]:>10,.0f}", flush=True)
    print(f"engine ÷ zen-engine (derive + evaluate), by instructions: {counts['zen'] / counts['engine']:.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
