"""Statuspage objects (an incident, a component) as event drafts: the same keys whether they come
from the polled API or from a Statuspage webhook."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connectors._html import clip
from connectors._shapes import objects
from connectors.contract.dates import timestamp
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import TERMINAL_STATUSES, EventDraft, Severity, max_severity

IMPACT_SEVERITY: dict[str, Severity] = {
    "none": "info", "maintenance": "info", "minor": "notice", "major": "warning", "critical": "critical",
}
COMPONENT_SEVERITY: dict[str, Severity] = {
    "operational": "info", "under_maintenance": "info", "degraded_performance": "notice",
    "partial_outage": "warning", "major_outage": "critical", "full_outage": "critical",
}


# Component states that say nothing about an incident: all is well, or a maintenance explains it.
UNAFFECTED_STATES = frozenset({"operational", "under_maintenance"})


def incident_draft(item: dict[str, Any], page_url: str, *,
                   page_degraded: Sequence[tuple[str, str]] | None = None) -> EventDraft:
    """`page_degraded`: (name, status) of the components the same document shows as affected and no
    other incident claims, given to an open incident that lists no components of its own; None where
    the document shows no component states (incidents.json, a webhook)."""
    incident_id, title = item.get("id"), item.get("name")
    if not isinstance(incident_id, str | int) or isinstance(incident_id, bool) or not str(incident_id).strip():
        raise LayoutChanged("layout changed: an incident without an 'id'")
    if not isinstance(title, str) or not title.strip():
        raise LayoutChanged(f"layout changed: incident {incident_id} without a 'name'")
    incident_id = str(incident_id)
    status = str(item.get("status") or "").lower() or None
    impact = str(item.get("impact") or "none").lower()
    is_maintenance = impact == "maintenance" or bool(item.get("scheduled_for"))
    updates = sorted(objects(item.get("incident_updates")), key=_update_time, reverse=True)
    component_names: list[str] = []
    component_states: list[str] = []
    for component in objects(item.get("components")):
        component_names.append(str(component.get("name")))
        component_states.append(str(component.get("status")))
    for update in updates[:1]:
        for affected in objects(update.get("affected_components")):
            component_states.append(str(affected.get("new_status")))
    for update in updates:
        for affected in objects(update.get("affected_components")):
            if affected.get("name") and affected["name"] not in component_names:
                component_names.append(str(affected["name"]))
    inferred = False
    if not component_names and page_degraded and _may_own_page_state(item, impact, is_maintenance):
        # The page says these are affected now; their states weigh on the severity as attached ones do.
        inferred = True
        component_names = [name for name, _ in page_degraded]
        component_states = [state for _, state in page_degraded]
    severity = max_severity(IMPACT_SEVERITY.get(impact, "notice"),
                            *(COMPONENT_SEVERITY.get(s) for s in component_states))
    starts = timestamp(item.get("scheduled_for") if is_maintenance else None) \
        or timestamp(item.get("started_at")) or timestamp(item.get("created_at"))
    ends = timestamp(item.get("resolved_at"))
    if is_maintenance and ends is None:
        ends = timestamp(item.get("scheduled_until"))
    return EventDraft(
        kind="maintenance" if is_maintenance else "incident",
        external_id=incident_id,
        title=title,
        summary=clip(str(updates[0].get("body") or ""), 2000) if updates else "",
        url=f"{page_url}/incidents/{incident_id}",
        status=status,
        severity=severity,
        published_at=timestamp(item.get("created_at")),
        updated_at=timestamp(item.get("updated_at")),
        starts_at=starts,
        ends_at=ends,
        components=component_names,
        updates=[
            {"at": _iso(_update_time(u)), "status": u.get("status"), "body": clip(str(u.get("body") or ""), 2000)}
            for u in updates
        ],
        # Said either way wherever the page's states are known: stored extras are merged, so a stale
        # True would outlive the incident gaining components of its own.
        extra={} if page_degraded is None else {"components_inferred": inferred},
    )


def _may_own_page_state(item: dict[str, Any], impact: str, is_maintenance: bool) -> bool:
    """An open incident that declares some impact. Impact "none" says the incident marks no component
    (both platforms derive the impact from the components an incident marks unless someone overrides
    it), so giving it the page's degraded components would turn "Support chat unavailable" into an
    outage of every degraded API."""
    status = str(item.get("status") or "").lower()
    return not is_maintenance and impact != "none" and status not in TERMINAL_STATUSES


def _update_time(update: dict[str, Any]) -> str:
    return str(update.get("display_at") or update.get("created_at") or "")


def _iso(value: str) -> str | None:
    parsed = timestamp(value)
    return parsed.isoformat().replace("+00:00", "Z") if parsed else None


def component_draft(component: dict[str, Any], update: dict[str, Any], page_url: str) -> EventDraft:
    """A component whose status changed, outside any incident: an incident keyed on the component,
    resolved when the component is operational again."""
    status = str(update.get("new_status") or component.get("status") or "")
    component_id = str(component.get("id") or update.get("component_id"))
    name = str(component.get("name") or component_id)
    return EventDraft(
        kind="incident",
        external_id=f"component:{component_id}",
        title=f"{name}: {status.replace('_', ' ')}",
        summary=f"{name} went from {update.get('old_status')} to {status}",
        url=page_url or None,
        status="resolved" if status == "operational" else status,
        severity=COMPONENT_SEVERITY.get(status, "notice"),
        published_at=timestamp(update.get("created_at")),
        updated_at=timestamp(update.get("created_at") or component.get("updated_at")),
        components=[name],
    )
