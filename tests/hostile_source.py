"""A hostile or broken provider: the fake provider (a Starlette app on a real loopback socket) with
routes that try to hang, flood or trick the poller.

/drip          one byte a second, forever (until the client goes away)
/bomb          a 16 KiB gzip body that inflates to 16 MiB
/endless       a body without end, as fast as the socket takes it
/loop          a redirect to itself
/metadata      a redirect to the cloud metadata address, http://169.254.169.254/latest/meta-data/
/laughs        an RSS feed with a "billion laughs" entity bomb in its DTD
/html/...      an HTML page where a Statuspage API serves JSON
/garbage-gzip  a valid gzip header, then garbage
/redirect-flood  a redirect whose own body never ends, to /fine.xml
/to?url=U      a redirect to U, whatever it is
Anything else is served like the fake provider serves it (`set`, `redirect`).
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.fake_provider import FakeProvider

METADATA_URL = "http://169.254.169.254/latest/meta-data/"
BOMB_INFLATED = 16 * 1024 * 1024
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"


def billion_laughs(levels: int = 10) -> bytes:
    """Each entity ten of the one before: 10**levels "lol"s if a parser expands them."""
    lines = ['<?xml version="1.0"?>', "<!DOCTYPE rss [", '<!ENTITY lol0 "lol">']
    lines += [f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, levels)]
    top = f"&lol{levels - 1};"
    lines += ["]>", f'<rss version="2.0"><channel><title>{top}</title>',
              f"<item><title>{top}</title><description>{top}</description><guid>laugh-1</guid>"
              "<pubDate>Wed, 07 Oct 2026 21:00:00 GMT</pubDate></item></channel></rss>"]
    return "\n".join(lines).encode()


class HostileSource(FakeProvider):
    def __init__(self) -> None:
        super().__init__()
        self.bomb = gzip.compress(b"\0" * BOMB_INFLATED, compresslevel=9)
        self.app = Starlette(routes=[
            Route("/drip", self._drip),
            Route("/bomb", self._bomb),
            Route("/endless", self._endless),
            Route("/loop", self._loop),
            Route("/metadata", self._metadata),
            Route("/laughs", self._laughs),
            Route("/html/{path:path}", self._html),
            Route("/garbage-gzip", self._garbage_gzip),
            Route("/redirect-flood", self._redirect_flood),
            Route("/to", self._to),
            Route("/{path:path}", self._serve),
        ])

    def _seen(self, request: Request) -> None:
        self.requests.append((request.url.path, dict(request.headers)))

    async def _drip(self, request: Request) -> Response:
        self._seen(request)

        async def drip() -> AsyncIterator[bytes]:
            yield b"<"
            while True:  # Starlette cancels this when the client disconnects
                await asyncio.sleep(1)
                yield b" "

        return StreamingResponse(drip(), media_type="application/rss+xml")

    async def _bomb(self, request: Request) -> Response:
        self._seen(request)
        return Response(self.bomb, media_type="application/rss+xml", headers={"Content-Encoding": "gzip"})

    async def _endless(self, request: Request) -> Response:
        self._seen(request)

        async def flood() -> AsyncIterator[bytes]:
            chunk = b"<rss>" + b" " * 65_531
            for _ in range(16 * 1024):  # a GiB, then give up: a safety net, the client leaves long before
                yield chunk
                await asyncio.sleep(0)  # let the server see the client go

        return StreamingResponse(flood(), media_type="application/rss+xml")

    async def _loop(self, request: Request) -> Response:
        self._seen(request)
        return RedirectResponse(self.url("/loop"), status_code=302)

    async def _metadata(self, request: Request) -> Response:
        self._seen(request)
        return RedirectResponse(METADATA_URL, status_code=302)

    async def _laughs(self, request: Request) -> Response:
        self._seen(request)
        return Response(billion_laughs(), media_type="application/rss+xml")

    async def _html(self, request: Request) -> Response:
        self._seen(request)
        return Response("<!doctype html><html><head><title>Status</title></head><body><h1>All good</h1></body>"
                        "</html>", media_type="text/html")

    async def _garbage_gzip(self, request: Request) -> Response:
        self._seen(request)
        return Response(GZIP_HEADER + b"this is not deflate data at all" * 10, media_type="application/rss+xml",
                        headers={"Content-Encoding": "gzip"})

    async def _to(self, request: Request) -> Response:
        self._seen(request)
        return Response(status_code=302, headers={"Location": request.query_params["url"]})

    async def _redirect_flood(self, request: Request) -> Response:
        self._seen(request)

        async def flood() -> AsyncIterator[bytes]:
            for _ in range(16 * 1024):
                yield b"x" * 65_536
                await asyncio.sleep(0)

        return StreamingResponse(flood(), status_code=302, headers={"Location": self.url("/fine.xml")})
