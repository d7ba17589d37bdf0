"""Kind `status`: one status page URL, whatever platform serves it, read by the shape of its JSON.

Every fixture is a recorded document (tests/fixtures/SOURCES.md); the states the recordings do not
show are derived below from a real one, and say so.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import select

from connectors import POLLED
from connectors.contract.errors import LayoutChanged, ParseError
from connectors.contract.events import ParseResult
from tests.conftest import Clock
from tests.fake_provider import FakeProvider
from tests.scenarios import fixture, load
from watcher.config import SourceConfig
from watcher.ingest.poller import Poller
from watcher.storage.engine import session
from watcher.storage.tables import Event, SourceDocument, SourceState

NOW = datetime(2026, 10, 8, tzinfo=UTC)
ANTHROPIC = "statuspage/anthropic_summary_incident_monitoring.json"
OPENAI = "statuspage/openai_incidentio_summary_partial_degradation.json"
INSTATUS = "status/instatus_perplexity_summary_up.json"
BETTERSTACK = "status/betterstack_together_index_maintenance_trimmed.json"
FLASHDUTY_ACTIVE = "status/flashduty_deepseek_summary_active.json"
FLASHDUTY_AIWATCH = "status/flashduty_deepseek_aiwatch_active_and_first_change_trimmed.json"
FLASHDUTY_API = "https://status.deepseek.com/api/status-page/6410630422455"


def parse(body: bytes | dict[str, Any], url: str) -> ParseResult:
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    return POLLED["status"].parse(data, url=url, fetched_at=NOW)


def rows(result: ParseResult) -> list[tuple[str, str, str, str | None, str, list[str], int]]:
    return [(d.kind, d.external_id, d.title, d.status, d.severity, d.components, len(d.updates))
            for d in result.drafts]


def flashduty_change_list() -> dict[str, Any]:
    """Flashduty's `change/list` answer: aiwatch stored the `data` object of that response (its
    scraper keeps `response.data`) beside the one of `summary/active`; the envelope is put back."""
    return {"data": load(FLASHDUTY_AIWATCH)["changeList"]}


# --- documents -----------------------------------------------------------------------------------

def test_a_page_url_asks_for_the_page_and_every_platform_document() -> None:
    documents = POLLED["status"].documents("https://status.together.ai/")
    assert [(d.name, d.url, d.required) for d in documents] == [
        ("page", "https://status.together.ai/", True),
        ("statuspage-summary", "https://status.together.ai/api/v2/summary.json", False),
        ("instatus-summary", "https://status.together.ai/summary.json", False),
        ("betterstack-index", "https://status.together.ai/index.json", False),
    ]


def test_a_flashduty_page_api_asks_for_its_open_changes() -> None:
    [document] = POLLED["status"].documents(FLASHDUTY_API)
    assert (document.url, document.required) == (f"{FLASHDUTY_API}/summary/active", True)


def test_a_json_url_is_fetched_alone() -> None:
    [document] = POLLED["status"].documents("https://status.together.ai/index.json")
    assert (document.name, document.url, document.required) == ("main", "https://status.together.ai/index.json", True)


# --- the page itself -----------------------------------------------------------------------------

def test_the_page_answers_and_tells_nothing() -> None:
    result = parse(b"<!doctype html><html><body>Status</body></html>", "https://status.together.ai/")
    assert (result.document, result.items_seen, result.drafts, result.may_be_empty) == ("page", 0, [], True)
    with pytest.raises(ParseError):
        parse(b"  \n", "https://status.together.ai/")


def test_html_where_json_was_asked_for_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="not JSON"):
        parse(b"<!doctype html><html><body>Not found</body></html>", "https://status.together.ai/index.json")


# --- Atlassian Statuspage and incident.io: the statuspage connector's reading ---------------------

def test_statuspage_summary_is_read_as_the_statuspage_kind_reads_it() -> None:
    body = fixture(ANTHROPIC)
    url = "https://status.claude.com/api/v2/summary.json"
    result = parse(body, url)
    assert (result.document, result.items_seen, result.generator) == ("summary", 7, "statuspage")
    assert result.complete_kinds == {"incident", "maintenance"}
    assert rows(result) == [("incident", "978mjkgw6mh7", "Elevated errors on platform.claude.com", "monitoring",
                             "warning", ["Claude Console (platform.claude.com)"], 4)]
    assert [d.to_json() for d in result.drafts] == \
        [d.to_json() for d in POLLED["statuspage"].parse(body, url=url).drafts]


def test_incidentio_summary_is_told_by_its_page_id() -> None:
    result = parse(fixture(OPENAI), "https://status.openai.com/api/v2/summary.json")
    assert (result.document, result.items_seen, result.generator) == ("summary", 27, "incident.io")
    assert result.complete_kinds == {"incident"}  # incident.io's summary has no maintenance list
    [degradation, support_chat] = result.drafts
    assert (degradation.external_id, degradation.status, degradation.severity, len(degradation.components),
            len(degradation.updates)) == ("01M3Q4RK1SM4EMK445GGPG7C0N", "investigating", "notice", 22, 2)
    assert degradation.title == "Elevated errors across ChatGPT, Codex, and the API including the Agents API"
    assert (support_chat.external_id, support_chat.title, support_chat.severity, support_chat.components) == \
        ("01M3Q4HMNP8SZ27DTZKW6F5BJ4", "Support chat unavailable", "info", [])


# --- Instatus ------------------------------------------------------------------------------------

def test_instatus_summary_of_a_quiet_page() -> None:
    """Recorded while Perplexity's page was UP: Instatus then leaves the lists out altogether."""
    result = parse(fixture(INSTATUS), "https://status.perplexity.com/summary.json")
    assert (result.document, result.items_seen, result.generator, result.drafts) == \
        ("instatus-summary", 1, "instatus", [])
    assert result.complete_kinds == {"incident", "maintenance"}


