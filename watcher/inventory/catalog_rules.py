"""What the catalog knows of platforms and model families, as data: how each platform decorates an
id, which provider's status page speaks for a platform, which prefixes make a family, and which
words in a source file say which platform the code calls. Built into watcher/inventory/data/catalog.json."""

from __future__ import annotations

# Id decorations per platform. Data, not code paths: a new platform is a new entry.
RULES = {
    "bedrock": [
        {"match": r"^(?:us|eu|apac|global|us-gov|jp|au|ca)\.", "replace": "", "why": "cross-region inference profile"},
        {"match": r"^[a-z0-9-]+\.", "replace": "", "why": "model provider prefix"},
        {"match": r"-v\d+(?::\d+)?$", "replace": "", "why": "Bedrock model version"},
    ],
    "vertex": [
        {"match": r"@default$", "replace": "", "why": "Vertex default version"},
        {"match": r"@(\d{8})$", "replace": r"-\1", "why": "Vertex dated version"},
        {"match": r"@", "replace": "-", "why": "Vertex version separator"},
    ],
}


HOSTS = {"bedrock": ["aws"], "vertex": ["google"], "gemini": ["google"], "azure-openai": ["azure", "microsoft"],
         "azure-ai": ["azure", "microsoft"]}


FAMILIES = {
    **{f: {"provider": "openai", "platform": "openai"} for f in (
        "gpt-", "o1", "o3", "o4", "chatgpt-", "codex-", "davinci-", "babbage-", "text-embedding-", "text-moderation-",
        "omni-moderation-", "dall-e-", "whisper-", "tts-", "sora-", "computer-use-")},
    "claude-": {"provider": "anthropic", "platform": "anthropic"},
    **{f: {"provider": "google", "platform": "gemini"} for f in (
        "gemini-", "gemma-", "imagen-", "veo-", "lyria-", "textembedding-", "text-bison", "chat-bison")},
    **{f: {"provider": "meta", "platform": "groq"} for f in ("llama-", "meta-llama/")},
    **{f: {"provider": "mistral", "platform": "mistral"} for f in (
        "mistral-", "mixtral-", "codestral-", "pixtral-", "magistral-", "ministral-")},
    "grok-": {"provider": "xai", "platform": "xai"},
    "deepseek-": {"provider": "deepseek", "platform": "deepseek"},
    "qwen/": {"provider": "alibaba", "platform": "groq"},
    "command-": {"provider": "cohere", "platform": "cohere"},
}
HINTS = {
    "azure-openai": ["AzureOpenAI", "azure_deployment", "AZURE_OPENAI", "azure_openai", "AzureChatOpenAI"],
    "vertex": ["vertexai", "aiplatform", "VertexAI", "vertex_ai", "AnthropicVertex"],
    "bedrock": ["bedrock", "Bedrock"],
    "groq": ["groq", "Groq"],
}
