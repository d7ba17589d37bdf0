"""Where each platform announces things, and how to subscribe: the data behind `watcher coverage`.

One row per (platform, surface): the connector kind that reads it (None where only a person can
subscribe, e.g. account e-mails), the URL to give it, and what to do."""

from __future__ import annotations

from typing import NamedTuple


class Surface(NamedTuple):
    surface: str  # status page | deprecation page | changelog | webhooks | account notices
    kind: str | None  # the [[sources]] or [[webhooks]] kind that covers it
    url: str | None
    how_to: str


def _source(kind: str, url: str, name: str) -> str:
    return f'add [[sources]] name = "{name}", kind = "{kind}", url = "{url}"'


GUIDE: dict[str, list[Surface]] = {
    "openai": [
        Surface("status page", "statuspage", "https://status.openai.com",
                _source("statuspage", "https://status.openai.com", "openai-status")),
        Surface("deprecation page", "openai-deprecations", "https://developers.openai.com/api/docs/deprecations.md",
                _source("openai-deprecations", "https://developers.openai.com/api/docs/deprecations.md",
                        "openai-deprecations")),
        Surface("changelog", "openai-changelog", "https://developers.openai.com/api/docs/changelog.md",
                _source("openai-changelog", "https://developers.openai.com/api/docs/changelog.md", "openai-changelog")),
        Surface("webhooks", "standard-webhooks", None,
                "OpenAI platform > Settings > Webhooks: add https://<public_url>/webhooks/openai for batch.*, "
                "fine_tuning.*, eval.* and safety.* events; [[webhooks]] kind = \"standard-webhooks\""),
        Surface("account notices", "standard-webhooks", None,
                "safety.* account warnings arrive through the OpenAI webhook; also route the organization "
                "owners' e-mail to a shared inbox"),
    ],
    "anthropic": [
        Surface("status page", "statuspage", "https://status.claude.com",
                _source("statuspage", "https://status.claude.com", "anthropic-status")),
        Surface("deprecation page", "anthropic-deprecations",
                "https://platform.claude.com/docs/en/about-claude/model-deprecations.md",
                _source("anthropic-deprecations",
                        "https://platform.claude.com/docs/en/about-claude/model-deprecations.md",
                        "anthropic-deprecations")),
        Surface("changelog", "feed", "https://platform.claude.com/docs/en/release-notes/feed.xml",
                _source("feed", "https://platform.claude.com/docs/en/release-notes/feed.xml",
                        "anthropic-release-notes")),
        Surface("webhooks", "statuspage-webhook", None,
                "status.claude.com > Subscribe to updates > Webhook: https://<public_url>/webhooks/<name>/<token>; "
                "[[webhooks]] kind = \"statuspage-webhook\""),
        Surface("account notices", None, None,
                "Anthropic e-mails deprecation and account notices to the organization's admins: route them to "
                "a shared inbox the team reads"),
    ],
    "bedrock": [
        Surface("status page", "aws-health-public", "https://health.aws.amazon.com/public/currentevents",
                _source("aws-health-public", "https://health.aws.amazon.com/public/currentevents", "aws-health")
                + ', include = ["Bedrock"]'),
        Surface("deprecation page", "bedrock-lifecycle",
                "https://docs.aws.amazon.com/bedrock/latest/userguide/model-lifecycle.html",
                _source("bedrock-lifecycle", "https://docs.aws.amazon.com/bedrock/latest/userguide/model-lifecycle.html",
                        "bedrock-lifecycle")),
        Surface("webhooks", "aws-health", None,
                "EventBridge rule on source aws.health with an API destination to https://<public_url>/webhooks/aws "
                "(API key header); [[webhooks]] kind = \"aws-health\""),
        Surface("account notices", "aws-health", None,
                "account-specific AWS Health events (scheduled changes, account notifications) arrive through the "
                "same EventBridge rule"),
    ],
    "vertex": [
        Surface("status page", "google-cloud-status", "https://status.cloud.google.com/incidents.json",
                _source("google-cloud-status", "https://status.cloud.google.com/incidents.json", "google-cloud-status")
                + ', include = ["Vertex"]'),
        Surface("deprecation page", "vertex-model-versions",
                "https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/model-versions",
                _source("vertex-model-versions",
                        "https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/model-versions",
                        "vertex-model-versions")),
        Surface("account notices", None, None,
                "Google Cloud Personalized Service Health and the project's Essential Contacts (technical, "
                "legal) receive model retirement e-mails: set them to a team address"),
    ],
    "gemini": [
        Surface("deprecation page", "gemini-deprecations", "https://ai.google.dev/gemini-api/docs/deprecations",
                _source("gemini-deprecations", "https://ai.google.dev/gemini-api/docs/deprecations",
                        "gemini-deprecations")),
        Surface("status page", "google-cloud-status", "https://status.cloud.google.com/incidents.json",
                _source("google-cloud-status", "https://status.cloud.google.com/incidents.json", "google-cloud-status")
                + ', include = ["Gemini"]'),
    ],
    "azure-openai": [
        Surface("deprecation page", "azure-openai-retirements",
                "https://learn.microsoft.com/en-us/azure/ai-foundry/openai/concepts/model-retirements",
                _source("azure-openai-retirements",
                        "https://learn.microsoft.com/en-us/azure/ai-foundry/openai/concepts/model-retirements",
                        "azure-openai-retirements")),
        Surface("webhooks", "azure-service-health", None,
                "Azure Service Health alert rule (service Azure OpenAI) with an action group webhook to "
                "https://<public_url>/webhooks/azure/<token>; [[webhooks]] kind = \"azure-service-health\""),
        Surface("account notices", "azure-service-health", None,
                "health advisories and retirement notices arrive as Service Health alerts through the same action "
                "group"),
    ],
    "groq": [
        Surface("deprecation page", "groq-deprecations", "https://console.groq.com/docs/deprecations.md",
                _source("groq-deprecations", "https://console.groq.com/docs/deprecations.md", "groq-deprecations")),
        Surface("status page", "statuspage", "https://groqstatus.com",
                _source("statuspage", "https://groqstatus.com", "groq-status")),
    ],
}
