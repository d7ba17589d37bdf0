"""The HTTP side of the daemon: /healthz and /metrics; the lifespan runs the daemon."""

from __future__ import annotations

import asyncio
import gc
import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from watcher import api, dashboard, health, silence_api, slack_actions
from watcher import calendar as calendar_module
from watcher.daemon import Daemon
from watcher.storage import session


async def healthz(request: Request) -> Response:
    daemon: Daemon = request.app.state.daemon
    db_ok, db_detail = await asyncio.to_thread(daemon.database_ok)
    sources = await asyncio.to_thread(health.source_report, daemon.engine, daemon.config) if db_ok else {}
    healthy = db_ok and daemon.scheduler_running
    degraded = any(s["health"] not in ("ok", "new") for s in sources.values())
    webhooks = await asyncio.to_thread(health.webhook_report, daemon.engine, daemon.config) if db_ok else {}
    notifications = await asyncio.to_thread(health.notification_report, daemon.engine, daemon.clock()) \
        if db_ok else {}
    degraded = degraded or bool(notifications.get("failed_last_day"))
    body = {
        "status": "error" if not healthy else ("degraded" if degraded else "ok"),
        "database": db_detail,
        "scheduler": "running" if daemon.scheduler_running else "stopped",
        "sources": sources,
        "webhooks": webhooks,
        "notifications": notifications,
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
            return calendar_module.build(db, daemon.config, now=daemon.clock(),
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
            Route("/silences", silence_api.page),
            Route("/ui/silences", silence_api.form_add, methods=["POST"]),
            Route("/ui/silences/{silence_id:int}/expire", silence_api.form_expire, methods=["POST"]),
            Route("/healthz", healthz),
            Route("/metrics", metrics),
            Route("/calendar.ics", calendar),
            Route("/api/openapi.json", api.openapi),
            Route("/api/events", api.list_events),
            Route("/api/deadlines", api.list_deadlines),
            Route("/api/sources", api.list_sources),
            Route("/api/impacts", api.list_impacts),
            Route("/api/impacts/{action:str}", api.act, methods=["POST"]),
            Route("/api/silences", silence_api.list_silences, methods=["GET"]),
            Route("/api/silences", silence_api.create_silence, methods=["POST"]),
            Route("/api/silences/{silence_id:int}/expire", silence_api.expire_silence, methods=["POST"]),
            Route("/slack/actions", slack_actions.slack_actions, methods=["POST"]),
            Route("/webhooks/{name}", daemon.receiver.handle, methods=["POST"]),
            Route("/webhooks/{name}/{token}", daemon.receiver.handle, methods=["POST"]),
        ],
        lifespan=lifespan,
        exception_handlers={HTTPException: http_error},
    )
    app.state.daemon = daemon
    return app
