"""``aftersales serve`` on the command line: safe defaults, one line for each thing that stops it."""

from __future__ import annotations

import importlib.util

import pytest
import uvicorn
from click.testing import CliRunner

from aftersales_rules.cli import cli
from aftersales_rules.cli import serve as serve_module
from aftersales_rules.serve.settings import Settings

from conftest import RULES


@pytest.fixture
def started(monkeypatch):
    """What uvicorn would have been asked to run (nothing listens)."""
    calls: list[tuple[object, dict]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append((app, kwargs)))
    return calls


def test_it_binds_the_loopback_address_unless_told(started):
    result = CliRunner().invoke(cli, ["serve", str(RULES), "--port", "8123"])
    assert result.exit_code == 0, result.output
    (app, kwargs), *_ = started
    assert (kwargs["host"], kwargs["port"], kwargs["access_log"]) == ("127.0.0.1", 8123, False)
    settings: Settings = app.state.context.settings
    assert (settings.rules, settings.watch, settings.shadow) == (RULES, True, None)
    assert "reference 2026.11 on http://127.0.0.1:8123/" in result.stderr


def test_the_limits_are_passed_on(started, tmp_path):
    log = tmp_path / "shadow.jsonl"
    args = ["--max-body", "5000", "--timeout", "2.5", "--threads", "3", "--no-watch", "--shadow", str(RULES)]
    result = CliRunner().invoke(cli, ["serve", str(RULES), *args, "--shadow-log", str(log), "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    (app, kwargs), *_ = started
    settings = app.state.context.settings
    assert (settings.max_body, settings.timeout, settings.pool_size, settings.watch) == (5000, 2.5, 3, False)
    assert (settings.shadow, settings.shadow_log, kwargs["host"]) == (RULES, log, "0.0.0.0")


def test_without_the_extra_it_says_what_to_install(monkeypatch, started):
    real = importlib.util.find_spec
    monkeypatch.setattr(serve_module.importlib.util, "find_spec", lambda n: None if n == "uvicorn" else real(n))
    result = CliRunner().invoke(cli, ["serve", str(RULES)])
    assert (result.exit_code, result.stderr) == (
        1,
        "aftersales serve needs the serve extra: pip install 'aftersales-rules[serve]'\n",
    )
    assert started == []


def test_a_broken_policy_is_reported_before_anything_listens(started, tmp_path):
    result = CliRunner().invoke(cli, ["serve", str(tmp_path / "missing")])
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1 and "missing" in result.stderr
    shadow = CliRunner().invoke(cli, ["serve", str(RULES), "--shadow", str(tmp_path / "nothing")])
    assert shadow.exit_code == 1 and "nothing" in shadow.stderr
    assert started == []


def test_a_shadow_log_needs_a_shadow_and_a_place_to_write(started, tmp_path):
    alone = CliRunner().invoke(cli, ["serve", str(RULES), "--shadow-log", str(tmp_path / "log.jsonl")])
    assert alone.exit_code == 2 and "--shadow-log needs --shadow" in alone.stderr
    nowhere = tmp_path / "no" / "such" / "log.jsonl"
    result = CliRunner().invoke(cli, ["serve", str(RULES), "--shadow", str(RULES), "--shadow-log", str(nowhere)])
    assert result.exit_code == 1
    assert result.stderr == f"{nowhere}: cannot write: No such file or directory\n"
    assert started == []


def test_bad_limits_are_usage_errors(started):
    for args in (["--max-body", "0"], ["--timeout", "0"], ["--port", "70000"], ["--shadow-queue", "0"]):
        result = CliRunner().invoke(cli, ["serve", str(RULES), *args])
        assert result.exit_code == 2, args
    assert started == []
