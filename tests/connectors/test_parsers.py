"""Every recorded fixture through its pure parser, with concrete expected fields."""

from __future__ import annotations

import codecs
import json
from datetime import UTC, datetime

import pytest

from connectors import POLLED
from connectors.contract.errors import LayoutChanged, ParseError
from connectors.contract.events import ParseResult
from tests.scenarios import fixture

NOW = datetime(2026, 11, 26, tzinfo=UTC)


def parse(kind: str, body: bytes, url: str = "https://example.test/") -> ParseResult:
    return POLLED[kind].parse(body, url=url, fetched_at=NOW)


def by_id(result: ParseResult) -> dict[str, dict]:
    return {d.external_id: d.to_json() for d in result.drafts}


# --- statuspage ----------------------------------------------------------------------------------

def test_statuspage_summary_with_incident_in_monitoring() -> None:
    result = parse("statuspage", fixture("statuspage/anthropic_summary_incident_monitoring.json"))
    assert result.document == "summary"
    assert result.items_seen == 7  # 6 components + 1 incident
    assert result.complete_kinds == {"incident", "maintenance"}
    [event] = result.drafts
    data = event.to_json()
    assert data["kind"] == "incident"
    assert data["external_id"] == "978mjkgw6mh7"
    assert data["title"] == "Elevated errors on platform.claude.com"
    assert data["status"] == "monitoring"
    # impact "major" -> warning, though the page indicator only says "minor"
    assert data["severity"] == "warning"
    assert data["url"] == "https://status.claude.com/incidents/978mjkgw6mh7"
    assert data["components"] == ["Claude Console (platform.claude.com)"]
    assert data["published_at"] == "2026-10-07T13:25:04.163000Z"
    assert data["ends_at"] is None
    assert data["summary"].startswith("We've mitigated the errors loading usage data")
    assert [u["status"] for u in event.updates] == ["monitoring", "identified", "investigating", "investigating"]
    assert result.generator == "statuspage"  # a 12-character Atlassian page id


def test_statuspage_incidentio_summary_has_no_components_on_incidents() -> None:
    result = parse("statuspage", fixture("statuspage/openai_incidentio_summary_partial_degradation.json"))
    assert result.document == "summary"
    assert result.items_seen == 27  # 25 components + 2 incidents
    # incident.io's summary has no scheduled_maintenances list: it cannot vouch for maintenances
    assert result.complete_kinds == {"incident"}
    assert result.generator == "incident.io"  # a ULID page id
    events = by_id(result)
    errors = events["01M3Q4RK1SM4EMK445GGPG7C0N"]
    assert errors["title"] == "Elevated errors across ChatGPT, Codex, and the API including the Agents API"
    # the incident lists none; the page's degraded components are attributed to it (see below)
    assert (errors["status"], errors["severity"], errors["components_inferred"]) == ("investigating", "notice", True)
    assert errors["url"] == "https://status.openai.com/incidents/01M3Q4RK1SM4EMK445GGPG7C0N"
    chat = events["01M3Q4HMNP8SZ27DTZKW6F5BJ4"]
    assert (chat["title"], chat["severity"], chat["components"]) == ("Support chat unavailable", "info", [])
    assert chat["summary"].startswith("Our Help Center is available")


# The 22 of the page's 25 components that the incident.io capture shows as degraded_performance (Ads
# API, Decisions and dots are operational), sorted by name.
OPENAI_DEGRADED = [
    "Agent", "Agents", "Audio", "Batch", "Chat Completions", "ChatGPT Work", "CLI", "Compliance API",
    "Connectors/Apps", "Conversations", "Embeddings", "File uploads", "Files", "Fine-tuning", "GPTs",
    "Image Generation", "Images", "Login", "Moderations", "Realtime", "Responses", "Search",
]
OPENAI_SUMMARY = "statuspage/openai_incidentio_summary_partial_degradation.json"
ERRORS_ID, SUPPORT_ID = "01M3Q4RK1SM4EMK445GGPG7C0N", "01M3Q4HMNP8SZ27DTZKW6F5BJ4"


def test_statuspage_incident_without_components_takes_the_pages_degraded_ones() -> None:
    events = by_id(parse("statuspage", fixture(OPENAI_SUMMARY)))
    errors = events[ERRORS_ID]
    assert errors["components"] == OPENAI_DEGRADED
    assert errors["components_inferred"] is True
    # impact "minor" and degraded_performance both say notice: the page itself calls this "Partial
    # System Degradation" (indicator minor)
    assert errors["severity"] == "notice"
    # impact "none": the incident marks no component, so "Support chat unavailable" is no API outage
    support = events[SUPPORT_ID]
    assert (support["components"], support["components_inferred"], support["severity"]) == ([], False, "info")


