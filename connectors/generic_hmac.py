"""Any sender that signs the raw body with an HMAC in a header: header, algorithm (sha256/sha1),
encoding (hex/base64) and prefix ("sha256=") come from the `[[webhooks]]` entry. Pure.

Without `timestamp_header` the signature covers the body alone, so a captured delivery can be
replayed (under a fresh `X-Delivery-Id`, which is not signed). With `timestamp_header` (say
"X-Timestamp", Unix seconds) the signature covers `f"{timestamp}.{body}"` and the timestamp must be
within `tolerance` (300 s) of now, both ways. Replays inside the window cannot roll an event back:
the event's `updated_at` is the payload's `updated_at` (or `timestamp`), else the signed timestamp,
and an older view never overrides a newer one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from connectors._html import clip
from connectors._json import load
from connectors._webhook_auth import body_digest
from connectors.contract.dates import timestamp as read_time
from connectors.contract.errors import LayoutChanged, MissingSecret, SignatureError
from connectors.contract.events import SEVERITIES, EventDraft, Kind, Severity
from connectors.contract.protocols import Settings, WebhookConnector

KINDS: frozenset[Kind] = frozenset({"incident", "maintenance", "deprecation", "changelog", "account", "billing"})


def signature(secret: str, body: bytes, *, algorithm: str, encoding: str, timestamp: str | None = None) -> str:
    """The HMAC of the body, or of `{timestamp}.{body}` when the sender signs a timestamp."""
    signed = body if timestamp is None else timestamp.encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, getattr(hashlib, algorithm)).digest()
    return digest.hex() if encoding == "hex" else base64.b64encode(digest).decode()


def _timestamp_header(settings: Settings) -> str | None:
    # Read with getattr: the connector Settings protocol predates the key, and other kinds lack it.
    header = getattr(settings, "timestamp_header", None)
    return header.lower() if header else None


def _signed_time(headers: Mapping[str, str], settings: Settings, now: float) -> str | None:
    """The timestamp header's value, checked to be within the tolerance of now; None when not configured."""
    header = _timestamp_header(settings)
    if header is None:
        return None
    given = headers.get(header, "").strip()
    if not given:
        raise SignatureError(f"missing {header} header (the Unix time the body was signed)")
    if not (given.isascii() and given.isdigit() and len(given) <= 12):
        raise SignatureError(f"{header} is not a Unix time in whole seconds: {given[:40]!r}")
    age = now - int(given)
    if age > settings.tolerance:
        raise SignatureError(f"{header} is too old ({int(age)} s, tolerance {int(settings.tolerance)} s)")
    if -age > settings.tolerance:
        raise SignatureError(f"{header} is too new ({int(-age)} s ahead, tolerance {int(settings.tolerance)} s)")
    return given


def verify(headers: Mapping[str, str], body: bytes, secret: str | None, *, settings: Settings, now: float,
           token: str | None = None) -> None:
    if not secret:
        raise MissingSecret("the webhook secret must be set (secret_env names an empty variable)")
    header = (settings.header or "x-signature").lower()
    given = headers.get(header)
    if not given:
        raise SignatureError(f"missing {header} header")
    if settings.prefix and not given.startswith(settings.prefix):
        raise SignatureError(f"{header} does not start with {settings.prefix!r}")
    timestamp = _signed_time(headers, settings, now)
    expected = signature(secret, body, algorithm=settings.algorithm, encoding=settings.encoding, timestamp=timestamp)
    value = given.removeprefix(settings.prefix).strip()
    if settings.encoding == "hex":
        value = value.lower()
    if not hmac.compare_digest(value.encode(), expected.encode()):
        covered = "the body" if timestamp is None else f"{_timestamp_header(settings)}.body"
        raise SignatureError(f"the {settings.algorithm} signature in {header} does not match {covered}")


def delivery_id(headers: Mapping[str, str], body: bytes) -> str:
    return headers.get("x-delivery-id") or headers.get("x-request-id") or body_digest(headers, body)


def parse(headers: Mapping[str, str], body: bytes, *, settings: Settings) -> list[EventDraft]:
    payload: Any = load(body)
    if not isinstance(payload, dict):
        raise LayoutChanged("layout changed: the body is not a JSON object")
    title = next((str(payload[k]) for k in ("title", "summary", "name", "message", "event", "type") if payload.get(k)),
                 "webhook notice")
    kind: Kind = payload["kind"] if isinstance(payload.get("kind"), str) and payload["kind"] in KINDS else "account"
    severity: Severity = payload["severity"] \
        if isinstance(payload.get("severity"), str) and payload["severity"] in SEVERITIES else "notice"
    header = _timestamp_header(settings)
    # verify() let only a whole number of seconds within the tolerance through; it is stored with the body.
    signed_at = read_time(headers.get(header) or None) if header else None
    return [EventDraft(
        kind=kind,
        provider=settings.provider,
        external_id=str(payload.get("id") or delivery_id(headers, body)),
        title=clip(title, 300),
        summary=clip(str(payload.get("description") or payload.get("message") or payload.get("summary") or ""), 2000),
        url=payload.get("url") if isinstance(payload.get("url"), str) else None,
        status=str(payload["status"]) if payload.get("status") else None,
        severity=severity,
        # Times that cannot be read are no time, never a failed delivery.
        published_at=read_time(payload.get("created_at") or payload.get("timestamp")),
        # What orders two views of one event: an older one (a replay) never rolls it back.
        updated_at=read_time(payload.get("updated_at") or payload.get("timestamp")) or signed_at,
    )]


CONNECTOR = WebhookConnector(kind="generic-hmac", verify=verify, delivery_id=delivery_id, parse=parse,
                             describes="any sender with an HMAC signature header (optionally a signed timestamp)")
