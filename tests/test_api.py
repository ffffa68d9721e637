"""The public API is small and explicit; only the library's own errors escape."""

import aftersales_rules


def test_public_names_are_pinned():
    assert aftersales_rules.__all__ == sorted(aftersales_rules.__all__)
    assert set(aftersales_rules.__all__) >= {
        "AfterSalesError", "Case", "CaseError", "ConflictError", "EngineError", "EvaluationError", "InputError",
        "Plan", "Policy", "PolicyError", "Problem", "SourceLocation", "load_case", "parse_case",
    }
    for name in aftersales_rules.__all__:
        assert getattr(aftersales_rules, name) is not None


def test_errors_derive_from_one_base():
    base = aftersales_rules.AfterSalesError
    for name in ("CaseError", "ConflictError", "EngineError", "EvaluationError", "InputError", "PolicyError"):
        assert issubclass(getattr(aftersales_rules, name), base)
        assert getattr(aftersales_rules, name).exit_code == 1
