"""Case problems found when a case meets the policy: undeclared attributes, and every problem shown."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from aftersales_rules import CaseError, load_case
from aftersales_rules.cli import cli

from conftest import EXAMPLES, RULES

CUSTOM_MADE = EXAMPLES / "refund_request_custom_made_declined.yaml"


def custom_made_case(attributes: dict) -> dict:
    data = yaml.safe_load(CUSTOM_MADE.read_text(encoding="utf-8"))
    data["attributes"] = attributes
    return data


# --------------------------------------------------------------------------- point 5: undeclared attributes


def test_a_declared_attribute_still_decides(reference_policy):
    assert reference_policy.evaluate(custom_made_case({"custom_made": True})).resolution == "decline"


def test_a_misspelt_attribute_is_an_error_with_its_suggestion(reference_policy):
    with pytest.raises(CaseError) as caught:
        reference_policy.evaluate(custom_made_case({"custom_mad": True}))
    (problem,) = caught.value.problems
    assert (problem.code, problem.path, problem.suggestion) == (
        "unknown_attribute",
        "attributes.custom_mad",
        "custom_made",
    )
    assert str(problem) == (
        "unknown_attribute: attributes.custom_mad: policy reference declares no attribute 'custom_mad' "
        "(did you mean 'custom_made'?)"
    )


def test_an_attribute_unlike_any_declared_lists_the_declared_ones(reference_policy):
    with pytest.raises(CaseError) as caught:
        reference_policy.evaluate(custom_made_case({"colour": "red"}))
    (problem,) = caught.value.problems
    assert problem.suggestion is None
    assert problem.message.endswith("(it declares custom_made, negative_review, price_protected)")


def test_every_attribute_problem_of_a_case_is_reported(reference_policy):
    with pytest.raises(CaseError) as caught:
        reference_policy.evaluate(custom_made_case({"custom_mad": True, "negative_review": "yes"}))
    assert [p.code for p in caught.value.problems] == ["invalid_value", "unknown_attribute"]


def test_dry_run_prints_the_misspelt_attribute_in_one_line(tmp_path):
    case_file = tmp_path / "case.yaml"
    case_file.write_text(yaml.safe_dump(custom_made_case({"custom_mad": True})), encoding="utf-8")
    result = CliRunner().invoke(cli, ["dry-run", str(case_file), "--rules", str(RULES)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "unknown_attribute: attributes.custom_mad: policy reference declares no attribute 'custom_mad' "
        "(did you mean 'custom_made'?)\n"
    )
    assert load_case(case_file).attributes == {"custom_mad": True}