def test_statuspage_inferred_components_are_stable_across_parses() -> None:
    first = parse("statuspage", fixture(OPENAI_SUMMARY)).drafts
    second = parse("statuspage", fixture(OPENAI_SUMMARY)).drafts
    assert [d.to_json() for d in first] == [d.to_json() for d in second]
    assert [d.content_hash() for d in first] == [d.content_hash() for d in second]
    # the page listing its components in another order is no change to the incident
    doc = json.loads(fixture(OPENAI_SUMMARY))
    reordered = parse("statuspage", json.dumps({**doc, "components": doc["components"][::-1]}).encode()).drafts
    assert [d.content_hash() for d in reordered] == [d.content_hash() for d in first]


def test_statuspage_inferred_components_weigh_on_severity_as_attached_ones() -> None:
    # Derived from the real capture: Responses goes from degraded_performance to partial_outage.
    doc = json.loads(fixture(OPENAI_SUMMARY))
    for component in doc["components"]:
        if component["name"] == "Responses":
            component["status"] = "partial_outage"
    errors = by_id(parse("statuspage", json.dumps(doc).encode()))[ERRORS_ID]
    assert (errors["severity"], errors["components"]) == ("warning", OPENAI_DEGRADED)


def test_statuspage_components_another_incident_lists_are_not_inferred() -> None:
    # Derived from the real capture: the support incident, now of minor impact, lists Login itself
    # (as an Atlassian incident would); Login is explained by it and left to it alone.
    doc = json.loads(fixture(OPENAI_SUMMARY))
    login = next(c for c in doc["components"] if c["name"] == "Login")
    support = next(i for i in doc["incidents"] if i["id"] == SUPPORT_ID)
    support.update(impact="minor", components=[login])
    events = by_id(parse("statuspage", json.dumps(doc).encode()))
    assert events[ERRORS_ID]["components"] == [c for c in OPENAI_DEGRADED if c != "Login"]
    assert (events[SUPPORT_ID]["components"], events[SUPPORT_ID]["components_inferred"]) == (["Login"], False)


def test_statuspage_two_component_less_incidents_both_take_the_degraded_set() -> None:
    # Derived from the real capture: the support incident declares an impact too. Nothing in the
    # document says which of the two degraded what, so both carry the whole set.
    doc = json.loads(fixture(OPENAI_SUMMARY))
    next(i for i in doc["incidents"] if i["id"] == SUPPORT_ID)["impact"] = "minor"
    events = by_id(parse("statuspage", json.dumps(doc).encode()))
    assert events[ERRORS_ID]["components"] == events[SUPPORT_ID]["components"] == OPENAI_DEGRADED
    assert events[SUPPORT_ID]["components_inferred"] is True


def test_statuspage_nothing_is_inferred_without_the_pages_component_states() -> None:
    # The incidents document (and a webhook) shows no component states: nothing to infer, and no
    # claim either way.
    doc = json.loads(fixture(OPENAI_SUMMARY))
    events = by_id(parse("statuspage", json.dumps({"page": doc["page"], "incidents": doc["incidents"]}).encode()))
    assert (events[ERRORS_ID]["components"], "components_inferred" in events[ERRORS_ID]) == ([], False)
    # an incident with its own components keeps them, and says they were not inferred
    [claude] = parse("statuspage", fixture("statuspage/anthropic_summary_incident_monitoring.json")).drafts
    assert claude.components == ["Claude Console (platform.claude.com)"]
    assert claude.extra == {"components_inferred": False}


def test_statuspage_scheduled_maintenances_are_maintenance_events() -> None:
    result = parse("statuspage", fixture("statuspage/anthropic_scheduled_maintenances_completed.json"))
    assert result.document == "scheduled-maintenances"
    events = by_id(result)
    assert set(events) == {"x017628t2rl5", "16z0qdmy3qv2"}
    upgrade = events["x017628t2rl5"]
    assert upgrade["kind"] == "maintenance"
    assert upgrade["title"] == "Upgrades to Connector Auth Storage"
    assert upgrade["status"] == "completed"
    assert upgrade["severity"] == "info"
    assert upgrade["starts_at"] == "2025-08-29T01:25:00Z"
    assert upgrade["ends_at"] == "2025-08-29T02:40:21.277000Z"
    assert upgrade["components"] == ["claude.ai"]
    assert events["16z0qdmy3qv2"]["components"] == [
        "claude.ai", "Claude Console (platform.claude.com)", "console.anthropic.com"]


