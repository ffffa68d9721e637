"""docs/case-format.md and docs/plan-format.md are generated from the models (authoring/reference.py): a committed
page that differs from what the generator renders fails here, with the command that regenerates it."""

from __future__ import annotations

import re

import pytest
import yaml
from click.testing import CliRunner

from aftersales_rules import parse_case
from aftersales_rules.authoring.reference import COMMAND, EXAMPLE, PAGES, annotated_example, fields, reference
from aftersales_rules.case import Case
from aftersales_rules.cli import cli
from aftersales_rules.loader import load_document
from aftersales_rules.plan import Plan

from conftest import ROOT


@pytest.mark.parametrize("name", list(PAGES))
def test_the_committed_page_is_current(name):
    committed = (ROOT / PAGES[name]).read_text(encoding="utf-8")
    assert committed == reference(name), f"{PAGES[name]} is stale: run {COMMAND} and commit it"


@pytest.mark.parametrize("name", list(PAGES))
def test_the_cli_prints_the_page(name):
    result = CliRunner().invoke(cli, ["schema", name, "--format", "markdown"])
    assert result.exit_code == 0 and result.stdout == reference(name)


@pytest.mark.parametrize(
    "args", [["policy", "--format", "markdown"], ["case", "--rules", "rules", "--format", "markdown"]]
)
def test_markdown_is_only_for_the_case_and_plan(args):
    assert CliRunner().invoke(cli, ["schema", *args]).exit_code == 2


@pytest.mark.parametrize("model", [Case, Plan])
def test_every_field_is_described_and_listed(model):
    """A field added without a description fails here; every field has its row on the page."""
    output = model is Plan
    page = reference("plan" if output else "case")
    for row in fields(model, output, again=True):
        assert row.description, f"{model.__name__}.{row.path} has no description (Field(description=...))"
    for row in fields(model, output):
        assert f"| `{row.path.rpartition('.')[2]}` |" in page, row.path


def test_the_plan_page_lists_the_new_fields_of_the_contract():
    page = reference("plan")
    for section, names in {
        "compensation": ["total", "currency", "lines", "pending"],
        "compensation.lines[]": ["component", "amount", "paid_by"],
        "postage.return_leg": ["shares", "pending", "cap"],
        "refund": ["offer_limit", "pending", "release"],
        "branches[]": ["offer_limit", "compensation_total"],
    }.items():
        table = page.split(f"## `{section}`\n", 1)[1].split("\n## ", 1)[0]
        for name in names:
            assert f"| `{name}` |" in table, (section, name)
    for value in ("insurer", "platform", "on_return_shipped"):
        assert f"`{value}`" in page


def test_enumerations_carry_their_values_and_the_vocabulary_meaning():
    page = reference("case")
    assert "[wants](#wants): `return` · `exchange` · `refund` · `reship` · `partial_refund` · `keep`" in page
    assert "### wants\n\nWhat the buyer asks for (`issue.wants`)" in page


def test_the_annotated_example_parses_to_the_example_and_names_every_field():
    text = annotated_example(ROOT)
    assert text in reference("case")
    assert parse_case(yaml.safe_load(text)) == parse_case(load_document(ROOT / EXAMPLE).data)
    named = set(re.findall(r"^\s*(?:# |- )?([a-z_]+):", text, re.M))
    data = load_document(ROOT / EXAMPLE).data
    for row in fields(Case, False, again=True):  # every field of each mapping the example gives
        if given(data, row.path.rpartition(".")[0]):
            assert row.path.rpartition(".")[2] in named, row.path
    # each field's own comment: the line above a field given is its description's start
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not line.lstrip().startswith("#") and line.strip():
            assert lines[i - 1].lstrip().startswith("#"), line


def given(data, path: str) -> bool:
    """Whether the example gives the mapping at ``path`` (``order.items[]``: its first line)."""
    for part in filter(None, path.split(".")):
        data = data.get(part.removesuffix("[]")) if isinstance(data, dict) else None
        if part.endswith("[]"):
            data = data[0] if data else None
    return isinstance(data, dict)
