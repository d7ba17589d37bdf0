"""The weekly digest: deadlines by team (with who acknowledged, their plan and target), new events
that touch the inventory, incidents, unacknowledged impacts, blind spots and active silences, as
HTML and plain text from templates/, sent over SMTP to `[email] to` and, with `[digest] per_team`,
each team's own part to the addresses its `[[uses]]` give.

Not pure: `collect` reads the database, `send` and `deliver` talk SMTP. The formatting helpers are
pure, and nothing here reads the clock: `now` is passed in.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from watcher.config import Config
from watcher.events.model import TERMINAL_STATUSES, EventKey
from watcher.inventory.deadlines import deadline_rows
from watcher.inventory.uses import Inventory
from watcher.notify import silences as silences_module
from watcher.storage.tables import Event, Impact, SourceState
from watcher.templating import environment
from watcher.text import days_left_phrase, event_page, plural, safe_url

log = logging.getLogger("watcher.notify.digest")

WINDOW_DAYS = 90
NEW_WITHIN = timedelta(days=7)
_SPACE = re.compile(r"\s+")


def _one_line(value: str | None) -> str:
    """Provider text, comments and errors may hold newlines; in the digest every row is one line."""
    return _SPACE.sub(" ", value or "").strip()


def _zone(config: Config) -> tzinfo:
    return ZoneInfo(config.digest.timezone) if config.digest else UTC


def span(minutes: int) -> str:
    """"45 min", "2 h 5 min", "3 h", "1 day 4 h", "2 days"."""
    days, rest = divmod(max(minutes, 0), 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return plural(days, "day") + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {mins} min" if mins else "")
    return f"{mins} min"


def duration(start: datetime | None, end: datetime | None, *, now: datetime, zone: tzinfo) -> str:
    """How long an incident lasted, or since when it has been going on (the date in `zone`)."""
    if start is None:
        return "duration unknown" if end is not None else "ongoing, start unknown"
    if end is not None:
        return span(int((end - start).total_seconds() // 60))
    elapsed = now - start
    local = start.astimezone(zone)
    if elapsed >= timedelta(days=1):
        return f"ongoing since {local:%Y-%m-%d} ({plural(elapsed.days, 'day')})"
    return f"ongoing since {local:%Y-%m-%d %H:%M} ({span(int(elapsed.total_seconds() // 60))})"


def _target(target: str, today: date) -> str:
    try:
        passed = date.fromisoformat(target) < today
    except ValueError:  # stored as given; shown as given
        passed = False
    return f"target {target} passed" if passed else f"target {target}"


def _human_state(impacts: list[Impact], *, many_services: bool, today: date, zone: tzinfo) -> str:
    """Who acknowledged (or snoozed) the impacts of one deadline row, with plan and target."""
    groups: dict[tuple[str, str | None, str | None, str | None], list[str]] = {}
    for impact in impacts:
        if impact.state == "acknowledged":
            key = ("acknowledged", impact.state_by, impact.plan, impact.target_date)
        elif impact.state == "snoozed" and impact.snoozed_until is not None:
            key = ("snoozed", impact.state_by, impact.snoozed_until.astimezone(zone).date().isoformat(), None)
        else:
            continue
        groups.setdefault(key, []).append(impact.service)
    parts = []
    for (state, by, plan_or_until, target), services in groups.items():
        text = state + (f" by {_one_line(by)}" if by else "")
        if many_services:
            text += f" for {', '.join(sorted(set(services)))}"
        if state == "snoozed":
            text += f" until {plan_or_until}"
        else:
            text += f": {_one_line(plan_or_until)}" if plan_or_until else ""
            text += f", {_target(target, today)}" if target else ""
        parts.append(text)
    return "; ".join(parts)


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
                "human": _human_state(theirs, many_services=len(services) > 1, today=today, zone=zone),
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
            "until": silences_module.until_of(silence, zone).isoformat(), "by": _one_line(silence.created_by),
            "comment": _one_line(silence.comment), "notices": counts["notices"], "outbox": counts["outbox"],
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
                   "provider": e.provider, "kind": e.kind, "title": _one_line(e.title),
                   "services_by_owner": _services_by_owner(touching.get(e.id or 0, [])),
                   "link": event_page(dashboard, e.id)} for e in new]

    def ongoing(e: Event) -> bool:
        return e.ends_at is None and (e.status or "").lower() not in TERMINAL_STATUSES

    recent = [e for e in events if e.kind == "incident" and not e.baseline]
    # Going on first, the longest-running on top; then those that ended this week, the latest first.
    incidents = sorted((e for e in recent if ongoing(e)), key=lambda e: (e.starts_at or now, e.id or 0)) + sorted(
        (e for e in recent if not ongoing(e) and e.ends_at is not None and e.ends_at >= week_ago),
        key=lambda e: (e.ends_at or now, e.id or 0), reverse=True)
    incident_rows = [{"provider": e.provider, "title": _one_line(e.title), "status": e.status or "unknown",
                      "duration": duration(e.starts_at, e.ends_at, now=now, zone=zone),
                      "services_by_owner": _services_by_owner(touching.get(e.id or 0, [])),
                      "link": event_page(dashboard, e.id)} for e in incidents]

    unacknowledged = []
    for impact in sorted((i for i in live if i.state == "open"),
                         key=lambda i: ((by_id[i.event_id].deadline if i.event_id in by_id else None) or "9999",
                                        i.owner, i.service, i.model)):
        event = by_id.get(impact.event_id)
        # A deprecation's reason names the model and the date; an incident's does not say which one.
        unacknowledged.append({"owner": impact.owner, "service": impact.service, "reason": _one_line(impact.reason),
                               "event": f"{event.provider} {event.kind}: {_one_line(event.title)}"
                               if event and event.kind != "deprecation" else ""})

    sources = session.exec(select(SourceState).where(col(SourceState.health) != "ok")).all()
    blind_spots = [{"name": s.name, "health": s.health, "last_error": _one_line(s.last_error)} for s in sources] + [
        {"name": e.components[0] if e.components else e.external_id, "health": e.status,
         "last_error": _one_line(e.title)}
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


def _services(row: dict[str, Any], team: str | None) -> str:
    by_owner: dict[str, list[str]] = row["services_by_owner"]
    if team is not None:
        return ", ".join(by_owner.get(team, []))
    return ", ".join(sorted({s for services in by_owner.values() for s in services}))


def view(facts: Facts, team: str | None = None) -> dict[str, Any]:
    """The template context: everything (team None), or one team's part plus what concerns everyone
    (blind spots, active silences)."""
    def touches(row: dict[str, Any]) -> bool:
        return bool(row["services_by_owner"]) if team is None else team in row["services_by_owner"]

    by_team: dict[str, list[dict[str, Any]]] = {}
    for row in facts.deadlines:
        if team is None or row["team"] == team:
            by_team.setdefault(row["team"], []).append(row)
    new = [{**row, "services": _services(row, team)} for row in facts.new_events if touches(row)]
    rest = Counter(row["kind"] for row in facts.new_events if not touches(row))
    other = None
    if rest:
        count = sum(rest.values())
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(rest.items(), key=lambda kv: (-kv[1], kv[0])))
        scope = "the inventory" if team is None else f"{team}'s services"
        lead = "and" if new else f"none touching {scope};"
        other = {"count": count, "kinds": kinds, "text": f"{lead} {plural(count, 'other new event')} ({kinds})"}
    incidents = [{**row, "services": _services(row, team)} for row in facts.incidents
                 if team is None or touches(row)]
    # A silence concerns a team unless its team or service label names someone else's.
    mine = facts.services_by_team.get(team or "", set())
    silences = [row for row in facts.silences if team is None or (
        row["matched"].get("team", team) == team and row["matched"].get("service", "") in mine | {""})]
    return {
        "title": "provider-watcher weekly digest" + (f" for {team}" if team else ""),
        "team": team,
        "generated": facts.generated,
        "window_days": WINDOW_DAYS,
        "deadlines_by_team": sorted(by_team.items()),
        "new_events": new,
        "other_new": other,
        "dashboard": facts.dashboard,
        "incidents": incidents,
        "unacknowledged": [row for row in facts.unacknowledged if team is None or row["owner"] == team],
        "blind_spots": facts.blind_spots,
        "silences": silences,
    }


def collect(session: Session, config: Config, *, now: datetime, team: str | None = None) -> dict[str, Any]:
    return view(gather(session, config, now=now), team)


def render(context: dict[str, Any]) -> tuple[str, str, str]:
    env = environment()
    deadlines = sum(len(rows) for _, rows in context["deadlines_by_team"])
    subject = (f"provider-watcher digest{' for ' + context['team'] if context.get('team') else ''}: "
               f"{plural(deadlines, 'deadline')}, {len(context['unacknowledged'])} unacknowledged")
    text = env.get_template("digest.txt.j2").render(context)
    return subject, text, env.get_template("digest.html.j2").render(context)


