"""The decision service in process (FastAPI's TestClient): every endpoint, and every error it answers."""

from __future__ import annotations

import json
import logging
import re
import time

import pytest
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from aftersales_rules import Policy
from aftersales_rules.authoring.batch import run_batch
from aftersales_rules.cli import cli
from aftersales_rules.serve.page import CSP

from conftest import RULES, SMALL_CASE, changed
from serving import case_json, client, example_cases

EXAMPLES = example_cases()
PICKED = [name for name, _ in EXAMPLES][::7]  # a spread of outcomes for the slower CLI comparisons
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def service():
    with client() as c:
        yield c


def dry_run(tmp_path, body: bytes, *args: str) -> str:
    """What ``aftersales dry-run`` prints for ``body``, the policy given as the service was given it (so both
    name the rule files alike)."""
    case = tmp_path / "case.json"
    case.write_bytes(body)
    result = CliRunner().invoke(cli, ["dry-run", str(case), "--rules", str(RULES), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("name", PICKED)
def test_a_plan_is_byte_for_byte_what_dry_run_prints(service, tmp_path, name):
    data = dict(EXAMPLES)[name]
    for body in (case_json(data), case_json(data, indent=2)):  # one line (the fast path) and pretty-printed
        answer = service.post("/v1/plans", content=body)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/json"
        assert answer.text == dry_run(tmp_path, body, "--format", "json")
        assert answer.headers["x-policy-digest"] == json.loads(answer.text)["policy"]["digest"]
    quick = service.post("/v1/plans?branches=false", content=case_json(data))
    assert quick.text == dry_run(tmp_path, case_json(data), "--format", "json", "--no-branches")


def test_every_example_is_answered_with_its_plan(service, reference_policy):
    for _, data in EXAMPLES:
        answer = service.post("/v1/plans", content=case_json(data))
        assert answer.text == reference_policy.evaluate(json.loads(case_json(data))).to_json() + "\n"


@pytest.mark.parametrize("name", PICKED[:3])
def test_the_text_view_is_what_dry_run_prints(service, tmp_path, name):
    body = case_json(dict(EXAMPLES)[name], indent=1)
    text = dry_run(tmp_path, body)
    assert service.post("/v1/plans:text", content=body).text == text  # the policy's first language, zh
    for lang in ("en", "zh"):
        answer = service.post(f"/v1/plans:text?lang={lang}", content=body)
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/plain")
        assert answer.text == dry_run(tmp_path, body, "--lang", lang)
    assert dry_run(tmp_path, body, "--lang", "en") != dry_run(tmp_path, body, "--lang", "zh")


def test_why_not_is_what_dry_run_prints(service, tmp_path):
    body = case_json(dict(EXAMPLES)[PICKED[0]])
    for fmt in ("json", "text"):
        answer = service.post(f"/v1/explain?rule=wrong_item.B.exchange&format={fmt}", content=body)
        assert answer.status_code == 200
        assert answer.text == dry_run(tmp_path, body, "--why-not", "wrong_item.B.exchange", "--format", fmt)


def test_an_unknown_rule_is_a_400_with_its_suggestion(service):
    answer = service.post("/v1/explain?rule=wrong_item.B.exchang", content=case_json(SMALL_CASE))
    assert answer.status_code == 400
    assert answer.headers["content-type"] == PROBLEM
    problem = answer.json()
    assert (problem["code"], problem["rule"], problem["suggestion"]) == (
        "unknown_rule",
        "wrong_item.B.exchang",
        "wrong_item.B.exchange",
    )


def _problem(answer, status: int, code: str) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    problem = answer.json()
    assert problem["type"] == f"urn:aftersales:problem:{code}"
    assert (problem["status"], problem["code"]) == (status, code)
    assert problem["title"] and problem["detail"] and problem["instance"]
    return problem


@pytest.mark.parametrize(
    ("body", "line", "column"),
    [
        (b"", 1, 1),
        (b"case_id: C-1\nopened_at: x\n", 1, 1),  # YAML is not JSON
        (b'{"case_id": "C-1",\n "x": NaN}', 1, 1),
        (b'{"case_id": "C-1",\n "order": }', 2, 11),
        (b'{"a": 1} {"b": 2}', 1, 10),
        (b'{"a": "\xff"}', 1, 1),  # not UTF-8
    ],
)
def test_a_body_that_is_not_json_is_a_400_placed_where_it_fails(service, body, line, column):
    problem = _problem(service.post("/v1/plans", content=body), 400, "not_json")
    assert [(p["line"], p["column"], p["file"]) for p in problem["problems"]] == [(line, column, "<request>")]


def test_json_the_case_reader_refuses_is_a_400(service):
    problem = _problem(service.post("/v1/plans", content=b'{"case_id": "a",\n "case_id": "b"}'), 400, "invalid_body")
    assert problem["problems"][0]["code"] == "duplicate_key"


def test_a_case_the_model_refuses_is_a_422_with_every_problem_placed(service):
    data = changed(SMALL_CASE, issue__kind="damagd", order__shipping_fee="abc", customer__tier=5)
    for body in (case_json(data), case_json(data, indent=2)):
        problem = _problem(service.post("/v1/plans", content=body), 422, "invalid_case")
        found = {p["path"]: p for p in problem["problems"]}
        assert {"issue.kind", "order.shipping_fee", "customer.tier"} <= set(found)
        assert found["issue.kind"]["suggestion"] == "damaged"
        assert all(p["line"] and p["column"] for p in problem["problems"])
        assert len(problem["detail"].splitlines()) == len(problem["problems"]) + 1  # "N errors occurred:" first
    pretty = service.post("/v1/plans", content=case_json(data, indent=2)).json()
    assert {p["path"]: p["line"] for p in pretty["problems"]}["order.shipping_fee"] == 6


def test_a_body_over_the_limit_is_a_413_by_its_length_and_by_what_arrives():
    with client(max_body=200) as c:
        big = b"{" + b" " * 300 + b"}"
        problem = _problem(c.post("/v1/plans", content=big), 413, "too_large")
        assert problem["limit"] == 200 and "302 bytes" in problem["detail"]  # said by its Content-Length
        chunked = _problem(c.post("/v1/plans", content=iter([b"{", b" " * 150, b" " * 150, b"}"])), 413, "too_large")
        assert "200-byte limit" in chunked["detail"]
        assert c.post("/v1/plans", content=case_json({"a": 1})).status_code == 422  # under it: read


def test_a_bad_parameter_is_a_400(service):
    problem = _problem(
        service.post("/v1/plans?branches=maybe", content=case_json(SMALL_CASE)), 400, "invalid_parameter"
    )
    assert problem["problems"][0]["path"] == "query.branches"
    _problem(service.post("/v1/plans:text?lang=fr", content=case_json(SMALL_CASE)), 400, "invalid_parameter")
    _problem(service.post("/v1/explain", content=case_json(SMALL_CASE)), 400, "invalid_parameter")


def test_unknown_paths_and_methods_are_problems(service):
    _problem(service.get("/v2/plans"), 404, "not_found")
    _problem(service.get("/v1/plans"), 405, "method_not_allowed")
    _problem(service.get("/static/../../pyproject.toml"), 404, "not_found")
    _problem(service.get("/static/index.html"), 404, "not_found")
    _problem(service.get("/static/nothing.js"), 404, "not_found")


def test_a_bug_is_a_500_whose_id_is_logged(monkeypatch, caplog):
    def boom(self, case, **kwargs):
        raise RuntimeError("a bug")

    with client() as c:
        monkeypatch.setattr(Policy, "evaluate", boom)
        with caplog.at_level(logging.ERROR, logger="aftersales.serve"):
            problem = _problem(c.post("/v1/plans", content=case_json(SMALL_CASE)), 500, "internal")
    assert problem["error_id"] in problem["detail"]
    logged = [r for r in caplog.records if problem["error_id"] in r.getMessage()]
    assert logged and logged[0].exc_info is not None
    assert "a bug" not in json.dumps(problem)  # the cause stays in the log


def test_a_case_over_the_time_limit_is_a_503(monkeypatch):
    evaluate = Policy.evaluate

    def slow(self, case, **kwargs):
        time.sleep(0.5)
        return evaluate(self, case, **kwargs)

    with client(timeout=0.1) as c:
        monkeypatch.setattr(Policy, "evaluate", slow)
        _problem(c.post("/v1/plans", content=case_json(SMALL_CASE)), 503, "timeout")


def test_before_a_policy_loads_the_service_is_up_but_not_ready(tmp_path):
    with client(tmp_path / "missing", ready=False) as c:
        deadline = time.monotonic() + 30
        while c.get("/v1/policy").json()["last_reload_error"] is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert c.get("/healthz").json() == {"status": "ok"}
        _problem(c.get("/readyz"), 503, "not_ready")
        _problem(c.post("/v1/plans", content=case_json(SMALL_CASE)), 503, "not_ready")
        status = c.get("/v1/policy").json()
        assert status["digest"] is None
        assert status["last_reload_error"]["reason"] == "start"
        assert "missing" in status["last_reload_error"]["error"]


def test_policy_rules_health_and_readiness(service, reference_policy):
    status = service.get("/v1/policy").json()
    assert (status["name"], status["version"], status["digest"]) == (
        reference_policy.name,
        reference_policy.version,
        reference_policy.digest,
    )
    assert (
        status["languages"] == ["zh", "en"]
        and status["text_languages"] == ["en", "zh"]
        and status["last_reload_error"] is None
        and status["loaded_at"]
    )
    assert status["rules"] == len(reference_policy.rules)
    rules = service.get("/v1/rules").json()
    assert [r["id"] for r in rules] == [r.id for r in reference_policy.rules]
    assert rules[0]["source"] == reference_policy.rules[0].source
    assert service.get("/healthz").json() == {"status": "ok"}
    assert service.get("/readyz").json() == {"status": "ready", "digest": reference_policy.digest}


def test_metrics_count_evaluations_errors_and_latency():
    with client() as c:
        c.post("/v1/plans", content=case_json(SMALL_CASE))
        c.post("/v1/plans", content=case_json(SMALL_CASE))
        c.post("/v1/plans", content=b"{")
        answer = c.get("/metrics")
    assert answer.headers["content-type"].startswith("text/plain; version=")
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(answer.text)
        for s in family.samples
    }
    kind = (("kind", "damaged"), ("resolution", "return_and_refund"))
    assert samples[("aftersales_evaluations_total", kind)] == 2
    assert samples[("aftersales_errors_total", (("code", "not_json"),))] == 1
    assert samples[("aftersales_request_duration_seconds_count", (("endpoint", "plans"),))] == 3
    assert samples[("aftersales_reloads_total", ())] == 0
    assert samples[("aftersales_reload_failures_total", ())] == 0


def test_a_batch_is_streamed_as_aftersales_batch_writes_it(service, tmp_path):
    lines = [case_json(data) for _, data in EXAMPLES[:12]]
    lines[3] = b'{"case_id": "C-X", "order": '  # not JSON
    lines[5] = case_json(changed(SMALL_CASE, case_id="C-Y", issue__kind="nope"))
    body = b"\xef\xbb\xbf" + b"\r\n".join(lines[:8]) + b"\n\n  \n" + b"\n".join(lines[8:]) + b"\n"
    cases = tmp_path / "cases.jsonl"
    cases.write_bytes(body)
    run_batch(cases, tmp_path / "plans.jsonl", RULES)
    expected = (tmp_path / "plans.jsonl").read_text(encoding="utf-8").replace(str(cases), "<request>")
    answer = service.post("/v1/plans:batch", content=iter([body[:1000], body[1000:5000], body[5000:]]))
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/x-ndjson"
    assert answer.text == expected
    assert len(answer.text.splitlines()) == 12


def test_a_batch_line_over_the_limit_is_an_error_record():
    with client(max_body=500) as c:
        body = case_json(SMALL_CASE) + b"\n" + b"[" + b" " * 600 + b"]\n" + case_json(SMALL_CASE) + b"\n"
        records = [json.loads(line) for line in c.post("/v1/plans:batch", content=body).text.splitlines()]
    assert [r.get("line") for r in records] == [None, 2, None]
    assert records[1]["problems"][0]["code"] == "too_large" and "500-byte limit" in records[1]["error"]


def test_the_openapi_document_is_made_from_the_models(service, reference_policy):
    document = service.get("/openapi.json").json()
    assert {"/v1/plans", "/v1/plans:text", "/v1/plans:batch", "/v1/explain", "/v1/policy", "/v1/rules"} <= set(
        document["paths"]
    )
    schemas = document["components"]["schemas"]
    assert {"Case", "Plan", "RuleExplanation", "ProblemDetails", "PolicyStatus"} <= set(schemas)
    kinds = schemas["Issue"]["properties"]["kind"]["enum"]  # fitted to the policy in service
    assert kinds == list(reference_policy.source.scope.issue_kinds())
    plans = document["paths"]["/v1/plans"]["post"]
    assert plans["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Case"}
    assert set(plans["responses"]) >= {"200", "400", "413", "422", "500", "503"}
    assert [p["name"] for p in plans["parameters"]] == ["branches"]
    text_lang = document["paths"]["/v1/plans:text"]["post"]["parameters"][1]
    assert text_lang["name"] == "lang" and "catalogue" in text_lang["description"]
    refs = set(re.findall(r"#/components/schemas/[A-Za-z_]+", json.dumps(document)))
    assert all(ref.rpartition("/")[2] in schemas for ref in refs)


def test_the_pages_ship_every_asset_and_a_strict_policy(service):
    for path in ("/", "/docs"):
        page = service.get(path)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert page.headers["content-security-policy"] == CSP
        assert "'unsafe-inline'" not in CSP and "default-src 'none'" in CSP
    for name in ("playground.js", "docs.js", "common.js", "style.css", "example.json"):
        asset = service.get(f"/static/{name}")
        assert asset.status_code == 200, name
        assert "http://" not in asset.text and "https://" not in asset.text  # nothing from outside
        assert "innerHTML" not in asset.text and "insertAdjacentHTML" not in asset.text and "eval(" not in asset.text
    example = service.get("/static/example.json").content
    assert service.post("/v1/plans", content=example).status_code == 200
