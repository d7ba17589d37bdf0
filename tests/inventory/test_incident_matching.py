"""Incidents against uses, on the real status captures: the components a page shows as degraded
during a component-less incident, the incident's words, and the provider's API components for uses
that list none. Variants are derived from the captures in code, each saying what it changes."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors import POLLED
from connectors.contract.events import EventDraft
from tests.scenarios import ANTHROPIC_SUMMARY, load
from watcher.events.store import apply_drafts
from watcher.inventory.catalog import shipped
from watcher.inventory.impacts import impact_rows, refresh
from watcher.inventory.matching import explain
from watcher.inventory.uses import Inventory, Use
from watcher.storage.engine import open_database, session

NOW = datetime(2026, 9, 29, 18, 30, tzinfo=UTC)
CATALOG = shipped()
OPENAI_SUMMARY = "statuspage/openai_incidentio_summary_partial_degradation.json"
ERRORS_ID, SUPPORT_ID = "01M3Q4RK1SM4EMK445GGPG7C0N", "01M3Q4HMNP8SZ27DTZKW6F5BJ4"
# The API components of the capture: operational in the consumer-only variant below.
OPENAI_API_COMPONENTS = ("Realtime", "Batch", "Images", "Chat Completions", "Fine-tuning", "Embeddings", "Responses",
                         "Audio", "Moderations", "Files", "Agents")


def use(service: str, platform: str = "openai", *components: str) -> Use:
    return Use(service=service, provider=platform, platform=platform, model="gpt-4.1" if platform == "openai"
               else "claude-sonnet-4-5", owner="team-x", components=components)


ASSISTANT = use("assistant")
COMPLETIONS = use("completions", "openai", "Chat Completions")
VIDEO = use("video", "openai", "Sora")


def drafts(document: dict[str, Any], provider: str = "openai") -> dict[str, EventDraft]:
    parsed = POLLED["statuspage"].parse(json.dumps(document).encode(), url="https://status.example", fetched_at=NOW)
    for draft in parsed.drafts:
        draft.provider = provider
    return {d.external_id: d for d in parsed.drafts}


def verdict(event: EventDraft, entry: Use) -> tuple[bool, str, str]:
    found = explain(event, entry, CATALOG)
    return found.matched, found.rule, found.reason


def errors_incident(document: dict[str, Any] | None = None) -> EventDraft:
    return drafts(document or load(OPENAI_SUMMARY))[ERRORS_ID]


def consumer_only(*, impact: str = "minor") -> dict[str, Any]:
    """The capture as it would read had only ChatGPT failed: the incident's words name ChatGPT alone,
    the API components are operational; the consumer ones and the Compliance API stay degraded."""
    doc = load(OPENAI_SUMMARY)
    for component in doc["components"]:
        if component["name"] in OPENAI_API_COMPONENTS:
            component["status"] = "operational"
    incident = next(i for i in doc["incidents"] if i["id"] == ERRORS_ID)
    incident["impact"] = impact
    incident["name"] = incident["name"].replace("ChatGPT, Codex, and the API including the Agents API", "ChatGPT")
    for update in incident["incident_updates"]:
        update["body"] = update["body"].replace("ChatGPT, Codex, and the API including the Agents API", "ChatGPT") \
            .replace("ChatGPT, Codex, and the API", "ChatGPT")
    return doc


def with_words(text: str) -> EventDraft:
    """The real incident with its title and updates saying `text`, and the page's components all
    operational, so that only the words can match."""
    doc = load(OPENAI_SUMMARY)
    for component in doc["components"]:
        component["status"] = "operational"
    incident = next(i for i in doc["incidents"] if i["id"] == ERRORS_ID)
    incident["name"] = "Elevated errors"
    for update in incident["incident_updates"]:
        update["body"] = text
    return errors_incident(doc)


def test_component_less_incident_hits_uses_through_the_pages_degraded_components(database_url: str) -> None:
    engine = open_database(database_url)
    parsed = POLLED["statuspage"].parse(json.dumps(load(OPENAI_SUMMARY)).encode(), url="https://status.openai.com",
                                        fetched_at=NOW)
    inventory = Inventory((ASSISTANT, COMPLETIONS, VIDEO))
    with session(engine) as db:
        apply_drafts(db, source="openai-status", provider="openai", drafts=parsed.drafts,
                     complete_kinds=parsed.complete_kinds, now=NOW)
        refresh(db, inventory, CATALOG, now=NOW)
        db.commit()
        rows = impact_rows(db)
    engine.dispose()
    found = {(r["service"], r["event_key"]): (r["rule"], r["reason"]) for r in rows}
    assert found == {
        ("assistant", f"openai/incident/{ERRORS_ID}"): (
            "api-component",
            "the openai status page shows API components Agents, Audio, Batch and 8 more as affected while this "
            "incident is open, and assistant lists no components"),
        ("completions", f"openai/incident/{ERRORS_ID}"): (
            "component",
            "completions depends on Chat Completions, which the openai status page shows as affected while this "
            "incident is open (it lists no components of its own)"),
    }


def test_uses_the_incident_does_not_hit_say_why() -> None:
    events = drafts(load(OPENAI_SUMMARY))
    assert verdict(events[ERRORS_ID], VIDEO) == (
        False, "component", "not affected: video depends on none of Agent, Agents, Audio and 19 more")
    # "Support chat unavailable" declares no impact, takes no component, and names no API component
    assert verdict(events[SUPPORT_ID], ASSISTANT) == (
        False, "api-component",
        "not affected: assistant lists no components, and this info openai incident names none of its API components")
    assert verdict(events[SUPPORT_ID], COMPLETIONS)[0] is False


def test_the_incidents_words_name_a_uses_component() -> None:
    codex = use("codex-review", "openai", "Codex")
    assert verdict(errors_incident(), codex) == (
        True, "text", "the openai incident's text names Codex, which codex-review depends on")


def test_the_incidents_words_name_the_api_when_the_page_shows_no_components() -> None:
    # The incidents document carries no component states: only the words can tell.
    doc = load(OPENAI_SUMMARY)
    incident = drafts({"page": doc["page"], "incidents": doc["incidents"]})[ERRORS_ID]
    assert incident.components == []
    assert verdict(incident, ASSISTANT) == (
        True, "api-component", "the openai incident's text names the API and Agents, and assistant lists no components")


def test_consumer_only_incident_reaches_api_uses_only_from_warning() -> None:
    minor = errors_incident(consumer_only())
    assert minor.title == "Elevated errors across ChatGPT"
    assert "Compliance API" in minor.components and "Chat Completions" not in minor.components
    assert (minor.severity, minor.extra["components_inferred"]) == ("notice", True)
    assert verdict(minor, ASSISTANT) == (
        False, "api-component",
        "not affected: assistant lists no components, and this notice openai incident names none of its API "
        "components")
    assert verdict(minor, VIDEO)[0] is False
    major = errors_incident(consumer_only(impact="major"))
    assert verdict(major, ASSISTANT) == (
        True, "provider", "assistant lists no components, and this warning openai incident may hit any use of it")


@pytest.mark.parametrize("text, named", [
    ("We're investigating elevated errors affecting ChatGPT, Codex, and the API.", "the API"),
    ("Some API requests are failing.", "the API"),
    ("Elevated latency on the Responses API.", "Responses, an API component"),
    ("Increased error rates on Realtime and Batch.", "API components Realtime and Batch"),
    ("Fine-tuning jobs are delayed.", "Fine-tuning, an API component"),
])
def test_words_that_name_an_api_component(text: str, named: str) -> None:
    assert verdict(with_words(text), ASSISTANT) == (
        True, "api-component", f"the openai incident's text names {named}, and assistant lists no components")


@pytest.mark.parametrize("text", [
    "ChatGPT is unavailable for some users. The API is not affected.",
    "ChatGPT is down, but API requests are unaffected.",
    "Exports from the Compliance API are delayed.",
    "Ads API reporting is delayed.",
    "Responses may be slow in ChatGPT, and some users cannot upload files.",
    "Sora, Login and Conversations are degraded.",
])
def test_words_that_do_not_name_an_api_component(text: str) -> None:
    assert verdict(with_words(text), ASSISTANT)[0] is False


def test_denied_mentions_do_not_match_a_uses_component() -> None:
    incident = with_words("Codex tasks are failing. Chat Completions is not affected.")
    assert verdict(incident, COMPLETIONS)[0] is False


def test_a_resolved_incident_no_longer_hits_by_api_component() -> None:
    doc = load(OPENAI_SUMMARY)
    next(i for i in doc["incidents"] if i["id"] == ERRORS_ID)["status"] = "resolved"
    assert verdict(errors_incident(doc), ASSISTANT) == (
        False, "provider",
        "not affected: assistant lists no components, and this notice openai incident is resolved and below warning")


def test_anthropic_console_incident_is_not_an_api_incident_by_its_words() -> None:
    # Its updates say "Admin API usage report" and "API requests are not affected": neither is the
    # Claude API. The no-components use is still hit as before, by the warning rule.
    incident = drafts(load(ANTHROPIC_SUMMARY), "anthropic")["978mjkgw6mh7"]
    assert verdict(incident, use("api-claude", "anthropic")) == (
        True, "provider", "api-claude lists no components, and this warning anthropic incident may hit any use of it")
    assert verdict(incident, use("support-bot", "anthropic", "Claude API"))[0] is False


def test_anthropic_api_component_by_its_page_name() -> None:
    # Derived from the capture: the incident lists the Claude API component instead of the Console,
    # at minor impact (below the warning rule).
    doc = copy.deepcopy(load(ANTHROPIC_SUMMARY))
    incident = doc["incidents"][0]
    incident["impact"] = "minor"
    api = next(c for c in doc["components"] if c["name"].startswith("Claude API"))
    incident["components"] = [{**api, "status": "degraded_performance"}]
    for update in incident["incident_updates"]:
        update["affected_components"] = [{"code": api["id"], "name": api["name"], "old_status": "operational",
                                          "new_status": "degraded_performance"}]
    event = drafts(doc, "anthropic")["978mjkgw6mh7"]
    assert event.severity == "notice"
    assert verdict(event, use("api-claude", "anthropic")) == (
        True, "api-component", "the anthropic incident names Claude API (api.anthropic.com), an API component, and "
                               "api-claude lists no components")
