"""The deprecation calendar: one all-day VEVENT per (deadline, platform, model) that touches the
inventory, with a stable UID, SEQUENCE and LAST-MODIFIED bumped when the date or replacement
changes, and alarms at the escalation steps. A live model the inventory uses that has a guaranteed
floor (a `lifecycle` event) is shown on its floor's day as "not before", without alarms: it is no
deadline."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, cast

from icalendar import Alarm, Calendar
from icalendar import Event as VEvent
from sqlalchemy import Row
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from watcher.config import Config
from watcher.events import claims
from watcher.inventory.catalog import Catalog
from watcher.inventory.matching import match
from watcher.inventory.uses import Use
from watcher.storage.tables import Event, EventRevision, Impact
from watcher.text import event_page, printable, safe_url

log = logging.getLogger("watcher.notify.calendar")


def _changes_of_date(session: Session, event_ids: list[int]) -> dict[int, list[EventRevision]]:
    found: dict[int, list[EventRevision]] = {}
    for revision in session.exec(select(EventRevision).where(col(EventRevision.event_id).in_(event_ids))
                                 .order_by(col(EventRevision.revision))).all():
        if revision.revision == 1 or {"deadline", "replacement"} & set(revision.changes):
            found.setdefault(revision.event_id, []).append(revision)
    return found


def build(session: Session, config: Config, *, now: datetime, team: str | None = None,
          provider: str | None = None, uses: Sequence[Use] = (), catalog: Catalog | None = None) -> bytes:
    """The feed; `uses` and `catalog` (the inventory) add the floors of the live models it uses."""
    impacts: dict[int, list[dict[str, Any]]] = {}
    query = select(Impact.event_id, Impact.service, Impact.owner, Impact.state).where(Impact.state != "resolved")
    for event_id, service, owner, state in session.exec(query if team is None else query.where(Impact.owner == team)):
        impacts.setdefault(event_id, []).append({"service": service, "owner": owner, "state": state})
    # Columns, not entities: the event's history in JSON is not needed here. `Select` is what sqlmodel's
    # `select` builds from several columns; its overloads stop at four.
    columns: Select[*tuple[Any, ...]] = Select(
        col(Event.id), col(Event.provider), col(Event.kind), col(Event.external_id), col(Event.deadline),
        col(Event.deadline_earliest), col(Event.replacement), col(Event.url), col(Event.source),
        col(Event.provenance), col(Event.extra))
    # Cast: sqlmodel types a many-column select's rows as plain tuples, but `exec` returns SQLAlchemy's
    # Result unchanged for it, whose rows are `Row`s that read a column by its name.
    found = cast("Iterable[Row[*tuple[Any, ...]]]",
                 session.exec(columns.where(Event.kind == "deprecation", col(Event.deadline).is_not(None))))
    events = [e for e in found if e.id in impacts and (provider is None or e.provider == provider)]
    history = _changes_of_date(session, [e.id for e in events])
    calendar = Calendar()
    calendar.add("prodid", "-//provider-watcher//deprecation calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Model deprecations" + (f" — {team}" if team else ""))
    calendar.add("x-wr-timezone", config.digest.timezone if config.digest else "UTC")
    steps = sorted({int(s // 86400) for s in config.escalation.steps}, reverse=True)
    # The alarms are the same for every deadline: serialized once, put into each event as bytes.
    alarms = b"".join(_alarm(days).to_ical() for days in steps)
    body: list[bytes] = []
    for event in sorted(events, key=lambda e: (e.deadline or "", e.provider, e.external_id)):
        try:
            affected = sorted(impacts[event.id], key=lambda a: (a["owner"], a["service"]))
            serialized = _vevent(event, affected, history.get(event.id or 0, []), config, now)
            body.append(serialized[: -len(_END_EVENT)] + alarms + _END_EVENT)
        except (ValueError, TypeError) as exc:
            # One event that cannot be written (provider text the format cannot carry) never breaks
            # the feed for every subscriber: it is left out, and said.
            log.warning("calendar: %s/%s left out: %s", event.provider, event.external_id, exc,
                        extra={"source": event.source})
    for floor, using in _floors(session, uses, catalog, team=team, provider=provider) if catalog else []:
        try:
            body.append(_floor_vevent(floor, using, config, now))
        except (ValueError, TypeError) as exc:
            log.warning("calendar: %s/lifecycle/%s left out: %s", floor.provider, floor.external_id, exc,
                        extra={"source": floor.source})
    head: bytes = calendar.to_ical()
    return head[: -len(_END_CALENDAR)] + b"".join(body) + _END_CALENDAR


def _floors(session: Session, uses: Sequence[Use], catalog: Catalog, *, team: str | None,
            provider: str | None) -> list[tuple[Event, list[dict[str, Any]]]]:
    """Live models' floors that a use calls (matched as their deprecations would be), soonest first."""
    floors = session.exec(select(Event).where(Event.kind == "lifecycle", col(Event.deadline).is_not(None))).all()
    wanted = [e for e in floors if e.status != claims.SUPERSEDED and (provider is None or e.provider == provider)]
    affected: dict[int, list[dict[str, Any]]] = {}
    by_id: dict[int, Event] = {}
    for event, use, _ in match(wanted, [u for u in uses if team is None or u.owner == team], catalog):
        if event.id is not None:
            by_id[event.id] = event
            affected.setdefault(event.id, []).append({"service": use.service, "owner": use.owner, "state": "live"})
    ordered = sorted(by_id.values(), key=lambda e: (e.deadline or "", e.provider, e.external_id))
    return [(e, sorted(affected[e.id or 0], key=lambda a: (a["owner"], a["service"]))) for e in ordered]


