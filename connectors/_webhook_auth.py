"""Ways senders that do not sign prove who they are: a token in the URL or in a header."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from connectors.contract.errors import SignatureError
from connectors.contract.protocols import Settings


def _same(given: str, secret: str | None) -> bool:
    return bool(secret) and hmac.compare_digest(given.encode(), str(secret).encode())


def verify_path_token(headers: Mapping[str, str], body: bytes, secret: str | None, *, settings: Settings,
                      now: float, token: str | None = None) -> None:
    if not token:
        raise SignatureError(f"missing token: post to /webhooks/{settings.name}/<token>")
    if not _same(token, secret):
        raise SignatureError("wrong token in the URL")


def verify_header_token(headers: Mapping[str, str], body: bytes, secret: str | None, *, settings: Settings,
                        now: float, token: str | None = None) -> None:
    header = (settings.header or "x-watcher-token").lower()
    given = headers.get(header)
    if not given:
        raise SignatureError(f"missing {header} header")
    if not _same(given.removeprefix("Bearer ").strip(), secret):
        raise SignatureError(f"wrong secret in the {header} header")


def body_digest(headers: Mapping[str, str], body: bytes) -> str:
    """For senders that give no delivery id: the same body twice is the same delivery."""
    return hashlib.sha256(body).hexdigest()