def test_instatus_active_incident_as_recorded_without_id_or_link() -> None:
    """Manychat's Instatus `/summary.json` of 2026-08-03 as quoted (elided by its recorder) in a public
    repository's notes: an open incident with neither `id` nor `url`, on a page that still says UP.
    It is an event all the same, keyed by its name, the same key on every read."""
    recorded = {"page": {"name": "Manychat", "status": "UP"},
                "activeIncidents": [{"name": "Delays and failures in Follow to DM … on Instagram",
                                     "status": "IDENTIFIED", "impact": "DEGRADEDPERFORMANCE"}]}
    result = parse(recorded, "https://status.manychat.com/summary.json")
    assert result.items_seen == 2
    [incident] = result.drafts
    assert (incident.kind, incident.title, incident.status, incident.severity) == (
        "incident", "Delays and failures in Follow to DM … on Instagram", "identified", "notice")
    assert incident.external_id.startswith("name-")
    assert parse(recorded, "https://status.manychat.com/summary.json").drafts[0].external_id == incident.external_id


# --- Better Stack --------------------------------------------------------------------------------

def test_betterstack_index_with_a_finished_maintenance() -> None:
    result = parse(fixture(BETTERSTACK), "https://status.together.ai/index.json")
    assert (result.document, result.generator, result.complete_kinds) == ("betterstack-index", "betterstack", set())
    assert result.items_seen == 4 + 1  # the four resources kept in the trimmed copy, one report
    # Six of the eight resources the report names are not in the document: only two have a name.
    assert rows(result) == [("maintenance", "941865", "Scheduled network maintenance", "completed", "info",
                             ["MiniMax M3", "GLM 5.2"], 2)]
    data = result.drafts[0].to_json()
    assert (data["starts_at"], data["ends_at"], data["updated_at"]) == \
        ("2026-07-03T04:00:59Z", "2026-07-03T06:59:00Z", "2026-07-03T06:59:00Z")
    assert data["url"] == "https://status.together.ai"
    assert data["summary"] == "Maintenance ended"  # the newest update
    assert [u["at"] for u in data["updates"]] == ["2026-07-03T06:59:00Z", "2026-07-03T04:00:59Z"]
    assert data["updates"][1]["body"].startswith("We will be performing scheduled network maintenance on July 2nd")


