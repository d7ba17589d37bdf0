"""The HTTP side of the daemon: the routes, /healthz and /metrics; the lifespan runs the daemon.

What a hostile or broken client meets here, whatever the route:
- every response carries SECURITY_HEADERS (a Content-Security-Policy that allows no script and no
  inline style, no framing, no Referer to other sites, no MIME sniffing);
- a request body not sent within BODY_SECONDS of the headers is answered 408 and the connection
  closed; `HeaderDeadline` (the uvicorn protocol `watcher run` uses) closes a connection whose
  request headers take longer than HEADER_SECONDS;
- an unexpected exception is a JSON `{"error": ...}` 500, its traceback in the log (a database that
  cannot serve the request is a 503: watcher.ingest.health); refusals of bad input are 4xx with the reason.
/healthz answers anyone `{"status": "ok"|"error"}` (200/503), and the detail (this replica's name and
the replicas seen in the last minute, database, sources, webhooks, notifications) behind the
dashboard's auth; /metrics is behind it too unless `[server] metrics_public = true`.
"""

from __future__ import annotations

import asyncio
import gc
import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from watcher.cluster import replicas
from watcher.daemon import Daemon
from watcher.ingest import health
from watcher.ingest.receiver import BODY_SECONDS, BodyTimeout, body_timeout
from watcher.notify import calendar as calendar_module
from watcher.storage.engine import session
from watcher.web import api, dashboard, dashboard_auth, dashboard_lists, silence_api, slack_actions, summary
from watcher.web.context import daemon_of

log = logging.getLogger("watcher.web.app")

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")
# Referrer-Policy is same-origin rather than no-referrer: under no-referrer a browser sends
# `Origin: null` with a form post, and the dashboard's forms are accepted only from its own origin.
# Other sites still get no Referer (never a ?token=).
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
                    "X-Content-Type-Options": "nosniff"}
_RAW_HEADERS = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
HEADER_SECONDS = 10.0  # to send a request's line and headers
MAX_HEADER_BYTES = 16 * 1024  # a request line and headers beyond this are a 400
KEEP_ALIVE_SECONDS = 5  # an idle connection between requests
MAX_CONNECTIONS = 500  # beyond this uvicorn answers 503 at once


