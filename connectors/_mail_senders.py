"""Who sends provider mail: the domains each provider mails from, the platform a mail is about, and
what the receiving server's `Authentication-Results` prove about a domain (read with `authres`).

A mail counts as the provider's only when the receiving server recorded a DKIM pass for a signing
domain under the provider's domain, an SPF pass for an envelope sender under it, or a DMARC pass for
a From domain under it. Which `Authentication-Results` are believed: those added by one of the
mailbox's trusted authserv-ids, else only the topmost one (the receiving server prepends its own;
anything below it came with the message and may be forged). Pure."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import authres

# Registrable domain -> vendor. A vendor with several platforms is told apart by what the mail says.
VENDORS = {
    "anthropic.com": "anthropic", "claude.com": "anthropic", "claude.ai": "anthropic",
    "openai.com": "openai",
    "google.com": "google",
    "amazon.com": "aws", "amazonaws.com": "aws", "aws.com": "aws",
    "microsoft.com": "azure", "azure.com": "azure",
    "cohere.com": "cohere", "cohere.ai": "cohere",
    "mistral.ai": "mistral",
    "x.ai": "xai",
    "deepseek.com": "deepseek",
    "alibabacloud.com": "alibaba", "aliyun.com": "alibaba",
    "cerebras.ai": "cerebras", "cerebras.net": "cerebras",
    "moonshot.ai": "moonshot", "moonshot.cn": "moonshot",
    "xiaomi.com": "xiaomi",
    "minimax.io": "minimax", "minimaxi.com": "minimax",
    "z.ai": "zai", "zhipuai.cn": "zai", "bigmodel.cn": "zai",
    "fireworks.ai": "fireworks",
    "perplexity.ai": "perplexity",
    "together.ai": "together", "together.xyz": "together",
    "groq.com": "groq",
}
NAMES = {
    "anthropic": "Anthropic", "openai": "OpenAI", "google": "Google", "aws": "AWS", "azure": "Microsoft Azure",
    "cohere": "Cohere", "mistral": "Mistral AI", "xai": "xAI", "deepseek": "DeepSeek", "alibaba": "Alibaba Cloud",
    "cerebras": "Cerebras", "moonshot": "Moonshot AI", "xiaomi": "Xiaomi", "minimax": "MiniMax", "zai": "Z.ai",
    "fireworks": "Fireworks AI", "perplexity": "Perplexity", "together": "Together AI", "groq": "Groq",
}
_VERTEX = re.compile(r"\bVertex\b|\bGoogle Cloud\b|\bAgent Platform\b", re.I)
_GEMINI = re.compile(r"\bGemini API\b|\bAI Studio\b|\bGemini\b", re.I)
_BEDROCK = re.compile(r"\bBedrock\b", re.I)
_AZURE_OPENAI = re.compile(r"\bAzure OpenAI\b", re.I)
_AZURE_AI = re.compile(r"\b(?:AI )?Foundry\b|\bAzure AI\b", re.I)


def registrable(domain: str) -> str | None:
    """The provider domain `domain` is, or is under ("mail.anthropic.com" -> "anthropic.com")."""
    domain = domain.lower().rstrip(".")
    return next((known for known in VENDORS if domain == known or domain.endswith("." + known)), None)


def vendor_of(domain: str) -> str | None:
    known = registrable(domain)
    return VENDORS[known] if known else None


def platform_of(vendor: str, text: str) -> str | None:
    """The platform slug a vendor's mail is about: a Google Cloud mail about Vertex is `vertex`, an
    AI Studio one `gemini`; an AWS mail about Bedrock `bedrock`; Azure about Azure OpenAI
    `azure-openai`, about Foundry models `azure-ai`. None: the vendor's mail is about something else
    (an EC2 notice) and is none of the watcher's business."""
    if vendor == "google":
        return "vertex" if _VERTEX.search(text) else "gemini" if _GEMINI.search(text) else None
    if vendor == "aws":
        return "bedrock" if _BEDROCK.search(text) else None
    if vendor == "azure":
        return "azure-openai" if _AZURE_OPENAI.search(text) else "azure-ai" if _AZURE_AI.search(text) else None
    return vendor


@dataclass(frozen=True)
class Proof:
    """What the believed Authentication-Results say: the domains with a pass, and the results as
    written (for people reading the event)."""

    passed: frozenset[str]
    said: tuple[str, ...]

    def covers(self, domain: str) -> bool:
        """A pass for `domain`'s provider domain (or for `domain` itself when it is no provider's)."""
        root = registrable(domain) or domain.lower()
        return any(d == root or d.endswith("." + root) for d in self.passed)


def _domain_of(value: str) -> str:
    return value.rpartition("@")[2].lower().strip().rstrip(".")


def proof(headers: Sequence[str], trusted: Sequence[str] = ()) -> Proof:
    believed: list[authres.AuthenticationResultsHeader] = []
    for index, value in enumerate(headers):
        try:
            parsed = authres.AuthenticationResultsHeader.parse("Authentication-Results: " + " ".join(value.split()))
        except authres.AuthResError:
            continue
        wanted = {t.lower() for t in trusted}
        if (parsed.authserv_id or "").lower() in wanted if wanted else index == 0:
            believed.append(parsed)
    passed: set[str] = set()
    said: list[str] = []
    for header in believed:
        for result in header.results:
            names = {(p.type, p.name): str(p.value) for p in result.properties}
            domain = (names.get(("header", "d")) or names.get(("header", "i"), "").lstrip("@")
                      if result.method == "dkim" else names.get(("smtp", "mailfrom")) or names.get(("smtp", "helo"), "")
                      if result.method == "spf" else names.get(("header", "from"), ""))
            domain = _domain_of(domain)
            said.append(f"{result.method}={result.result}" + (f" ({domain})" if domain else ""))
            if result.method in ("dkim", "spf", "dmarc") and result.result == "pass" and domain:
                passed.add(domain)
    return Proof(frozenset(passed), tuple(said))