# --- Flashduty -----------------------------------------------------------------------------------

def test_flashduty_summary_active_with_nothing_open() -> None:
    result = parse(fixture(FLASHDUTY_ACTIVE), f"{FLASHDUTY_API}/summary/active")
    assert (result.document, result.generator, result.drafts) == ("flashduty-summary-active", "flashduty", [])
    assert result.items_seen == 8  # the page's eight components, no open change
    assert result.complete_kinds == {"incident", "maintenance"}


def test_flashduty_change_list_incident() -> None:
    result = parse(flashduty_change_list(), f"{FLASHDUTY_API}/change/list")
    assert (result.document, result.items_seen, result.complete_kinds) == ("flashduty-change-list", 1, set())
    # The components it marked, then the retired "API 服务" component its updates still move;
    # "degraded" is the worst state it put them in.
    assert rows(result) == [(
        "incident", "6750347231287", "DeepSeek API 性能下降（DeepSeek API Degraded Performance）", "resolved", "notice",
        ["DeepSeek V4 Pro API服务(API Service)", "DeepSeek V4 Flash API服务(API Service)", "API 服务 (API Service)"],
        2)]
    data = result.drafts[0].to_json()
    assert (data["starts_at"], data["ends_at"], data["updated_at"]) == \
        ("2026-07-24T06:30:38Z", "2026-07-24T06:49:13Z", "2026-07-24T06:49:13Z")
    assert [(u["at"], u["status"]) for u in data["updates"]] == \
        [("2026-07-24T06:49:13Z", "resolved"), ("2026-07-24T06:30:38Z", "identified")]
    assert data["summary"].endswith("The incident has been resolved and service has been restored.")
    assert data["url"] == "https://status.deepseek.com"


def test_aiwatchs_combined_copy_is_no_flashduty_response() -> None:
    with pytest.raises(LayoutChanged, match="top-level keys: active, changeList"):
        parse(fixture(FLASHDUTY_AIWATCH), f"{FLASHDUTY_API}/summary/active")


# --- detection by shape --------------------------------------------------------------------------

@pytest.mark.parametrize("body, path", [
    (ANTHROPIC, "/api/v2/summary.json"), (OPENAI, "/api/v2/summary.json"), (INSTATUS, "/summary.json"),
    (BETTERSTACK, "/index.json"), (FLASHDUTY_ACTIVE, "/api/status-page/6410630422455/summary/active"),
])
def test_the_same_body_from_another_host_reads_the_same(body: str, path: str) -> None:
    """Each of these documents names its own page, so even the links come out alike."""
    here = parse(fixture(body), f"https://status.provider.example{path}")
    there = parse(fixture(body), f"http://127.0.0.1:8080/mirror{path}")
    assert (here.document, here.generator, here.items_seen) == (there.document, there.generator, there.items_seen)
    assert [d.to_json() for d in here.drafts] == [d.to_json() for d in there.drafts]


def test_a_document_that_does_not_name_its_page_is_linked_to_where_it_was_read() -> None:
    here = parse(flashduty_change_list(), f"{FLASHDUTY_API}/change/list")
    there = parse(flashduty_change_list(), "http://127.0.0.1:8080/api/status-page/1/change/list")
    assert rows(here) == rows(there) and (here.generator, there.generator) == ("flashduty", "flashduty")
    assert (here.drafts[0].url, there.drafts[0].url) == ("https://status.deepseek.com", "http://127.0.0.1:8080")


