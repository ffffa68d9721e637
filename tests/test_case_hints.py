"""Hints for a case a person wrote (issue 11 point 4): "did you mean" for every enumeration of the case, by
likeness (``wrong_itme``) and by the vocabulary's other words (``replacement`` → exchange or reship), and a time
without a UTC offset told which offset to add: the policy's, when read for a policy."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from click.testing import CliRunner

from aftersales_rules import CaseError, Policy, parse_case
from aftersales_rules.cli import cli
from aftersales_rules.diagnostics import meant, suggest
from aftersales_rules.vocabulary import (
    FAULTS,
    ISSUE_KINDS,
    OUTBOUND_CHECKS,
    RETURN_STATUSES,
    SEVERITIES,
    SYNONYMS,
    TIERS,
    WANTS,
)

from conftest import FIXTURES, SMALL_CASE

CLI_RULES = FIXTURES / "policies" / "cli"

# every enumerated field of a case, with the values it takes
ENUMERATED = {
    "issue.kind": ISSUE_KINDS,
    "issue.wants": WANTS,
    "issue.severity": SEVERITIES,
    "issue.fault": FAULTS,
    "customer.tier": TIERS,
    "evidence.outbound_check": OUTBOUND_CHECKS,
    "progress.return_shipment.status": RETURN_STATUSES,
}


def with_value(path: str, value, case: dict | None = None) -> dict:
    data = copy.deepcopy(case or SMALL_CASE)
    node = data
    *parents, last = path.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    return data


def problem(data: dict, policy: Policy | None = None):
    with pytest.raises(CaseError) as caught:
        policy.evaluate(data) if policy else parse_case(data)
    assert len(caught.value.problems) == 1, caught.value
    return caught.value.problems[0]


def test_wants_replacement_offers_exchange_or_reship():
    found = problem(with_value("issue.wants", "replacement"))
    assert found.message.endswith("(did you mean 'exchange' or 'reship'?)"), found.message
    assert found.path == "issue.wants" and found.code == "invalid_value"
    assert found.suggestion is None  # two values: a program must not pick one for the person


def test_a_misspelt_kind_offers_the_kind():
    found = problem(with_value("issue.kind", "wrong_itme"))
    assert found.message.endswith("(did you mean 'wrong_item'?)") and found.suggestion == "wrong_item"


def test_another_word_offers_only_the_values_of_the_enumeration_at_hand():
    # 'replacement' is an exchange request where an issue kind is expected
    found = problem(with_value("issue.kind", "replacement"))
    assert found.message.endswith("(did you mean 'exchange_request'?)") and found.suggestion == "exchange_request"
    assert meant("Money back", WANTS) == ["refund"]
    assert meant("replacement", TIERS) == []
    assert suggest("x", "shipped", RETURN_STATUSES) == ("x (did you mean 'in_transit'?)", "in_transit")


@pytest.mark.parametrize("path", list(ENUMERATED))
def test_every_enumeration_of_the_case_offers_a_misspelt_value(path):
    for value in ENUMERATED[path]:
        found = problem(with_value(path, value + "s"))
        assert found.suggestion == value, (path, value, found.message)
        assert found.message.endswith(f"(did you mean '{value}'?)")


@pytest.mark.parametrize("path", list(ENUMERATED))
def test_every_enumeration_of_the_case_offers_the_values_of_another_word(path):
    values = ENUMERATED[path]
    words = {word: [v for v in meant_ if v in values] for word, meant_ in SYNONYMS.items()}
    words = {word: found for word, found in words.items() if found and word not in values}
    assert words, f"the vocabulary has no other word for any value of {path}"
    for word, expected in words.items():
        found = problem(with_value(path, word))
        assert found.message.endswith(f"(did you mean {' or '.join(repr(v) for v in expected)}?)"), found.message


def test_the_cli_prints_the_hint_on_the_value(tmp_path):
    case = tmp_path / "case.yaml"
    text = (FIXTURES / "cases" / "wrong_item_return.yaml").read_text(encoding="utf-8")
    assert "wants: return" in text
    case.write_text(text.replace("wants: return", "wants: replacement"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["dry-run", str(case), "--rules", str(CLI_RULES)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{case}:") and result.stderr.count("\n") == 1
    assert "issue.wants: 'replacement' is not one of" in result.stderr
    assert result.stderr.endswith("(did you mean 'exchange' or 'reship'?)\n")


# -- a time without a UTC offset ------------------------------------------------------------------------------


def test_without_a_policy_a_time_without_an_offset_is_told_to_add_one():
    found = problem(with_value("opened_at", "2026-07-15T14:05:00"))
    assert found.message == (
        "opened_at: needs a UTC offset: add one, such as +08:00, to read 2026-07-15T14:05:00+08:00"
        " (got '2026-07-15T14:05:00')"
    )
    assert found.suggestion is None  # no policy: the offset is only an example


def test_with_a_policy_a_time_without_an_offset_is_told_the_policys_offset():
    policy = Policy.load(CLI_RULES)
    found = problem(with_value("order.delivered_at", "2026-07-12 10:00"), policy)
    assert found.path == "order.delivered_at"
    assert found.message == (
        "order.delivered_at: needs a UTC offset: add +08:00 (the policy's time zone, Asia/Shanghai), "
        "to read 2026-07-12T10:00:00+08:00 (got '2026-07-12 10:00')"
    )
    assert found.suggestion == "2026-07-12T10:00:00+08:00"


def policy_in(tmp_path: Path, zone: str) -> Policy:
    text = (CLI_RULES / "policy.yaml").read_text(encoding="utf-8")
    assert "timezone: Asia/Shanghai" in text
    (tmp_path / "policy.yaml").write_text(text.replace("Asia/Shanghai", zone), encoding="utf-8")
    return Policy.load(tmp_path)


@pytest.mark.parametrize(("when", "offset"), [("2026-01-15T14:05:00", "+01:00"), ("2026-07-15T14:05:00", "+02:00")])
def test_the_offset_is_the_zones_on_that_date(tmp_path, when, offset):
    policy = policy_in(tmp_path, "Europe/Berlin")
    found = problem(with_value("opened_at", when), policy)
    assert f"add {offset} (the policy's time zone, Europe/Berlin), to read {when}{offset}" in found.message
    assert found.suggestion == when + offset


def test_the_cli_names_the_policys_offset(tmp_path):
    (tmp_path / "rules").mkdir()
    policy_in(tmp_path / "rules", "America/New_York")
    case = tmp_path / "case.yaml"
    text = (FIXTURES / "cases" / "wrong_item_return.yaml").read_text(encoding="utf-8")
    assert "opened_at: 2026-07-15T14:05:00+08:00" in text
    case.write_text(text.replace("opened_at: 2026-07-15T14:05:00+08:00", "opened_at: 2026-07-15T14:05:00"), "utf-8")
    result = CliRunner().invoke(cli, ["dry-run", str(case), "--rules", str(tmp_path / "rules")])
    assert result.exit_code == 1
    assert "opened_at: needs a UTC offset: add -04:00 (the policy's time zone, America/New_York)" in result.stderr


# -- a number is not a time -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2026", "1780000000", "1780000000.5", "-5", 1780000000, 0, 1.5, b"1780000000"])
@pytest.mark.parametrize("path", ["opened_at", "order.delivered_at", "progress.return_shipment.received_at"])
def test_a_number_is_refused_as_a_time_not_read_as_seconds_since_1970(path, value):
    # pydantic alone reads delivered_at: "2026" as 1970-01-01T00:33:46Z: a window would count from 1970
    found = problem(with_value(path, value))
    assert found.path == path
    assert found.message == (
        f"{path}: is not a date and time (ISO 8601 with an offset, such as 2026-07-15T14:05:00+08:00) (got {value!r})"
    )


def test_a_time_given_as_a_datetime_is_still_taken():
    import datetime

    when = datetime.datetime(2026, 7, 15, 14, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    assert parse_case(with_value("opened_at", when)).opened_at == when
