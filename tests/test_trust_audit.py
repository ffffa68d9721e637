"""Gaps found by trying issue 9's requirements on main again, each fixed at its root (issue 9 audit).

A time zone that names a folder of zones (point 9: only the library's errors out of
``Policy.load``); an output over a rule file (point 11: refuse an output that is an input);
standard output that cannot be written (point 15: one line naming it and the cause); a case
that fails under both policies with several problems shown a line each by ``diff`` (point 8).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from aftersales_rules import Policy, PolicyError

BASE = {"policy": {"name": "p", "version": "1"}, "defaults": {"resolution": "escalate"}}


@pytest.mark.parametrize("zone", ["Asia", "America/Argentina", "x" * 300, "Asia/Nowhere"])
def test_a_time_zone_that_is_not_one_is_a_policy_error(tmp_path: Path, zone: str) -> None:
    policy = {**BASE, "policy": {**BASE["policy"], "timezone": zone}}
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(policy, width=10**6), encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        Policy.load(tmp_path)
    (problem,) = caught.value.problems
    assert problem.code == "invalid_value" and problem.path == "policy.timezone"
    assert problem.message.startswith("unknown time zone '" + zone[:120])
