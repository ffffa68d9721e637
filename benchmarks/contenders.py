"""The contenders, each as ``decide(case_dict) -> figures``, and the agreement check.

Figures are what every contender must agree on: resolution, the return leg's
``advanced_by`` / ``borne_by``, the outbound leg's ``borne_by`` / ``method`` and
the refund total (a two-place string).

* ``engine``: ``Policy.evaluate`` on the reference policy (with or without branches);
* ``baseline``: ``baseline.decide``, the plain-Python statement of the same decisions;
* ``oracle``: ``decide(case_dict)`` from ``tests/oracle.py``, when that file exists (written
  with the reliability tests): a dict with the baseline's keys, or an object with ``resolution``,
  ``return_leg`` (advanced_by, borne_by), ``outbound_leg`` (advanced_by, borne_by, method), ``total``;
* ``zen``: the JDM graph ``zen/reference.json`` in zen-engine, on inputs derived by ``baseline.derive``.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORACLE = ROOT / "tests" / "oracle.py"
KEYS = ("resolution", "return_advanced_by", "return_borne_by", "outbound_borne_by", "outbound_method", "refund_total")

Decide = Callable[[dict], dict]


def plan_figures(plan) -> dict:
    """The figures of an engine plan."""
    ret, out = plan.postage.return_leg, plan.postage.outbound_leg
    return {
        "resolution": plan.resolution,
        "return_advanced_by": ret.advanced_by if ret else None,
        "return_borne_by": ret.borne_by if ret else None,
        "outbound_borne_by": out.borne_by if out else None,
        "outbound_method": out.method if out else None,
        "refund_total": f"{plan.refund.total:.2f}",
    }


def engine_decide(policy, branches: bool) -> Decide:
    return lambda case: plan_figures(policy.evaluate(case, branches=branches))


def load_oracle() -> Decide | None:
    """``tests/oracle.py``'s ``decide``, normalised to the figures; None when it is not there (yet)."""
    if not ORACLE.is_file():
        return None
    name = "aftersales_bench_oracle"
    spec = importlib.util.spec_from_file_location(name, ORACLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    decide = getattr(module, "decide", None)
    if decide is None:
        return None

    def figures(case: dict) -> dict:
        got = decide(case)
        if isinstance(got, dict):
            out = {key: got.get(key) for key in KEYS}
        else:
            ret, out_leg = got.return_leg, got.outbound_leg
            out = {
                "resolution": got.resolution,
                "return_advanced_by": ret[0] if ret else None,
                "return_borne_by": ret[1] if ret else None,
                "outbound_borne_by": out_leg[1] if out_leg else None,
                "outbound_method": out_leg[2] if out_leg else None,
                "refund_total": got.total,
            }
        total = out["refund_total"]
        out["refund_total"] = None if total is None else f"{Decimal(str(total)):.2f}"
        return out

    return figures


def disagreements(
    cases: Iterable[dict], reference: Decide, others: dict[str, Decide], limit: int = 5
) -> dict[str, list[str]]:
    """For each contender, the cases (up to ``limit`` shown) whose figures differ from ``reference``'s."""
    found: dict[str, list[str]] = {name: [] for name in others}
    counts = dict.fromkeys(others, 0)
    for case in cases:
        expected = reference(case)
        for name, decide in others.items():
            got = decide(case)
            if got != expected:
                counts[name] += 1
                if len(found[name]) < limit:
                    diff = ", ".join(
                        f"{k}: {got.get(k)!r} (engine {expected.get(k)!r})"
                        for k in KEYS
                        if got.get(k) != expected.get(k)
                    )
                    found[name].append(f"{case['case_id']} ({case['issue']['kind']}): {diff}")
    return {name: [f"{counts[name]} cases differ", *lines] for name, lines in found.items() if counts[name]}
