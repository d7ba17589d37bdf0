"""The deprecation calendar: one all-day VEVENT per (deadline, platform, model) that touches the
inventory, with a stable UID, SEQUENCE and LAST-MODIFIED bumped when the date or replacement
changes, and alarms at the escalation steps."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from icalendar import Alarm, Calendar
from icalendar import Event as VEvent
from sqlmodel import Session, col, select

from watcher.config import Config
from watcher.impacts import impact_rows
from watcher.storage import Event, EventRevision


def _changes_of_date(session: Session, event_ids: list[int]) -> dict[int, list[EventRevision]]:
    found: dict[int, list[EventRevision]] = {}
    for revision in session.exec(select(EventRevision).where(col(EventRevision.event_id).in_(event_ids))
                                 .order_by(col(EventRevision.revision))).all():
        if revision.revision == 1 or {"deadline", "replacement"} & set(revision.changes):
            found.setdefault(revision.event_id, []).append(revision)
    return found


def build(session: Session, config: Config, *, now: datetime, team: str | None = None,
          provider: str | None = None) -> bytes:
    impacts: dict[str, list[dict[str, Any]]] = {}
    for row in impact_rows(session, team=team):
        impacts.setdefault(row["event_key"], []).append(row)
    events = [e for e in session.exec(select(Event).where(Event.kind == "deprecation")).all()
              if e.deadline and f"{e.provider}/{e.kind}/{e.external_id}" in impacts
              and (provider is None or e.provider == provider)]
    history = _changes_of_date(session, [e.id for e in events if e.id is not None])
    calendar = Calendar()
    calendar.add("prodid", "-//provider-watcher//deprecation calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Model deprecations" + (f" — {team}" if team else ""))
    calendar.add("x-wr-timezone", config.digest.timezone if config.digest else "UTC")
    steps = sorted({int(s // 86400) for s in config.escalation.steps}, reverse=True)
    for event in sorted(events, key=lambda e: (e.deadline or "", e.provider, e.external_id)):
        affected = impacts[f"{event.provider}/{event.kind}/{event.external_id}"]
        changes = history.get(event.id or 0, [])
        day = date.fromisoformat(event.deadline or "")
        item = VEvent()
        item.add("uid", f"{event.provider}/{event.external_id}@provider-watcher")
        earliest = " (earliest date: not before)" if event.deadline_earliest else ""
        item.add("summary", f"{event.external_id} ({event.provider}) shuts down{earliest}")
        item.add("dtstart", day)
        item.add("dtend", day + timedelta(days=1))
        item.add("dtstamp", now)
        item.add("sequence", max(len(changes) - 1, 0))
        item.add("last-modified", changes[-1].changed_at if changes and changes[-1].changed_at else now)
        lines = [f"{event.provider} retires {event.external_id} on {event.deadline}" + earliest + ".",
                 f"Replacement: {event.replacement or 'none named'}", "", "Affected services:"]
        lines += [f"- {a['service']} (owner {a['owner']}, {a['state']})" for a in affected]
        lines += ["", "Sources: " + ", ".join(sorted(event.provenance) or [event.source])]
        item.add("description", "\n".join(lines))
        if event.url:
            item.add("url", event.url)
        item.add("categories", [event.provider, *sorted({a["owner"] for a in affected})])
        for days in steps:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"{event.external_id} shuts down in {days} days")
            alarm.add("trigger", timedelta(days=-days))
            item.add_component(alarm)
        calendar.add_component(item)
    return calendar.to_ical()