def _floor_vevent(event: Event, affected: list[dict[str, Any]], config: Config, now: datetime) -> bytes:
    """A floor on its day: "not before" in the summary, no SEQUENCE history, no alarm."""
    day = date.fromisoformat(event.deadline or "")
    item = VEvent()
    item.add("uid", printable(f"{event.provider}/lifecycle/{event.external_id}@provider-watcher"))
    item.add("summary", printable(f"{event.external_id} ({event.provider}) not before {event.deadline}"))
    item.add("dtstart", day)
    item.add("dtend", day + timedelta(days=1))
    item.add("dtstamp", now)
    item.add("transp", "TRANSPARENT")
    lines = [f"{event.provider} lists {event.external_id} as {event.status or 'active'}: it will not be retired "
             f"before {event.deadline}. This is a guaranteed floor, not a deadline.", "", "Services using it:"]
    lines += [f"- {a['service']} (owner {a['owner']})" for a in affected]
    page, provider_page = event_page(config.server.public_url, event.id), safe_url(event.url)
    lines += [f"Provider page: {provider_page}"] if provider_page else []
    lines += [f"Details: {page}"] if page else []
    item.add("description", printable("\n".join(lines)))
    owners = sorted({a["owner"] for a in affected})
    item.add("categories", [printable(c) for c in (event.provider, "lifecycle", *owners)])
    return bytes(item.to_ical())




def _vevent(event: Any, affected: list[dict[str, Any]], changes: list[EventRevision], config: Config,
            now: datetime) -> bytes:
    day = date.fromisoformat(event.deadline or "")
    item = VEvent()
    item.add("uid", printable(f"{event.provider}/{event.external_id}@provider-watcher"))
    earliest = " (earliest date: not before)" if event.deadline_earliest else ""
    label = claims.label(event)
    item.add("summary", printable(f"{event.external_id} ({event.provider}) shuts down{earliest}"
                                  + (" (third-party date)" if label else "")))
    item.add("dtstart", day)
    item.add("dtend", day + timedelta(days=1))
    item.add("dtstamp", now)
    item.add("sequence", max(len(changes) - 1, 0))
    item.add("last-modified", changes[-1].changed_at if changes and changes[-1].changed_at else now)
    lines = [f"{event.provider} retires {event.external_id} on {event.deadline}" + earliest + ".",
             *([f"This date is {label}."] if label else []),
             f"Replacement: {event.replacement or 'none named'}", "", "Affected services:"]
    lines += [f"- {a['service']} (owner {a['owner']}, {a['state']})" for a in affected]
    lines += ["", "Sources: " + ", ".join(sorted(event.provenance) or [event.source])]
    page, provider_page = event_page(config.server.public_url, event.id), safe_url(event.url)
    lines += [f"Provider page: {provider_page}"] if provider_page else []
    lines += [f"Details: {page}"] if page else []
    item.add("description", printable("\n".join(lines)))
    if page or provider_page:
        item.add("url", page or provider_page)
    item.add("categories", [printable(c) for c in (event.provider, *sorted({a["owner"] for a in affected}))])
    return bytes(item.to_ical())


_END_EVENT = b"END:VEVENT\r\n"
_END_CALENDAR = b"END:VCALENDAR\r\n"


def _alarm(days: int) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"Model shutdown in {days} day{'s' if days != 1 else ''}")
    alarm.add("trigger", timedelta(days=-days))
    return alarm
