"""Atlassian Statuspage webhook subscriptions. Statuspage signs nothing, so the secret is a token
in the URL (`/webhooks/{name}/{token}`). Incidents become revisions of the very event the
`statuspage` poller makes (same key); component changes are events of their own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors._json import load
from connectors._statuspage_objects import component_draft, incident_draft
from connectors._webhook_auth import body_digest, verify_path_token
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft
from connectors.contract.protocols import Settings, WebhookConnector


def parse(headers: Mapping[str, str], body: bytes, *, settings: Settings) -> list[EventDraft]:
    payload: Any = load(body)
    if not isinstance(payload, dict):
        raise LayoutChanged("layout changed: a Statuspage webhook body is a JSON object")
    if isinstance(payload.get("incident"), dict):
        incident = payload["incident"]
        draft = incident_draft(incident, "")
        shortlink = incident.get("shortlink")
        draft.url = shortlink if isinstance(shortlink, str) and shortlink else None
    elif isinstance(payload.get("component_update"), dict):
        component = payload.get("component")
        draft = component_draft(component if isinstance(component, dict) else {}, payload["component_update"], "")
    else:
        raise LayoutChanged("layout changed: neither 'incident' nor 'component_update' in the body")
    draft.provider = settings.provider
    return [draft]


CONNECTOR = WebhookConnector(kind="statuspage-webhook", verify=verify_path_token, delivery_id=body_digest, parse=parse,
                             token_in_path=True, describes="Atlassian Statuspage subscription (token in URL)")
