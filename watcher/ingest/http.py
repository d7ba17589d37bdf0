"""The one outbound HTTP client: timeouts, a total deadline, a User-Agent, a body cap that holds
after decompression, conditional GET, redirects followed hop by hop (never into cloud metadata, and
into private networks only from a source that lives there), and errors sorted into categories the
source state and the logs can use.

`redirect_refusal` and `retry_after_seconds` are pure; `fetch` does the I/O.
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import socket
import ssl
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from watcher import USER_AGENT
from watcher.errors import FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_REDIRECTS = 5

# Never followed: link-local IPv4 is where cloud metadata (credentials) answers; AWS's IPv6 one too.
_METADATA = tuple(ipaddress.ip_network(n) for n in ("169.254.0.0/16", "fd00:ec2::254/128"))
# Followed only from a source configured on such an address itself (a page on the same network).
_LOCAL = tuple(ipaddress.ip_network(n) for n in (
    "127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fe80::/10",
    "0.0.0.0/8", "::/128",  # "this host": connecting to 0.0.0.0 reaches loopback
))
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


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


def _plain(address: IPAddress) -> IPAddress:
    """The IPv4 address behind an IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::a.b.c.d) one."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def _within(address: IPAddress, networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    address = _plain(address)
    return any(address.version == n.version and address in n for n in networks)


def redirect_refusal(configured: Iterable[IPAddress], target: IPAddress) -> str | None:
    """Why a redirect to `target` must not be followed, or None when it may be. `configured` holds
    the addresses of the host the source is configured on: a page on a private network may send us
    elsewhere on it; a public page may not send us into ours. Link-local (cloud metadata): never."""
    if _within(target, _METADATA):
        return "a link-local address, where cloud metadata and its credentials answer: never followed"
    if _within(target, _LOCAL) and not any(_within(a, _LOCAL) for a in configured):
        return ("a loopback or private address, followed only from a source that is itself configured on "
                "one")
    return None


async def _addresses(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0])) for info in infos]


async def _check_redirect(origin: httpx.URL, target: httpx.URL, configured: list[IPAddress] | None
                          ) -> list[IPAddress]:
    """Refuse a hop before it is sent; returns the configured host's addresses (looked up once)."""
    if target.scheme not in ("http", "https") or not _valid_port(target):
        raise FetchError(f"redirect_refused: {origin} redirects to {target}; only http and https URLs with a "
                         "valid port are followed", category="redirect_refused")
    if configured is None:
        try:
            configured = await _addresses(origin.host, origin.port or 443)
        except (OSError, ValueError):
            configured = []  # cannot tell it is local: treated as public, the stricter side
    try:
        targets = await _addresses(target.host, target.port or (443 if target.scheme == "https" else 80))
    except (OSError, ValueError) as exc:  # ValueError: a name the resolver cannot even encode
        raise FetchError(f"dns: {origin} redirects to {target}, whose host does not resolve: {exc}",
                         category="dns") from exc
    for address in targets:
        reason = redirect_refusal(configured, address)
        if reason:
            named = "" if target.host == str(address) else f"{target.host} is {address}, "
            raise FetchError(f"redirect_refused: {origin} redirects to {target} ({named}{reason}); if that page "
                             "is really the source, configure its URL directly", category="redirect_refused")
    return configured


def _valid_port(url: httpx.URL) -> bool:
    return url.port is None or 0 < url.port < 65536


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


class _Decoder:
    """Content-Encoding undone in bounded steps: a few KiB of gzip that inflate to gigabytes stop at
    the body cap instead of in memory."""

    def __init__(self, encoding: str | None) -> None:
        codings = [c.strip().lower() for c in (encoding or "").split(",") if c.strip().lower() not in ("", "identity")]
        if len(codings) > 1:
            raise FetchError(f"decoding: stacked Content-Encoding {encoding!r}; we ask for gzip or deflate only",
                             category="decoding")
        self.coding = codings[0] if codings else None
        if self.coding not in (None, "gzip", "x-gzip", "deflate"):
            raise FetchError(f"decoding: unsupported Content-Encoding {encoding!r}; we ask for gzip or deflate "
                             "only", category="decoding")
        wbits = zlib.MAX_WBITS | 16 if self.coding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._inflate = zlib.decompressobj(wbits) if self.coding else None
        self._started = False  # a first chunk was inflated (deflate's fallback is decided by then)
        self._fed = False

    def decode(self, data: bytes, limit: int) -> Iterator[bytes]:
        """The decoded bytes of `data`, in pieces of at most `limit` + 1 bytes each."""
        if self._inflate is None:
            yield data
            return
        self._fed = self._fed or bool(data)
        while True:
            try:
                piece = self._inflate.decompress(data, limit + 1)
            except zlib.error as exc:
                if self.coding == "deflate" and not self._started:  # raw deflate, without the zlib wrapper
                    self._inflate, self._started = zlib.decompressobj(-zlib.MAX_WBITS), True
                    continue
                raise FetchError(f"decoding: the {self.coding} body is corrupt ({exc})", category="decoding") from exc
            self._started = True
            data = self._inflate.unconsumed_tail
            yield piece
            if self._inflate.eof or (not data and len(piece) <= limit):
                return

    def finish(self) -> None:
        if self._inflate is not None and self._fed and not self._inflate.eof:
            raise FetchError(f"decoding: the {self.coding} body ends before its end marker (truncated)",
                             category="decoding")


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int,
    timeout: float | None = None,
    deadline: float,
) -> Fetched:
    """GET `url` conditionally. Everything (redirects, headers, the body) ends within `deadline`
    seconds, or the fetch is a `timeout`: a server dripping a byte a second never holds a poll."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(deadline):
            return await _fetch(client, url, etag=etag, last_modified=last_modified, max_bytes=max_bytes,
                                timeout=timeout, started=started)
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
                 max_bytes: int, timeout: float | None, started: float) -> Fetched:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = client.build_request("GET", url, headers=headers,
                                   timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT)
    if not _valid_port(request.url):
        raise FetchError(f"invalid_url: {url}: port {request.url.port} is not a TCP port; fix the source's url",
                         category="invalid_url")
    response = await _send(client, request)
    try:
        if response.status_code == 304:
            return Fetched(304, str(response.url), None, etag, last_modified, time.perf_counter() - started)
        _raise_for_status(response)
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise FetchError(f"body of {declared} bytes is over the {max_bytes}-byte cap", category="too_large")
        decoder = _Decoder(response.headers.get("Content-Encoding"))
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


async def _send(client: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    """Send, following redirects one hop at a time: each target is checked before anything is sent
    to it, and a redirect's own body is never read."""
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
        configured = await _check_redirect(origin, following.url, configured)
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
