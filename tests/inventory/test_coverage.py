"""`watcher coverage`: for each platform the inventory uses, which surfaces are wired, missing,
broken or stale, and how to subscribe to the missing ones."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from tests.conftest import write_config
from watcher.cli.main import main
from watcher.storage.engine import open_database, session
from watcher.storage.tables import SourceState


def test_coverage_states(tmp_path: Path, capsys) -> None:
    (tmp_path / "inventory.toml").write_text(
        '[[uses]]\nservice = "chat"\nprovider = "openai"\nplatform = "openai"\nmodel = "gpt-4"\nowner = "t"\n\n'
        '[[uses]]\nservice = "claude"\nprovider = "anthropic"\nplatform = "bedrock"\n'
        'model = "anthropic.claude-3-haiku-20240307-v1:0"\nowner = "t"\n')
    database = f"sqlite:///{tmp_path / 'w.db'}"
    config = write_config(tmp_path / "w.toml", database_url=database, extra='[inventory]\npath = "inventory.toml"\n',
                          sources="""
[[sources]]
name = "openai-status"
kind = "statuspage"
provider = "openai"
url = "https://status.openai.com"

[[sources]]
name = "openai-deprecations"
kind = "openai-deprecations"
provider = "openai"
url = "https://developers.openai.com/api/docs/deprecations.md"

[[webhooks]]
name = "aws"
kind = "aws-health"
provider = "aws"
secret_env = "UNUSED_HERE"
expect_every = "1d"
""")
    engine = open_database(database)
    with session(engine) as db:  # the deprecation page broke last night
        db.add(SourceState(name="openai-deprecations", kind="openai-deprecations", provider="openai", health="broken",
                           last_error="layout changed: no table with a 'date' column", consecutive_failures=4,
                           last_checked_at=datetime.now(UTC)))
        db.commit()
    engine.dispose()
    assert main(["coverage", "--config", str(config), "--json"]) == 0
    rows = {(r["platform"], r["surface"]): r for r in json.loads(capsys.readouterr().out)}
    assert set(next(iter(rows.values()))) == {"provider", "platform", "surface", "state", "source", "how_to"}
    assert (rows[("openai", "status page")]["state"], rows[("openai", "status page")]["source"]) == (
        "wired", "openai-status")
    broken = rows[("openai", "deprecation page")]
    assert broken["state"] == "broken" and "layout changed" in broken["how_to"]
    assert rows[("openai", "changelog")]["state"] == "missing"
    assert 'kind = "openai-changelog"' in rows[("openai", "changelog")]["how_to"]
    assert rows[("openai", "webhooks")]["how_to"].startswith("OpenAI platform > Settings > Webhooks")
    # the AWS webhook never heard anything within its expect_every: stale
    assert (rows[("bedrock", "webhooks")]["state"], rows[("bedrock", "webhooks")]["source"]) == ("stale", "aws")
    assert rows[("bedrock", "deprecation page")]["state"] == "missing"
    assert {platform for platform, _ in rows} == {"openai", "bedrock"}
