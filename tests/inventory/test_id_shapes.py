"""Every platform's id shapes, as the providers' own pages write them, read by the scanner into the
(platform, maker, id) that matching uses; the same ids wrapped in other forms; lookalikes that are
not ids; and matching across forms against LiteLLM's map. Each id below is copied from a real page:
the deprecation and model pages of each provider, Azure AI Foundry's lifecycle page, LiteLLM's map
(tests/fixtures/litellm-model-map) and, where the page is named, its docs."""

from __future__ import annotations

import pytest

from connectors import POLLED
from connectors._models import is_model_id
from tests.scenarios import fixture
from watcher.inventory.catalog import shipped
from watcher.inventory.matching import match
from watcher.inventory.scan import Scanner
from watcher.inventory.uses import Use

SCANNER = Scanner(shipped())

# (id as written, hints of the file, expected (platform, maker, id the platform takes))
SHAPES = [
    # Cohere: deprecations and models pages; Foundry's capitalised form on Azure's lifecycle page
    ("command-r-08-2024", set(), ("cohere", "cohere", "command-r-08-2024")),
    ("command-r", set(), ("cohere", "cohere", "command-r")),
    ("command", {"cohere"}, ("cohere", "cohere", "command")),  # a plain word too: only in Cohere code
    ("embed-english-v3.0", set(), ("cohere", "cohere", "embed-english-v3.0")),
    ("rerank-v3.5", set(), ("cohere", "cohere", "rerank-v3.5")),
    ("c4ai-aya-expanse-8b", set(), ("cohere", "cohere", "c4ai-aya-expanse-8b")),
    ("Cohere-rerank-v3.5", set(), ("azure-ai", "cohere", "Cohere-rerank-v3.5")),
    # Mistral: the models page's API column; Foundry's Mistral-large-2411
    ("mistral-large-2411", set(), ("mistral", "mistral", "mistral-large-2411")),
    ("codestral-2501", set(), ("mistral", "mistral", "codestral-2501")),
    ("pixtral-large-2411", set(), ("mistral", "mistral", "pixtral-large-2411")),
    ("ministral-8b-2410", set(), ("mistral", "mistral", "ministral-8b-2410")),
    ("magistral-medium-2509", set(), ("mistral", "mistral", "magistral-medium-2509")),
    ("open-mistral-nemo-2407", set(), ("mistral", "mistral", "open-mistral-nemo-2407")),
    ("labs-devstral-small-2512", set(), ("mistral", "mistral", "labs-devstral-small-2512")),
    ("mistral-large-latest", set(), ("mistral", "mistral", "mistral-large-latest")),
    ("Mistral-large-2411", set(), ("azure-ai", "mistral", "Mistral-large-2411")),
    # xAI: the May 15, 2026 retirement guide
    ("grok-4-0709", set(), ("xai", "xai", "grok-4-0709")),
    ("grok-4.3", set(), ("xai", "xai", "grok-4.3")),
    # DeepSeek: the change log; Foundry's DeepSeek-V3-0324
    ("deepseek-chat", set(), ("deepseek", "deepseek", "deepseek-chat")),
    ("deepseek-reasoner", set(), ("deepseek", "deepseek", "deepseek-reasoner")),
    ("deepseek-v4-flash", set(), ("deepseek", "deepseek", "deepseek-v4-flash")),
    ("DeepSeek-V3-0324", set(), ("azure-ai", "deepseek", "DeepSeek-V3-0324")),
    # Alibaba Model Studio: the depreciation page (qwq from Groq's page, wan and qvq from DashScope code)
    ("qwen3-max", set(), ("alibaba", "alibaba", "qwen3-max")),
    ("qwen-plus-2024-11-27", set(), ("alibaba", "alibaba", "qwen-plus-2024-11-27")),
    ("qwq-32b", set(), ("alibaba", "alibaba", "qwq-32b")),
    ("wan2.6-image", set(), ("alibaba", "alibaba", "wan2.6-image")),
    ("deepseek-v3.2", {"alibaba"}, ("alibaba", "deepseek", "deepseek-v3.2")),
    # Cerebras: the deprecations page; its own shapes need no hint, shared ones do
    ("llama3.1-8b", set(), ("cerebras", "meta", "llama3.1-8b")),
    ("qwen-3-32b", set(), ("cerebras", "alibaba", "qwen-3-32b")),
    ("zai-glm-4.7", set(), ("cerebras", "zai", "zai-glm-4.7")),
    ("llama-3.3-70b", {"cerebras"}, ("cerebras", "meta", "llama-3.3-70b")),
    ("gpt-oss-120b", {"cerebras"}, ("cerebras", "openai", "gpt-oss-120b")),
    ("gpt-oss-120b", set(), ("unknown", "openai", "gpt-oss-120b")),  # open weights, no host named
    # Moonshot (Kimi): the models page
    ("kimi-k2-0905-preview", set(), ("moonshot", "moonshot", "kimi-k2-0905-preview")),
    ("kimi-latest", set(), ("moonshot", "moonshot", "kimi-latest")),
    ("moonshot-v1-8k", set(), ("moonshot", "moonshot", "moonshot-v1-8k")),
    # Xiaomi MiMo: the deprecation page
    ("mimo-v2-flash", set(), ("xiaomi", "xiaomi", "mimo-v2-flash")),
    ("mimo-v2.5-pro", set(), ("xiaomi", "xiaomi", "mimo-v2.5-pro")),
    # MiniMax: the release notes and API overview (its own ids are capitalised)
    ("MiniMax-M2.7", set(), ("minimax", "minimax", "MiniMax-M2.7")),
    ("MiniMax-Text-01", set(), ("minimax", "minimax", "MiniMax-Text-01")),
    ("speech-02-hd", set(), ("minimax", "minimax", "speech-02-hd")),
    ("abab6.5s", set(), ("minimax", "minimax", "abab6.5s")),
    # Z.ai: the release notes (glm-4.5-air from LiteLLM's Z.ai docs, cogview from Z.ai code)
    ("glm-4.6", set(), ("zai", "zai", "glm-4.6")),
    ("glm-4.5-air", set(), ("zai", "zai", "glm-4.5-air")),
    ("cogview-4-250304", set(), ("zai", "zai", "cogview-4-250304")),
    # Fireworks: the account path LiteLLM's map keys carry
    ("accounts/fireworks/models/kimi-k2p6", set(), ("fireworks", "moonshot", "accounts/fireworks/models/kimi-k2p6")),
    ("accounts/fireworks/models/gpt-oss-120b", set(),
     ("fireworks", "openai", "accounts/fireworks/models/gpt-oss-120b")),
    # Perplexity: the changelog (r1-1776 from Perplexity client code)
    ("sonar", {"perplexity"}, ("perplexity", "perplexity", "sonar")),  # a plain word too
    ("sonar-deep-research", set(), ("perplexity", "perplexity", "sonar-deep-research")),
    ("r1-1776", set(), ("perplexity", "perplexity", "r1-1776")),
    # Together: organisation/Model ids, capitalised (LiteLLM's map)
    ("meta-llama/Llama-3.3-70B-Instruct-Turbo", set(), ("together", "meta", "meta-llama/Llama-3.3-70B-Instruct-Turbo")),
    ("Qwen/Qwen2.5-72B-Instruct-Turbo", set(), ("together", "alibaba", "Qwen/Qwen2.5-72B-Instruct-Turbo")),
    ("deepseek-ai/DeepSeek-V3.1", set(), ("together", "deepseek", "deepseek-ai/DeepSeek-V3.1")),
    ("mistralai/Mixtral-8x7B-Instruct-v0.1", set(), ("together", "mistral", "mistralai/Mixtral-8x7B-Instruct-v0.1")),
    ("zai-org/GLM-4.7", set(), ("together", "zai", "zai-org/GLM-4.7")),
    ("MiniMaxAI/MiniMax-M3", set(), ("together", "minimax", "MiniMaxAI/MiniMax-M3")),
    # Groq writes the same organisations in lowercase; `openai/` here is an organisation, not a route
    ("openai/gpt-oss-120b", set(), ("groq", "openai", "openai/gpt-oss-120b")),
    ("moonshotai/kimi-k2-instruct", set(), ("groq", "moonshot", "moonshotai/kimi-k2-instruct")),
    ("qwen/qwen3-32b", set(), ("groq", "alibaba", "qwen/qwen3-32b")),
    ("meta-llama/llama-4-scout-17b-16e-instruct", {"together"},
     ("together", "meta", "meta-llama/llama-4-scout-17b-16e-instruct")),
    # Azure AI Foundry: the lifecycle page and LiteLLM's azure_ai keys
    ("Phi-4", set(), ("azure-ai", "microsoft", "Phi-4")),
    ("AI21-Jamba-1.5-Large", set(), ("azure-ai", "ai21", "AI21-Jamba-1.5-Large")),
    ("jais-30b-chat", set(), ("azure-ai", "core42", "jais-30b-chat")),
    ("Meta-Llama-3.1-70B-Instruct", set(), ("azure-ai", "meta", "Meta-Llama-3.1-70B-Instruct")),
    ("Llama-3.3-70B-Instruct", set(), ("azure-ai", "meta", "Llama-3.3-70B-Instruct")),
    ("MAI-DS-R1", set(), ("azure-ai", "microsoft", "MAI-DS-R1")),
    ("command-r-08-2024", {"azure-ai"}, ("azure-ai", "cohere", "command-r-08-2024")),
    # LiteLLM routes to the new platforms (each from LiteLLM's provider docs)
    ("cohere/command-r-08-2024", set(), ("cohere", "cohere", "command-r-08-2024")),
    ("perplexity/sonar-pro", set(), ("perplexity", "perplexity", "sonar-pro")),
    ("zai/glm-4.7", set(), ("zai", "zai", "glm-4.7")),
    ("moonshot/kimi-k2-0711-preview", set(), ("moonshot", "moonshot", "kimi-k2-0711-preview")),
    ("minimax/MiniMax-M2.5", set(), ("minimax", "minimax", "MiniMax-M2.5")),
    ("azure_ai/Phi-4", set(), ("azure-ai", "microsoft", "Phi-4")),
    ("bedrock/converse/us.anthropic.claude-sonnet-4-20250514-v1:0", set(),
     ("bedrock", "anthropic", "us.anthropic.claude-sonnet-4-20250514-v1:0")),
    ("bedrock/arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.deepseek.r1-v1:0", set(),
     ("bedrock", "deepseek", "us.deepseek.r1-v1:0")),
]
# Written like ids, but none is one
NOT_IDS = [
    ("GPT-4", set()),  # a display label: OpenAI's ids are lowercase
    ("Grok-3", set()),
    ("labs-mistral-small-creative", set()),  # no version in it: only a listed id would count
    ("speech-t2a-http", set()),
    ("sonar", {"groq"}),  # SonarQube's name, in a file that does not call Perplexity
    ("command", set()),
    ("anthropic/claude-3-opus/notes", set()),  # a path under a route word
    ("azure/prod-gpt4o", set()),  # LiteLLM's Azure route, in a file that does not use LiteLLM
    ("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6", set()),
    ("arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcd1234", set()),
    ("dashscope-intl.aliyuncs.com", {"alibaba"}),
]


