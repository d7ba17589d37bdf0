"""The operator's pages: the overview (the header's numbers, a blind banner when sources fail, the
coverage matrix, the deadline timeline, the most urgent deadlines, open incidents and the first
impacts with acknowledge and snooze forms), an event's revisions and provenance, the sources' health,
and /timeline.svg. The long lists (all impacts, deadlines, the outbox, coverage how-tos) are in
watcher.web.dashboard_lists. Server-rendered with Jinja2 (no script; the style is
/static/dashboard.css); reads the database in a thread.

Who may see them, the session cookie and the checks on form posts are in watcher.web.dashboard_auth;
`read_only` hides the forms. Only http(s) URLs become links (the `safe_url` filter); any other URL is
shown as text. The header's numbers are computed by watcher.web.summary, as the JSON API counts them.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from watcher.events.claims import SUPERSEDED
from watcher.ingest import health
from watcher.inventory import coverage
from watcher.inventory.coverage_account import UNLISTED
from watcher.inventory.impacts import impact_rows
from watcher.notify import actions, silences
from watcher.storage.engine import session
from watcher.storage.tables import Event, EventRevision
from watcher.templating import environment
from watcher.web import summary, timeline
from watcher.web.context import daemon_of
from watcher.web.dashboard_auth import MAX_ID, guard, html_page, page_session, read_form

if TYPE_CHECKING:
    from watcher.daemon import Daemon

URGENT = 15  # deadlines on the home page, most urgent first; /deadlines has all
INCIDENTS = 20  # open incidents on the home page
IMPACTS = 20  # impacts (with their forms) on the home page; /impacts has all
TIMELINE_USES = 40  # uses on the home page's timeline, soonest deadline first; /timeline.svg has all
# Surfaces in the order a person checks them; a surface not listed here goes after them.
SURFACES = ("status page", "deprecation page", "changelog", "webhooks", "account notices", "spend")
# Where a dashboard form may send the browser back to: its own pages, never elsewhere.
_NEXT = re.compile(r"/(impacts)?(\?[A-Za-z0-9_=&%.+-]*)?")

_env = environment()


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


@cache
def _stylesheet() -> str:
    assert _env.loader is not None
    return _env.loader.get_source(_env, "dashboard/dashboard.css")[0]


async def stylesheet(request: Request) -> Response:
    """The dashboard's style: a file of its own, as the Content-Security-Policy allows no inline style."""
    return Response(_stylesheet(), media_type="text/css", headers={"Cache-Control": "max-age=3600"})


def anchor(*parts: str) -> str:
    """An element id from words: lower case, runs of anything else than letters and digits as one dash."""
    return re.sub(r"[^a-z0-9]+", "-", "-".join(parts).lower()).strip("-")


