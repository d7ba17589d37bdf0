"""Connectors: one module per source kind or provider, listed explicitly by config `kind`."""

from __future__ import annotations

from connectors import (
    anthropic_deprecations,
    aws_health_events,
    aws_health_public,
    azure_openai_retirements,
    azure_service_health,
    bedrock_lifecycle,
    feed,
    gemini_deprecations,
    generic_hmac,
    google_cloud_status,
    groq_deprecations,
    litellm_model_map,
    openai_changelog,
    openai_deprecations,
    standard_webhooks,
    statuspage,
    statuspage_webhook,
    vertex_model_versions,
)
from watcher.ingest.connector import PolledConnector, WebhookConnector

POLLED: dict[str, PolledConnector] = {
    c.kind: c
    for c in (
        statuspage.CONNECTOR,
        feed.CONNECTOR,
        google_cloud_status.CONNECTOR,
        aws_health_public.CONNECTOR,
        openai_deprecations.CONNECTOR,
        anthropic_deprecations.CONNECTOR,
        gemini_deprecations.CONNECTOR,
        vertex_model_versions.CONNECTOR,
        azure_openai_retirements.CONNECTOR,
        bedrock_lifecycle.CONNECTOR,
        groq_deprecations.CONNECTOR,
        litellm_model_map.CONNECTOR,
        openai_changelog.CONNECTOR,
    )
}

WEBHOOKS: dict[str, WebhookConnector] = {
    c.kind: c
    for c in (
        standard_webhooks.CONNECTOR,
        statuspage_webhook.CONNECTOR,
        azure_service_health.CONNECTOR,
        aws_health_events.CONNECTOR,
        generic_hmac.CONNECTOR,
    )
}
