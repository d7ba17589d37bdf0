"""Azure Service Health alerts through an action group webhook (common alert schema).

`impactedServices` arrives as a JSON *string* in real alerts and as an array in test actions.
Action groups sign nothing here, so the secret is a token in the URL."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from connectors._html import html_to_text
from connectors._json import load
from connectors._shapes import mapping, objects
from connectors._webhook_auth import body_digest, verify_path_token
from connectors.contract.dates import timestamp
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, Kind, Severity
from connectors.contract.protocols import Settings, WebhookConnector

KINDS: dict[str, tuple[Kind, Severity]] = {
    "incident": ("incident", "warning"), "maintenance": ("maintenance", "info"),
    "informational": ("account", "notice"), "actionrequired": ("account", "warning"),
    "security": ("account", "critical"),
}


def _properties(payload: Any) -> dict[str, Any]:
    data = mapping(payload.get("data", payload)) if isinstance(payload, dict) else {}
    context = data.get("alertContext")
    properties = context.get("properties") if isinstance(context, dict) else None
    if not isinstance(properties, dict):
        raise LayoutChanged("layout changed: no data.alertContext.properties (common alert schema)")
    return {**properties, "_context": context, "_essentials": mapping(data.get("essentials"))}


def delivery_id(headers: Mapping[str, str], body: bytes) -> str:
    try:
        properties = _properties(json.loads(body))
    except (ValueError, LayoutChanged):
        return body_digest(headers, body)
    return str(properties.get("communicationId") or properties["_context"].get("eventDataId")
               or body_digest(headers, body))


def parse(headers: Mapping[str, str], body: bytes, *, settings: Settings) -> list[EventDraft]:
    properties = _properties(load(body))
    context, essentials = properties["_context"], properties["_essentials"]
    listed = properties.get("impactedServices") or []
    services = objects(load(listed) if isinstance(listed, str) else listed)
    kind, severity = KINDS.get(str(properties.get("incidentType", "")).lower().replace(" ", ""), ("account", "notice"))
    stage = str(properties.get("stage") or context.get("status") or "").lower()
    return [EventDraft(
        kind=kind,
        provider=settings.provider,
        external_id=str(properties.get("trackingId") or properties.get("maintenanceId") or delivery_id(headers, body)),
        title=str(properties.get("title") or properties.get("defaultLanguageTitle") or "Azure Service Health alert"),
        summary=html_to_text(str(properties.get("communication") or properties.get("defaultLanguageContent") or "")),
        status="resolved" if stage in ("resolved", "complete", "mitigated") else stage or None,
        severity=severity,
        published_at=timestamp(essentials.get("firedDateTime") or context.get("eventTimestamp")),
        updated_at=timestamp(context.get("submissionTimestamp") or context.get("eventTimestamp")),
        starts_at=timestamp(properties.get("impactStartTime")),
        ends_at=timestamp(properties.get("impactMitigationTime")) if stage in ("resolved", "complete") else None,
        components=sorted({str(s.get("ServiceName")) for s in services if s.get("ServiceName")}),
        regions=sorted({str(r.get("RegionName")) for s in services for r in objects(s.get("ImpactedRegions"))}),
        extra={"communication_id": properties.get("communicationId"), "synthetic": properties.get("IsSynthetic")},
    )]


CONNECTOR = WebhookConnector(kind="azure-service-health", verify=verify_path_token, delivery_id=delivery_id,
                             parse=parse, token_in_path=True,
                             describes="Azure Monitor action group, Service Health alerts")
