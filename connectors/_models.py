"""Telling a model id from other code-formatted words in changelogs and release notes."""

from __future__ import annotations

import re

_FAMILIES = (
    "gpt", "o1", "o3", "o4", "chatgpt", "codex", "davinci", "babbage", "text-embedding", "text-moderation",
    "omni-moderation", "dall-e", "whisper", "tts", "sora", "computer-use", "claude", "gemini", "gemma",
    "imagen", "veo", "lyria", "embedding", "textembedding", "text-bison", "chat-bison", "llama", "meta-llama",
    "mistral", "mixtral", "codestral", "pixtral", "magistral", "ministral", "qwen", "deepseek", "grok", "command",
    "embed-", "rerank", "jamba", "titan", "nova", "kimi", "moonshotai", "glm", "anthropic.", "amazon.",
    "cohere.", "meta.", "ai21.", "mistral.", "us.", "eu.", "apac.", "global.", "openai/", "groq/",
    "devstral", "voxtral", "open-mistral", "open-mixtral", "open-codestral", "labs-", "mistralai/", "c4ai-",
    "cohere-", "qwq", "qvq", "wan2", "deepseek-ai/", "moonshot-", "moonshotai/", "mimo-", "minimax", "abab",
    "speech-0", "speech-2", "zai-glm", "zai-org/", "cogview", "sonar-", "r1-1776", "phi-", "mai-ds-", "ai21-",
    "jais", "accounts/fireworks/",
)
# Families that are ordinary words too: the word itself, or the word and a hyphen (not "sonarqube").
_WORDS = frozenset({"sonar"})
_SHAPE = re.compile(r"^[a-z][a-z0-9]*(?:[-.:/@_][a-z0-9]+)*(?:\*)?$")


def is_model_id(text: str) -> bool:
    word = text.strip().lower()
    if not word or len(word) > 120 or " " in word or not _SHAPE.match(word):
        return False
    if re.search(r"-\d{4}-\d{2}-\d{2}$", word) and not word.startswith(_FAMILIES):
        return False  # dated beta headers such as cache-diagnosis-2026-04-07
    return word in _WORDS or word.startswith(_FAMILIES)


def model_ids(candidates: list[str]) -> list[str]:
    return list(dict.fromkeys(c.strip() for c in candidates if is_model_id(c)))
