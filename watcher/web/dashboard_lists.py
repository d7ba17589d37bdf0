"""The dashboard's long lists, each a page of its own with filters and pagination in the query
string (GET forms, so a filtered page is a link one can share): all impacts (with the acknowledge
and snooze forms), all deadlines, the outbox (what was sent where and when, what failed and why,
what waits) and the coverage how-tos (one section per platform and surface, the targets of the
home page's matrix). Server-rendered, no script; the filters are applied after the same reads the
JSON API makes, so a page and the API agree.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from sqlmodel import col, func, select
from starlette.requests import Request
from starlette.responses import Response

from watcher.inventory import coverage
from watcher.inventory.coverage_account import UNLISTED
from watcher.inventory.impacts import impact_rows
from watcher.storage.engine import session
from watcher.storage.tables import Outbox
from watcher.templating import environment
from watcher.web import summary
from watcher.web.context import daemon_of
from watcher.web.dashboard import matrix
from watcher.web.dashboard_auth import guard, html_page, page_session

if TYPE_CHECKING:
    from watcher.daemon import Daemon

PER_PAGE = 50
IMPACT_STATES = ("open", "acknowledged", "snoozed", "resolved")
OUTBOX_STATES = ("pending", "sent", "failed", "suppressed")
WHEN = {"all": "past and future", "overdue": "overdue", f"{summary.DUE_SOON_DAYS}d":
        f"due within {summary.DUE_SOON_DAYS} days", "upcoming": "not yet due"}

_env = environment()


class Pages:
    """One page of a list: its rows, and the links to the neighbouring pages (keeping the filters)."""

    def __init__(self, request: Request, total: int, filters: dict[str, str]) -> None:
        try:
            asked = int(request.query_params.get("page", "1"))
        except ValueError:
            asked = 1
        self.total = total
        self.count = max((total + PER_PAGE - 1) // PER_PAGE, 1)
        self.number = min(max(asked, 1), self.count)
        self.offset = (self.number - 1) * PER_PAGE
        self.path = request.url.path
        self.filters = {k: v for k, v in filters.items() if v}

    def link(self, number: int) -> str:
        return f"{self.path}?{urlencode({**self.filters, 'page': number})}"

    @property
    def previous(self) -> str | None:
        return self.link(self.number - 1) if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.link(self.number + 1) if self.number < self.count else None

    def cut(self, rows: Sequence[Any]) -> Sequence[Any]:
        return rows[self.offset:self.offset + PER_PAGE]


def _filters(request: Request, *names: str) -> dict[str, str]:
    return {name: request.query_params.get(name, "").strip()[:200] for name in names}


def _choices(rows: Sequence[dict[str, Any]], key: Callable[[dict[str, Any]], Any]) -> list[str]:
    values: set[str] = set()
    for row in rows:
        found = key(row)
        values.update(found if isinstance(found, (list, set, tuple)) else [found])
    return sorted(v for v in values if v)


async def _page(request: Request, template: str, read: Callable[[], dict[str, Any]]) -> Response:
    if (refused := guard(request)) is not None:
        return refused
    daemon = daemon_of(request)
    context = await asyncio.to_thread(read)
    writable = bool(daemon.dashboard_auth) and not daemon.config.server.read_only
    html = _env.get_template(template).render(**context, **page_session(request), base="", writable=writable)
    return html_page(request, html)


def _impacts(daemon: Daemon, request: Request) -> dict[str, Any]:
    filters = _filters(request, "team", "platform", "state", "kind")
    with session(daemon.engine) as db:
        everything = impact_rows(db, include_resolved=filters["state"] == "resolved")
    rows = [r for r in everything
            if (not filters["team"] or r["owner"] == filters["team"])
            and (not filters["platform"] or r["platform"] == filters["platform"])
            and (not filters["state"] or r["state"] == filters["state"])
            and (not filters["kind"] or r["event_kind"] == filters["kind"])]
    pages = Pages(request, len(rows), filters)
    next_url = pages.link(pages.number)
    return {"impacts": pages.cut(rows), "pages": pages, "filters": filters, "next": next_url,
            "teams": _choices(everything, lambda r: r["owner"]),
            "platforms": _choices(everything, lambda r: r["platform"]),
            "kinds": _choices(everything, lambda r: r["event_kind"]), "states": IMPACT_STATES}


async def impacts_page(request: Request) -> Response:
    """GET /impacts: every impact, filtered by team, platform, state and the event's kind."""
    daemon = daemon_of(request)
    return await _page(request, "dashboard/impacts.html.j2", lambda: _impacts(daemon, request))