def test_statuspage_status_document_counts_but_makes_no_events() -> None:
    result = parse("statuspage", fixture("statuspage/anthropic_status_operational.json"))
    assert (result.document, result.items_seen, result.drafts) == ("status", 1, [])


def test_statuspage_incidents_document_and_null_lists() -> None:
    summary = json.loads(fixture("statuspage/anthropic_summary_incident_monitoring.json"))
    result = parse("statuspage", json.dumps({"page": summary["page"], "incidents": summary["incidents"]}).encode())
    assert result.document == "incidents"
    assert [d.external_id for d in result.drafts] == ["978mjkgw6mh7"]
    # incident.io may send null where Atlassian sends []
    nulls = parse("statuspage", json.dumps({**summary, "incidents": None}).encode())
    assert nulls.drafts == [] and nulls.items_seen == 6


@pytest.mark.parametrize("body, error", [
    (b"<html>Service Unavailable</html>", ParseError),
    (b'{"page": {"id": "x"}, "data": []}', LayoutChanged),
    (b'[1, 2]', LayoutChanged),
    (b'{"page": {}, "incidents": [{"no_id": true}], "components": [], "status": {}}', LayoutChanged),
])
def test_statuspage_bad_documents_raise(body: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse("statuspage", body)


# --- feed ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["statuspage_claude_history.atom", "statuspage_claude_history.rss"])
def test_statuspage_history_feeds_key_on_the_incident_code(name: str) -> None:
    result = parse("feed", fixture(f"feed/{name}"))
    assert result.items_seen == 8
    events = by_id(result)
    # The same keys as the Statuspage API (the /incidents/<code> of the link), not the Atom tag id
    assert list(events)[:3] == ["pvbysfjjrf8m", "vcsmyx922y7z", "v4v6psj8hkh3"]
    first = events["pvbysfjjrf8m"]
    assert (first["kind"], first["status"]) == ("incident", "resolved")
    assert first["title"] == "Elevated errors on Claude models"
    assert first["summary"] == ("Resolved - The outage between 16:20 UTC / 8:20 PT and 16:55 UTC / 8:55 PT "
                                "has now been resolved.")
    assert first["url"] == "https://status.claude.com/incidents/pvbysfjjrf8m"
    assert first["published_at"] == "2026-02-04T17:06:50Z"


def test_statuspage_atom_entry_updated_in_place_keeps_both_times() -> None:
    events = by_id(parse("feed", fixture("feed/statuspage_claude_history.atom")))
    entry = events["mhxgcgjrjy7k"]
    assert entry["published_at"] == "2026-02-03T20:30:00Z"
    assert entry["updated_at"] == "2026-02-03T22:49:34Z"


@pytest.mark.parametrize("name, expected", [
    ("incidentio_openai_double_slash_ids.atom", {
        "01KHYH2KT8VNWS146V0S09MF29": ("Increased latency in ChatGPT for some users", ["Conversations"]),
        "01KHRP7P1JF885BYA8SDWBDBR1": ("Sora 2 Degraded Performance", ["Video generation"]),
    }),
    ("incidentio_openai_double_slash_ids.rss", {
        "01KEDRBQ2A3Y9JJ7G3F3YM4KT3": ("High error rate for Dall-e", ["Images"]),
    }),
])
def test_incidentio_feeds_normalize_double_slash_links(name: str, expected: dict) -> None:
    events = by_id(parse("feed", fixture(f"feed/{name}")))
    assert {k: (v["title"], v["components"]) for k, v in events.items()} == expected
    for external_id, event in events.items():
        assert event["url"] == f"https://status.openai.com/incidents/{external_id}"
        assert (event["status"], event["severity"]) == ("resolved", "info")


def test_xai_feed_merges_a_guid_reused_across_components() -> None:
    result = parse("feed", fixture("feed/xai_guid_reused_across_components.xml"))
    assert result.items_seen == 7
    events = by_id(result)
    assert list(events) == ["ps_d022a635bce02f4a", "ps_f64984fa7d669b08", "INC578e0bc8", "INC698e276c"]
    outage = events["INC578e0bc8"]
    assert outage["title"] == "Outages across API, Grok.com, and Grok Build"
    assert outage["components"] == ["Global (api.x.ai)", "Grok (Build)", "US (us.api.x.ai)", "grok.com"]
    assert (outage["status"], outage["severity"]) == ("resolved", "critical")
    voice = events["ps_f64984fa7d669b08"]
    assert (voice["title"], voice["components"], voice["severity"]) == (
        "Enterprise Voice Degraded", ["Voice"], "warning")


def test_changelog_feed_entries_are_changelog_events() -> None:
    events = by_id(parse("feed", fixture("feed/anthropic_release_notes_changelog.xml")))
    key = "https://platform.claude.com/docs/en/release-notes/overview#september-30-2026"
    assert list(events) == [key, "https://platform.claude.com/docs/en/release-notes/overview#september-23-2026"]
    entry = events[key]
    assert (entry["kind"], entry["status"], entry["severity"]) == ("changelog", None, "info")
    assert entry["title"] == "Claude Platform release notes — September 30, 2026"
    assert "claude-sonnet-4-5-20250929" in entry["summary"]
    assert entry["published_at"] == "2026-09-30T00:00:00Z"


@pytest.mark.parametrize("body", [b"", b"this is not xml", b'{"json": true}'])
def test_feed_rejects_what_is_not_a_feed(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse("feed", body)


def test_feed_that_became_an_html_page_is_layout_changed() -> None:
    with pytest.raises(LayoutChanged):
        parse("feed", b"<html><head><title>Status</title></head><body><p>We moved!</p></body></html>")


# --- google-cloud-status -------------------------------------------------------------------------

def test_google_cloud_incident() -> None:
    result = parse("google-cloud-status", fixture("google-cloud-status/incidents_resolved_multi_product.json"))
    [incident] = result.drafts
    data = incident.to_json()
    assert data["external_id"] == "J5ia5t9p3g9Q5Wi7r8Ev"
    assert data["title"] == "Multiple products in us-central1-b are experiencing network service degradation."
    assert (data["status"], data["severity"]) == ("resolved", "warning")
    assert (data["starts_at"], data["ends_at"]) == ("2026-09-01T14:44:00Z", "2026-09-01T18:52:00Z")
    assert data["regions"] == ["us-central1"]
    assert len(data["components"]) == 15 and "Google Compute Engine" in data["components"]
    assert "L3ggmi3Jy4xJmgodFA9K" in data["product_ids"]
    assert data["url"] == "https://status.cloud.google.com/incidents/J5ia5t9p3g9Q5Wi7r8Ev"


def test_google_cloud_layout_change() -> None:
    with pytest.raises(LayoutChanged):
        parse("google-cloud-status", b'{"incidents": []}')


# --- aws-health-public ---------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_aws_public_current_event(encoding: str) -> None:
    raw = fixture("aws-health-public/currentevents_open_event.json")
    # AWS serves this document as UTF-16 with a byte-order mark
    body = raw if encoding == "utf-8" else codecs.BOM_UTF16_LE + raw.decode().encode("utf-16-le")
    result = parse("aws-health-public", body)
    [event] = result.drafts
    data = event.to_json()
    assert data["external_id"].startswith("arn:aws:health:me-central-1::event/MULTIPLE_SERVICES/")
    assert data["title"] == "Multiple services: Region Availability"
    # status "3" (a string here) is a disruption
    assert (data["status"], data["severity"]) == ("disrupted", "critical")
    assert data["regions"] == ["me-central-1"]
    assert data["published_at"] == "2026-03-01T12:51:25Z"
    assert data["components"] == ["AWS Private Certificate Authority", "Amazon CloudWatch Synthetics",
                                  "Multiple services"]
    assert data["summary"] == "We are investigating issues with AWS services in the ME-CENTRAL-1 Region."


def test_aws_numeric_status_and_empty_list() -> None:
    raw = json.loads(fixture("aws-health-public/currentevents_open_event.json"))
    numeric = parse("aws-health-public", json.dumps([{**raw, "status": 2}]).encode())
    assert (numeric.drafts[0].status, numeric.drafts[0].severity) == ("degraded", "warning")
    quiet = parse("aws-health-public", codecs.BOM_UTF16_LE + "[]".encode("utf-16-le"))
    assert (quiet.drafts, quiet.may_be_empty) == ([], True)
