"""The demo's stand-ins for the outside world, on one loopback port: the providers' pages (the recorded
snapshot, some switching to a later capture after their first read) and a Slack-Web-API-compatible
endpoint that answers chat.postMessage / chat.update as Slack does and keeps every message it got.

Runs uvicorn in a background thread so that the daemon keeps the main thread (and its signals). Pages
carry an ETag and honour conditional GET, as real ones do, so the daemon's validators are exercised."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

HTML = "text/html; charset=utf-8"
MARKDOWN = "text/markdown; charset=utf-8"
JSON = "application/json"


@dataclass(frozen=True)
class Page:
    """One URL path of the fake providers: the capture served first and, when it has one, the later
    capture served from the second request on (the provider edited its page between two polls)."""

    path: str
    first: str  # file in the snapshot
    content_type: str
    later: str | None = None
    later_type: str | None = None


class DemoServer:
    def __init__(self, snapshot: Path, pages: list[Page], *, slack_token: str) -> None:
        self.snapshot = snapshot
        self.pages = {page.path: page for page in pages}
        self.served: dict[str, int] = {}  # path -> full (200) answers so far
        self.slack_token = slack_token
        self.messages: list[dict[str, Any]] = []  # what the Slack stand-in received, in order
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        self.app = Starlette(routes=[
            Route("/slack/api/{method}", self._slack, methods=["POST"]),
            Route("/slack/messages.json", self._slack_messages),
            Route("/{path:path}", self._page),
        ])
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    # --- the providers ---------------------------------------------------------------------------
    async def _page(self, request: Request) -> Response:
        path = "/" + request.path_params["path"]
        page = self.pages.get(path)
        if page is None:
            return Response("not found", status_code=404, media_type="text/plain")
        with self._lock:
            later = page.later is not None and self.served.get(path, 0) >= 1
        name, kind = (page.later, page.later_type or page.content_type) if later and page.later else (
            page.first, page.content_type)
        body = (self.snapshot / name).read_bytes()
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={"ETag": etag})
        with self._lock:
            self.served[path] = self.served.get(path, 0) + 1
        return Response(body, media_type=kind, headers={"ETag": etag})

    # --- Slack -------------------------------------------------------------------------------------
    async def _slack(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        raw = await request.body()
        if request.headers.get("content-type", "").startswith("application/json"):
            body: dict[str, Any] = json.loads(raw or b"{}")
        else:
            body = {key: values[0] for key, values in parse_qs(raw.decode()).items()}
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), self.slack_token.encode()):
            return JSONResponse({"ok": False, "error": "not_authed"})
        channel = body.get("channel")
        if method not in ("chat.postMessage", "chat.update"):
            return JSONResponse({"ok": True})
        if not channel:
            return JSONResponse({"ok": False, "error": "channel_not_found"})
        with self._lock:
            ts = str(body.get("ts")) if method == "chat.update" else f"{int(time.time())}.{next(self._ts):06d}"
            self.messages.append({"method": method, "channel": channel, "ts": ts,
                                  "thread_ts": body.get("thread_ts"), "text": body.get("text") or "",
                                  "received_at": time.time()})
        return JSONResponse({"ok": True, "channel": channel, "ts": ts})

    async def _slack_messages(self, request: Request) -> JSONResponse:
        with self._lock:
            return JSONResponse(list(self.messages))

    def received(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.messages)

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self._socket = sock
        config = uvicorn.Config(self.app, log_config=None, access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name="demo-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the demo's loopback server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
