"""Flashduty's status page API (DeepSeek's page): `…/api/status-page/<page id>/summary/active`
(the page, its components and the changes open now) and `…/change/list` (changes over a window).
A change is an incident or a maintenance; its times are Unix seconds, its updates carry the state
each component moved to. Flashduty gives no impact: the worst state a change put a component in
stands for it. Pure."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from connectors._html import clip
from connectors._shapes import mapping, objects
from connectors._status_common import page_url, update
from connectors.contract.dates import timestamp
from connectors.contract.events import EventDraft, ParseResult, Severity, max_severity

COMPONENT_SEVERITY: dict[str, Severity] = {
    "operational": "info", "maintenance": "info", "under_maintenance": "info", "degraded": "notice",
    "partial_outage": "warning", "full_outage": "critical", "major_outage": "critical",
}
_EPOCH = datetime.min.replace(tzinfo=UTC)


def recognises(doc: dict[str, Any]) -> bool:
    data = mapping(doc.get("data"))
    return isinstance(data.get("active_changes"), list) or any(
        "change_id" in item for item in objects(data.get("items")))


def read(doc: dict[str, Any], url: str) -> ParseResult:
    data = mapping(doc.get("data"))
    page = mapping(data.get("page"))
    base = page_url(page.get("custom_domain"), url)
    if isinstance(data.get("active_changes"), list):
        changes = objects(data["active_changes"])
        return ParseResult(
            drafts=_drafts(changes, base),
            # Components count: a page that lists none has lost its layout, not its incidents.
            items_seen=len(objects(page.get("components"))) + len(changes),
            # summary/active lists every change open now.
            complete_kinds=frozenset({"incident", "maintenance"}),
            document="flashduty-summary-active",
            generator="flashduty",
        )
    changes = objects(data.get("items"))
    return ParseResult(drafts=_drafts(changes, base), items_seen=len(changes), document="flashduty-change-list",
                       generator="flashduty")


def _drafts(changes: list[dict[str, Any]], base: str) -> list[EventDraft]:
    return [d for d in (_draft(change, base) for change in changes) if d is not None]


def _draft(change: dict[str, Any], base: str) -> EventDraft | None:
    change_id = change.get("change_id")
    if not isinstance(change_id, str | int) or isinstance(change_id, bool) or not str(change_id).strip():
        return None
    external_id = str(change_id).strip()
    maintenance = str(change.get("type") or "").lower() == "maintenance"
    updates = sorted(objects(change.get("updates")), key=lambda u: timestamp(u.get("at_seconds")) or _EPOCH,
                     reverse=True)
    affected = objects(change.get("affected_components"))
    moves = [c for u in updates for c in objects(u.get("component_changes"))]
    components: list[str] = []
    for name in [c.get("name") for c in affected] + [c.get("component_name") for c in moves]:
        if isinstance(name, str) and name.strip() and name.strip() not in components:
            components.append(name.strip())
    states = [str(c.get("status") or "").lower() for c in affected + moves]
    severity = max_severity("info" if maintenance else "notice",
                            *(COMPONENT_SEVERITY.get(s, "notice") for s in states if s))
    starts = timestamp(change.get("start_at_seconds"))
    # An open change has no close time (0 or absent).
    ends = timestamp(change.get("close_at_seconds")) if change.get("close_at_seconds") else None
    newest = timestamp(updates[0].get("at_seconds")) if updates else None
    title = change.get("title")
    body = updates[0].get("description") if updates else change.get("description")
    return EventDraft(
        kind="maintenance" if maintenance else "incident",
        external_id=external_id,
        title=title.strip() if isinstance(title, str) and title.strip() else external_id,
        summary=clip(str(body or ""), 2000),
        url=base,
        status=str(change.get("status") or "").lower() or None,
        severity=severity,
        published_at=starts,
        updated_at=newest or ends or starts,
        starts_at=starts,
        ends_at=ends,
        components=components,
        updates=[update(timestamp(u.get("at_seconds")), u.get("status"), u.get("description")) for u in updates],
    )
