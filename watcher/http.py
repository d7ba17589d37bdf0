"""The one outbound HTTP client: timeouts, a User-Agent, a body cap, conditional GET, and errors
sorted into categories the source state and the logs can use."""

from __future__ import annotations

import email.utils
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from watcher import USER_AGENT
from watcher.errors import FetchError


@dataclass(frozen=True)
class Fetched:
    status: int  # 200 or 304
    url: str  # after redirects
    body: bytes | None
    etag: str | None
    last_modified: str | None
    elapsed: float


def make_client(*, timeout: float, user_agent: str | None = None, connections: int = 20) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        headers={"User-Agent": user_agent or USER_AGENT, "Accept-Encoding": "gzip, deflate"},
        follow_redirects=True,
        max_redirects=5,
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
    if isinstance(exc, httpx.TooManyRedirects):
        return "redirects"
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


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int,
    timeout: float | None = None,
) -> Fetched:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    started = time.perf_counter()
    request = client.build_request("GET", url, headers=headers,
                                   timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT)
    try:
        response = await client.send(request, stream=True)
        try:
            if response.status_code == 304:
                return Fetched(304, str(response.url), None, etag, last_modified,
                               time.perf_counter() - started)
            _raise_for_status(response)
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"body of {declared} bytes is over the {max_bytes}-byte cap",
                                 category="too_large")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"body is over the {max_bytes}-byte cap", category="too_large")
                chunks.append(chunk)
        finally:
            await response.aclose()
    except httpx.TransportError as exc:
        category = _transport_category(exc)
        raise FetchError(f"{category}: {type(exc).__name__}: {exc or 'no detail'}", category=category) from exc
    return Fetched(
        status=response.status_code,
        url=str(response.url),
        body=b"".join(chunks),
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        elapsed=time.perf_counter() - started,
    )


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
