"""Atlassian Statuspage API v2, and incident.io's Statuspage-compatible API.

One page is several documents (summary, incidents, scheduled maintenances); each is parsed on its own
and told apart by content, so `watcher parse statuspage FILE` takes any of them. incident.io differs:
lists may be null, incidents carry no components, some endpoints answer 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from connectors._html import clip
from connectors._json import load
from watcher.connector import Document, PolledConnector
from watcher.dates import parse_timestamp
from watcher.errors import LayoutChanged
from watcher.events import EventDraft, ParseResult, Severity, max_severity

IMPACT_SEVERITY: dict[str, Severity] = {
    "none": "info", "maintenance": "info", "minor": "notice", "major": "warning", "critical": "critical",
}
COMPONENT_SEVERITY: dict[str, Severity] = {
    "operational": "info", "under_maintenance": "info", "degraded_performance": "notice",
    "partial_outage": "warning", "major_outage": "critical", "full_outage": "critical",
}
MAINTENANCE_STATUSES = frozenset({"scheduled", "in_progress", "verifying", "completed"})


def documents(url: str) -> list[Document]:
    if url.endswith(".json"):
        return [Document(name="main", url=url)]
    base = url.rstrip("/")
    return [
        Document(name="summary", url=f"{base}/api/v2/summary.json"),
        Document(name="incidents", url=f"{base}/api/v2/incidents.json", required=False),
        Document(name="scheduled-maintenances", url=f"{base}/api/v2/scheduled-maintenances.json",
                 required=False),
    ]


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None) -> ParseResult:
    doc = load(body)
    if not isinstance(doc, dict):
        raise LayoutChanged("layout changed: expected a JSON object with 'page', got "
                            f"{type(doc).__name__}")
    page_url = _page_url(doc, url)
    incidents = _list(doc, "incidents")
    maintenances = _list(doc, "scheduled_maintenances")
    components = _list(doc, "components")
    if "incidents" in doc and "components" in doc and "status" in doc:
        document = "summary"
        # summary.json lists every unresolved incident and every upcoming or active maintenance.
        complete = {"incident"} | ({"maintenance"} if "scheduled_maintenances" in doc else set())
    elif "scheduled_maintenances" in doc:
        document, complete = "scheduled-maintenances", set()
    elif "incidents" in doc:
        document, complete = "incidents", set()
    elif "components" in doc:
        document, complete = "components", set()
    elif "status" in doc and "page" in doc:
        document, complete = "status", set()
    else:
        raise LayoutChanged("layout changed: no 'incidents', 'components', 'scheduled_maintenances' "
                            "or 'status' key; not a Statuspage API v2 document")
    drafts = [_incident(item, page_url) for item in (*incidents, *maintenances)]
    seen = len(incidents) + len(maintenances) + len(components) + (1 if document == "status" else 0)
    return ParseResult(drafts=_dedupe(drafts), items_seen=seen, complete_kinds=frozenset(complete),
                       document=document)


def _list(doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = doc.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise LayoutChanged(f"layout changed: '{key}' is not a list of objects")
    return value


def _page_url(doc: dict[str, Any], fetched_url: str) -> str:
    page = doc.get("page")
    if isinstance(page, dict) and isinstance(page.get("url"), str) and page["url"]:
        return page["url"].rstrip("/")
    parts = urlsplit(fetched_url)
    return f"{parts.scheme}://{parts.netloc}"


def _incident(item: dict[str, Any], page_url: str) -> EventDraft:
    try:
        incident_id = str(item["id"])
        title = str(item["name"])
    except KeyError as exc:
        raise LayoutChanged(f"layout changed: incident without {exc.args[0]!r}") from exc
    status = str(item.get("status") or "").lower() or None
    impact = str(item.get("impact") or "none").lower()
    is_maintenance = impact == "maintenance" or ("scheduled_for" in item and item.get("scheduled_for"))
    updates = sorted(item.get("incident_updates") or [], key=_update_time, reverse=True)
    component_names: list[str] = []
    component_states: list[str] = []
    for component in item.get("components") or []:
        component_names.append(str(component.get("name")))
        component_states.append(str(component.get("status")))
    for update in updates[:1]:
        for affected in update.get("affected_components") or []:
            component_states.append(str(affected.get("new_status")))
    for update in updates:
        for affected in update.get("affected_components") or []:
            if affected.get("name") and affected["name"] not in component_names:
                component_names.append(str(affected["name"]))
    severity = max_severity(IMPACT_SEVERITY.get(impact, "notice"),
                            *(COMPONENT_SEVERITY.get(s) for s in component_states))
    starts = parse_timestamp(item.get("scheduled_for") if is_maintenance else None) \
        or parse_timestamp(item.get("started_at")) or parse_timestamp(item.get("created_at"))
    ends = parse_timestamp(item.get("resolved_at"))
    if is_maintenance and ends is None:
        ends = parse_timestamp(item.get("scheduled_until"))
    return EventDraft(
        kind="maintenance" if is_maintenance else "incident",
        external_id=incident_id,
        title=title,
        summary=clip(str(updates[0].get("body") or ""), 2000) if updates else "",
        url=f"{page_url}/incidents/{incident_id}",
        status=status,
        severity=severity,
        published_at=parse_timestamp(item.get("created_at")),
        updated_at=parse_timestamp(item.get("updated_at")),
        starts_at=starts,
        ends_at=ends,
        components=component_names,
        updates=[
            {"at": _iso(_update_time(u)), "status": u.get("status"), "body": clip(str(u.get("body") or ""), 2000)}
            for u in updates
        ],
    )


def _update_time(update: dict[str, Any]) -> str:
    return str(update.get("display_at") or update.get("created_at") or "")


def _iso(value: str) -> str | None:
    parsed = parse_timestamp(value)
    return parsed.isoformat().replace("+00:00", "Z") if parsed else None


def _dedupe(drafts: list[EventDraft]) -> list[EventDraft]:
    by_key: dict[tuple[str, str, str], EventDraft] = {}
    for draft in drafts:
        by_key.setdefault(draft.key, draft)
    return list(by_key.values())


CONNECTOR = PolledConnector(
    kind="statuspage", parse=parse, documents=documents,
    describes="Atlassian Statuspage / incident.io status page (give the page's base URL)",
)
