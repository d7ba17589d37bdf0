"""The dashboard's overview and list pages against one real daemon (`watcher run`): OpenAI's recorded
deprecations page read from a fake provider, Anthropic's page answering 500 (a failing source), a
fake Slack that knows no #assistant-oncall (a failed message), and the test inventory plus sixty
uses of one team (enough for a second page). Checked over HTTP (the header's numbers against the
JSON API, the blind banner, the timeline SVG) and in Debian's Chromium (the matrix's how-to links,
the timeline's tooltips, the outbox, filters and pagination, light/dark/phone screenshots).
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import write_config
from tests.fake_provider import FakeProvider
from tests.fake_slack import FakeSlack, slack_config
from tests.notify.test_calendar import NOW, PAGE, load_page
from tests.process import Daemon, free_port, wait_for
from tests.scenarios import FIXTURES
from watcher.config import Config, DatabaseConfig
from watcher.daemon import Daemon as InProcessDaemon
from watcher.inventory.coverage_guide import GUIDE
from watcher.web import dashboard
from watcher.web.app import create_app
from watcher.web.timeline import SVG_NS

CHROMIUM = shutil.which("chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AUTH = ("ops", "s3cret")
ENV = {"PAGES_DASHBOARD": "ops:s3cret", "PAGES_API": "pages-api-token", "TEST_SLACK_TOKEN": "xoxb-pages",
       "TEST_SLACK_SIGNING": "pages-signing"}
BULK = 60  # uses of team-bulk: more than one page of impacts
NUMBER = re.compile(r'data-number="(\w+)"><a href="([^"]+)"><span class="count" data-api="([^"]+)" '
                    r'data-counts="([^"]+)">(\d+)</span>')
TIP = re.compile(r"^(not before )?(\d{4}-\d\d-\d\d): \S+ \S+ retires; use (\S+) \((\S+)\), team (\S+), (.*)$")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("pages")
    database = tmp / "w.db"
    load_page(f"sqlite:///{database}", PAGE, NOW)
    provider, slack = FakeProvider(), FakeSlack()
    provider.start()
    slack.start()
    provider.set("/deprecations.md", PAGE, "text/markdown")
    provider.set("/anthropic.html", "upstream exploded", "text/plain", status=500)
    slack.missing_channels.add("#assistant-oncall")  # chat's channel: its message fails for good
    bulk = "".join(f'\n[[uses]]\nservice = "svc-bulk-{n:02}"\nprovider = "openai"\nplatform = "openai"\n'
                   f'model = "gpt-4"\nowner = "team-bulk"\n' for n in range(BULK))
    (tmp / "uses.toml").write_text((FIXTURES / "inventory/uses.toml").read_text() + bulk)
    port = free_port()
    config = write_config(tmp / "w.toml", database_url=f"sqlite:///{database}", port=port, sources="",
                          server='dashboard_auth_env = "PAGES_DASHBOARD"\napi_token_env = "PAGES_API"',
                          extra=f"""
[inventory]
path = "{tmp / 'uses.toml'}"

{slack_config(slack)}

[[sources]]
name = "openai-deprecations"
kind = "openai-deprecations"
provider = "openai"
url = "{provider.url('/deprecations.md')}"
interval = "24h"