@pytest.mark.parametrize(("written", "hints", "expected"), SHAPES, ids=[f"{w}|{sorted(h)}" for w, h, _ in SHAPES])
def test_each_shape_reads_as_the_platforms_id(written: str, hints: set[str], expected: tuple[str, str, str]) -> None:
    found = SCANNER.read(written, hints, litellm=False)
    assert found is not None and found[:3] == expected


@pytest.mark.parametrize(("written", "hints"), NOT_IDS, ids=[w for w, _ in NOT_IDS])
def test_lookalikes_are_not_ids(written: str, hints: set[str]) -> None:
    assert SCANNER.read(written, hints, litellm=False) is None


def test_litellm_azure_route_is_a_deployment_where_litellm_is_used() -> None:
    assert SCANNER.read("azure/prod-gpt4o", set(), litellm=True) == ("azure-openai", "openai", "", "prod-gpt4o")
    assert SCANNER.read("azure/Phi-4", set(), litellm=True) == ("azure-ai", "microsoft", "Phi-4", "Phi-4")


def test_every_new_family_is_a_model_word_for_the_connectors() -> None:
    """connectors/_models.py tells model ids from other code-formatted words in changelogs: every
    platform's id (a LiteLLM route is the scanner's business, not a changelog's)."""
    for _, _, (_, _, model) in SHAPES:
        assert is_model_id(model), model
    for word in ("speech-to-text", "labs", "reasoning_effort", "max_completion_tokens"):
        assert not is_model_id(word), word


