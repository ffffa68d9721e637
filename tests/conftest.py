"""Shared fixtures. Hypothesis runs derandomized so CI is reproducible."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from aftersales_rules import Policy

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
EXAMPLES = ROOT / "examples"
FIXTURES = ROOT / "tests" / "fixtures"

# the smallest whole case: one order line, delivered, a damaged item the buyer wants to return
SMALL_CASE = {
    "case_id": "T-1",
    "opened_at": "2026-07-15T14:05:00+08:00",
    "order": {
        "order_id": "O-1",
        "shipping_fee": "15.00",
        "delivered_at": "2026-07-12T10:00:00+08:00",
        "items": [{"sku": "STOOL", "unit_price": "299.00", "quantity": 1, "unit_cost": "180.00"}],
    },
    "customer": {"tier": "regular"},
    "issue": {"kind": "damaged", "wants": "return"},
}


def changed(base: dict, **changes: object) -> dict:
    """A deep copy of ``base`` with each ``a__b__c=value`` set (missing mappings on the way created)."""
    data = copy.deepcopy(base)
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = data
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return data


settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=int(os.environ.get("AFTERSALES_HYPOTHESIS_EXAMPLES", "100")),
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("dev", deadline=None, max_examples=200)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def reference_policy() -> Policy:
    """The shipped policy in rules/, loaded once per test session."""
    return Policy.load(RULES)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")  # what picks a text view's language (render.locale_language)


@pytest.fixture(autouse=True)
def _no_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test sees no locale, whatever the machine's: a text view without --lang is then in the policy's
    first declared language; a test that needs a locale sets it."""
    for name in LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
