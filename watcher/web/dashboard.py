"""The operator's pages: coverage first, then deadlines by team, open incidents and impacts (with
acknowledge and snooze forms), an event's revisions and provenance, and the sources' health.
Server-rendered with Jinja2 (no script; the style is /static/dashboard.css); reads the database in
a thread.

Who may see them, the session cookie and the checks on form posts are in watcher.web.dashboard_auth;
`read_only` hides the forms. Only http(s) URLs become links (the `safe_url` filter); any other URL is
shown as text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select
from sqlmodel.sql.expression import Select
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from connectors.contract.events import TERMINAL_STATUSES
from watcher.ingest import health
from watcher.inventory import coverage
from watcher.inventory.coverage_account import UNLISTED
from watcher.inventory.deadlines import deadline_rows
from watcher.inventory.impacts import impact_rows
from watcher.notify import actions
from watcher.storage.engine import session
from watcher.storage.tables import Event, EventRevision
from watcher.templating import environment
from watcher.web.context import daemon_of
from watcher.web.dashboard_auth import MAX_ID, guard, html_page, page_session, read_form

if TYPE_CHECKING:
    from watcher.daemon import Daemon

PER_TEAM = 25  # deadline rows per team on the home page
IMPACTS = 100  # impacts on the home page

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


def _home_context(daemon: Daemon) -> dict[str, Any]:
    now = daemon.clock().astimezone(daemon.zone)
    with session(daemon.engine) as db:
        impacts = impact_rows(db)
        # `Select` is what sqlmodel's `select` builds from several columns; its overloads stop at four.
        query: Select[*tuple[Any, ...]] = Select(
            col(Event.id), col(Event.provider), col(Event.kind), col(Event.external_id), col(Event.title),
            col(Event.status), col(Event.severity), col(Event.deadline), col(Event.deadline_earliest),
            col(Event.deadline_precision), col(Event.replacement), col(Event.url), col(Event.provenance),
            col(Event.source), col(Event.models), col(Event.extra))
        # SQLAlchemy `Row`s (sqlmodel types them as tuples), read by column name here and by deadline_rows,
        # which is typed for whole `Event`s: they carry every column it reads, so Any.
        events: Sequence[Any] = db.exec(query.where(col(Event.kind).in_(["deprecation", "incident"]))).all()
        # Overdue deadlines still in use come first: they are the most urgent.
        deadlines = deadline_rows([e for e in events if e.kind == "deprecation"], today=now.date(), impacts=impacts,
                                  include_past=True)
        report = coverage.report(db, daemon.config, daemon.impacts.inventory, now=now)
    ids = {(e.provider, e.external_id): e.id for e in events}
    by_team: dict[str, list[dict[str, Any]]] = {}
    for row in deadlines:
        for team in sorted({a["owner"] for a in row["affected"]}):
            by_team.setdefault(team, []).append({**row, "event_id": ids[(row["platform"], row["model"])],
                                                 "services": ", ".join(a["service"] for a in row["affected"]
                                                                       if a["owner"] == team)})
    incidents = [e for e in events if e.kind == "incident" and (e.status or "") not in TERMINAL_STATUSES]
    # A page people read: the most urgent first, the rest one click away (the JSON API has all).
    teams = [(team, rows[:PER_TEAM], len(rows) - PER_TEAM) for team, rows in sorted(by_team.items())]
    # What spend sources saw that no use lists gets a section of its own.
    unlisted = [r for r in report if r["state"] == UNLISTED]
    return {"coverage": [r for r in report if r["state"] != UNLISTED], "unlisted": unlisted,
            "deadlines_by_team": teams, "incidents": incidents,
            "impacts": impacts[:IMPACTS], "more_impacts": max(len(impacts) - IMPACTS, 0)}


async def home(request: Request) -> Response:
    if (refused := guard(request)) is not None:
        return refused
    daemon = daemon_of(request)
    context = await asyncio.to_thread(_home_context, daemon)
    html = _env.get_template("dashboard/home.html.j2").render(
        **context, **page_session(request), base="",
        writable=bool(daemon.dashboard_auth) and not daemon.config.server.read_only)
    return html_page(request, html)


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
        await asyncio.to_thread(daemon.act, action, selector, by=form.get("by", ""), plan=form.get("plan") or None,
                                until=until)
    except (actions.ActionError, ValueError) as exc:
        return _error(400, str(exc))
    return RedirectResponse("/", status_code=303)
