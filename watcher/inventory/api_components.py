"""Which status-page components an API caller depends on, per provider: the data behind incident
matching for inventory uses that list no components. Pure data, no code paths.

Keyed by the provider whose status page reports the incident. `components` are the names as the
page writes them; a component named "Claude API (api.anthropic.com)" counts by its name before the
brackets or by the host in them. Consumer products (ChatGPT, Sora, Login, Conversations, claude.ai) are deliberately
absent: an incident that names only them does not reach a service that calls the API.
"""

from __future__ import annotations

from typing import NamedTuple


class ApiSurface(NamedTuple):
    components: tuple[str, ...]
    # The word that, in this page's prose, means the API as a whole ("errors affecting ChatGPT and
    # the API"). It counts only when not narrowed by a product name in front of it: "Compliance API"
    # or "Ads API" are other products' APIs, not the one our services call. None where the page's
    # prose uses the bare word for things around the API (console pages, key management).
    general: str | None = None
    # Names in front of the general word that still mean the API as a whole ("OpenAI's API").
    owners: tuple[str, ...] = ()


API_SURFACES: dict[str, ApiSurface] = {
    # status.openai.com (incident.io) lists each endpoint family as its own component, next to
    # ChatGPT's ("Image Generation", "File uploads", "Agent") which share words with them but are not
    # the API; "Compliance API" and "Ads API" are enterprise/ads products, not the model API.
    # Its incidents say "the API" for all of them at once.
    "openai": ApiSurface(
        components=("API", "Chat Completions", "Completions", "Responses", "Realtime", "Embeddings", "Batch",
                    "Files", "Fine-tuning", "Images", "Audio", "Moderations", "Agents", "Assistants",
                    "Vector stores"),
        general="API",
        owners=("OpenAI",),
    ),
    # status.claude.com names the API "Claude API (api.anthropic.com)". Its incidents use a bare "API"
    # for console features too ("the Admin API usage report", "API keys"), and say "API requests are
    # not affected" in claude.ai incidents, so the bare word is not trusted here.
    "anthropic": ApiSurface(
        components=("Claude API", "Anthropic API", "api.anthropic.com"),
    ),
}
