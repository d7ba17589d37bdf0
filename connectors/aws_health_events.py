"""AWS Health events from EventBridge (`source: aws.health`), delivered by an API destination that
sends the secret in a header. One event per eventArn; each communication is a delivery."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from connectors._json import load
from connectors._shapes import mapping, objects
from connectors._webhook_auth import body_digest, verify_header_token
from connectors.contract.dates import timestamp
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, Kind, Severity
from connectors.contract.protocols import Settings, WebhookConnector

CATEGORIES: dict[str, tuple[Kind, Severity]] = {
    "issue": ("incident", "warning"), "investigation": ("incident", "notice"),
    "scheduledchange": ("maintenance", "notice"), "accountnotification": ("account", "notice"),
}
STATUS = {"open": "open", "closed": "resolved", "upcoming": "scheduled"}


def _detail(payload: Any) -> dict[str, Any]:
    detail = payload.get("detail") if isinstance(payload, dict) else None
    if not isinstance(detail, dict) or not isinstance(detail.get("eventArn"), str) or not detail["eventArn"].strip():
        raise LayoutChanged("layout changed: no detail.eventArn (EventBridge 'AWS Health Event')")
    return detail


def delivery_id(headers: Mapping[str, str], body: bytes) -> str:
    try:
        detail = _detail(json.loads(body))
    except (ValueError, LayoutChanged):
        return body_digest(headers, body)
    return f"{detail['eventArn']}#{detail.get('communicationId') or body_digest(headers, body)}"


def parse(headers: Mapping[str, str], body: bytes, *, settings: Settings) -> list[EventDraft]:
    payload = load(body)
    detail = _detail(payload)
    kind, severity = CATEGORIES.get(str(detail.get("eventTypeCategory", "")).lower(), ("account", "notice"))
    descriptions = objects(detail.get("eventDescription"))
    text = next((d.get("latestDescription") for d in descriptions if d.get("language", "en_US") == "en_US"), "")
    status = STATUS.get(str(detail.get("statusCode", "")).lower(), detail.get("statusCode"))
    return [EventDraft(
        kind=kind,
        provider=settings.provider,
        external_id=str(detail["eventArn"]),
        title=f"AWS {detail.get('service')}: {detail.get('eventTypeCode')}",
        summary=str(text or ""),
        url="https://health.aws.amazon.com/health/home#/account/dashboard/open-issues",
        status=status,
        severity=severity,
        published_at=timestamp(detail.get("startTime") or mapping(payload).get("time")),
        updated_at=timestamp(detail.get("lastUpdatedTime") or mapping(payload).get("time")),
        starts_at=timestamp(detail.get("startTime")),
        ends_at=timestamp(detail.get("endTime")),
        components=[str(detail["service"])] if detail.get("service") else [],
        regions=[str(detail.get("eventRegion") or mapping(payload).get("region"))]
        if detail.get("eventRegion") or mapping(payload).get("region") else [],
        extra={"event_type_code": detail.get("eventTypeCode"), "scope": detail.get("eventScopeCode"),
               "communication_id": detail.get("communicationId"), "account": detail.get("affectedAccount")},
    )]


CONNECTOR = WebhookConnector(kind="aws-health", verify=verify_header_token, delivery_id=delivery_id, parse=parse,
                             describes="AWS Health via EventBridge API destination (secret in a header)")
