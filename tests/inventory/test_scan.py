"""`watcher inventory scan` over a sample repository with ids in every supported file type, and
decoys: vendored and generated code, comments, a replacement mentioned only in a comment, strings
that look like model ids but are not."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime
from pathlib import Path

from connectors import POLLED
from tests.conftest import write_config
from tests.scenarios import fixture
from watcher.cli.main import main
from watcher.events.store import apply_drafts
from watcher.storage.engine import open_database, session

SAMPLE = Path(__file__).parents[1] / "sample_repo"
ARN = "arn:aws:bedrock:us-east-1:123456789012"
# (platform, provider, model, deployment, evidence, written): one use per shape an id takes in code
EXPECTED = [
    ("anthropic", "anthropic", "claude-3-5-haiku-20241022", None, ["app/claude_client.ts:7"], None),
    # a LiteLLM route names the platform; the id is the one the platform's API takes
    ("anthropic", "anthropic", "claude-3-5-sonnet-20240620", None, ["router/litellm_config.yaml:5"],
     ["anthropic/claude-3-5-sonnet-20240620"]),
    # Azure AI Foundry: Foundry-cased ids (and jais, lowercase) in a file using azure.ai.inference
    ("azure-ai", "meta", "Meta-Llama-3.1-8B-Instruct", None, ["app/foundry.py:3"], None),
    ("azure-ai", "microsoft", "Phi-4", None, ["app/foundry.py:4"], None),
    ("azure-ai", "core42", "jais-30b-chat", None, ["app/foundry.py:5"], None),
    # Azure deployments: every way config names one; a name that is no model leaves model empty
    ("azure-openai", "openai", "", "chat-gpt4o", ["deploy/.env.production:2"], None),
    ("azure-openai", "openai", "", "embeddings-prod", ["deploy/azure.json:3"], None),
    ("azure-openai", "openai", "", "prod-gpt4o", ["app/azure_client.py:3", "router/litellm_config.yaml:14"],
     ["azure/prod-gpt4o"]),
    ("azure-openai", "openai", "", "support-gpt35", ["app/azure_langchain.py:3"], None),
    ("azure-openai", "openai", "", "web-gpt4o-mini", ["app/azure_client.ts:3"], None),
    ("azure-openai", "openai", "gpt-4o", "gpt-4o", [".env:3"], None),
    # Bedrock ARNs (foundation model, inference profile) and a LiteLLM bedrock/ route
    ("bedrock", "anthropic", "anthropic.claude-3-5-haiku-20241022-v1:0", None, ["app/bedrock_arns.py:4"],
     [f"{ARN}:foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0"]),
    ("bedrock", "anthropic", "anthropic.claude-3-5-sonnet-20240620-v1:0", None, ["router/litellm_config.yaml:8"],
     ["bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0"]),
    ("bedrock", "anthropic", "anthropic.claude-3-haiku-20240307-v1:0", None, ["infra/main.tf:2", "infra/main.tf:3"],
     ["arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"]),
    ("bedrock", "anthropic", "us.anthropic.claude-3-5-sonnet-20240620-v1:0", None,
     ["app/bedrock.go:6", "app/bedrock_arns.py:5"],
     [f"{ARN}:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0"]),
    # Fireworks keeps its account path: it is the id its API takes
    ("fireworks", "moonshot", "accounts/fireworks/models/kimi-k2p6", None, ["router/litellm_config.yaml:20"],
     ["fireworks_ai/accounts/fireworks/models/kimi-k2p6"]),
    ("gemini", "google", "gemini-2.0-flash", None, ["app/gemini_client.py:3"], ["models/gemini-2.0-flash"]),
    ("groq", "meta", "llama-3.3-70b-versatile", None, ["config/service.toml:3"], None),
    ("mistral", "mistral", "mistral-large-2411", None, ["services/chat/chat/llm.py:4"], None),
    ("openai", "openai", "gpt-4", None, ["config/models.yaml:2"], None),
    ("openai", "openai", "gpt-4.1-nano", None, [".env:2"], None),
    ("openai", "openai", "gpt-4o-2024-05-13", None, ["app/chat.py:9"], None),
    ("openai", "openai", "o3-mini", None, ["config/models.yaml:3"], None),
    ("openai", "openai", "text-embedding-3-large", None, ["config/settings.json:2"], None),
    ("together", "meta", "meta-llama/Llama-3.3-70B-Instruct-Turbo", None, ["router/litellm_config.yaml:17"],
     ["together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo"]),
    # Vertex: a publisher path (full or short) and a LiteLLM vertex_ai/ route
    ("vertex", "anthropic", "claude-3-5-sonnet@20240620", None, ["app/Vertex.java:6", "app/vertex_paths.py:4"],
     ["publishers/anthropic/models/claude-3-5-sonnet@20240620"]),
    ("vertex", "google", "gemini-1.5-pro", None, ["router/litellm_config.yaml:11"], ["vertex_ai/gemini-1.5-pro"]),
    ("vertex", "google", "gemini-1.5-pro-002", None, ["app/vertex_paths.py:3"],
     ["projects/p/locations/us-central1/publishers/google/models/gemini-1.5-pro-002"]),
    ("vertex", "google", "gemini-2.5-pro", None, ["app/Vertex.java:5"], None),
    ("xai", "xai", "grok-4-0709", None, ["services/web/src/ai.ts:4"], None),
]


def scanned(capsys, *args: str) -> list[dict]:
    assert main(["inventory", "scan", str(SAMPLE), "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_scan_finds_exactly_the_uses(capsys) -> None:
    entries = scanned(capsys, "--service", "sample", "--owner", "team-x")
    got = [(e["platform"], e["provider"], e["model"], e.get("deployment"), e["evidence"], e.get("written"))
           for e in entries]
    assert got == EXPECTED
    # --service overrides every manifest: the monorepo's services are one here
    assert {e["service"] for e in entries} == {"sample"} and {e["owner"] for e in entries} == {"team-x"}
    # never the decoys: vendored, node_modules, generated, comments, docs, lookalikes, an application
    # inference profile's opaque ARN, LiteLLM's route names, a deployment held in a variable
    text = json.dumps(entries)
    for decoy in ("gpt-3.5-turbo-0125", "claude-2.1", "gpt-4o-mini", "gpt-5.5", "claude-code", "gpt-style-guide",
                  "gemini-dark", "gpt-4-guide", "a1b2c3d4e5f6", "claude-bedrock", "contoso"):
        assert decoy not in text


def test_services_come_from_the_nearest_manifest(capsys) -> None:
    """The sample is a monorepo: services/chat has a pyproject.toml, services/web a package.json; the
    rest has no manifest up to the scan root, whose folder name is the service."""
    entries = scanned(capsys)
    services = {(e["service"], e["model"] or e["deployment"]) for e in entries}
    assert ("chat-api", "mistral-large-2411") in services and ("web-frontend", "grok-4-0709") in services
    assert {s for s, _ in services} == {"chat-api", "web-frontend", "sample_repo"}
    assert sorted(m for s, m in services if s != "sample_repo") == ["grok-4-0709", "mistral-large-2411"]
    assert len(entries) == len(EXPECTED)
    # scanning inside a service: the manifest between the file and the root still names it
    assert main(["inventory", "scan", str(SAMPLE / "services/chat"), "--json"]) == 0
    assert [e["service"] for e in json.loads(capsys.readouterr().out)] == ["chat-api"]


def test_manifest_names(tmp_path: Path) -> None:
    from watcher.inventory.manifests import Services, manifest_name

    cases = [
        ("pyproject.toml", '[project]\nname = "billing"\n', "billing"),
        ("pyproject.toml", '[tool.poetry]\nname = "ledger"\nversion = "1.0"\n', "ledger"),
        ("package.json", '{"name": "@acme/storefront", "version": "2.0.0"}', "@acme/storefront"),
        ("go.mod", "module github.com/acme/router/v2\n\ngo 1.22\n", "router"),
        ("Chart.yaml", "apiVersion: v2\nname: ranker\nversion: 0.1.0\n", "ranker"),
        ("Cargo.toml", '[package]\nname = "embedder"\nversion = "0.1.0"\n', "embedder"),
    ]
    for number, (file_name, text, name) in enumerate(cases):
        folder = tmp_path / f"case{number}"
        folder.mkdir()
        (folder / file_name).write_text(text)
        assert manifest_name(folder) == name, file_name
    # a manifest without a name (a Cargo workspace) does not count: the folder above it speaks
    workspace = tmp_path / "case5" / "workspace"
    (workspace / "src").mkdir(parents=True)
    (workspace / "Cargo.toml").write_text('[workspace]\nmembers = ["a"]\n')
    assert manifest_name(workspace) is None
    services = Services(tmp_path)
    assert services.of(workspace / "src" / "main.rs") == "embedder"
    assert services.of(tmp_path / "loose.py") == tmp_path.name


def test_scan_toml_is_ready_to_merge(capsys, tmp_path: Path) -> None:
    assert main(["inventory", "scan", str(SAMPLE / "config"), "--service", "config"]) == 0
    out = capsys.readouterr().out
    parsed = tomllib.loads(out)
    assert [u["model"] for u in parsed["uses"]] == ["llama-3.3-70b-versatile", "gpt-4", "o3-mini",
                                                    "text-embedding-3-large"]
    assert parsed["uses"][1] == {"service": "config", "provider": "openai", "platform": "openai", "model": "gpt-4",
                                 "owner": "unowned", "evidence": ["models.yaml:2"]}
    inventory = tmp_path / "inventory.toml"
    inventory.write_text(out)
    from watcher.inventory import uses as inventory_module

    assert len(inventory_module.load(inventory).uses) == 4


def test_fail_within_is_a_ci_gate(tmp_path: Path, capsys) -> None:
    database = f"sqlite:///{tmp_path / 'w.db'}"
    engine = open_database(database)
    with session(engine) as db:
        drafts = POLLED["openai-deprecations"].parse(fixture("openai-deprecations/deprecations_page_md.md"), url="u",
                                                     fetched_at=datetime.now(UTC)).drafts
        apply_drafts(db, source="openai-deprecations", provider="openai", drafts=drafts, now=datetime.now(UTC))
        db.commit()
    engine.dispose()
    config = write_config(tmp_path / "w.toml", database_url=database, sources="")
    # gpt-4 is an alias OpenAI lists with gpt-4-0613 (2026-10-23); o3-mini with o3-mini-2025-01-31
    assert main(["inventory", "scan", str(SAMPLE / "config"), "--config", str(config), "--fail-within", "90d"]) == 1
    err = capsys.readouterr().err
    assert "DEADLINE 2026-10-23 openai:gpt-4 at models.yaml:2: inventory uses alias gpt-4" in err
    assert "openai:o3-mini at models.yaml:3" in err
    # nothing in service.toml is on the OpenAI page
    assert main(["inventory", "scan", str(SAMPLE / "config/service.toml"), "--config", str(config),
                 "--fail-within", "90d"]) == 0
    assert main(["inventory", "scan", str(SAMPLE), "--fail-within", "90d"]) == 2  # needs --config
