"""What the catalog knows of platforms and model families, as data: how each platform decorates an
id, which provider's status page speaks for a platform, which prefixes make a family, and which
words in a source file say which platform the code calls. Built into watcher/inventory/data/catalog.json.

Every shape here was read on a real page: the providers' deprecation and model pages, Azure AI
Foundry's lifecycle page, and LiteLLM's model map."""

from __future__ import annotations

# Id decorations per platform. Data, not code paths: a new platform is a new entry.
RULES = {
    "bedrock": [
        {"match": r"^arn:aws[\w-]*:bedrock:[\w-]*:\d*:(?:foundation-model|inference-profile)/", "replace": "",
         "why": "Bedrock model or inference-profile ARN"},
        {"match": r"^(?:us|eu|apac|global|us-gov|jp|au|ca)\.", "replace": "", "why": "cross-region inference profile"},
        {"match": r"^[a-z0-9-]+\.", "replace": "", "why": "model provider prefix"},
        {"match": r"-v\d+(?::\d+)?$", "replace": "", "why": "Bedrock model version"},
    ],
    "vertex": [
        {"match": r"^(?:projects/[^/]+/locations/[^/]+/)?publishers/[^/]+/models/", "replace": "",
         "why": "Vertex publisher model path"},
        {"match": r"@default$", "replace": "", "why": "Vertex default version"},
        {"match": r"@(\d{8})$", "replace": r"-\1", "why": "Vertex dated version"},
        {"match": r"@", "replace": "-", "why": "Vertex version separator"},
    ],
    "gemini": [{"match": r"^models/", "replace": "", "why": "Gemini API resource name"}],
    "fireworks": [{"match": r"^accounts/[^/]+/models/", "replace": "", "why": "Fireworks account model path"}],
}


HOSTS = {"bedrock": ["aws"], "vertex": ["google"], "gemini": ["google"], "azure-openai": ["azure", "microsoft"],
         "azure-ai": ["azure", "microsoft"]}


def _family(provider: str, platform: str, *, open_weights: bool = False, capitalised: str = "") -> dict[str, str]:
    """A family's maker and usual platform. `weights` "open": hosts that serve open models (Groq,
    Cerebras, Together, Fireworks, Alibaba) may be where the code calls it. `capitalised`: the
    platform whose ids of this family are written with capitals (Azure AI Foundry's `Mistral-large-2411`,
    Together's `meta-llama/Llama-3.3-70B-Instruct-Turbo`); a capitalised id of a family without it is a
    display name, not an id. An empty platform means no usual one: the scan says `unknown`."""
    entry = {"provider": provider, "platform": platform}
    if open_weights:
        entry["weights"] = "open"
    if capitalised:
        entry["capitalised"] = capitalised
    return entry


