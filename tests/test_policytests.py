"""The policy-test runner: loading test files, matching plan fragments, running, coverage."""

from __future__ import annotations

import pytest

from aftersales_rules import Policy, PolicyError
from aftersales_rules.authoring.policytests import check_plan, load_tests, run_tests, same_value

FIX = "tests/fixtures/policytests"


@pytest.fixture(scope="module")
def shop(root) -> Policy:
    return Policy.load(root / FIX / "shop")


@pytest.fixture(scope="module")
def plan(shop, root):
    return shop.evaluate(load_tests(root / FIX / "shop" / "tests", policy_folder=root / FIX / "shop")[0].case)


def _write(tmp_path, text: str):
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_tests_reads_a_directory(root, monkeypatch):
    monkeypatch.chdir(root)
    tests = load_tests(f"{FIX}/shop/tests", policy_folder=f"{FIX}/shop")
    assert [t.id for t in tests] == [
        f"{FIX}/shop/tests/damaged.yaml::return at the seller's cost",
        f"{FIX}/shop/tests/damaged.yaml::vip reship before 20:00, inline case",
    ]
    first, second = tests
    assert (first.line, first.column) == (2, 5)
    assert first.case_file == f"{FIX}/shop/examples/damaged_return.yaml"
    assert first.case["case_id"] == "T-1"
    assert second.case_file is None and second.case["case_id"] == "T-2"
    assert second.expect["due"] == {"reship": "2026-03-02T12:00:00Z"}


def test_load_tests_reports_every_problem_with_its_location(tmp_path):
    path = _write(
        tmp_path,
        """\
tests:
  - name: a
    case: {case_id: X}
    expect: {resolutoin: reship}
  - name: a
    case: {case_id: Y}
    expect: {resolution: reship}
  - name: b
    case: no/such/case.yaml
    expect: {resolution: reship}
  - name: c
    cas: {}
    expect: {resolution: reship}
extra: 1
""",
    )
    with pytest.raises(PolicyError) as info:
        load_tests(path)
    lines = str(info.value).splitlines()
    assert lines[0] == "6 errors occurred:"
    f = str(path)
    assert lines[1:] == [
        f"{f}:4:14: unknown_field: unknown plan field 'resolutoin' (did you mean 'resolution'?)",
        f"{f}:5:11: duplicate_name: test name 'a' is already used at line 2",
        f"{f}:9:11: invalid_case_file: cannot read case file 'no/such/case.yaml': no such file",
        f"{f}:11:5: missing_field: missing field 'case' in a test",
        f"{f}:12:5: unknown_field: unknown field 'cas' in a test (did you mean 'case'?)",
        f"{f}:14:1: unknown_field: unknown field 'extra' (a test file holds only 'tests')",
    ]


def test_load_tests_refuses_a_file_without_a_tests_list(tmp_path):
    with pytest.raises(PolicyError, match=r"t\.yaml:1:1: invalid_file: a policy test file is a mapping"):
        load_tests(_write(tmp_path, "- just a list\n"))


def test_check_plan_matches_a_fragment_and_ignores_other_keys(plan):
    assert check_plan(plan, {"resolution": "return_and_refund", "refund": {"release": "on_return_at_hub"}}) == []
    assert check_plan(plan.model_dump(mode="json"), {"postage": {"outbound_leg": None}}) == []


def test_check_plan_compares_money_as_decimal_and_times_as_instants(plan):
    assert check_plan(plan, {"refund": {"total": 471}}) == []
    assert check_plan(plan, {"refund": {"total": "471.0"}}) == []
    assert check_plan(plan, {"refund": {"total": "470.99"}}) == ["refund.total: expected 470.99, got 471.00"]
    assert same_value("2026-03-02T12:00:00Z", "2026-03-02T20:00:00+08:00")
    assert not same_value("2026-03-02T12:00:01Z", "2026-03-02T20:00:00+08:00")
    assert same_value(None, None) and not same_value(None, "0.00") and not same_value(False, 0)


def test_check_plan_lists_match_element_by_element_with_bare_names(plan):
    assert (
        check_plan(plan, {"steps": ["apologize", "ship_return"], "trace": ["damaged.apology", "damaged.return"]}) == []
    )
    assert check_plan(plan, {"steps": [{"action": "apologize", "actor": "buyer"}, "ship_return"]}) == [
        "steps[0].actor: expected buyer, got customer_service"
    ]
    assert check_plan(plan, {"steps": ["ship_return", "apologize"]}) == [
        "steps[0]: expected ship_return, got apologize",
        "steps[1]: expected apologize, got ship_return",
    ]
    assert check_plan(plan, {"gestures": ["gift"]}) == ["gestures: expected 1 item, got 0: []"]


def test_check_plan_reports_missing_fields_and_wrong_shapes(plan):
    assert check_plan(plan, {"refund": {"totl": 1}, "postage": {"return_leg": None}}) == [
        "refund.totl: no such field in the plan",
        # the leg as JSON, cut at errors.MAX_QUOTED (120) characters like every value a mismatch line names
        'postage.return_leg: expected null, got {"advanced_by": "buyer", "borne_by": "seller", '
        '"amount": "12.00", "method": "prepaid", "shares": null, "pending": null, ...',
    ]


def test_steps_in_order_and_due(plan):
    assert check_plan(plan, {"steps_in_order": ["apologize", "ship_return"]}) == []
    assert check_plan(plan, {"steps_in_order": ["ship_return", "apologize"]}) == [
        "steps_in_order: 'apologize' does not come after 'ship_return' in steps [apologize, ship_return]"
    ]
    assert check_plan(plan, {"steps_in_order": ["refund"]}) == [
        "steps_in_order: no step 'refund' in steps [apologize, ship_return]"
    ]
    assert check_plan(plan, {"due": {"apologize": None}}) == []
    assert check_plan(plan, {"due": {"ship_return": "2026-03-02T20:00:00+08:00"}}) == [
        "due.ship_return: expected 2026-03-02T20:00:00+08:00, got null"
    ]


def test_run_tests_counts_and_coverage(shop, root):
    report = run_tests(shop, load_tests(root / FIX / "shop" / "tests", policy_folder=root / FIX / "shop"))
    assert (report.passed, report.failed) == (2, 0)
    assert report.exercised == {"damaged.apology", "damaged.return", "damaged.reship", "damaged.vip_gift"}
    assert report.unexercised(shop) == []
    only_first = run_tests(shop, load_tests(root / FIX / "shop" / "tests", policy_folder=root / FIX / "shop")[:1])
    assert [r.id for r in only_first.unexercised(shop)] == ["damaged.reship", "damaged.vip_gift"]


def test_run_tests_records_mismatches_and_errors(shop, root):
    report = run_tests(shop, load_tests(root / FIX / "failing", policy_folder=root / FIX / "shop"))
    assert [r.passed for r in report.results] == [True, False, False]
    wrong, invalid = report.results[1:]
    assert wrong.mismatches[:2] == [
        "resolution: expected reship, got return_and_refund",
        "refund.total: expected 459.00, got 471.00",
    ]
    assert invalid.error.endswith("damaged.yaml:18:61: invalid_value: order.items[0].unit_price: amount -1 is negative")
    failing = load_tests(root / FIX / "failing", policy_folder=root / FIX / "shop")
    assert "damaged.return" not in run_tests(shop, failing[1:]).exercised
