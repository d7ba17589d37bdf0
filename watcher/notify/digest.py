"""What the weekly digest says, read from the database once: deadlines by team (with who
acknowledged, their plan and target), new events that touch the inventory, incidents,
unacknowledged impacts, blind spots and active silences, as `Facts`. watcher.notify.digest_view cuts
out each audience's part and renders it from templates/; watcher.notify.digest_mail sends it over
SMTP to `[email] to` and, with `[digest] per_team`, each team's own part to the addresses its
`[[uses]]` give. The wording of single values is in watcher.notify.digest_format.

Not pure: `gather` reads the database (through the session it is given). Nothing here reads the
clock: `now` is passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from connectors.contract.events import TERMINAL_STATUSES, EventKey
from watcher.config import Config
from watcher.inventory.deadlines import deadline_rows
from watcher.inventory.uses import Inventory
from watcher.notify import silences as silences_module
from watcher.notify.digest_format import duration, human_state, one_line
from watcher.storage.tables import Event, Impact, SourceState
from watcher.text import days_left_phrase, event_page, plural, safe_url

WINDOW_DAYS = 90
NEW_WITHIN = timedelta(days=7)


def _zone(config: Config) -> tzinfo:
    return ZoneInfo(config.digest.timezone) if config.digest else UTC


@dataclass(frozen=True)
class Facts:
    """Everything the digest says, for everyone; `view` cuts out one team's part."""

    generated: str
    deadlines: list[dict[str, Any]]  # one per deadline and team: "team"
    new_events: list[dict[str, Any]]  # "services_by_owner": empty when it touches nothing we use
    incidents: list[dict[str, Any]]  # "services_by_owner" likewise
    unacknowledged: list[dict[str, Any]]
    blind_spots: list[dict[str, Any]]
    silences: list[dict[str, Any]]  # "matched": label -> value
    dashboard: str | None
    services_by_team: dict[str, set[str]]  # from the inventory, else from the impacts


def _services_by_owner(impacts: list[Impact]) -> dict[str, list[str]]:
    found: dict[str, set[str]] = {}
    for impact in impacts:
        found.setdefault(impact.owner, set()).add(impact.service)
    return {owner: sorted(services) for owner, services in found.items()}


def _deadlines(events: Sequence[Event], impacts: list[Impact], *, today: date, zone: tzinfo,
               dashboard: str | None) -> list[dict[str, Any]]:
    """One row per deadline and team that uses the model: the next 90 days, and whatever is already
    overdue but still in use."""
    by_id = {e.id: e for e in events}
    ids = {EventKey.of(e): e.id for e in events}
    by_key: dict[EventKey, list[Impact]] = {}
    for impact in impacts:
        event = by_id.get(impact.event_id)
        if event is not None:
            by_key.setdefault(EventKey.of(event), []).append(impact)
    rows = []
    for row in deadline_rows([e for e in events if e.kind == "deprecation"], today=today, within_days=WINDOW_DAYS,
                             include_past=True):
        key = EventKey(row["platform"], "deprecation", row["model"])
        mine = by_key.get(key, [])
        when = row["deadline"][:7] if row["deadline_precision"] == "month" else row["deadline"]
        for team in sorted({i.owner for i in mine}):
            theirs = [i for i in mine if i.owner == team]
            services = sorted({i.service for i in theirs})
            rows.append({
                "team": team, "deadline": (">=" if row["deadline_earliest"] else "") + when,
                "days_left": row["days_left"], "days": days_left_phrase(row["days_left"]),
                "platform": row["platform"], "model": row["model"], "replacement": row["replacement"],
                "services": ", ".join(services),
                "human": human_state(theirs, many_services=len(services) > 1, today=today, zone=zone),
                "link": event_page(dashboard, ids.get(key)),
                "label": row["third_party_label"],
            })
    return rows


def _silences(session: Session, *, now: datetime, zone: tzinfo) -> list[dict[str, Any]]:
    """Active silences, oldest first, with how many notices and outbox rows each held back."""
    active = silences_module.active(session, now)
    held = silences_module.held(session, [s.id for s in active if s.id is not None])
    rows = []
    for silence in active:
        counts = held.get(silence.id or 0, {"notices": 0, "outbox": 0})
        rows.append({
            "matched": dict(silence.matchers), "matchers": silences_module.describe(silence.matchers),
            "until": silences_module.until_of(silence, zone).isoformat(), "by": one_line(silence.created_by),
            "comment": one_line(silence.comment), "notices": counts["notices"], "outbox": counts["outbox"],
            "held": f"held back {plural(counts['notices'], 'notice')} and {plural(counts['outbox'], 'outbox message')}"
                    if any(counts.values()) else "held back nothing yet",
        })
    return rows


