"""LiteLLM's model map (`model_prices_and_context_window.json`): `deprecation_date` per model key.

A third party's copy of the providers' dates: useful for coverage and as a second opinion, so its
events say `third_party` and never overrule a provider's own page (see the pipeline).
Keys are provider-qualified (`azure/eu/o1`, `bedrock/ap-southeast-2/mistral.voxtral-…`,
`1024-x-1024/50-steps/bedrock/amazon.nova-canvas-v1:0`): the platform comes from the entry's
provider, the model id from what is left of the key once prefixes, regions and sizes are gone.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from connectors._deprecation import deprecation
from connectors._json import load
from connectors.contract.dates import Deadline, first_dated, parse_deadline
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, ParseResult
from connectors.contract.protocols import NO_HINTS, Hints, PolledConnector, single_document

PLATFORMS = {
    "openai": "openai", "text-completion-openai": "openai", "azure": "azure-openai", "azure_ai": "azure-ai",
    "bedrock": "bedrock", "bedrock_converse": "bedrock", "anthropic": "anthropic", "gemini": "gemini",
    "mistral": "mistral", "codestral": "mistral", "text-completion-codestral": "mistral", "xai": "xai",
    "deepseek": "deepseek", "fireworks_ai": "fireworks", "together_ai": "together", "groq": "groq",
    "cohere": "cohere", "cohere_chat": "cohere", "dashscope": "alibaba", "moonshot": "moonshot",
    "perplexity": "perplexity", "cerebras": "cerebras", "zai": "zai", "minimax": "minimax",
    "xiaomi_mimo": "xiaomi",
}
_PREFIXES = {*PLATFORMS, "vertex_ai", "openai", "azure"}
_QUALIFIER = re.compile(
    r"^(?:\d+-x-\d+|\d+-steps|max-x-max|low|medium|high|hd|standard|eu|us|global|apac|"
    r"[a-z]{2}(?:-gov)?-[a-z]+-\d)$")
URL = "https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json"


def platform_of(provider: str) -> str:
    return "vertex" if provider.startswith("vertex_ai") else PLATFORMS.get(provider, provider.replace("_", "-"))


def split_key(key: str) -> tuple[str, list[str]]:
    """(model id, qualifiers such as regions) from a LiteLLM key."""
    parts = key.split("/")
    qualifiers = []
    while len(parts) > 1 and (parts[0] in _PREFIXES or _QUALIFIER.match(parts[0])):
        head = parts.pop(0)
        if head not in _PREFIXES:
            qualifiers.append(head)
    if "models" in parts[:-1]:
        parts = parts[parts.index("models") + 1:]
    return "/".join(parts), qualifiers


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    entries = load(body)
    if not isinstance(entries, dict):
        raise LayoutChanged("layout changed: the model map is not a JSON object")
    grouped: dict[tuple[str, str], list[tuple[str, dict[str, Any], list[str]]]] = {}
    dated = 0
    for key, entry in entries.items():
        if not isinstance(entry, dict) or not entry.get("deprecation_date"):
            continue
        dated += 1
        provider = str(entry.get("litellm_provider") or entry.get("provider") or key.split("/")[0])
        model, qualifiers = split_key(key)
        grouped.setdefault((platform_of(provider), model), []).append((key, entry, qualifiers))
    if dated == 0 and len(entries) > 1:
        raise LayoutChanged("layout changed: no entry with a 'deprecation_date' in the model map")
    read: dict[str, Deadline] = {}  # the map repeats a few dates across hundreds of keys: each is read once
    undated = parse_deadline(None)  # immutable: one serves every model without a date
    return ParseResult(drafts=[_draft(p, m, e, read, undated) for (p, m), e in sorted(grouped.items())],
                       items_seen=dated, document="model-map")


_SIZES = frozenset({"low", "medium", "high", "hd", "standard", "max-x-max"})


def _draft(platform: str, model: str, entries: list[tuple[str, dict[str, Any], list[str]]],
           read: dict[str, Deadline], undated: Deadline) -> EventDraft:
    """One model's entries, each with the qualifiers its key carries (`split_key`)."""
    dates = {key: _deadline(entry["deprecation_date"], read) for key, entry, _ in entries}
    first = first_dated(dates.values()) or undated
    regions = sorted({q for _, _, qualifiers in entries for q in qualifiers
                      if not q[0].isdigit() and "-x-" not in q and q not in _SIZES})
    # Most models have one key: one date, nothing in conflict.
    conflicting = None
    if len(dates) > 1 and len({d.iso for d in dates.values()}) > 1:
        conflicting = {k: d.iso for k, d in sorted(dates.items())}
    sources = sorted({str(e.get("deprecation_source")) for _, e, _ in entries if e.get("deprecation_source")})
    return deprecation(
        platform=platform, model=model, deadline=first, url=sources[0] if sources else URL,
        title=f"{model} on {platform}: deprecation {first.iso} (per LiteLLM's model map)", regions=regions,
        extra={"third_party": True, "publisher": "LiteLLM's model map", "litellm_keys": sorted(dates),
               "conflicting_dates": conflicting, "cited_sources": sources},
    )


def _deadline(value: object, read: dict[str, Deadline]) -> Deadline:
    if not isinstance(value, str):
        return parse_deadline(value)
    known = read.get(value)
    if known is None:
        known = read[value] = parse_deadline(value)
    return known


CONNECTOR = PolledConnector(kind="litellm-model-map", parse=parse, documents=single_document,
                            describes="LiteLLM model map JSON (deprecation_date entries)", lifecycle=True)
