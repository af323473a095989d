"""The dashboard in a real browser: Debian's Chromium driven by Playwright (never a downloaded browser).

A person opens the sessions page, follows a session, reads the board and the charts; agents then write
through the CLI (real processes) and the open page shows the new log entries, the task-group move and the
token totals without a reload. Also: the pages without JavaScript, stored markup shown as text, the theme
switch, the log filter, and no console error (a Content-Security-Policy violation would be one).

Every test runs on both backends (``backend_location``: a SQLite file, then a fresh PostgreSQL schema).

Skipped when Chromium or Playwright is missing, unless BAZINGA_REQUIRE_BROWSER=1 (CI sets it): then it fails.
"""

from __future__ import annotations

import os
import shutil

import pytest
from conftest import run_script
from dashboard_helpers import CHROMIUM, launch_chromium, start

REQUIRED = os.environ.get("BAZINGA_REQUIRE_BROWSER") == "1"
SHOWS_UP = 10_000  # ms a live change may take to appear before the test fails (the target is 1 s: bench)

pytestmark = pytest.mark.slow


def _browser_missing() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (the dev extras have it)"
    return None


@pytest.fixture(scope="module")
def browser():
    missing = _browser_missing()
    if missing:
        if REQUIRED:
            pytest.fail(f"BAZINGA_REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = launch_chromium(playwright)
        yield launched
        launched.close()


class Cli:
    """The real CLI, as agents run it, on the test's database."""

    def __init__(self, location: str, folder):
        self.location, self.folder = location, folder

    def __call__(self, *argv: str) -> None:
        result = run_script("--db", self.location, *argv, cwd=self.folder)
        assert result.code == 0, (argv, result)


@pytest.fixture
def cli(backend_location, tmp_path):
    return Cli(backend_location, tmp_path)


@pytest.fixture
def site(cli, tmp_path):
    cli("create-session", "s_web", "parallel", "Add OAuth2 <login> & roles")
    cli("create-session", "s_done", "simple", "Earlier work")
    cli("update-session-status", "s_done", "completed")
    for group, name, status in (("group_a", "Auth", "in_progress"), ("group_b", "API", "pending")):
        cli("create-task-group", group, "s_web", name, status)
    cli("log-interaction", "s_web", "pm", "Created 2 task groups", "1", "pm_main")
    cli("log-interaction", "s_web", "developer", "<script>window.__pwned = 1</script>", "2")
    cli("log-tokens", "s_web", "pm", "5000")
    cli("log-tokens", "s_web", "developer", "12000")
    cli("save-state", "s_web", "pm", '{"mode":"parallel","completion_percentage":25}')
    server = start(cli.location, cwd=tmp_path)
    yield server
    stopped = server.stop()
    assert stopped.code == 0 and stopped.stderr == "", stopped


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    problems: list[str] = []
    opened.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    opened.on("pageerror", lambda error: problems.append(str(error)))
    yield opened
    context.close()
    assert problems == [], problems


def test_a_person_follows_a_session_live(site, page, cli):
    page.goto(site.url)
    rows = page.locator("#sessions-body tr")
    assert rows.count() == 2
    assert rows.first.locator(".sid a").inner_text() == "s_web"  # active first
    assert page.locator("#live.on").wait_for(timeout=SHOWS_UP) is None
    page.click("text=s_web")
    page.wait_for_url("**/sessions/s_web")
    assert page.locator("h1").inner_text() == "s_web"
    assert page.locator(".requirements").inner_text() == "Add OAuth2 <login> & roles"
    headings = page.locator("#board .column h3").all_inner_texts()
    counts = page.locator("#board .column h3 .count").all_inner_texts()
    assert [h[: -len(c)].strip() for h, c in zip(headings, counts)] == [
        "Pending",
        "In progress",
        "Completed",
        "Failed",
    ]
    assert counts == ["1", "1", "0", "0"]
    assert page.locator("#board .col-in_progress #group-group_a").count() == 1
    assert page.locator("svg.bars g").count() == 2  # pm, developer
    assert page.locator("svg.timeline polygon.area").count() == 2
    assert "25% complete" in page.locator("#states").inner_text()
    # Stored markup is text: the page shows it and never runs it.
    assert page.locator("#log-2 .content").inner_text() == "<script>window.__pwned = 1</script>"
    assert page.evaluate("window.__pwned") is None
    page.locator("#live.on").wait_for(timeout=SHOWS_UP)
    page.evaluate("window.__still_the_same_page = true")

    cli("log-interaction", "s_web", "qa", "All 48 tests pass <b>bold?</b>", "3", "qa_1")
    page.locator("#log-3").wait_for(timeout=SHOWS_UP)
    assert page.locator("#log .entry").first.get_attribute("id") == "log-3"
    assert page.locator("#log-3 .content").inner_text() == "All 48 tests pass <b>bold?</b>"
    assert page.locator("#log-range").inner_text() == "entries 1–3 of 3"

    cli("update-task-group", "group_a", "--status", "completed", "--last_review_status", "APPROVED")
    page.locator("#board .col-completed #group-group_a").wait_for(timeout=SHOWS_UP)
    assert page.locator("#board .col-in_progress #group-group_a").count() == 0
    assert "approved" in page.locator("#group-group_a .review").inner_text().lower()

    cli("log-tokens", "s_web", "qa", "3000")
    page.locator("#tokens figcaption", has_text="20,000 tokens").wait_for(timeout=SHOWS_UP)
    assert page.locator("svg.bars g").count() == 3

    cli("log-interaction", "s_web", "developer", "<img src=x onerror=window.__pwned=2>", "3")
    page.locator("#log-4").wait_for(timeout=SHOWS_UP)
    assert page.locator("#log-4 .content").inner_text() == "<img src=x onerror=window.__pwned=2>"
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("window.__still_the_same_page") is True  # no reload happened


def test_filtering_the_log_and_switching_the_theme(site, page):
    page.goto(site.url + "sessions/s_web")
    page.select_option("#agent-filter", "pm")  # dashboard.js submits the form on change
    page.wait_for_url("**/sessions/s_web?agent_type=pm")
    assert page.locator("#log .entry .agent").all_inner_texts() == ["PM"]
    assert page.evaluate("document.documentElement.getAttribute('data-theme')") is None
    page.click("#theme")
    assert page.evaluate("document.documentElement.getAttribute('data-theme')") == "light"
    page.click("#theme")
    assert page.evaluate("document.documentElement.getAttribute('data-theme')") == "dark"
    page.reload()
    assert page.evaluate("document.documentElement.getAttribute('data-theme')") == "dark"
    assert page.locator("#theme").inner_text() == "Theme: dark"


def test_the_pages_work_without_javascript(site, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site.url + "?status=completed")
    assert page.locator("#sessions-body .sid a").all_inner_texts() == ["s_done"]
    page.goto(site.url + "sessions/s_web")
    assert page.locator("#board .column").count() == 4
    assert page.locator("#log .entry").count() == 2
    page.select_option("#agent-filter", "developer")
    page.click(".filter button[type=submit]")
    page.wait_for_url("**/sessions/s_web?agent_type=developer")
    assert page.locator("#log .entry").count() == 1
    assert page.locator("#live").is_hidden() and page.locator("#theme").is_hidden()
    context.close()


def test_a_page_waits_out_a_postgresql_outage(own_pg_server, page, tmp_path):
    """The server goes away under an open page: it says so, then carries on live once the server is back."""
    cli = Cli(own_pg_server.url, tmp_path)
    cli("create-session", "s_web", "simple", "Outage")
    cli("log-interaction", "s_web", "pm", "before")
    server = start(own_pg_server.url, cwd=tmp_path)
    try:
        page.goto(server.url + "sessions/s_web")
        page.locator("#live.on").wait_for(timeout=SHOWS_UP)
        own_pg_server.stop(remove=False)
        page.locator("#live.off", has_text="Database unreachable").wait_for(timeout=SHOWS_UP)
        assert "cannot reach the PostgreSQL server" in page.locator("#live").get_attribute("title")
        own_pg_server._pg_ctl("start")
        cli("log-interaction", "s_web", "qa", "after the outage")
        page.locator("#log-2").wait_for(timeout=SHOWS_UP)
        assert page.locator("#live.on").inner_text() == "Live"
        assert page.locator("#log-2 .content").inner_text() == "after the outage"
    finally:
        stopped = server.stop()
    assert (stopped.code, stopped.stderr) == (0, "")
