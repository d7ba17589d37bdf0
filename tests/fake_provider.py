"""A fake provider: a small Starlette app on a real loopback socket serving recorded fixtures.

Documents get an ETag and a Last-Modified and honour conditional GET; scenario routes answer
429 + Retry-After, 500, a slow body, a malformed body, and a 302 like status.anthropic.com's.
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route


@dataclass
class Document:
    body: bytes
    content_type: str
    last_modified: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest() + '"'


class FakeProvider:
    def __init__(self) -> None:
        self.documents: dict[str, Document] = {}
        self.redirects: dict[str, str] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.times: list[float] = []  # time.time() of each request, in the order of `requests`
        self.app = Starlette(routes=[Route("/{path:path}", self._serve)])
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # --- content -------------------------------------------------------------------------------
    def set(self, path: str, body: bytes | str, content_type: str = "application/json", *,
            status: int = 200, headers: dict[str, str] | None = None, delay: float = 0.0) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.documents[path] = Document(data, content_type, formatdate(time.time(), usegmt=True), status,
                                        headers or {}, delay)

    def redirect(self, path: str, to: str) -> None:
        self.redirects[path] = to

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> list[dict[str, str]]:
        return [headers for p, headers in self.requests if p == path]

    async def _serve(self, request: Request) -> Response:
        path = "/" + request.path_params["path"]
        self.requests.append((path, dict(request.headers)))
        self.times.append(time.time())
        if path in self.redirects:
            target = self.redirects[path]
            return RedirectResponse(target if target.startswith("http") else self.url(target), status_code=302)
        doc = self.documents.get(path)
        if doc is None:
            return Response("not found", status_code=404)
        if doc.delay:
            await asyncio.sleep(doc.delay)
        if doc.status != 200:
            return Response(doc.body, status_code=doc.status, headers=doc.headers, media_type=doc.content_type)
        validators = {"ETag": doc.etag, "Last-Modified": doc.last_modified}
        if request.headers.get("if-none-match") == doc.etag:
            return Response(status_code=304, headers=validators)
        return Response(doc.body, media_type=doc.content_type, headers={**validators, **doc.headers})

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_config=None, access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake provider did not start")
            time.sleep(0.01)
        self._socket = sock

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._socket.close()

    def polls(self, path: str) -> list[float]:
        """When `path` was asked for, oldest first."""
        return [when for (asked, _), when in zip(self.requests, self.times, strict=True) if asked == path]
