"""The playground page in a real headless Chromium (Debian's package; ``.ci/run`` installs it): it loads,
submits the example case, and shows the resolution, the deciding rules, the text view and a why-not.

Without Chromium the test fails under CI (``CI=true``) and is skipped elsewhere, saying why.
Playwright drives the browser Debian installed; it never downloads one of its own.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from aftersales_rules.render import catalogue

from conftest import RULES
from serving import case_json, running_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not os.access(CHROMIUM, os.X_OK):
        why = f"no Chromium at {CHROMIUM}: apt-get install chromium (as root; .ci/run does)"
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def base():
    with running_server(RULES, "--no-watch") as (url, _):
        yield url


def test_the_playground_decides_the_example_case(browser, base, reference_policy):
    from playwright.sync_api import expect

    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + "/")
    page.wait_for_selector("body[data-ready=true]")
    example = json.loads(page.locator("#case").input_value())
    plan = reference_policy.evaluate(example)
    page.click("#decide")
    expect(page.locator("#result")).to_be_visible()
    expect(page.locator("#resolution")).to_have_text(plan.resolution)
    rows = page.locator("#trace tbody tr")
    expect(rows).to_have_count(len(plan.trace))
    for n, entry in enumerate(plan.trace):  # the deciding rules, with their file and line
        expect(rows.nth(n).locator("td").nth(0)).to_have_text(entry.rule)
        expect(rows.nth(n).locator("td").nth(1)).to_have_text(entry.source)
    expect(page.locator("#branches-table tbody tr")).to_have_count(len(plan.branches))
    # a language per catalogue, each named in its own language; the policy's first (zh) chosen to begin with
    expect(page.locator("#languages label")).to_have_text(["English", "中文"])
    expect(page.locator("input[name=lang][value=zh]")).to_be_checked()
    for lang in ("en", "zh"):  # the toggle asks for the text view again, in that language
        page.check(f"input[name=lang][value={lang}]")
        words = catalogue(lang)
        expect(page.locator("#text")).to_contain_text(
            words.say("resolution", resolution=words.name("resolution", plan.resolution))
        )

    page.select_option("#rule", "wrong_item.B.exchange")
    page.click("#why")
    expect(page.locator("#why-text")).to_contain_text("wrong_item.B.exchange")
    expect(page.locator("#why-text")).to_contain_text(catalogue("zh").say("matched_no"))  # in the language picked
    assert errors == []  # no script error, nothing the Content-Security-Policy refused


def test_what_a_case_holds_is_shown_as_text_never_as_markup(browser, base):
    from playwright.sync_api import expect

    page = browser.new_page()
    page.goto(base + "/")
    page.wait_for_selector("body[data-ready=true]")
    case = json.loads(page.locator("#case").input_value())
    case["issue"]["kind"] = "<img src=x onerror=document.title='owned'>"
    page.fill("#case", case_json(case, indent=2).decode())
    page.click("#decide")
    expect(page.locator("#problems")).to_be_visible()
    expect(page.locator("#problem-list")).to_contain_text("<img src=x")
    assert page.locator("img").count() == 0
    assert page.title() != "owned"


def test_the_api_reference_shows_every_endpoint_from_the_openapi_document(browser, base):
    from playwright.sync_api import expect

    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(base + "/docs")
    expect(page.locator("#endpoints .endpoint")).to_have_count(9)  # the /v1 ones, health, readiness, metrics
    expect(page.locator("#endpoints")).to_contain_text("/v1/plans:batch")
    expect(page.locator("#schemas summary", has_text="Case")).to_have_count(1)
    assert errors == []
