"""Engine speed at several git revisions, measured in one run on the same corpus.

    .venv/bin/python benchmarks/compare_revisions.py f64ac75 HEAD [--cases 3000] [--rounds 3]

Each revision's ``src/`` is exported with ``git archive`` into a temporary
directory (the working tree is not touched; ``WORKTREE`` stands for the
uncommitted files), and timed in a child process of its own; rounds alternate
between revisions and the best round of each is kept, so that both see the
same machine. The reference policy is today's rules/ for all of them.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _child(src: str, cases: int) -> None:
    sys.path.insert(0, src)
    sys.path.insert(1, str(HERE))
    import aftersales_rules
    from aftersales_rules import Policy
    from aftersales_rules.case import ISSUE_KINDS

    try:
        from aftersales_rules.testing import generate_cases
    except ImportError:  # a revision from before the case generator moved to aftersales_rules.testing
        from aftersales_rules.corpus import generate_cases

    from measure import time_calls

    assert aftersales_rules.__file__.startswith(src), aftersales_rules.__file__
    corpus = list(generate_cases(cases, seed=2026, kinds=list(ISSUE_KINDS)))
    policy = Policy.load(ROOT / "rules")
    out = {}
    for branches in (False, True):
        t = time_calls("", lambda c, branches=branches: policy.evaluate(c, branches=branches), corpus, min(500, cases))
        out["with branches" if branches else "without branches"] = {
            "per_second": t.per_second,
            "p50_ms": t.p50,
            "p99_ms": t.p99,
        }
    print(json.dumps(out))


def _export(rev: str, into: Path) -> str:
    if rev == "WORKTREE":
        shutil.copytree(ROOT / "src", into / "src")
    else:
        data = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", rev, "src"], check=True, capture_output=True
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(into, filter="data")
    return str(into / "src")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revisions", nargs="*", help="git revisions, or WORKTREE for the uncommitted tree")
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.cases)
        return 0
    best: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="aftersales-revs-") as tmp:
        srcs = {rev: _export(rev, Path(tmp) / f"r{i}") for i, rev in enumerate(args.revisions)}
        for _ in range(args.rounds):
            for rev, src in srcs.items():
                out = subprocess.run(
                    [sys.executable, __file__, "--child", src, "--cases", str(args.cases)],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                result = json.loads(out.stdout)
                for mode, figures in result.items():
                    kept = best.setdefault(rev, {}).get(mode)
                    if kept is None or figures["per_second"] > kept["per_second"]:
                        best[rev][mode] = figures
    print(f"{args.cases} cases, best of {args.rounds} rounds")
    print(f"{'revision':<12} {'mode':<18} {'cases/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for rev, modes in best.items():
        for mode, f in modes.items():
            print(f"{rev:<12} {mode:<18} {f['per_second']:>9,.0f} {f['p50_ms']:>8.3f} {f['p99_ms']:>8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
