"""Standard Webhooks (OpenAI, Anthropic's managed agents, any Standard Webhooks sender).

HMAC-SHA256 over `id.timestamp.body` on the raw bytes with the base64 key of a `whsec_` secret;
`webhook-signature` holds space-separated `v1,<base64>` entries, any of which may match; other
versions are ignored; the timestamp must be within the tolerance both ways. Written here rather
than taken from the `standardwebhooks` package because time must be passed in (the shared test
vectors are pinned to a moment in 2025) and each refusal must say why.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from connectors._json import load
from connectors._shapes import mapping
from connectors.contract.dates import timestamp
from connectors.contract.errors import LayoutChanged, MissingSecret, SignatureError
from connectors.contract.events import EventDraft, Severity
from connectors.contract.protocols import Settings, WebhookConnector

# OpenAI event types that need a human: account warnings and failed work.
FAILURES: dict[str, Severity] = {
    "batch.failed": "warning", "batch.expired": "warning", "fine_tuning.job.failed": "warning",
    "eval.run.failed": "warning",
}


def signing_key(secret: str) -> bytes:
    raw = secret.removeprefix("whsec_")
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return raw.encode()  # not base64: it cannot produce a matching signature, and will say so


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(signing_key(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(headers: Mapping[str, str], body: bytes, secret: str | None, *, settings: Settings, now: float,
           token: str | None = None) -> None:
    if not secret:
        raise MissingSecret("the webhook secret must be set (secret_env names an empty variable)")
    for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        if not headers.get(name):
            raise SignatureError(f"missing {name} header")
    try:
        timestamp = int(headers["webhook-timestamp"])
    except ValueError:
        raise SignatureError("webhook-timestamp is not a number of seconds") from None
    if now - timestamp > settings.tolerance:
        raise SignatureError(f"webhook-timestamp is too old ({int(now - timestamp)} s, tolerance "
                             f"{int(settings.tolerance)} s)")
    if timestamp - now > settings.tolerance:
        raise SignatureError(f"webhook-timestamp is too new ({int(timestamp - now)} s ahead, tolerance "
                             f"{int(settings.tolerance)} s)")
    expected = sign(secret, headers["webhook-id"], timestamp, body).removeprefix("v1,")
    for entry in headers["webhook-signature"].split():
        version, _, value = entry.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), expected.encode()):
            return
    raise SignatureError("no v1 signature in webhook-signature matches the body")


def delivery_id(headers: Mapping[str, str], body: bytes) -> str:
    return headers["webhook-id"]


def parse(headers: Mapping[str, str], body: bytes, *, settings: Settings) -> list[EventDraft]:
    event: Any = load(body)
    if not isinstance(event, dict) or not event.get("type"):
        raise LayoutChanged("layout changed: a Standard Webhooks event without 'type'")
    kind = str(event["type"])
    data = mapping(event.get("data"))
    subject = data.get("id") or ""
    if kind.startswith("safety."):
        severity: Severity = "critical"
    elif kind in FAILURES:
        severity = FAILURES[kind]
    elif kind.endswith((".failed", ".expired", ".cancelled", ".canceled", ".incomplete")):
        severity = "notice"
    else:
        severity = "info"  # success: recorded, never escalated
    return [EventDraft(
        kind="account",
        provider=settings.provider,
        external_id=str(event.get("id") or headers.get("webhook-id")),
        title=f"{settings.provider} {kind}" + (f": {subject}" if subject else ""),
        summary=f"{kind} for {subject}" if subject else kind,
        status=kind.rsplit(".", 1)[-1],
        severity=severity,
        published_at=timestamp(event.get("created_at")),
        updated_at=timestamp(event.get("created_at")),
        extra={"event_type": kind, "subject": subject or None, "escalate": severity != "info"},
    )]


CONNECTOR = WebhookConnector(kind="standard-webhooks", verify=verify, delivery_id=delivery_id, parse=parse,
                             describes="Standard Webhooks (OpenAI): whsec_ secret, signed id.timestamp.body")
