"""status.cloud.google.com `incidents.json`: every Google Cloud incident, keyed on product ids."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from connectors._html import clip
from connectors._json import load
from connectors._shapes import mapping, objects
from connectors.contract.dates import isoformat, timestamp
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, ParseResult, Severity
from connectors.contract.protocols import NO_HINTS, Hints, PolledConnector, single_document

SEVERITY: dict[str, Severity] = {"low": "notice", "medium": "warning", "high": "critical"}
PAGE = "https://status.cloud.google.com"


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    incidents = load(body)
    if not isinstance(incidents, list):
        raise LayoutChanged(f"layout changed: expected a list of incidents, got {type(incidents).__name__}")
    drafts = [_incident(item) for item in incidents]
    return ParseResult(drafts=drafts, items_seen=len(incidents), document="incidents")


def _incident(item: Any) -> EventDraft:
    if not isinstance(item, dict) or not str(item.get("id") or "").strip() or "affected_products" not in item:
        raise LayoutChanged("layout changed: an incident lacks 'id' or 'affected_products'")
    latest = mapping(item.get("most_recent_update"))
    ended = timestamp(item.get("end"))
    products = objects(item.get("affected_products"))
    locations = [*objects(item.get("currently_affected_locations")),
                 *objects(item.get("previously_affected_locations"))]
    updates = sorted(objects(item.get("updates")), key=lambda u: str(u.get("when") or ""), reverse=True)
    return EventDraft(
        kind="incident",
        external_id=str(item["id"]),
        title=str(item.get("external_desc") or item.get("service_name") or item["id"]).strip(),
        summary=clip(str(latest.get("text") or ""), 2000),
        url=f"{PAGE}/{item['uri']}" if item.get("uri") else f"{PAGE}/incidents/{item['id']}",
        status="resolved" if ended else str(latest.get("status") or "ongoing").lower(),
        severity=SEVERITY.get(str(item.get("severity")).lower(), "notice"),
        published_at=timestamp(item.get("created")),
        updated_at=timestamp(item.get("modified")),
        starts_at=timestamp(item.get("begin")),
        ends_at=ended,
        # Titles change over time (`current_title`); the product id is the stable part.
        components=sorted({str(p.get("current_title") or p.get("title")) for p in products}),
        regions=sorted({str(loc.get("id")) for loc in locations if loc.get("id")}),
        updates=[
            {"at": isoformat(timestamp(u.get("when"))), "status": u.get("status"),
             "body": clip(str(u.get("text") or ""), 2000)}
            for u in updates
        ],
        extra={"product_ids": sorted({str(p.get("id")) for p in products if p.get("id")})},
    )


CONNECTOR = PolledConnector(
    kind="google-cloud-status", parse=parse, documents=single_document,
    describes="Google Cloud status incidents.json",
)
