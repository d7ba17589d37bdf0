"""What the `status` platform readers share: where a page lives, and an update as events carry it. Pure."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from connectors._html import clip
from connectors.contract.dates import isoformat


def page_url(domain: object, fetched_url: str) -> str:
    """The page's own address where the document names its domain (a body served from another host
    reads the same), else the origin it was fetched from."""
    if isinstance(domain, str) and domain.strip() and "/" not in domain.strip():
        return f"https://{domain.strip()}"
    parts = urlsplit(fetched_url)
    return f"{parts.scheme}://{parts.netloc}"


def update(at: datetime | None, status: object, body: object) -> dict[str, Any]:
    """One status update, as the statuspage connector writes them: {"at", "status", "body"}."""
    return {"at": isoformat(at), "status": str(status).lower() if isinstance(status, str) and status else None,
            "body": clip(str(body or ""), 2000)}
