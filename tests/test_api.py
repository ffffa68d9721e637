"""The public API is small and explicit; only the library's own errors escape."""

import aftersales_rules

PUBLIC = [
    "AfterSalesError",
    "Case",
    "CaseError",
    "CaseExplanation",
    "ConflictError",
    "EngineError",
    "EvaluationError",
    "InputError",
    "OutputError",
    "Plan",
    "Policy",
    "PolicyError",
    "PolicyService",
    "Problem",
    "RuleExplanation",
    "SourceLocation",
    "UndecidedError",
    "UnknownRuleError",
    "load_case",
    "parse_case",
]


def test_public_names_are_pinned():
    """Adding or removing a public name is a decision: this list changes with it."""
    assert aftersales_rules.__all__ == PUBLIC


def test_star_import_gives_exactly_the_public_names_and_each_is_the_librarys_own():
    namespace: dict = {}
    exec("from aftersales_rules import *", namespace)
    assert sorted(k for k in namespace if k != "__builtins__") == PUBLIC
    for name in PUBLIC:
        assert namespace[name].__module__.startswith("aftersales_rules."), name


def test_errors_derive_from_one_base():
    base = aftersales_rules.AfterSalesError
    for name in (
        "CaseError",
        "ConflictError",
        "EngineError",
        "EvaluationError",
        "InputError",
        "OutputError",
        "PolicyError",
        "UndecidedError",
    ):
        assert issubclass(getattr(aftersales_rules, name), base)
        assert getattr(aftersales_rules, name).exit_code == 1
    # a rule id the policy does not have is the caller's argument at fault, as a usage error is
    assert issubclass(aftersales_rules.UnknownRuleError, base) and issubclass(
        aftersales_rules.UnknownRuleError, LookupError
    )
    assert aftersales_rules.UnknownRuleError.exit_code == 2


def test_the_readme_python_tour_runs_as_written(root, monkeypatch):
    import re

    text = (root / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    monkeypatch.chdir(root)
    printed = []
    monkeypatch.setattr("builtins.print", lambda *a, **k: printed.append(a))
    scope: dict = {}
    exec(compile(block, "README.md", "exec"), scope)  # our own README, not input
    plan = scope["plan"]
    assert plan.resolution == "return_and_refund" and str(plan.refund.total) == "299.00"
    assert plan.awaiting == ["evidence.outbound_check", "progress.inspection.error_confirmed"]
    assert str(plan.branches[0].refund_total) == "311.00"
    assert printed and printed[0][0].startswith('{"case_id":"C-1001"')
    why = scope["why"]
    assert (why.matched, why.failed.text) == (False, "issue.wants == exchange")
    assert [(a.path, a.value) for a in why.failed.actual] == [("issue.wants", "return")]
