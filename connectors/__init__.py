"""Connectors: one module per source kind or provider, listed explicitly by config `kind`."""

from __future__ import annotations

from connectors import (
    alibaba_model_studio,
    anthropic_deprecations,
    anthropic_spend,
    aws_health_events,
    aws_health_public,
    azure_ai_foundry_lifecycle,
    azure_openai_retirements,
    azure_service_health,
    bedrock_lifecycle,
    cerebras_deprecations,
    cohere_deprecations,
    deepseek_updates,
    feed,
    fireworks_changelog,
    gemini_deprecations,
    generic_hmac,
    google_cloud_status,
    groq_deprecations,
    lifecycle_prose,
    lifecycle_table,
    litellm_model_map,
    minimax_models,
    mistral_models,
    moonshot_models,
    openai_changelog,
    openai_deprecations,
    openai_spend,
    perplexity_changelog,
    standard_webhooks,
    status,
    statuspage,
    statuspage_webhook,
    together_deprecations,
    vertex_model_versions,
    xai_retirements,
    xiaomi_mimo_deprecations,
    zai_releases,
)
from connectors.contract.protocols import PolledConnector, WebhookConnector
from connectors.contract.spend import SpendReader

POLLED: dict[str, PolledConnector] = {
    c.kind: c
    for c in (
        statuspage.CONNECTOR,
        status.CONNECTOR,
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
        lifecycle_table.CONNECTOR,
        lifecycle_prose.CONNECTOR,
        alibaba_model_studio.CONNECTOR,
        azure_ai_foundry_lifecycle.CONNECTOR,
        cerebras_deprecations.CONNECTOR,
        cohere_deprecations.CONNECTOR,
        deepseek_updates.CONNECTOR,
        fireworks_changelog.CONNECTOR,
        minimax_models.CONNECTOR,
        mistral_models.CONNECTOR,
        moonshot_models.CONNECTOR,
        perplexity_changelog.CONNECTOR,
        together_deprecations.CONNECTOR,
        xai_retirements.CONNECTOR,
        xiaomi_mimo_deprecations.CONNECTOR,
        zai_releases.CONNECTOR,
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

# `[[spend]]` sources by `provider`: the organisation cost and usage APIs.
SPEND: dict[str, SpendReader] = {r.provider: r for r in (openai_spend.READER, anthropic_spend.READER)}
