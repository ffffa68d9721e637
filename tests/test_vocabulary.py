"""The after-sales vocabulary is written once, in aftersales_rules/vocabulary.py.

Every other module of the package names its types and tuples. Values are often
ordinary words used elsewhere for other things ("buyer", "refund", "gift"), so a
single value spelt as a string is fine; what fails is a re-spelling of a list:
a module whose strings include every value of an enumeration, a tuple, list,
set or ``Literal[...]`` holding two or more values of one enumeration, or a dict
keyed by two or more of them (a table of display names belongs in catalogues/).
Message catalogues name every value of every enumeration, every fact and every output, and all
have the same keys and the same template fields.
"""

from __future__ import annotations

import ast
import json
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

import pytest

from aftersales_rules import case, render, vocabulary
from aftersales_rules.engine.decision import SINGLE_SLOTS
from aftersales_rules.language import rulefile
from aftersales_rules.language.facts import FACTS
from aftersales_rules.plan import Plan
from aftersales_rules.render import plan as render_plan

from conftest import EXAMPLES, ROOT

PACKAGE = ROOT / "src" / "aftersales_rules"
VOCABULARY = PACKAGE / "vocabulary.py"
CATALOGUES = PACKAGE / "catalogues"
ENUMERATIONS = vocabulary.ENUMERATIONS

# -- the vocabulary module itself --------------------------------------------------------------


def _literals(tree: ast.Module) -> dict[str, ast.Assign]:
    return {
        node.targets[0].id: node
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Subscript)
        and isinstance(node.value.value, ast.Name)
        and node.value.value.id == "Literal"
        and isinstance(node.targets[0], ast.Name)
    }


def test_every_enumeration_is_a_literal_with_its_tuple_and_a_docstring():
    tree = ast.parse(VOCABULARY.read_text(encoding="utf-8"))
    literals = _literals(tree)
    assert len(literals) == len(ENUMERATIONS) >= 16
    for name, node in literals.items():
        values = get_args(getattr(vocabulary, name))
        assert values and len(set(values)) == len(values), name
        assert values in ENUMERATIONS.values(), f"{name}: its tuple is not in ENUMERATIONS"
        following = tree.body[tree.body.index(node) + 1]
        assert isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant), f"{name}: no docstring"
        assert isinstance(following.value.value, str) and following.value.value.strip(), name
    for name, values in ENUMERATIONS.items():
        assert all(isinstance(v, str) for v in values), name
        constant = [k for k, v in vars(vocabulary).items() if k.isupper() and v is values]
        assert constant and constant[0] in vocabulary.__all__, name


def test_the_vocabulary_imports_nothing_from_the_package():
    tree = ast.parse(VOCABULARY.read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert imported <= {"__future__", "typing"}
    assert not any(isinstance(n, ast.ImportFrom) and n.level for n in ast.walk(tree))


def test_the_order_of_the_values_stays_the_one_the_schemas_publish():
    # the JSON Schemas list each enum in this order; appending is fine, reordering is not
    assert vocabulary.RESOLUTIONS[:3] == ("explain", "reship", "exchange")
    assert vocabulary.ACTORS[0] == "customer_service" and vocabulary.STAGES[0] == "intake"
    assert vocabulary.WANTS[:3] == ("return", "exchange", "refund")
    schema = Plan.model_json_schema(mode="serialization")
    assert schema["properties"]["resolution"]["enum"] == list(vocabulary.RESOLUTIONS)
    assert schema["$defs"]["Step"]["properties"]["actor"]["enum"] == list(vocabulary.ACTORS)


def test_the_old_names_are_the_vocabulary():
    assert case.ISSUE_KINDS is vocabulary.ISSUE_KINDS
    assert case.ACTORS is vocabulary.ACTORS
    assert rulefile.ACTIONS is vocabulary.ACTIONS
    assert rulefile.STAGES is vocabulary.STAGES
    assert get_args(case.Issue.model_fields["kind"].annotation) == vocabulary.ISSUE_KINDS


# -- no other module spells it again ------------------------------------------------------------

# (module, enumeration) → why that module may spell values of it. Each must still be needed.
ALLOWED = {
    ("aftersales_rules.testing", "issue_kind"): "the generator's branches per kind (kinds that arrive before "
    "delivery, the request kinds and the wants they imply): sample data, not the list of kinds",
    ("aftersales_rules.testing", "wants"): "what a buyer with each kind asks for, in an order of its own that the "
    "seeded corpus and its approved golden plans depend on",
    ("aftersales_rules.language.rules", "component"): "DEFAULT_AMOUNT, dict[Component, str]: the fact two of the "
    "components refund when a line names no amount, a rule of the language keyed by the vocabulary",
}


@dataclass(frozen=True)
class Finding:
    module: str
    enumeration: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line}: {self.what} ({self.enumeration})"