def test_written_forms_match_the_plain_ids_deadlines() -> None:
    """An inventory that keeps an id in its written form (an ARN, a Vertex path, `models/`, a
    Fireworks account path) is hit by the deadline LiteLLM's map gives the plain id."""
    events = POLLED["litellm-model-map"].parse(fixture("litellm-model-map/deprecation_dates_scoped.json"),
                                               url="https://example.test").drafts
    forms = {  # (platform, id as the inventory keeps it): (the plain id LiteLLM dates, the rule)
        ("fireworks", "accounts/fireworks/models/kimi-k2p6"): ("kimi-k2p6", "same-model"),
        ("together", "meta-llama/Llama-3.3-70B-Instruct-Turbo"): ("meta-llama/Llama-3.3-70B-Instruct-Turbo", "exact"),
        ("vertex", "publishers/anthropic/models/claude-3-5-sonnet@20240620"): ("claude-3-5-sonnet@20240620",
                                                                                "same-model"),
        ("gemini", "models/gemini-2.5-flash"): ("gemini-2.5-flash", "same-model"),
        ("bedrock", "arn:aws:bedrock:us-east-1:123456789012:foundation-model/"
                    "anthropic.claude-sonnet-4-5-20250929-v1:0"): ("anthropic.claude-sonnet-4-5-20250929-v1:0",
                                                                   "same-model"),
        ("azure-ai", "Phi-4"): ("Phi-4", "exact"),
    }
    uses = [Use(service=f"s{n}", provider="x", platform=platform, model=model, owner="t")
            for n, (platform, model) in enumerate(forms)]
    hits = {(use.platform, use.model, event.external_id): verdict.rule
            for event, use, verdict in match(events, uses, shipped())}
    for (platform, model), (plain, rule) in forms.items():
        assert hits.get((platform, model, plain)) == rule, (platform, model)
    # the ARN of the plain foundation model is the same model as its cross-region profiles too
    assert {event for platform, _, event in hits if platform == "bedrock"} >= {
        "anthropic.claude-sonnet-4-5-20250929-v1:0", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"}


def test_catalog_rules_reduce_each_form_to_the_plain_id() -> None:
    catalog = shipped()
    assert catalog.canonical("fireworks", "accounts/fireworks/models/kimi-k2p6") == "kimi-k2p6"
    assert catalog.canonical("gemini", "models/gemini-2.0-flash") == "gemini-2.0-flash"
    assert catalog.canonical("vertex", "projects/p/locations/us-central1/publishers/google/models/"
                                       "gemini-1.5-pro-002") == "gemini-1.5-pro-002"
    arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0"
    plain = "anthropic.claude-3-5-sonnet-20240620-v1:0"
    assert catalog.canonical("bedrock", arn) == catalog.canonical("bedrock", plain)
    # the decorations are the platform's own: a `models/` prefix means nothing on Groq
    assert catalog.canonical("groq", "models/llama-3.3-70b-versatile") == "models/llama-3.3-70b-versatile"