def matrix(report: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The coverage report as a matrix: one row per platform (per provider too when a platform serves
    several), one column per surface; each cell the report's row with its how-to's anchor."""
    rows = [r for r in report if r["state"] != UNLISTED]
    providers: dict[str, set[str]] = {}
    for row in rows:
        providers.setdefault(row["platform"], set()).add(row["provider"])
    seen = {r["surface"] for r in rows}
    surfaces = [s for s in SURFACES if s in seen] + sorted(seen - set(SURFACES))
    lines: dict[str, dict[str, Any]] = {}
    for row in rows:
        name = row["platform"] if len(providers[row["platform"]]) == 1 else f"{row['platform']} ({row['provider']})"
        line = lines.setdefault(name, {"name": name, "cells": {}})
        line["cells"][row["surface"]] = {**row, "anchor": anchor(name, row["surface"])}
    return {"surfaces": surfaces, "rows": list(lines.values())}


def local_time(iso: str | None, zone: Any, today: date) -> str:
    """An ISO instant as the dashboard shows it: HH:MM today, else the date and time."""
    if not iso:
        return "never"
    moment = datetime.fromisoformat(iso).astimezone(zone)
    return moment.strftime("%H:%M") if moment.date() == today else moment.strftime("%Y-%m-%d %H:%M")


def blindness(config_has_inputs: bool, sources: Mapping[str, dict[str, Any]], zone: Any,
              today: date) -> dict[str, Any] | None:
    """What the page must say first when it cannot see: no input configured, or sources in trouble."""
    if not config_has_inputs:
        return {"text": "Blind: no source or webhook is configured, so nothing is watched.", "sources": {}}
    trouble = summary.troubled(sources)
    if not trouble:
        return None
    since = summary.blind_since(trouble)
    count = f"{len(trouble)} source{'s' if len(trouble) != 1 else ''}"
    states = " or ".join(sorted({s["health"] if s["health"] != "suspicious" else "broken" for s in trouble.values()}))
    when = f"since {local_time(since, zone, today)}" if since else "(never read successfully)"
    return {"text": f"Blind: {count} {states} {when}.", "sources": trouble}


def timeline_rows(impacts: Iterable[dict[str, Any]], events: Mapping[int, Any],
                  limit: int | None = None) -> tuple[list[timeline.Row], int]:
    """One row per unresolved impact of a dated deprecation, soonest deadline first (the first
    `limit` of them), and how many there are in all."""
    rows = []
    total = 0
    for impact in impacts:
        event = events.get(impact["event_id"])
        if event is None or event.kind != "deprecation" or event.status == SUPERSEDED:
            continue
        total += 1
        if limit is not None and total > limit:
            continue
        try:
            target = date.fromisoformat(impact["target_date"]) if impact["target_date"] else None
        except ValueError:
            target = None
        rows.append(timeline.Row(
            team=impact["owner"], service=impact["service"], model=impact["model"], platform=event.provider,
            retiring=event.external_id, deadline=date.fromisoformat(event.deadline),
            not_before=bool(event.deadline_earliest), severity=event.severity, state=impact["state"],
            target=target if impact["state"] == "acknowledged" else None, by=impact["state_by"]))
    rows.sort(key=lambda r: (r.deadline, r.team, r.service))
    return rows, total


def _some(names: list[str], shown: int = 8) -> str:
    """A list of names cut short, saying how many more there are."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _has_uses(daemon: Daemon) -> bool:
    inventory = daemon.impacts.inventory
    return inventory is not None and bool(inventory.uses)


def _home_context(daemon: Daemon) -> dict[str, Any]:
    now = daemon.clock().astimezone(daemon.zone)
    today = now.date()
    sources = health.source_report(daemon.engine, daemon.config)
    with session(daemon.engine) as db:
        impacts = impact_rows(db, related=False)
        dated = summary.dated_events(db)
        incidents = summary.open_incidents(db)
        report = coverage.report(db, daemon.config, daemon.impacts.inventory, now=now)
        active_silences = len(silences.active(db, now))
        # Overdue deadlines still in use come first: they are the most urgent.
        urgent = summary.deadlines(dated, today=today, impacts=impacts, affected=True, include_past=True)
        numbers = summary.header(affected=urgent, impacts=impacts, sources=sources, silences=active_silences)
        # The rows shown again, with the impacts' related claims (a held-back third-party date).
        ids = {(e.provider, e.kind, e.external_id): e.id for e in dated}
        shown_ids = {ids[(row["platform"], row["kind"], row["model"])] for row in urgent[:URGENT]}
        shown = summary.deadlines(summary.deadline_events(db, shown_ids), today=today, affected=True,
                                  include_past=True, impacts=summary.with_related(db, impacts, shown_ids))
    urgent_rows = [{**row, "event_id": ids[(row["platform"], row["kind"], row["model"])],
                    "teams": ", ".join(sorted({a["owner"] for a in row["affected"]})),
                    "services": _some([a["service"] for a in row["affected"]])} for row in shown]
    touching = {i["event_id"] for i in summary.incident_impacts(impacts)}
    incidents.sort(key=lambda e: e.id not in touching)  # stable: newest first within each
    # impact_rows lists the soonest deadline first: the first uses are the most urgent ones.
    uses, total = timeline_rows(impacts, {e.id: e for e in dated}, limit=TIMELINE_USES)
    svg = timeline.render(uses, today, title="Soonest deadlines of the inventory's uses") if uses else ""
    inputs = bool(daemon.config.sources or daemon.config.webhooks)
    return {"numbers": numbers, "blind": blindness(inputs, sources, daemon.zone, today),
            "has_inventory": daemon.impacts.inventory is not None, "has_uses": _has_uses(daemon),
            "matrix": matrix(report), "unlisted": [r for r in report if r["state"] == UNLISTED],
            "urgent": urgent_rows, "more_urgent": max(len(urgent) - URGENT, 0),
            "incidents": incidents[:INCIDENTS], "more_incidents": max(len(incidents) - INCIDENTS, 0),
            "touching": touching, "timeline": svg, "timeline_more": max(total - TIMELINE_USES, 0),
            "impacts": impacts[:IMPACTS], "more_impacts": max(len(impacts) - IMPACTS, 0)}


async def home(request: Request) -> Response:
    if (refused := guard(request)) is not None:
        return refused
    daemon = daemon_of(request)
    context = await asyncio.to_thread(_home_context, daemon)
    html = _env.get_template("dashboard/home.html.j2").render(
        **context, **page_session(request), base="", next="/",
        writable=bool(daemon.dashboard_auth) and not daemon.config.server.read_only)
    return html_page(request, html)


def _timeline_svg(daemon: Daemon, team: str | None) -> str:
    today = daemon.today()
    with session(daemon.engine) as db:
        impacts = [i for i in impact_rows(db, related=False) if not team or i["owner"] == team]
        events = summary.dated_events(db)
    uses, _ = timeline_rows(impacts, {e.id: e for e in events})
    return timeline.render(uses, today, title=f"Deadlines of team {team}'s uses" if team else
                           "Deadlines of the inventory's uses")


async def timeline_svg(request: Request) -> Response:
    """GET /timeline.svg: every affected use's deadline (team=... for one team's)."""
    if (refused := guard(request)) is not None:
        return refused
    svg = await asyncio.to_thread(_timeline_svg, daemon_of(request), request.query_params.get("team") or None)
    return Response(svg, media_type="image/svg+xml")


async def event_page(request: Request) -> Response:
    if (refused := guard(request)) is not None:
        return refused
    daemon = daemon_of(request)
    event_id = int(request.path_params["event_id"])
    if event_id > MAX_ID:
        return _error(404, "no such event")

    def read() -> tuple[Event | None, list[dict[str, Any]]]:
        with session(daemon.engine) as db:
            event = db.get(Event, event_id)
            revisions = db.exec(select(EventRevision).where(EventRevision.event_id == (event.id if event else -1))
                                .order_by(col(EventRevision.revision))).all()
            return event, [{"revision": r.revision, "changed_at": r.changed_at, "source": r.source,
                            "what": "created" if r.changes.get("created") else "; ".join(
                                r.changes.get("drift") or [f"{k}" for k in r.changes if k != "reason"])}
                           for r in revisions]

    event, revisions = await asyncio.to_thread(read)
    if event is None:
        return _error(404, "no such event")
    page_session(request)
    return html_page(request, _env.get_template("dashboard/event.html.j2").render(event=event, revisions=revisions,
                                                                             base=""))


async def sources_page(request: Request) -> Response:
    if (refused := guard(request)) is not None:
        return refused
    daemon = daemon_of(request)
    report = await asyncio.to_thread(health.source_report, daemon.engine, daemon.config)
    page_session(request)
    return html_page(request, _env.get_template("dashboard/sources.html.j2").render(sources=report, base=""))


async def form_action(request: Request) -> Response:
    daemon = daemon_of(request)
    if (refused := guard(request)) is not None:
        return refused
    if not daemon.dashboard_auth or daemon.config.server.read_only:
        return _error(403, "the dashboard is read-only")
    form = await read_form(request)
    if isinstance(form, Response):
        return form
    selector = actions.Selector(form.get("event_key", ""), form.get("service") or None)
    action = request.path_params["action"]
    if action not in ("ack", "snooze"):
        return _error(404, f"no action {action!r}; use ack or snooze")
    try:
        until = date.fromisoformat(form["until"]) if form.get("until") else None
        target = date.fromisoformat(form["target"]) if form.get("target") else None
        await asyncio.to_thread(daemon.act, action, selector, by=form.get("by", ""), plan=form.get("plan") or None,
                                until=until, target=target)
    except (actions.ActionError, ValueError) as exc:
        return _error(400, str(exc))
    back = form.get("next", "/")
    return RedirectResponse(back if _NEXT.fullmatch(back) else "/", status_code=303)
