"""The one outbound HTTP client: timeouts, a total deadline, a User-Agent, a body cap that holds
after decompression (`decoding`), conditional GET, redirects followed hop by hop (each target checked
by `redirects` first: never into cloud metadata, and into private networks only from a source that
lives there), and errors sorted into categories the source state and the logs can use.

`retry_after_seconds` is pure; `fetch` does the I/O.
"""

from __future__ import annotations

import asyncio
import email.utils
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from connectors.contract.errors import FetchError
from watcher import USER_AGENT
from watcher.ingest.decoding import Decoder
from watcher.ingest.redirects import IPAddress, check_redirect, valid_port

MAX_REDIRECTS = 5


@dataclass(frozen=True)
class Fetched:
    status: int  # 200 or 304
    url: str  # after redirects
    body: bytes | None
    etag: str | None
    last_modified: str | None
    elapsed: float


def make_client(*, timeout: float, user_agent: str | None = None, connections: int = 20) -> httpx.AsyncClient:
    """`timeout` bounds each connect, read and write; `fetch` adds the deadline over the whole fetch."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        headers={"User-Agent": user_agent or USER_AGENT, "Accept-Encoding": "gzip, deflate"},
        follow_redirects=False,  # `fetch` follows them itself, checking each hop before it is sent
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
    )


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After as delay-seconds or as an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _transport_category(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, socket.gaierror):
            return "dns"
        if isinstance(cause, ssl.SSLError):
            return "tls"
        cause = cause.__cause__ or cause.__context__
    text = str(exc).lower()
    if "name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return "dns"
    if "certificate" in text or "ssl" in text:
        return "tls"
    return "connect" if isinstance(exc, httpx.ConnectError) else "network"


def _category(exc: httpx.RequestError) -> str:
    if isinstance(exc, httpx.TooManyRedirects):
        return "redirects"
    if isinstance(exc, httpx.DecodingError):
        return "decoding"
    if isinstance(exc, httpx.TransportError):
        return _transport_category(exc)
    return "network"


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int,
    timeout: float | None = None,
    deadline: float,
    secret_headers: Mapping[str, str] | None = None,
) -> Fetched:
    """GET `url` conditionally. Everything (redirects, headers, the body) ends within `deadline`
    seconds, or the fetch is a `timeout`: a server dripping a byte a second never holds a poll.
    `secret_headers` (an API key) go to `url`'s origin only, never along a redirect to another."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(deadline):
            return await _fetch(client, url, etag=etag, last_modified=last_modified, max_bytes=max_bytes,
                                timeout=timeout, started=started, secret_headers=secret_headers or {})
    except TimeoutError as exc:
        raise FetchError(f"timeout: no complete answer within the {deadline:g} s deadline (redirects, headers and "
                         "body together); raise the source's `deadline` if the page is merely slow",
                         category="timeout") from exc
    except httpx.RequestError as exc:
        category = _category(exc)
        raise FetchError(f"{category}: {type(exc).__name__}: {exc or 'no detail'}", category=category) from exc
    except httpx.InvalidURL as exc:
        raise FetchError(f"invalid_url: {url}: {exc}; fix the source's url", category="invalid_url") from exc


async def _fetch(client: httpx.AsyncClient, url: str, *, etag: str | None, last_modified: str | None,
                 max_bytes: int, timeout: float | None, started: float,
                 secret_headers: Mapping[str, str]) -> Fetched:
    headers = dict(secret_headers)
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = client.build_request("GET", url, headers=headers,
                                   timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT)
    if not valid_port(request.url):
        raise FetchError(f"invalid_url: {url}: port {request.url.port} is not a TCP port; fix the source's url",
                         category="invalid_url")
    response = await _send(client, request, secret=tuple(secret_headers))
    try:
        if response.status_code == 304:
            # A 304 has no body; reading its end lets the connection go back to the pool instead of
            # being closed (a new TCP and TLS handshake for every conditional GET).
            await response.aread()
            return Fetched(304, str(response.url), None, etag, last_modified, time.perf_counter() - started)
        _raise_for_status(response)
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise FetchError(f"body of {declared} bytes is over the {max_bytes}-byte cap", category="too_large")
        decoder = Decoder(response.headers.get("Content-Encoding"))
        chunks: list[bytes] = []
        size = 0
        async for raw in response.aiter_raw():
            for chunk in decoder.decode(raw, max_bytes - size):
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"body is over the {max_bytes}-byte cap", category="too_large")
                chunks.append(chunk)
        decoder.finish()
    finally:
        await response.aclose()
    return Fetched(
        status=response.status_code,
        url=str(response.url),
        body=b"".join(chunks),
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        elapsed=time.perf_counter() - started,
    )


async def _send(client: httpx.AsyncClient, request: httpx.Request, secret: tuple[str, ...] = ()) -> httpx.Response:
    """Send, following redirects one hop at a time: each target is checked before anything is sent
    to it, and a redirect's own body is never read; the `secret` headers never leave the origin."""
    origin = request.url
    configured: list[IPAddress] | None = None
    hops: list[str] = []
    while True:
        response = await client.send(request, stream=True, follow_redirects=False)
        following = response.next_request
        if following is None:
            return response
        await response.aclose()
        hops.append(str(following.url))
        if len(hops) > MAX_REDIRECTS:
            raise FetchError(f"redirects: more than {MAX_REDIRECTS} redirects from {origin} "
                             f"({' -> '.join(hops[-3:])}); a redirect loop, or point the source at the last page",
                             category="redirects")
        configured = await check_redirect(origin, following.url, configured)
        if (following.url.scheme, following.url.host, following.url.port) != (origin.scheme, origin.host, origin.port):
            for name in secret:
                following.headers.pop(name, None)
        request = following


def _raise_for_status(response: httpx.Response) -> None:
    code = response.status_code
    if 200 <= code < 300:
        return
    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    reason = f"HTTP {code} {response.reason_phrase}".strip()
    if code == 429:
        raise FetchError(f"{reason} (rate limited)", category="http_429", retry_after=retry_after)
    if code >= 500:
        raise FetchError(reason, category="http_5xx", retry_after=retry_after)
    raise FetchError(reason, category=f"http_{code}" if code in (401, 403, 404, 410) else "http_4xx")
