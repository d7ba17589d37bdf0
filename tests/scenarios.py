"""Documents derived from the real fixtures, for states the recordings do not show (see
fixtures/SOURCES.md). Each transformation does what the provider's own system does."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(relative: str) -> bytes:
    return (FIXTURES / relative).read_bytes()


def load(relative: str) -> Any:
    return json.loads(fixture(relative))


ANTHROPIC_SUMMARY = "statuspage/anthropic_summary_incident_monitoring.json"


def incidents_document(summary: dict[str, Any], incidents: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """`/api/v2/incidents.json`: the page and its incidents (by default the summary's own)."""
    return {"page": summary["page"], "incidents": summary["incidents"] if incidents is None else incidents}


def resolved_variant(summary: dict[str, Any], *, at: str = "2026-10-08T01:10:00.000Z") -> tuple[dict, dict]:
    """The summary after the incident resolved, and the incident as incidents.json then lists it.

    Statuspage appends a `resolved` update, sets `resolved_at`, puts the components back to
    operational and drops the incident from the summary (which lists only unresolved ones).
    """
    summary = copy.deepcopy(summary)
    incident = summary["incidents"][0]
    incident["status"] = "resolved"
    incident["resolved_at"] = at
    incident["updated_at"] = at
    for component in incident["components"]:
        component["status"] = "operational"
    previous = incident["incident_updates"][0]
    update = copy.deepcopy(previous)
    update.update(
        id="resolvedupd01", status="resolved", body="This incident has been resolved.",
        created_at=at, display_at=at, updated_at=at,
        affected_components=[{**c, "old_status": c["new_status"], "new_status": "operational"}
                             for c in previous.get("affected_components") or []],
    )
    incident["incident_updates"].insert(0, update)
    for component in summary["components"]:
        component["status"] = "operational"
    summary["status"] = {"indicator": "none", "description": "All Systems Operational"}
    resolved_summary = {**summary, "incidents": []}
    return resolved_summary, incident
