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
EXPECTED = [
    ("anthropic", "anthropic", "claude-3-5-haiku-20241022", None, ["app/claude_client.ts:7"]),
    ("azure-openai", "openai", "", "prod-gpt4o", ["app/azure_client.py:3"]),
    ("azure-openai", "openai", "gpt-4o", "gpt-4o", [".env:3"]),
    ("bedrock", "anthropic", "anthropic.claude-3-haiku-20240307-v1:0", None, ["infra/main.tf:3"]),
    ("bedrock", "anthropic", "us.anthropic.claude-3-5-sonnet-20240620-v1:0", None, ["app/bedrock.go:6"]),
    ("groq", "meta", "llama-3.3-70b-versatile", None, ["config/service.toml:3"]),
    ("openai", "openai", "gpt-4", None, ["config/models.yaml:2"]),
    ("openai", "openai", "gpt-4.1-nano", None, [".env:2"]),
    ("openai", "openai", "gpt-4o-2024-05-13", None, ["app/chat.py:9"]),
    ("openai", "openai", "o3-mini", None, ["config/models.yaml:3"]),
    ("openai", "openai", "text-embedding-3-large", None, ["config/settings.json:2"]),
    ("vertex", "anthropic", "claude-3-5-sonnet@20240620", None, ["app/Vertex.java:6"]),
    ("vertex", "google", "gemini-2.5-pro", None, ["app/Vertex.java:5"]),
]


def test_scan_finds_exactly_the_uses(capsys) -> None:
    assert main(["inventory", "scan", str(SAMPLE), "--json", "--service", "sample", "--owner", "team-x"]) == 0
    entries = json.loads(capsys.readouterr().out)
    got = [(e["platform"], e["provider"], e["model"], e.get("deployment"), e["evidence"]) for e in entries]
    assert got == EXPECTED
    assert {e["service"] for e in entries} == {"sample"} and {e["owner"] for e in entries} == {"team-x"}
    # never the decoys: vendored, node_modules, generated, comments, docs, lookalikes
    text = json.dumps(entries)
    for decoy in ("gpt-3.5-turbo-0125", "claude-2.1", "gpt-4o-mini", "gpt-5.5", "claude-code", "gpt-style-guide",
                  "gemini-dark", "gpt-4-guide"):
        assert decoy not in text


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
