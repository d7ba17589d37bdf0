"""health.aws.amazon.com/public/currentevents: the AWS Health Dashboard's open public events.

The body is UTF-16 with a byte-order mark; `status` comes as a string or a number
(0 resolved, 1 informational, 2 degraded, 3 disrupted); times are epoch seconds. The list holds only
open events, so an event missing from it has ended, and an empty list is a quiet day.
"""

from __future__ import annotations

import codecs
from datetime import UTC, datetime
from typing import Any

from connectors._html import clip
from connectors._json import load
from connectors._shapes import mapping, objects
from connectors.contract.dates import isoformat, timestamp
from connectors.contract.errors import LayoutChanged, ParseError
from connectors.contract.events import EventDraft, ParseResult, Severity
from connectors.contract.protocols import NO_HINTS, Hints, PolledConnector, single_document

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # sorts an undated log entry last
STATUS: dict[int, tuple[str, Severity]] = {
    0: ("resolved", "info"), 1: ("informational", "notice"), 2: ("degraded", "warning"),
    3: ("disrupted", "critical"),
}
PAGE = "https://health.aws.amazon.com/health/status"


def decode(body: bytes) -> str:
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return body.decode("utf-16")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("utf-16")


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    try:
        text = decode(body)
    except UnicodeDecodeError as exc:
        raise ParseError(f"neither UTF-8 nor UTF-16: {exc}") from exc
    doc = load(text) if text.strip() else []
    events = [doc] if isinstance(doc, dict) else doc
    if not isinstance(events, list):
        raise LayoutChanged(f"layout changed: expected a list of events, got {type(doc).__name__}")
    drafts = [_event(item) for item in events]
    return ParseResult(drafts=drafts, items_seen=len(events), complete_kinds=frozenset({"incident"}),
                       document="currentevents", may_be_empty=True)


def _status(value: object) -> tuple[str, Severity]:
    try:
        return STATUS[int(str(value))]
    except (KeyError, ValueError):
        return (str(value), "notice")


def _event(item: Any) -> EventDraft:
    if not isinstance(item, dict) or "arn" not in item:
        raise LayoutChanged("layout changed: an event lacks 'arn'")
    entries = item.get("event_log")
    log = sorted((e for e in entries if isinstance(e, dict)) if isinstance(entries, list) else [],
                 key=lambda e: timestamp(e.get("timestamp")) or EPOCH, reverse=True)
    # The top-level status is the event's current one; the log's statuses are per message.
    current = item.get("status") if item.get("status") not in (None, "") else (log[0].get("status") if log else None)
    status, severity = _status(current)
    arn = str(item["arn"])
    # arn:aws:health:<region>::event/<service>/<type code>/<id>
    arn_parts = arn.split(":")
    region = arn_parts[3] if len(arn_parts) > 3 and arn_parts[3] else ""
    impacted = mapping(item.get("impacted_services"))
    components = {str(item.get("service_name") or item.get("service") or "")}
    components |= {str(v.get("service_name")) for v in impacted.values() if isinstance(v, dict)}
    components |= {str(c.get("service_name")) for c in objects(item.get("impacted_service_status_changes"))}
    latest = log[0] if log else {}
    return EventDraft(
        kind="incident",
        external_id=arn,
        title=f"{item.get('service_name') or item.get('service')}: {item.get('summary') or latest.get('summary')}",
        summary=clip(str(latest.get("message") or ""), 2000),
        url=PAGE,
        status=status,
        severity=severity,
        published_at=timestamp(item.get("date")),
        updated_at=timestamp(latest.get("timestamp")) or timestamp(item.get("date")),
        starts_at=timestamp(item.get("date")),
        components=sorted(c for c in components if c),
        regions=[region] if region else [],
        updates=[
            {"at": isoformat(timestamp(e.get("timestamp"))), "status": _status(e.get("status"))[0],
             "body": clip(f"{e.get('summary') or ''}: {e.get('message') or ''}", 2000)}
            for e in log
        ],
        extra={"region_name": item.get("region_name"), "service": item.get("service")},
    )


CONNECTOR = PolledConnector(
    kind="aws-health-public", parse=parse, documents=single_document,
    describes="AWS Health Dashboard public current events",
)
