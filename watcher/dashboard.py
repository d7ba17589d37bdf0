"""The operator's pages: coverage first, then deadlines by team, open incidents and impacts (with
acknowledge and snooze forms), an event's revisions and provenance, and the sources' health.
Server-rendered with Jinja2; protected by `[server] dashboard_auth_env` (a token, or
"user:password" for basic auth); `read_only` hides the forms."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
from datetime import date
from typing import Any
from urllib.parse import parse_qs

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from watcher import actions, coverage, health
from watcher.deadlines import deadline_rows
from watcher.digest import TEMPLATES
from watcher.events import TERMINAL_STATUSES
from watcher.impacts import impact_rows
from watcher.storage import Event, EventRevision, session

PER_TEAM = 25  # deadline rows per team on the home page
IMPACTS = 100  # impacts on the home page

_env = Environment(loader=FileSystemLoader([str(p) for p in TEMPLATES]), autoescape=select_autoescape(["j2"]))


def authorized(request: Request, secret: str | None) -> bool:
    if not secret:
        return True
    header = request.headers.get("authorization", "")
    if ":" in secret:  # user:password: basic auth
        try:
            given = base64.b64decode(header.removeprefix("Basic ").strip()).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        return header.startswith("Basic ") and hmac.compare_digest(given.encode(), secret.encode())
    given = header.removeprefix("Bearer ").strip() or request.query_params.get("token", "") or \
        request.cookies.get("watcher_token", "")
    return hmac.compare_digest(given.encode(), secret.encode())


def guard(request: Request) -> Response | None:
    daemon = request.app.state.daemon
    if authorized(request, daemon.dashboard_auth):
        return None
    headers = {"WWW-Authenticate": 'Basic realm="provider-watcher"'} if daemon.dashboard_auth and \
        ":" in daemon.dashboard_auth else {}
    return JSONResponse({"error": "authentication required"}, status_code=401, headers=headers)


def _home_context(daemon: Any) -> dict[str, Any]:
    now = daemon.clock().astimezone(daemon.zone)
    with session(daemon.engine) as db:
        impacts = impact_rows(db)
        events = db.exec(select(Event.id, Event.provider, Event.kind, Event.external_id, Event.title, Event.status,
                                Event.severity, Event.deadline, Event.deadline_earliest, Event.deadline_precision,
                                Event.replacement, Event.url, Event.provenance, Event.source, Event.models, Event.extra)
                         .where(col(Event.kind).in_(["deprecation", "incident"]))).all()
        # Overdue deadlines still in use come first: they are the most urgent.
        deadlines = deadline_rows([e for e in events if e.kind == "deprecation"], today=now.date(), impacts=impacts,
                                  include_past=True)
        report = coverage.report(db, daemon.config, daemon.impacts.inventory) if daemon.impacts.inventory else []
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
    return {"coverage": report, "deadlines_by_team": teams, "incidents": incidents,
            "impacts": impacts[:IMPACTS], "more_impacts": max(len(impacts) - IMPACTS, 0)}


async def home(request: Request) -> Response:
    if (refused := guard(request)) is not None:
        return refused
    daemon = request.app.state.daemon
    context = await asyncio.to_thread(_home_context, daemon)
    html = _env.get_template("dashboard/home.html.j2").render(
        **context, base="", writable=bool(daemon.dashboard_auth) and not daemon.config.server.read_only)
    return HTMLResponse(html)


async def event_page(request: Request) -> Response:
    if (refused := guard(request)) is not None:
        return refused
    daemon = request.app.state.daemon

    def read() -> tuple[Event | None, list[dict[str, Any]]]:
        with session(daemon.engine) as db:
            event = db.get(Event, int(request.path_params["event_id"]))
            revisions = db.exec(select(EventRevision).where(EventRevision.event_id == (event.id if event else -1))
                                .order_by(col(EventRevision.revision))).all()
            return event, [{"revision": r.revision, "changed_at": r.changed_at, "source": r.source,
                            "what": "created" if r.changes.get("created") else "; ".join(
                                r.changes.get("drift") or [f"{k}" for k in r.changes if k != "reason"])}
                           for r in revisions]

    event, revisions = await asyncio.to_thread(read)
    if event is None:
        return JSONResponse({"error": "no such event"}, status_code=404)
    return HTMLResponse(_env.get_template("dashboard/event.html.j2").render(event=event, revisions=revisions, base=""))


async def sources_page(request: Request) -> Response:
    if (refused := guard(request)) is not None:
        return refused
    daemon = request.app.state.daemon
    report = await asyncio.to_thread(health.source_report, daemon.engine, daemon.config)
    return HTMLResponse(_env.get_template("dashboard/sources.html.j2").render(sources=report, base=""))


async def form_action(request: Request) -> Response:
    daemon = request.app.state.daemon
    if (refused := guard(request)) is not None:
        return refused
    if not daemon.dashboard_auth or daemon.config.server.read_only:
        return JSONResponse({"error": "the dashboard is read-only"}, status_code=403)
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", errors="replace")).items()}
    selector = actions.Selector(form.get("event_key", ""), form.get("service") or None)
    action = request.path_params["action"]
    if action not in ("ack", "snooze"):
        return JSONResponse({"error": f"no action {action!r}; use ack or snooze"}, status_code=404)
    try:
        until = date.fromisoformat(form["until"]) if form.get("until") else None
        await asyncio.to_thread(daemon.act, action, selector, by=form.get("by", ""), plan=form.get("plan") or None,
                                until=until)
    except (actions.ActionError, ValueError) as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    return RedirectResponse("/", status_code=303)