def gather(session: Session, config: Config, *, now: datetime, inventory: Inventory | None = None) -> Facts:
    """Read everything the digest says, once; `view` cuts out each audience's part. The inventory,
    when given, says which services each team owns (for the silences that concern it)."""
    zone = _zone(config)
    local = now.astimezone(zone)
    today = local.date()
    events = session.exec(select(Event)).all()
    by_id = {e.id: e for e in events}
    impacts = session.exec(select(Impact)).all()
    # An event touches the inventory when an impact names it, in any state, or lists it beside the
    # deprecation that speaks for a use (an alias and its dated snapshots are one impact).
    touching: dict[int, list[Impact]] = {}
    for impact in impacts:
        touching.setdefault(impact.event_id, []).append(impact)
        for other in impact.related or []:
            if isinstance(other.get("event_id"), int) and other["event_id"] != impact.event_id:
                touching.setdefault(other["event_id"], []).append(impact)
    live = [i for i in impacts if i.state != "resolved"]

    dashboard = safe_url(config.server.public_url)
    deadlines = _deadlines(events, live, today=today, zone=zone, dashboard=dashboard)

    week_ago = now - NEW_WITHIN
    new = sorted((e for e in events if not e.baseline and e.first_seen_at and e.first_seen_at >= week_ago),
                 key=lambda e: (e.first_seen_at, e.id or 0), reverse=True)
    new_events = [{"first_seen": e.first_seen_at.astimezone(zone).date().isoformat() if e.first_seen_at else "",
                   "provider": e.provider, "kind": e.kind, "title": one_line(e.title),
                   "services_by_owner": _services_by_owner(touching.get(e.id or 0, [])),
                   "link": event_page(dashboard, e.id)} for e in new]

    def ongoing(e: Event) -> bool:
        return e.ends_at is None and (e.status or "").lower() not in TERMINAL_STATUSES

    recent = [e for e in events if e.kind == "incident" and not e.baseline]
    # Going on first, the longest-running on top; then those that ended this week, the latest first.
    incidents = sorted((e for e in recent if ongoing(e)), key=lambda e: (e.starts_at or now, e.id or 0)) + sorted(
        (e for e in recent if not ongoing(e) and e.ends_at is not None and e.ends_at >= week_ago),
        key=lambda e: (e.ends_at or now, e.id or 0), reverse=True)
    incident_rows = [{"provider": e.provider, "title": one_line(e.title), "status": e.status or "unknown",
                      "duration": duration(e.starts_at, e.ends_at, now=now, zone=zone),
                      "services_by_owner": _services_by_owner(touching.get(e.id or 0, [])),
                      "link": event_page(dashboard, e.id)} for e in incidents]

    unacknowledged = []
    for impact in sorted((i for i in live if i.state == "open"),
                         key=lambda i: ((by_id[i.event_id].deadline if i.event_id in by_id else None) or "9999",
                                        i.owner, i.service, i.model)):
        event = by_id.get(impact.event_id)
        # A deprecation's reason names the model and the date; an incident's does not say which one.
        unacknowledged.append({"owner": impact.owner, "service": impact.service, "reason": one_line(impact.reason),
                               "event": f"{event.provider} {event.kind}: {one_line(event.title)}"
                               if event and event.kind != "deprecation" else ""})

    sources = session.exec(select(SourceState).where(col(SourceState.health) != "ok")).all()
    blind_spots = [{"name": s.name, "health": s.health, "last_error": one_line(s.last_error)} for s in sources] + [
        {"name": e.components[0] if e.components else e.external_id, "health": e.status,
         "last_error": one_line(e.title)}
        for e in events if e.kind == "source" and e.status != "resolved"
        and e.external_id.split(":", 1)[0] not in ("failing", "unread")]  # those are in the list above

    services_by_team: dict[str, set[str]] = {}
    pairs = [(u.owner, u.service) for u in inventory.uses] if inventory is not None else \
        [(i.owner, i.service) for i in impacts]
    for owner, service in pairs:
        services_by_team.setdefault(owner, set()).add(service)
    return Facts(generated=local.strftime("%Y-%m-%d %H:%M %Z"), deadlines=deadlines, new_events=new_events,
                 incidents=incident_rows, unacknowledged=unacknowledged, blind_spots=blind_spots,
                 silences=_silences(session, now=now, zone=zone), dashboard=dashboard,
                 services_by_team=services_by_team)