[[sources]]
name = "anthropic-deprecations"
kind = "anthropic-deprecations"
provider = "anthropic"
url = "{provider.url('/anthropic.html')}"
interval = "24h"
""")
    daemon = Daemon(config, port, tmp / "run.log", env=ENV)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: "svc-bulk-59" in httpx.get(f"{base}/api/impacts", auth=AUTH, timeout=5).text,
                 what="impacts computed")
        wait_for(lambda: "anthropic-deprecations" in httpx.get(f"{base}/api/sources?trouble=1", auth=AUTH,
                                                                timeout=5).json(), what="a failing source")
        wait_for(lambda: bool(_outbox(database, "failed")) and bool(_outbox(database, "sent")),
                 what="messages sent and failed")
        yield base, database
    finally:
        assert daemon.stop() == 0
        slack.stop()
        provider.stop()


def _outbox(database: Path, state: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT dedup_key, target, error FROM outbox WHERE state = ?", (state,)).fetchall()


def _get(base: str, path: str) -> httpx.Response:
    answer = httpx.get(f"{base}{path}", auth=AUTH, timeout=10)
    assert answer.status_code == 200, (path, answer.text[:300])
    return answer


def _counted(answer: Any, counts: str) -> int:
    if counts == "distinct event_key":
        return len({row["event_key"] for row in answer})
    return len(answer)


def _expected_uses(base: str) -> set[tuple[str, str, str]]:
    """(service, model, deadline) of every unresolved impact of a dated deprecation, per the API."""
    impacts = _get(base, "/api/impacts").json()
    return {(i["service"], i["model"], i["deadline"]) for i in impacts
            if i["event_kind"] == "deprecation" and i["deadline"]}


def _tips(svg_titles: list[str]) -> set[tuple[str, str, str]]:
    found = set()
    for title in svg_titles:
        match = TIP.match(title)
        assert match, title
        found.add((match[3], match[4], match[2]))
    return found


def test_header_numbers_equal_what_the_api_counts(site: tuple[str, Path]) -> None:
    base, _ = site
    until = (datetime.now(UTC).date() + timedelta(days=3)).isoformat()
    added = httpx.post(f"{base}/api/silences", timeout=5, headers={"Authorization": "Bearer pages-api-token"},
                       json={"matchers": {"team": "team-media"}, "until": until, "by": "ops", "comment": "test"})
    assert added.status_code == 201
    home = _get(base, "/").text
    shown = {key: (unescape(page), unescape(api), counts, int(count))
             for key, page, api, counts, count in NUMBER.findall(home)}
    summary = _get(base, "/api/summary").json()
    assert set(shown) == set(summary) == {"overdue_in_use", "due_soon", "incidents", "sources_in_trouble",
                                          "silences"}
    for key, (page, api, counts, count) in shown.items():
        assert (summary[key]["count"], summary[key]["api"], summary[key]["page"]) == (count, api, page)
        assert _counted(_get(base, api).json(), counts) == count, key
    assert shown["sources_in_trouble"][3] == 1 and shown["silences"][3] == 1
    # the deadlines the API lists touch uses, so the two deadline numbers count something real
    assert len(_get(base, "/api/deadlines?affected=1&all=1").json()) >= 2
    # each deadline number's link lists exactly what it counts
    for key in ("overdue_in_use", "due_soon"):
        page, _, _, count = shown[key]
        listed = _get(base, page).text
        assert len(re.findall(r'<tr data-model="', listed)) == min(count, 50), key
    assert httpx.get(f"{base}/api/summary", timeout=5).status_code == 401


def test_the_pages_carry_no_script_and_no_inline_style(site: tuple[str, Path]) -> None:
    base, _ = site
    for path in ("/", "/impacts?team=team-bulk&page=2", "/deadlines?when=all&scope=any", "/outbox", "/coverage",
                 "/impacts?page=oops&state=nonsense", "/outbox?page=-3"):
        answer = _get(base, path)
        assert "default-src 'none'" in answer.headers["content-security-policy"]
        assert "<script" not in answer.text and "<style" not in answer.text and " style=" not in answer.text, path
        assert '<link rel="stylesheet" href="/static/dashboard.css">' in answer.text
    for path in ("/impacts", "/deadlines", "/outbox", "/coverage", "/timeline.svg"):
        assert httpx.get(f"{base}{path}", timeout=5).status_code == 401, path
    css = _get(base, "/static/dashboard.css").text
    assert "prefers-color-scheme: dark" in css and "overflow-x: auto" in css and "flex-wrap: wrap" in css


def test_a_failing_source_makes_the_page_say_it_is_blind(site: tuple[str, Path]) -> None:
    base, _ = site
    home = _get(base, "/").text
    banner = re.search(r'<p class="blind" id="blind" role="alert"><strong>([^<]+)</strong>(.*?)</p>', home, re.S)
    assert banner, "no blind banner while a source fails"
    assert re.fullmatch(r"Blind: 1 source (failing|broken) (since [0-9: -]+|\(never read successfully\))\.",
                        banner[1]), banner[1]
    assert "anthropic-deprecations" in banner[2]
    assert home.index('id="blind"') < home.index('id="summary"')  # said first, above the numbers


async def test_a_page_without_inventory_says_nothing_is_matched(tmp_path: Path) -> None:
    config = Config(database=DatabaseConfig(url=f"sqlite:///{tmp_path / 'w.db'}"))
    daemon = InProcessDaemon(config, config_path=tmp_path / "w.toml")
    app = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(daemon)), base_url="http://watcher")
    try:
        home = (await app.get("/")).text
        coverage = (await app.get("/coverage")).text
    finally:
        await app.aclose()
        await daemon.client.aclose()
        daemon.poller.close()
        daemon.db_executor.shutdown()
    assert "No inventory configured: nothing is matched against your services" in home
    assert "<code>watcher init</code>" in home and "<code>watcher init</code>" in coverage
    assert "Blind: no source or webhook is configured, so nothing is watched." in home
    assert "No deadline touches the inventory." not in home and ">None.<" not in home  # no all-clear


def test_the_timeline_svg_has_one_marker_per_affected_use(site: tuple[str, Path]) -> None:
    base, _ = site
    answer = _get(base, "/timeline.svg")
    assert answer.headers["content-type"] == "image/svg+xml"
    root = ET.fromstring(answer.text)
    markers = [c for c in root.iter(f"{{{SVG_NS}}}circle") if "marker" in c.get("class", "")]
    expected = _expected_uses(base)
    assert len(expected) >= BULK + 2
    assert len(markers) == len(expected)
    assert _tips([m.find(f"{{{SVG_NS}}}title").text for m in markers]) == expected
    one_team = ET.fromstring(_get(base, "/timeline.svg?team=team-bulk").text)
    assert len([c for c in one_team.iter(f"{{{SVG_NS}}}circle") if "marker" in c.get("class", "")]) == BULK


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium; .ci/run installs it)")
def test_the_pages_in_a_browser(site: tuple[str, Path]) -> None:
    from playwright.sync_api import sync_playwright

    base, database = site
    expected = _expected_uses(base)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        try:
            credentials = {"username": AUTH[0], "password": AUTH[1]}
            page = browser.new_page(http_credentials=credentials, color_scheme="light")
            page.goto(f"{base}/")
            assert page.locator("#blind").is_visible()
            assert "Blind: 1 source" in page.locator("#blind").inner_text()
            # every form control has a label
            unlabelled = page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select')]
                .filter(e => !e.getAttribute('aria-label') && !(e.id && document.querySelector(`label[for="${e.id}"]`)))
                .length""")
            assert unlabelled == 0

            # the timeline: one marker per use shown, the first uses by deadline, the exact date in each tooltip
            titles = page.locator("#timeline svg circle.marker title").all_text_contents()
            assert len(titles) == min(len(expected), dashboard.TIMELINE_USES)
            assert _tips(titles) <= expected
            soonest = sorted(d for _, _, d in expected)[:len(titles)]
            assert sorted(d for _, _, d in _tips(titles)) == soonest
            assert page.locator("#timeline svg line.today").count() == 1

            light = page.evaluate("getComputedStyle(document.body).backgroundColor")
            page.screenshot(path=str(ARTIFACTS / "dashboard-light.png"), full_page=True)
            page.emulate_media(color_scheme="dark")
            dark = page.evaluate("getComputedStyle(document.body).backgroundColor")
            assert light != dark
            page.screenshot(path=str(ARTIFACTS / "dashboard-dark.png"), full_page=True)
            page.emulate_media(color_scheme="light")

            # a missing surface's cell leads to its how-to
            cell = page.locator("#coverage td.cell-missing a").first
            platform = cell.locator("xpath=ancestor::tr/th").inner_text()
            surface = cell.get_attribute("title").split(": ")[0].removeprefix(platform + " ")
            anchor = cell.get_attribute("href").split("#")[1]
            cell.click()
            page.wait_for_url(f"**/coverage#{anchor}")
            section = page.locator(f"section#{anchor}")
            assert section.is_visible()
            [how_to] = [s.how_to for s in GUIDE[platform] if s.surface == surface]
            assert f"How to wire it: {how_to}" in section.inner_text()
            assert "missing" in section.locator("h3").inner_text()

            # the outbox: what went where, what failed and why, newest first
            page.goto(f"{base}/outbox")
            rows = page.locator("#outbox tbody tr[data-state]")
            assert rows.count() >= 2
            [failed_key, target, error] = _outbox(database, "failed")[0]
            failed = page.locator(f"#outbox tr[data-key='{failed_key}']")
            assert "failed" in failed.inner_text() and target in failed.inner_text() and error in failed.inner_text()
            created = page.locator("#outbox tbody tr[data-state] td:first-child").all_text_contents()
            assert created == sorted(created, reverse=True)
            page.select_option("#f-state", "failed")
            page.get_by_role("button", name="Filter").click()
            page.wait_for_url("**/outbox?state=failed**")
            assert set(page.locator("#outbox tbody tr[data-state]").evaluate_all(
                "rows => rows.map(r => r.dataset.state)")) == {"failed"}

            # impacts: a filter, two pages, and acknowledging with a target date from the second
            page.goto(f"{base}/impacts")
            page.select_option("#f-team", "team-bulk")
            page.get_by_role("button", name="Filter").click()
            page.wait_for_url("**/impacts?team=team-bulk**")
            assert page.locator("#page-of").first.inner_text() == f"Page 1 of 2 ({BULK} in all)"
            first = page.locator("#impacts tbody tr[data-service]").evaluate_all("r => r.map(x => x.dataset.service)")
            assert len(first) == 50
            assert set(page.locator("#impacts tbody tr td:nth-child(2)").all_text_contents()) == {"team-bulk"}
            page.get_by_role("link", name="Next").first.click()
            page.wait_for_url("**page=2**")
            second = page.locator("#impacts tbody tr[data-service]").evaluate_all("r => r.map(x => x.dataset.service)")
            assert len(second) == BULK - 50 and set(first) | set(second) == {f"svc-bulk-{n:02}" for n in range(BULK)}
            row = page.locator(f"#impacts tr[data-service='{second[0]}']")
            target = (datetime.now(UTC).date() + timedelta(days=20)).isoformat()
            row.locator("input[name='by']").first.fill("ana")
            row.locator("input[name='plan']").fill("move to gpt-5.5")
            row.locator("input[name='target']").fill(target)
            row.get_by_role("button", name="Acknowledge").click()
            page.wait_for_url("**/impacts?team=team-bulk&page=2")
            assert f"acknowledged by ana (target {target})" in page.locator(
                f"#impacts tr[data-service='{second[0]}'] td.state").inner_text()
            svg = ET.fromstring(_get(base, "/timeline.svg?team=team-bulk").text)
            [diamond] = [p for p in svg.iter(f"{{{SVG_NS}}}path") if p.get("class") == "target"]
            assert diamond.find(f"{{{SVG_NS}}}title").text.startswith(f"target date {target} (ana): {second[0]}")

            phone = browser.new_page(http_credentials=credentials, viewport={"width": 390, "height": 844})
            phone.goto(f"{base}/")
            # the page itself does not scroll sideways: wide tables scroll in their own box
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390
            phone.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"), full_page=True)
        finally:
            browser.close()
    for name in ("dashboard-light.png", "dashboard-dark.png", "dashboard-phone.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000