def _strings(nodes) -> list[str]:
    return [n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _several(module: str, line: int, strings: list[str], what: str) -> list[Finding]:
    """A finding when ``strings`` hold two or more values of one enumeration: of the enumeration that
    explains the most of them (values such as "reship" belong to several), the smaller one on a tie."""
    strings = list(dict.fromkeys(strings))
    candidates = [(name, [s for s in strings if s in values]) for name, values in ENUMERATIONS.items()]
    candidates = [(name, spelt) for name, spelt in candidates if len(spelt) >= 2]
    if not candidates:
        return []
    name, spelt = min(candidates, key=lambda c: (-len(c[1]), len(ENUMERATIONS[c[0]])))
    return [Finding(module, name, line, f"{what} spells {', '.join(spelt)}")]


def findings(module: str, source: str) -> list[Finding]:
    """Where ``source`` re-spells a list of the vocabulary."""
    tree = ast.parse(source)
    out: list[Finding] = []
    everywhere: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            everywhere.add(node.value)
        elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):  # also the subscript of Literal["a", "b"]
            out += _several(module, node.lineno, _strings(node.elts), type(node).__name__.lower())
        elif isinstance(node, ast.Dict):
            out += _several(module, node.lineno, _strings(k for k in node.keys if k is not None), "dict keys")
    for name, values in ENUMERATIONS.items():
        if len(values) >= 2 and set(values) <= everywhere:
            out.append(Finding(module, name, 1, f"the module's strings include every {name} value"))
    return out


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _package_findings() -> list[Finding]:
    return [
        f
        for module, path in _modules().items()
        if path != VOCABULARY
        for f in findings(module, path.read_text(encoding="utf-8"))
    ]


def test_no_module_spells_the_vocabulary_again():
    bad = [f for f in _package_findings() if (f.module, f.enumeration) not in ALLOWED]
    assert not bad, "use the names in aftersales_rules/vocabulary.py:\n" + "\n".join(map(str, bad))


def test_each_allowance_is_still_needed():
    found = {(f.module, f.enumeration) for f in _package_findings()}
    assert set(ALLOWED) <= found, set(ALLOWED) - found


@pytest.mark.parametrize(
    "source, flagged",
    [
        # the old render._ACTOR: display names keyed by the vocabulary
        ('_ACTOR = {"customer_service": "CS", "warehouse": "warehouse"}', {"actor"}),
        # the old fact table and models
        ('F("customer.tier", "enum", values=("regular", "vip"))', {"tier"}),
        ('severity: Literal["minor", "severe"] | None = None', {"severity"}),
        ('ok = kind in ["wrong_item", "missing_item"]', {"issue_kind"}),
        ('ok = kind in {"wrong_item", "missing_item"}', {"issue_kind"}),
        # values several enumerations share go to the one that explains the most of them
        ('w = rng.choice(["reship", "refund", None])', {"wants"}),
        ('w = ("reship", "refund", "issue_coupon")', {"action"}),
        ('r = ("exchange", "reship", "escalate")', {"resolution"}),
        # the whole set, one value at a time
        ('m = "freight collect" if method == "freight_collect" else "prepaid"', {"method"}),
        ('a = x == "coupon"\nb = y == "gift"', {"gesture_kind"}),
        # ordinary words, one value of a list at a time: fine
        ('borne = leg.borne_by == "seller"', set()),
        ('slots = {"refund": 1, "resolution": 2}', set()),
        ('legs = (("return", 1), ("outbound", 2))', set()),
        ('stage: Stage = "resolve"', set()),
    ],
)
def test_the_check_finds_a_list_spelt_again(source, flagged):
    assert {f.enumeration for f in findings("example", source)} == flagged


