"""The dashboard in a real headless browser (Debian's Chromium driven by Playwright): the content a
user looks for, and an acknowledge form that changes the state. Keeps a screenshot."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import write_config
from tests.fake_provider import FakeProvider
from tests.notify.test_calendar import NOW, PAGE, load_page
from tests.process import Daemon, free_port, wait_for
from tests.scenarios import FIXTURES
from tests.web.test_hostile_clients import dashboard_client, form_token

CHROMIUM = shutil.which("chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def dashboard(tmp_path: Path, fake_provider: FakeProvider) -> Iterator[tuple[str, Path]]:
    database = f"sqlite:///{tmp_path / 'w.db'}"
    load_page(database, PAGE, NOW)
    fake_provider.set("/deprecations.md", PAGE, "text/markdown")
    port = free_port()
    config = write_config(tmp_path / "w.toml", database_url=database, port=port, sources="",
                          server='dashboard_auth_env = "TEST_DASHBOARD"', extra=f"""
[inventory]
path = "{FIXTURES / 'inventory/uses.toml'}"

[[sources]]
name = "openai-deprecations"
kind = "openai-deprecations"
provider = "openai"
url = "{fake_provider.url('/deprecations.md')}"
interval = "24h"
""")
    daemon = Daemon(config, port, tmp_path / "run.log", env={"TEST_DASHBOARD": "ops:s3cret"})
    try:
        yield f"http://127.0.0.1:{port}", tmp_path
    finally:
        assert daemon.stop() == 0


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium; .ci/run installs it)")
def test_dashboard_in_a_browser(dashboard: tuple[str, Path]) -> None:
    from playwright.sync_api import sync_playwright

    base, _ = dashboard
    assert httpx.get(f"{base}/", timeout=5).status_code == 401  # protected
    wait_for(lambda: "chat" in httpx.get(f"{base}/api/impacts", auth=("ops", "s3cret"), timeout=5).text,
             what="impacts computed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        try:
            page = browser.new_page(http_credentials={"username": "ops", "password": "s3cret"})
            page.goto(f"{base}/")
            # the numbers first, then coverage
            assert page.locator("h1").first.inner_text() == "Overview"
            assert page.locator("#summary").is_visible()
            assert page.locator("h2").first.inner_text() == "Coverage"
            coverage = page.locator("#coverage").inner_text()
            assert "openai" in coverage and "deprecation page" in coverage and "wired" in coverage
            assert "bedrock" in coverage and "missing" in coverage
            assert "gpt-4-0613" in page.locator("table.deadlines").first.inner_text()
            row = page.locator("#impacts tr[data-service='chat']")
            assert "open" in row.locator("td.state").inner_text()
            row.locator("input[name='by']").first.fill("ana")
            row.locator("input[name='plan']").fill("move chat to gpt-5.5")
            row.get_by_role("button", name="Acknowledge").click()
            page.wait_for_load_state()
            assert "acknowledged by ana" in page.locator("#impacts tr[data-service='chat'] td.state").inner_text()
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
            page.get_by_role("link", name="openai: gpt-4-0613").first.click()
            assert "openai-deprecations" in page.locator("#provenance").inner_text()
            assert "created" in page.locator("#revisions").inner_text()
            page.goto(f"{base}/sources")
            assert "openai-deprecations" in page.locator("#sources").inner_text()
        finally:
            browser.close()
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000


def test_dashboard_without_a_browser(dashboard: tuple[str, Path]) -> None:
    """The same pages over plain HTTP, so that a machine without Chromium still checks them."""
    base, _ = dashboard
    auth = ("ops", "s3cret")
    assert httpx.get(f"{base}/", timeout=5).status_code == 401
    assert httpx.get(f"{base}/", auth=("ops", "wrong"), timeout=5).status_code == 401
    wait_for(lambda: "chat" in httpx.get(f"{base}/api/impacts", auth=auth, timeout=5).text, what="impacts")
    browser = dashboard_client(base, auth)  # keeps the session cookie; posts from the page's origin
    home = browser.get("/").text
    assert home.index('id="summary"') < home.index('<h2 id="coverage-title">Coverage</h2>') < \
        home.index("<h2>Timeline</h2>") < home.index('<h2 id="deadlines-title">') < home.index("<h2>Impacts</h2>")
    past = {"event_key": "openai/deprecation/gpt-4o-2024-05-13", "service": "search", "by": "bo",
            "until": "2026-10-01", "csrf": form_token(home)}
    refused = browser.post("/ui/impacts/snooze", data=past)
    assert refused.status_code == 400 and "not after today" in refused.json()["error"]
    until = (datetime.now(UTC).date() + timedelta(days=5)).isoformat()
    answer = browser.post("/ui/impacts/snooze", data={**past, "until": until})
    browser.close()
    assert answer.status_code == 303
    row = httpx.get(f"{base}/", auth=auth, timeout=5).text.split('data-service="search"')[1].split("</tr>")[0]
    assert "snoozed by bo" in row
    spec = httpx.get(f"{base}/api/openapi.json", timeout=5).json()
    assert set(spec["paths"]) == {"/api/events", "/api/deadlines", "/api/impacts", "/api/sources", "/api/summary",
                                  "/api/impacts/{action}", "/api/silences", "/api/silences/{silence_id}/expire"}