class Hardening:
    """ASGI middleware: the security headers on every response, and the body-read deadline."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline = asyncio.get_running_loop().time() + BODY_SECONDS
        body_done = False

        async def receive_in_time() -> Message:
            nonlocal body_done
            if body_done:
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise BodyTimeout(f"the request body did not arrive within {BODY_SECONDS:g} s") from None
            body_done = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *_RAW_HEADERS]}
            await send(message)

        await self.app(scope, receive_in_time, send_with_headers)


class HeaderDeadline(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request line and headers are not all there
    HEADER_SECONDS after the connection opened or its previous response ended (a slowloris). uvicorn's
    own keep-alive timeout stops at the first byte of the next request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(HEADER_SECONDS, self._headers_too_slow, self.cycle)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self, cycle: Any) -> None:
        self._header_timer = None
        if self.cycle is not cycle or (cycle is not None and not cycle.response_complete) \
                or self.transport.is_closing():
            return  # a request's headers arrived meanwhile
        body = b'{"error": "the request headers did not arrive within %d s"}' % HEADER_SECONDS
        self.transport.write(b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
                             b"connection: close\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body))
        self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        before = self.cycle
        super().handle_events()
        if self.cycle is not before:
            self._disarm()  # a request's headers are in; its body has its own deadline

    def on_response_complete(self) -> None:
        if not self.transport.is_closing():
            self._arm()  # before uvicorn starts on a pipelined request, which disarms it
        super().on_response_complete()


def uvicorn_settings() -> dict[str, Any]:
    """What `watcher run` gives uvicorn.Config so that slow and numerous clients cannot hold it."""
    return {"http": HeaderDeadline, "timeout_keep_alive": KEEP_ALIVE_SECONDS, "limit_concurrency": MAX_CONNECTIONS,
            "h11_max_incomplete_event_size": MAX_HEADER_BYTES}


async def healthz(request: Request) -> Response:
    daemon = daemon_of(request)
    db_ok, db_detail = await asyncio.to_thread(daemon.database_ok)
    healthy = db_ok and daemon.scheduler_running
    if not dashboard_auth.authorized(request, daemon.dashboard_auth):
        # Liveness for anyone (a load balancer); what is watched and how it fares is for the dashboard's users.
        return JSONResponse({"status": "ok" if healthy else "error"}, status_code=200 if healthy else 503)
    sources = await asyncio.to_thread(health.source_report, daemon.engine, daemon.config) if db_ok else {}
    degraded = any(s["health"] not in ("ok", "new") for s in sources.values())
    webhooks = await asyncio.to_thread(health.webhook_report, daemon.engine, daemon.config) if db_ok else {}
    notifications = await asyncio.to_thread(health.notification_report, daemon.engine, daemon.clock()) \
        if db_ok else {}
    degraded = degraded or bool(notifications.get("failed_last_day"))
    now = datetime.now(UTC)
    seen = await asyncio.to_thread(replicas.seen, daemon.engine, now=now, alive=daemon.member.alive) if db_ok \
        else daemon.member.seen
    body = {
        "status": "error" if not healthy else ("degraded" if degraded else "ok"),
        "replica": daemon.member.name,
        # every replica whose heartbeat is under a minute old, this one included
        "replicas": [r.view(now) for r in seen],
        "database": db_detail, **health.database_writes(daemon.engine),
        "scheduler": "running" if daemon.scheduler_running else "stopped",
        "sources": sources,
        "webhooks": webhooks,
        "notifications": notifications,
    }
    # Only the daemon's own trouble is a 503; a failing provider page is reported, not fatal.
    return JSONResponse(body, status_code=200 if healthy else 503)


async def metrics(request: Request) -> Response:
    daemon = daemon_of(request)
    if not daemon.config.server.metrics_public and (refused := dashboard_auth.guard(request)) is not None:
        return refused
    return Response(daemon.metrics.exposition(daemon.member.name), media_type=CONTENT_TYPE_LATEST)


async def calendar(request: Request) -> Response:
    daemon = daemon_of(request)
    expected = daemon.calendar_token
    given = request.query_params.get("token", "")
    # No hint that the feed exists without the right token.
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        return JSONResponse({"error": "not found"}, status_code=404)

    def render() -> bytes:
        with session(daemon.engine) as db:
            inventory = daemon.impacts.inventory
            return calendar_module.build(db, daemon.config, now=daemon.clock(),
                                         team=request.query_params.get("team"),
                                         provider=request.query_params.get("provider"),
                                         uses=inventory.uses if inventory else (), catalog=daemon.impacts.catalog)

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

    async def too_slow(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, BodyTimeout)
        return body_timeout(exc)

    async def server_fault(request: Request, exc: Exception) -> Response:
        # A genuine fault of ours (bad input is refused with a 4xx before it gets here). This runs
        # outside the middleware, so the headers are added here; uvicorn logs the traceback after it.
        log.error("%s %s failed: %s: %s", request.method, request.url.path, type(exc).__name__, exc)
        return JSONResponse({"error": f"internal error ({type(exc).__name__}); the daemon's log has the details"},
                            status_code=500, headers=SECURITY_HEADERS)

    app = Starlette(
        routes=[
            Route("/", dashboard.home),
            Route("/static/dashboard.css", dashboard.stylesheet),
            Route("/events/{event_id:int}", dashboard.event_page),
            Route("/sources", dashboard.sources_page),
            Route("/timeline.svg", dashboard.timeline_svg),
            Route("/impacts", dashboard_lists.impacts_page),
            Route("/deadlines", dashboard_lists.deadlines_page),
            Route("/outbox", dashboard_lists.outbox_page),
            Route("/coverage", dashboard_lists.coverage_page),
            Route("/api/summary", summary.api_summary),
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
        middleware=[Middleware(Hardening)],
        exception_handlers={HTTPException: http_error, **health.DATABASE_UNAVAILABLE, BodyTimeout: too_slow,
                            Exception: server_fault},
    )
    app.state.daemon = daemon
    return app
