"""Where a redirect may lead: never into cloud metadata (link-local), and into loopback or private
networks only from a source that is configured on such an address itself. IPv4-mapped and NAT64
addresses are judged by the IPv4 address behind them.

`redirect_refusal` and `valid_port` are pure; `check_redirect` resolves host names (DNS I/O).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable

import httpx

from connectors.contract.errors import FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Never followed: link-local IPv4 is where cloud metadata (credentials) answers; AWS's IPv6 one too.
_METADATA = tuple(ipaddress.ip_network(n) for n in ("169.254.0.0/16", "fd00:ec2::254/128"))
# Followed only from a source configured on such an address itself (a page on the same network).
_LOCAL = tuple(ipaddress.ip_network(n) for n in (
    "127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fe80::/10",
    "0.0.0.0/8", "::/128",  # "this host": connecting to 0.0.0.0 reaches loopback
))
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


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


def valid_port(url: httpx.URL) -> bool:
    return url.port is None or 0 < url.port < 65536


async def _addresses(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0])) for info in infos]


async def check_redirect(origin: httpx.URL, target: httpx.URL, configured: list[IPAddress] | None
                         ) -> list[IPAddress]:
    """Refuse a hop before it is sent; returns the configured host's addresses (looked up once)."""
    if target.scheme not in ("http", "https") or not valid_port(target):
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
