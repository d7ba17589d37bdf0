"""Better Stack's status page document (`/index.json`, JSON:API): the page's resources (what it
monitors, by public name) and its status reports (incidents and maintenances) with their updates,
all in `included`. The document keeps reports for a while after they end, and nothing says it lists
every active one, so it is not taken as complete: a report ends by saying so (`resolved`). Pure."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from connectors._html import clip
from connectors._shapes import mapping, objects
from connectors._status_common import page_url, update
from connectors.contract.dates import timestamp
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, ParseResult, Severity, max_severity

# Better Stack's states, of a report (`aggregate_state`) and of each resource it affects.
STATE_SEVERITY: dict[str, Severity] = {
    "operational": "info", "resolved": "info", "maintenance": "info", "degraded": "notice", "downtime": "critical",
}
_EPOCH = datetime.min.replace(tzinfo=UTC)


def recognises(doc: dict[str, Any]) -> bool:
    data = mapping(doc.get("data"))
    return data.get("type") == "status_page" and isinstance(data.get("attributes"), dict)


def read(doc: dict[str, Any], url: str) -> ParseResult:
    included = doc.get("included")
    if included is not None and not isinstance(included, list):
        raise LayoutChanged("layout changed: Better Stack 'included' is not a list")
    names: dict[str, str] = {}
    updates: dict[str, dict[str, Any]] = {}
    reports: list[dict[str, Any]] = []
    for item in objects(included):
        kind, item_id, attributes = item.get("type"), str(item.get("id") or ""), mapping(item.get("attributes"))
        if kind == "status_page_resource" and isinstance(attributes.get("public_name"), str):
            names[item_id] = attributes["public_name"]
        elif kind == "status_update":
            updates[item_id] = attributes
        elif kind == "status_report":
            reports.append(item)
    base = page_url(mapping(mapping(doc["data"]).get("attributes")).get("custom_domain"), url)
    drafts = [d for d in (_draft(report, names, updates, base) for report in reports) if d is not None]
    return ParseResult(drafts=drafts, items_seen=len(names) + len(reports), document="betterstack-index",
                       generator="betterstack")


def _draft(report: dict[str, Any], names: dict[str, str], updates: dict[str, dict[str, Any]],
           base: str) -> EventDraft | None:
    report_id = str(report.get("id") or "").strip()
    if not report_id:
        return None
    attributes = mapping(report.get("attributes"))
    maintenance = attributes.get("report_type") == "maintenance"
    state = str(attributes.get("aggregate_state") or "").lower()
    linked = objects(mapping(mapping(report.get("relationships")).get("status_updates")).get("data"))
    own = [updates[key] for key in (str(link.get("id")) for link in linked) if key in updates]
    own.sort(key=lambda u: timestamp(u.get("published_at")) or _EPOCH, reverse=True)
    affected = objects(attributes.get("affected_resources"))
    affected += [resource for u in own for resource in objects(u.get("affected_resources"))]
    components: list[str] = []
    for resource in affected:
        name = names.get(str(resource.get("status_page_resource_id")))
        if name and name not in components:
            components.append(name)
    severity = max_severity("info" if maintenance else "notice", STATE_SEVERITY.get(state),
                            *(STATE_SEVERITY.get(str(r.get("status")).lower()) for r in affected))
    starts, ends = timestamp(attributes.get("starts_at")), timestamp(attributes.get("ends_at"))
    newest = timestamp(own[0].get("published_at")) if own else None
    title = attributes.get("title")
    return EventDraft(
        kind="maintenance" if maintenance else "incident",
        external_id=report_id,
        title=title.strip() if isinstance(title, str) and title.strip() else report_id,
        summary=clip(str(own[0].get("message") or ""), 2000) if own else "",
        url=base,
        # Over in the words Statuspage uses for each kind; otherwise the report's state as it is.
        status=("completed" if maintenance else "resolved") if state == "resolved" else (state or None),
        severity=severity,
        published_at=starts,
        updated_at=newest or ends or starts,
        starts_at=starts,
        ends_at=ends,
        components=components,
        updates=[update(timestamp(u.get("published_at")), None, u.get("message")) for u in own],
    )
