"""The HTTP side of the daemon: /healthz and /metrics; the lifespan runs the daemon."""

from __future__ import annotations

import asyncio
import gc
import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func
from sqlmodel import select
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from watcher import api, dashboard
from watcher import calendar as calendar_module
from watcher.daemon import Daemon
from watcher.dates import isoformat
from watcher.storage import Delivery, SourceState, UTCDateTime, session


def _source_health(daemon: Daemon) -> dict[str, Any]:
    with session(daemon.engine) as db:
        states = {s.name: s for s in db.exec(select(SourceState)).all()}
    report = {}
    for source in daemon.config.sources:
        state = states.get(source.name)
        report[source.name] = {
            "kind": source.kind,
            "enabled": source.enabled,
            "health": state.health if state else "new",
            "last_ok_at": isoformat(state.last_ok_at) if state else None,
            "last_checked_at": isoformat(state.last_checked_at) if state else None,
            "consecutive_failures": state.consecutive_failures if state else 0,
            "last_error": state.last_error if state else None,
            "last_error_category": state.last_error_category if state else None,
            "last_item_count": state.last_item_count if state else None,
        }
    return report


def _webhook_health(daemon: Daemon) -> dict[str, Any]:
    with session(daemon.engine) as db:
        rows = db.exec(select(Delivery.webhook, Delivery.state, func.count(), func.max(Delivery.received_at))
                       .group_by(Delivery.webhook, Delivery.state)).all()
    report = {h.name: {"kind": h.kind, "last_delivery_at": None, "pending": 0, "processed": 0, "failed": 0}
              for h in daemon.config.webhooks}
    for webhook, state, count, last in rows:
        entry = report.setdefault(webhook, {"kind": None, "last_delivery_at": None, "pending": 0, "processed": 0,
                                            "failed": 0})
        entry[state] = count
        if last is not None:
            last = UTCDateTime().process_result_value(last, None)
            if entry["last_delivery_at"] is None or isoformat(last) > entry["last_delivery_at"]:
                entry["last_delivery_at"] = isoformat(last)
    return report


async def healthz(request: Request) -> Response:
    daemon: Daemon = request.app.state.daemon
    db_ok, db_detail = await asyncio.to_thread(daemon.database_ok)
    sources = await asyncio.to_thread(_source_health, daemon) if db_ok else {}
    healthy = db_ok and daemon.scheduler_running
    degraded = any(s["health"] not in ("ok", "new") for s in sources.values())
    webhooks = await asyncio.to_thread(_webhook_health, daemon) if db_ok else {}
    body = {
        "status": "error" if not healthy else ("degraded" if degraded else "ok"),
        "database": db_detail,
        "scheduler": "running" if daemon.scheduler_running else "stopped",
        "sources": sources,
        "webhooks": webhooks,
    }
    # Only the daemon's own trouble is a 503; a failing provider page is reported, not fatal.
    return JSONResponse(body, status_code=200 if healthy else 503)


async def metrics(request: Request) -> Response:
    daemon: Daemon = request.app.state.daemon
    return Response(generate_latest(daemon.metrics.registry), media_type=CONTENT_TYPE_LATEST)


async def calendar(request: Request) -> Response:
    daemon: Daemon = request.app.state.daemon
    expected = daemon.calendar_token
    given = request.query_params.get("token", "")
    # No hint that the feed exists without the right token.
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        return JSONResponse({"error": "not found"}, status_code=404)

    def render() -> bytes:
        with session(daemon.engine) as db:
            return calendar_module.build(db, daemon.config, now=datetime.now(UTC),
                                         team=request.query_params.get("team"),
                                         provider=request.query_params.get("provider"))

    body = await asyncio.to_thread(render)
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": 'inline; filename="deadlines.ics"'})


def create_app(daemon: Daemon) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        daemon.start()
        # Everything loaded so far lives as long as the process: keep it out of the collector's
        # full passes, which otherwise walk every module object and stall requests (p99).
        gc.freeze()
        try:
            yield
        finally:
            await daemon.stop()

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    app = Starlette(
        routes=[
            Route("/", dashboard.home),
            Route("/events/{event_id:int}", dashboard.event_page),
            Route("/sources", dashboard.sources_page),
            Route("/ui/impacts/{action:str}", dashboard.form_action, methods=["POST"]),
            Route("/healthz", healthz),
            Route("/metrics", metrics),
            Route("/calendar.ics", calendar),
            Route("/api/openapi.json", api.openapi),
            Route("/api/events", api.list_events),
            Route("/api/deadlines", api.list_deadlines),
            Route("/api/sources", api.list_sources),
            Route("/api/impacts", api.list_impacts),
            Route("/api/impacts/{action:str}", api.act, methods=["POST"]),
            Route("/slack/actions", api.slack_actions, methods=["POST"]),
            Route("/webhooks/{name}", daemon.receiver.handle, methods=["POST"]),
            Route("/webhooks/{name}/{token}", daemon.receiver.handle, methods=["POST"]),
        ],
        lifespan=lifespan,
        exception_handlers={HTTPException: http_error},
    )
    app.state.daemon = daemon
    return app
