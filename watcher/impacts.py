"""Impacts kept in step with the events and the inventory: new matches open, matches whose entry
left the inventory resolve by themselves (with that reason), and come back if it returns."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from watcher.catalog import Catalog
from watcher.dates import isoformat
from watcher.events import TERMINAL_STATUSES
from watcher.inventory import Inventory
from watcher.matching import match
from watcher.storage import Event, Impact

# Incidents over for this long no longer produce impacts; deprecations always can.
INCIDENT_WINDOW = timedelta(days=7)
GONE = "resolved by itself: the inventory no longer contains this use"
OVER = "resolved by itself: the incident is over"


def relevant_events(session: Session, now: datetime) -> list[Event]:
    events = session.exec(select(Event).where(col(Event.kind).in_(["deprecation", "incident", "maintenance"]))).all()
    return [e for e in events if e.kind == "deprecation" or (e.status or "").lower() not in TERMINAL_STATUSES
            or (e.ends_at is not None and now - e.ends_at < INCIDENT_WINDOW)]


def refresh(session: Session, inventory: Inventory, catalog: Catalog, *, now: datetime) -> dict[str, int]:
    """Bring the impact table in line with events x inventory; the caller commits."""
    hits = match(relevant_events(session, now), inventory.uses, catalog)
    wanted = {(event.id, use.key): (use, verdict) for event, use, verdict in hits}  # type: ignore[attr-defined]
    existing = {(i.event_id, i.use_key): i for i in session.exec(select(Impact)).all()}
    counts = {"opened": 0, "reopened": 0, "resolved": 0}
    for key, (use, verdict) in wanted.items():
        impact = existing.get(key)
        fields = {"service": use.service, "owner": use.owner, "platform": use.platform, "model": use.model,
                  "environment": use.environment, "channel": use.channel, "rule": verdict.rule,
                  "reason": verdict.reason}
        if impact is None:
            session.add(Impact(event_id=key[0], use_key=key[1], state="open", created_at=now, updated_at=now,
                               **fields))
            counts["opened"] += 1
            continue
        if impact.state == "resolved" and impact.resolved_reason == GONE:
            impact.state, impact.resolved_reason, impact.state_by = "open", None, None
            counts["reopened"] += 1
        changed = {k: v for k, v in fields.items() if getattr(impact, k) != v}
        if changed:
            for name, value in changed.items():
                setattr(impact, name, value)
            impact.updated_at = now
            session.add(impact)
    in_use = {use.key for use in inventory.uses}
    over = {e.id for e in session.exec(select(Event).where(col(Event.kind).in_(["incident", "maintenance"]))).all()
            if (e.status or "").lower() in TERMINAL_STATUSES}
    for key, impact in existing.items():
        if impact.state == "resolved" or (key in wanted and key[0] not in over):
            continue
        # Only two things end an impact by themselves: the use leaving the inventory, or the incident
        # ending. A deprecation that merely leaves its page stays.
        reason = GONE if impact.use_key not in in_use else (OVER if impact.event_id in over else None)
        if reason is not None:
            impact.state, impact.resolved_reason, impact.state_by = "resolved", reason, "watcher"
            impact.updated_at = now
            session.add(impact)
            counts["resolved"] += 1
    return counts


def impact_rows(session: Session, *, team: str | None = None, include_resolved: bool = False) -> list[dict[str, Any]]:
    # Columns, not entities: an event row carries its whole history in JSON, which listing never needs.
    query = select(Impact.service, Impact.owner, Impact.platform, Impact.model, Impact.environment, Impact.channel,
                   Impact.state, Impact.state_by, Impact.note, Impact.snoozed_until, Impact.reason, Impact.rule,
                   Impact.resolved_reason, Event.provider, Event.kind, Event.external_id, Event.title, Event.deadline,
                   Event.replacement).join(Event, col(Event.id) == Impact.event_id)
    if team:
        query = query.where(Impact.owner == team)
    if not include_resolved:
        query = query.where(Impact.state != "resolved")
    rows = []
    for r in session.exec(query).all():
        rows.append({
            "service": r.service, "owner": r.owner, "platform": r.platform, "model": r.model,
            "environment": r.environment, "channel": r.channel,
            "event_key": f"{r.provider}/{r.kind}/{r.external_id}", "event_kind": r.kind,
            "title": r.title, "deadline": r.deadline, "replacement": r.replacement,
            "state": r.state, "state_by": r.state_by, "note": r.note,
            "snoozed_until": isoformat(r.snoozed_until), "reason": r.reason,
            "rule": r.rule, "resolved_reason": r.resolved_reason,
        })
    rows.sort(key=lambda r: (r["deadline"] or "9999", r["owner"], r["service"], r["model"]))
    return rows