FAMILIES = {
    **{f: _family("openai", "openai") for f in (
        "gpt-", "o1", "o3", "o4", "chatgpt-", "codex-", "davinci-", "babbage-", "text-embedding-", "text-moderation-",
        "omni-moderation-", "dall-e-", "whisper-", "tts-", "sora-", "computer-use-")},
    "gpt-oss-": _family("openai", "", open_weights=True),
    "openai/gpt-oss-": _family("openai", "groq", open_weights=True),
    "claude-": _family("anthropic", "anthropic"),
    **{f: _family("google", "gemini") for f in (
        "gemini-", "imagen-", "veo-", "lyria-", "textembedding-", "text-bison", "chat-bison")},
    "gemma": _family("google", "gemini", open_weights=True),
    **{f: _family("meta", "groq", open_weights=True, capitalised="azure-ai") for f in ("llama-", "llama3-")},
    "llama3.1-": _family("meta", "cerebras", open_weights=True),
    "meta-llama/": _family("meta", "groq", open_weights=True, capitalised="together"),
    "meta-llama-": _family("meta", "azure-ai", capitalised="azure-ai"),
    **{f: _family("mistral", "mistral", open_weights=True, capitalised="azure-ai") for f in ("mistral-", "codestral-")},
    **{f: _family("mistral", "mistral", open_weights=True) for f in ("mixtral-", "ministral-")},
    **{f: _family("mistral", "mistral") for f in (
        "pixtral-", "magistral-", "devstral-", "voxtral-", "open-mistral-", "open-mixtral-", "open-codestral-",
        "labs-")},
    "mistralai/": _family("mistral", "together", open_weights=True, capitalised="together"),
    "grok-": _family("xai", "xai"),
    "deepseek-": _family("deepseek", "deepseek", open_weights=True, capitalised="azure-ai"),
    "deepseek-ai/": _family("deepseek", "together", open_weights=True, capitalised="together"),
    **{f: _family("alibaba", "alibaba", open_weights=True) for f in ("qwen", "qwq-", "qvq-", "wan2")},
    "qwen/": _family("alibaba", "groq", open_weights=True, capitalised="together"),
    "qwen-3-": _family("alibaba", "cerebras", open_weights=True),
    **{f: _family("cohere", "cohere") for f in ("command-", "embed-", "rerank-", "c4ai-aya-")},
    "cohere-": _family("cohere", "azure-ai", capitalised="azure-ai"),
    "kimi-": _family("moonshot", "moonshot", open_weights=True),
    "moonshot-v1-": _family("moonshot", "moonshot"),
    "moonshotai/": _family("moonshot", "groq", open_weights=True, capitalised="together"),
    "mimo-": _family("xiaomi", "xiaomi"),
    "minimax-": _family("minimax", "minimax", open_weights=True, capitalised="minimax"),
    **{f: _family("minimax", "minimax") for f in ("abab", "speech-0", "speech-2")},
    "minimaxai/": _family("minimax", "together", open_weights=True, capitalised="together"),
    "glm-": _family("zai", "zai", open_weights=True),
    "cogview-": _family("zai", "zai"),
    "zai-glm-": _family("zai", "cerebras", open_weights=True),
    "zai-org/": _family("zai", "together", open_weights=True, capitalised="together"),
    **{f: _family("perplexity", "perplexity") for f in ("sonar", "r1-1776")},
    **{f: _family("microsoft", "azure-ai", capitalised="azure-ai") for f in ("phi-", "mai-ds-")},
    "ai21-jamba-": _family("ai21", "azure-ai", capitalised="azure-ai"),
    "jais-": _family("core42", "azure-ai"),
}
# Ids that carry no version digit, so that the family rule alone would not take them for models;
# each is listed on its provider's own page.
EXACT_IDS = [
    "command-light", "command-r", "command-r-plus",
    "deepseek-chat", "deepseek-reasoner",
    "sonar-pro", "sonar-reasoning", "sonar-reasoning-pro", "sonar-deep-research",
    "kimi-latest",
]
# Ids that are also plain words ("sonar" in a SonarQube setting): an id only in a file that names the
# platform (HINTS).
WORD_IDS = {"sonar": "perplexity", "command": "cohere"}
HINTS = {
    "azure-openai": ["AzureOpenAI", "azure_deployment", "AZURE_OPENAI", "azure_openai", "AzureChatOpenAI"],
    "azure-ai": ["azure.ai.inference", "azure-ai-inference", "ChatCompletionsClient", "AIProjectClient", "azure_ai",
                 "AZURE_AI_", "services.ai.azure.com", "models.ai.azure.com"],
    "vertex": ["vertexai", "aiplatform", "VertexAI", "vertex_ai", "AnthropicVertex"],
    "bedrock": ["bedrock", "Bedrock"],
    "groq": ["groq", "Groq"],
    "cerebras": ["cerebras", "Cerebras", "CEREBRAS"],
    "together": ["together_ai", "together-ai", "api.together", "from together", "import Together", "Together(",
                 "TOGETHER_API_KEY"],
    "fireworks": ["fireworks", "Fireworks", "FIREWORKS"],
    "alibaba": ["dashscope", "DashScope", "DASHSCOPE"],
    "perplexity": ["perplexity", "Perplexity", "PERPLEXITY"],
    "cohere": ["cohere", "Cohere", "COHERE", "CO_API_KEY"],
}
# Platforms that serve other makers' open-weight models: a file that names one of them calls its
# open-weight ids there (the order settles a file that names several).
OPEN_HOSTS = ["groq", "cerebras", "together", "fireworks", "alibaba"]
