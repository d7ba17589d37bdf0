"""Any sender that signs the raw body with an HMAC in a header: header, algorithm (sha256/sha1),
encoding (hex/base64) and prefix ("sha256=") come from the `[[webhooks]]` entry."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from connectors._html import clip
from connectors._json import load
from connectors._webhook_auth import body_digest
from watcher.connector import Settings, WebhookConnector
from watcher.dates import parse_timestamp
from watcher.errors import ConfigError, LayoutChanged, SignatureError
from watcher.events import SEVERITIES, EventDraft, Kind

KINDS: frozenset[Kind] = frozenset({"incident", "maintenance", "deprecation", "changelog", "account", "billing"})


def signature(secret: str, body: bytes, *, algorithm: str, encoding: str) -> str:
    digest = hmac.new(secret.encode(), body, getattr(hashlib, algorithm)).digest()
    return digest.hex() if encoding == "hex" else base64.b64encode(digest).decode()


def verify(headers: Mapping[str, str], body: bytes, secret: str | None, *, settings: Settings, now: float,
           token: str | None = None) -> None:
    if not secret:
        raise ConfigError("the webhook secret must be set (secret_env names an empty variable)")
    header = (settings.header or "x-signature").lower()
    given = headers.get(header)
    if not given:
        raise SignatureError(f"missing {header} header")
    if settings.prefix and not given.startswith(settings.prefix):
        raise SignatureError(f"{header} does not start with {settings.prefix!r}")
    expected = signature(secret, body, algorithm=settings.algorithm, encoding=settings.encoding)
    value = given.removeprefix(settings.prefix).strip()
    if settings.encoding == "hex":
        value = value.lower()
    if not hmac.compare_digest(value.encode(), expected.encode()):
        raise SignatureError(f"the {settings.algorithm} signature in {header} does not match the body")


def delivery_id(headers: Mapping[str, str], body: bytes) -> str:
    return headers.get("x-delivery-id") or headers.get("x-request-id") or body_digest(headers, body)


def parse(headers: Mapping[str, str], body: bytes, *, settings: Settings) -> list[EventDraft]:
    payload: Any = load(body)
    if not isinstance(payload, dict):
        raise LayoutChanged("layout changed: the body is not a JSON object")
    title = next((str(payload[k]) for k in ("title", "summary", "name", "message", "event", "type") if payload.get(k)),
                 "webhook notice")
    kind = payload.get("kind") if payload.get("kind") in KINDS else "account"
    severity = payload.get("severity") if payload.get("severity") in SEVERITIES else "notice"
    return [EventDraft(
        kind=kind,
        provider=settings.provider,
        external_id=str(payload.get("id") or delivery_id(headers, body)),
        title=clip(title, 300),
        summary=clip(str(payload.get("description") or payload.get("message") or payload.get("summary") or ""), 2000),
        url=payload.get("url") if isinstance(payload.get("url"), str) else None,
        status=str(payload["status"]) if payload.get("status") else None,
        severity=severity,
        published_at=parse_timestamp(payload.get("created_at") or payload.get("timestamp")),
    )]


CONNECTOR = WebhookConnector(kind="generic-hmac", verify=verify, delivery_id=delivery_id, parse=parse,
                             describes="any sender with an HMAC signature header")