@pytest.mark.parametrize("relative, seen", [
    ("litellm-model-map/deprecation_dates_scoped.json", "top-level keys: "),
    ("google-cloud-status/incidents_resolved_multi_product.json", "a JSON list"),
])
def test_json_of_no_known_shape_is_a_layout_change(relative: str, seen: str) -> None:
    with pytest.raises(LayoutChanged, match=r"not a Statuspage, incident\.io, Instatus, Better Stack or Flashduty "
                                            r"status document") as raised:
        parse(fixture(relative), "https://status.provider.example/api/v2/summary.json")
    assert raised.value.category == "layout_changed" and seen in str(raised.value)


# --- end to end: the real poller against a page on loopback --------------------------------------

@pytest.mark.parametrize("served, path, provider, expected", [
    (BETTERSTACK, "/index.json", "together", [("maintenance", "941865", "completed", True)]),
    (OPENAI, "/api/v2/summary.json", "openai",
     [("incident", "01M3Q4HMNP8SZ27DTZKW6F5BJ4", "investigating", False),
      ("incident", "01M3Q4RK1SM4EMK445GGPG7C0N", "investigating", False)]),
])
async def test_a_status_source_finds_its_platform_and_stores_its_events(
        fake_provider: FakeProvider, rig: tuple[Poller, Any], clock: Clock, served: str, path: str, provider: str,
        expected: list[tuple[str, str, str, bool]]) -> None:
    poller, notifier = rig
    # The page people read: it must answer; its content is not read (a stand-in here).
    fake_provider.set("/page", b"<!doctype html><html><body>Status</body></html>", "text/html")
    fake_provider.set(f"/page{path}", fixture(served))  # every other platform's path: 404
    source = SourceConfig(name=f"{provider}-status", kind="status", provider=provider, url=fake_provider.url("/page"),
                          interval=60)
    outcome = await poller.poll(source)
    assert outcome.outcome == "ok", outcome.message
    with session(poller.engine) as db:
        events = db.exec(select(Event).where(Event.provider == provider).order_by(Event.external_id)).all()
        assert [(e.kind, e.external_id, e.status, e.baseline) for e in events] == expected
        state = db.get(SourceState, source.name)
        assert state is not None and state.health == "ok"
        documents = {d.url.removeprefix(fake_provider.url("/page")): (d.last_status, d.generator)
                     for d in db.exec(select(SourceDocument).where(SourceDocument.source == source.name))}
    generator = {"/index.json": "betterstack", "/api/v2/summary.json": "incident.io"}[path]
    assert documents == {"": (200, None), **{p: (404, None) for p in ("/api/v2/summary.json", "/summary.json",
                                                                      "/index.json") if p != path},
                         path: (200, generator)}
    # the open incidents are told; the finished maintenance is history
    assert sorted(c.event["external_id"] for c in notifier.changes) == \
        sorted(e[1] for e in expected if not e[3])
    clock.advance(61)
    assert (await poller.poll(source)).outcome == "not_modified"


async def test_a_status_page_on_a_platform_we_do_not_read_is_broken_not_quiet(
        fake_provider: FakeProvider, rig: tuple[Poller, Any]) -> None:
    """The page answers and every platform's JSON answers 404 (a page moved to Rootly, Fireworks'
    `/index.json` gone): the source reads nothing, so it is a layout change naming what it tried."""
    poller, _ = rig
    fake_provider.set("/page", b"<!doctype html><html><body>Status</body></html>", "text/html")
    source = SourceConfig(name="moved-status", kind="status", provider="fireworks", url=fake_provider.url("/page"),
                          interval=60)
    outcome = await poller.poll(source)
    assert (outcome.outcome, outcome.category) == ("failed", "layout_changed")
    assert "/api/v2/summary.json" in outcome.message and "/index.json" in outcome.message
    with session(poller.engine) as db:
        state = db.get(SourceState, source.name)
        assert state is not None and state.health == "broken"