# -- display names -------------------------------------------------------------------------------

CATALOGUE_FILES = sorted(CATALOGUES.glob("*.json"))


def test_there_is_an_english_catalogue():
    assert CATALOGUES / "en.json" in CATALOGUE_FILES


SECTIONS = {  # the sections of a catalogue beyond the enumerations, and the keys each must name, in order
    "fact": tuple(FACTS),
    "output": (*SINGLE_SLOTS, "steps", "gestures"),
}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


@pytest.mark.parametrize("path", CATALOGUE_FILES, ids=lambda p: p.name)
def test_a_catalogue_names_every_value_of_what_it_covers_and_nothing_else(path):
    catalogue = json.loads(path.read_text(encoding="utf-8"))
    assert catalogue, path.name
    covered = {**ENUMERATIONS, **SECTIONS}
    assert set(catalogue) == {*covered, "currency", "messages"}, set(catalogue) ^ {*covered, "currency", "messages"}
    for name, values in covered.items():
        names = catalogue[name]
        assert list(names) == list(values), f"{path.name}: {name} must name {', '.join(values)} in that order"
        assert all(isinstance(n, str) and n.strip() for n in names.values()), f"{path.name}: {name}"
    assert all(isinstance(t, str) and t for t in catalogue["messages"].values()), path.name
    assert catalogue == render.load_catalogue(path.stem)
    assert path.stem in render.languages()


def test_every_catalogue_has_the_same_keys_and_each_template_the_same_fields():
    english = render.load_catalogue("en")
    for path in CATALOGUE_FILES:
        other = render.load_catalogue(path.stem)
        assert {k: list(v) for k, v in other.items()} == {k: list(v) for k, v in english.items()}, path.name
        for key, template in english["messages"].items():
            assert _fields(other["messages"][key]) == _fields(template), f"{path.name}: messages.{key}"
    assert len(CATALOGUE_FILES) >= 2


def test_the_chinese_catalogue_has_no_english_word_outside_its_fields():
    for section, names in render.load_catalogue("zh").items():
        for key, text in names.items():
            bare = re.sub(r"\{[^{}]*\}", "", text)
            assert not re.search(r"[A-Za-z]", bare), f"zh.json: {section}.{key}: {text}"


def test_the_english_catalogue_writes_what_a_case_file_writes_as_it_is_written():
    # in English, a condition reads as the rule files write it: case facts by their paths, their values as spelt
    english = render.load_catalogue("en")
    assert all(name == path for path, name in english["fact"].items())
    for enumeration in ("issue_kind", "tier", "severity", "fault", "wants", "outbound_check", "return_status"):
        assert all(name == value for value, name in english[enumeration].items()), enumeration


def test_render_takes_display_names_from_the_catalogue(reference_policy, monkeypatch):
    plan = reference_policy.evaluate(case.load_case(EXAMPLES / "wrong_item_reship_after_cutoff.yaml"))
    assert "   1. CS         message the buyer" in render.render_text(plan)
    data = render.load_catalogue("en")
    changed = {
        **data,
        "actor": {**data["actor"], "customer_service": "Kefu"},
        "method": {**data["method"], "prepaid": "PREPAID"},
    }
    monkeypatch.setattr(render_plan, "catalogue", lambda language: render.Catalogue(language, changed))
    text = render.render_text(plan)
    assert "   1. Kefu" in text and "PREPAID" in text and "   1. CS" not in text


def test_the_catalogues_are_package_data():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"catalogues/*.json"' in pyproject