def _deadlines(daemon: Daemon, request: Request) -> dict[str, Any]:
    filters = _filters(request, "team", "platform", "state", "when", "scope")
    when = filters["when"] if filters["when"] in WHEN else "all"
    today = daemon.today()
    with session(daemon.engine) as db:
        impacts = impact_rows(db)
        events = summary.deadline_events(db)
    ids = {(e.provider, e.kind, e.external_id): e.id for e in events}
    # The same filters as the header's numbers: overdue and due-soon here list what they count.
    rows = summary.deadlines(events, today=today, impacts=impacts, affected=filters["scope"] != "any",
                             overdue=when == "overdue",
                             within=summary.DUE_SOON_DAYS if when == f"{summary.DUE_SOON_DAYS}d" else None,
                             include_past=when == "all")
    everything = rows
    rows = [r for r in rows
            if (not filters["team"] or any(a["owner"] == filters["team"] for a in r["affected"]))
            and (not filters["platform"] or r["platform"] == filters["platform"])
            and (not filters["state"] or any(a["state"] == filters["state"] for a in r["affected"]))]
    pages = Pages(request, len(rows), filters)
    shown = [{**r, "event_id": ids.get((r["platform"], r["kind"], r["model"]))} for r in pages.cut(rows)]
    return {"deadlines": shown, "pages": pages, "filters": {**filters, "when": when}, "whens": WHEN,
            "teams": _choices(everything, lambda r: [a["owner"] for a in r["affected"]]),
            "platforms": _choices(everything, lambda r: r["platform"]), "states": IMPACT_STATES[:3]}


async def deadlines_page(request: Request) -> Response:
    """GET /deadlines: dated deprecations (and live models' floors with scope=any), filtered."""
    daemon = daemon_of(request)
    return await _page(request, "dashboard/deadlines.html.j2", lambda: _deadlines(daemon, request))


def _outbox(daemon: Daemon, request: Request) -> dict[str, Any]:
    filters = _filters(request, "state", "channel")
    with session(daemon.engine) as db:
        query = select(Outbox)
        counting = select(func.count()).select_from(Outbox)
        if filters["state"]:
            query, counting = query.where(Outbox.state == filters["state"]), counting.where(
                Outbox.state == filters["state"])
        if filters["channel"]:
            query, counting = query.where(Outbox.channel == filters["channel"]), counting.where(
                Outbox.channel == filters["channel"])
        pages = Pages(request, db.exec(counting).one(), filters)
        found = db.exec(query.order_by(col(Outbox.id).desc()).offset(pages.offset).limit(PER_PAGE)).all()
        channels = sorted(db.exec(select(Outbox.channel).distinct()).all())
        rows = [{"id": m.id, "dedup_key": m.dedup_key, "channel": m.channel, "target": m.target,
                 "thread_key": m.thread_key, "action": m.action, "state": m.state, "attempts": m.attempts,
                 "next_attempt_at": m.next_attempt_at, "created_at": m.created_at, "sent_at": m.sent_at,
                 "error": m.error, "external_ref": m.external_ref,
                 "headline": str(m.payload.get("headline") or ""), "text": str(m.payload.get("text") or "")}
                for m in found]
    return {"messages": rows, "pages": pages, "filters": filters, "states": OUTBOX_STATES, "channels": channels}


async def outbox_page(request: Request) -> Response:
    """GET /outbox: the notifications, newest first."""
    daemon = daemon_of(request)
    return await _page(request, "dashboard/outbox.html.j2", lambda: _outbox(daemon, request))


def _coverage(daemon: Daemon) -> dict[str, Any]:
    now = daemon.clock().astimezone(daemon.zone)
    with session(daemon.engine) as db:
        report = coverage.report(db, daemon.config, daemon.impacts.inventory, now=now)
    return {"matrix": matrix(report), "unlisted": [r for r in report if r["state"] == UNLISTED],
            "has_uses": bool(daemon.impacts.inventory and daemon.impacts.inventory.uses)}


async def coverage_page(request: Request) -> Response:
    """GET /coverage: how to wire each surface, one section (an anchor) per matrix cell."""
    daemon = daemon_of(request)
    return await _page(request, "dashboard/coverage.html.j2", lambda: _coverage(daemon))
