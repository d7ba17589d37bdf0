"""Matching over the real deprecation and status fixtures for an inventory that uses aliases,
snapshots, Bedrock and Vertex ids and an Azure deployment: every expected impact and every
expected non-impact, with its reason."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from connectors import POLLED
from tests.scenarios import FIXTURES, fixture
from watcher.errors import ConfigError
from watcher.events.store import apply_drafts
from watcher.inventory import catalog as catalog_module
from watcher.inventory import uses as inventory
from watcher.inventory.impacts import GONE, impact_rows, refresh
from watcher.inventory.matching import explain
from watcher.inventory.uses import Inventory
from watcher.storage.engine import open_database, session
from watcher.storage.tables import Event

NOW = datetime(2026, 10, 8, tzinfo=UTC)
PAGES = [
    ("openai-deprecations", "openai-deprecations/deprecations_page_md.md"),
    ("anthropic-deprecations", "anthropic-deprecations/model_deprecations_md.md"),
    ("bedrock-lifecycle", "bedrock-lifecycle/model_lifecycle_bullets_md.md"),
    ("vertex-model-versions", "vertex-model-versions/model_versions_md.md"),
    ("azure-openai-retirements", "azure-openai-retirements/retirement_tables_md.md"),
    ("groq-deprecations", "groq-deprecations/deprecations_md.md"),
    ("statuspage", "statuspage/anthropic_summary_incident_monitoring.json"),
]
CATALOG = catalog_module.shipped().extended({"anthropic": {"claude-3-5-sonnet-latest": "claude-3-5-sonnet-20241022"}})
USES = inventory.load(FIXTURES / "inventory/uses.toml")


@pytest.fixture
def engine(database_url: str):
    engine = open_database(database_url)
    with session(engine) as db:
        for kind, path in PAGES:
            drafts = POLLED[kind].parse(fixture(path), url="https://example.test", fetched_at=NOW).drafts
            provider = "anthropic" if kind == "statuspage" else ""
            apply_drafts(db, source=kind, provider=provider, drafts=drafts, now=NOW)
        db.commit()
    yield engine
    engine.dispose()


def event(engine, platform: str, external_id: str) -> Event:
    with session(engine) as db:
        return db.exec(select(Event).where(Event.provider == platform, Event.external_id == external_id)).one()


def use(service: str):
    return next(u for u in USES.uses if u.service == service)


def test_expected_impacts_with_reasons(engine) -> None:
    with session(engine) as db:
        counts = refresh(db, USES, CATALOG, now=NOW)
        db.commit()
        rows = impact_rows(db)
    found = {(r["service"], r["event_key"]): r for r in rows}
    expected = {
        ("chat", "openai/deprecation/gpt-4-0613"):
            "inventory uses alias gpt-4, which openai lists with gpt-4-0613 for shutdown 2026-10-23",
        ("search", "openai/deprecation/gpt-4o-2024-05-13"):
            "inventory uses gpt-4o-2024-05-13, which openai retires 2026-10-23",
        ("support-bot", "anthropic/deprecation/claude-3-5-haiku-20241022"):
            "inventory uses claude-3-5-haiku-20241022, which anthropic retires 2026-02-19",
        ("legacy-writer", "anthropic/deprecation/claude-3-5-sonnet-20241022"):
            "inventory uses alias claude-3-5-sonnet-latest, which points to claude-3-5-sonnet-20241022; "
            "anthropic retired 2025-10-28",
        ("bedrock-claude", "bedrock/deprecation/anthropic.claude-3-5-sonnet-20240620-v1:0"):
            "inventory uses us.anthropic.claude-3-5-sonnet-20240620-v1:0, the same model as "
            "anthropic.claude-3-5-sonnet-20240620-v1:0 on bedrock; retires 2026-06-01",
        ("api-claude", "anthropic/deprecation/claude-3-5-sonnet-20240620"):
            "inventory uses claude-3-5-sonnet-20240620, which anthropic retired 2025-10-28",
        ("vertex-gemini", "vertex/deprecation/gemini-2.5-pro"):
            "inventory uses gemini-2.5-pro, which vertex retires not before 2026-10-20",
        ("vertex-embed", "vertex/deprecation/textembedding-gecko@003"):
            "inventory uses textembedding-gecko@003, which vertex retired 2025-05-24",
        ("translate", "azure-openai/deprecation/gpt-4o:2024-11-20"):
            "deployment prod-gpt4o runs gpt-4o version 2024-11-20, which Azure retires 2026-06-05",
        ("fast-chat", "groq/deprecation/llama-3.3-70b-versatile"):
            "inventory uses llama-3.3-70b-versatile, which groq retires 2026-08-16",
        ("console-sync", "anthropic/incident/978mjkgw6mh7"):
            "console-sync depends on Claude Console (platform.claude.com), which the anthropic incident lists "
            "as affected",
        # no components listed: a warning-level incident of the platform may hit them
        ("api-claude", "anthropic/incident/978mjkgw6mh7"):
            "api-claude lists no components, and this warning anthropic incident may hit any use of it",
        ("legacy-writer", "anthropic/incident/978mjkgw6mh7"):
            "legacy-writer lists no components, and this warning anthropic incident may hit any use of it",
    }
    assert {k: found[k]["reason"] for k in expected if k in found} == expected
    assert set(found) == set(expected)
    assert counts == {"opened": len(expected), "reopened": 0, "resolved": 0}
    assert found[("chat", "openai/deprecation/gpt-4-0613")]["owner"] == "team-assistant"
    assert found[("chat", "openai/deprecation/gpt-4-0613")]["state"] == "open"


@pytest.mark.parametrize("service, platform, external_id, reason", [
    ("images", "openai", "gpt-image-1-mini",
     "not affected: gpt-image-2 is named only as the replacement for gpt-image-1-mini"),
    ("summarize", "openai", "gpt-4o-2024-05-13", "not affected: gpt-4o is not gpt-4o-2024-05-13 or one of its aliases"),
    ("api-claude", "bedrock", "anthropic.claude-3-5-sonnet-20240620-v1:0",
     "not affected: the deadline is for bedrock; api-claude calls claude-3-5-sonnet-20240620 on anthropic"),
    ("bedrock-claude", "anthropic", "claude-3-5-sonnet-20240620",
     "not affected: the deadline is for anthropic; bedrock-claude calls "
     "us.anthropic.claude-3-5-sonnet-20240620-v1:0 on bedrock"),
    ("translate", "azure-openai", "gpt-4o:2024-05-13",
     "not affected: deployment prod-gpt4o runs gpt-4o version 2024-11-20, not 2024-05-13"),
    ("console-sync", "anthropic", "claude-3-5-haiku-20241022",
     "not affected: claude-haiku-4-5 points to claude-haiku-4-5-20251001, the replacement for "
     "claude-3-5-haiku-20241022"),
    ("console-sync", "anthropic", "claude-3-opus-20240229",
     "not affected: inventory uses alias claude-haiku-4-5, which points to claude-haiku-4-5-20251001, "
     "not claude-3-opus-20240229"),
    ("support-bot", "anthropic", "978mjkgw6mh7",
     "not affected: support-bot depends on none of Claude Console (platform.claude.com)"),
])
def test_expected_non_impacts_with_reasons(engine, service: str, platform: str, external_id: str,
                                           reason: str) -> None:
    verdict = explain(event(engine, platform, external_id), use(service), CATALOG)
    assert (verdict.matched, verdict.reason) == (False, reason)


def test_impacts_resolve_by_themselves_when_the_use_leaves(engine) -> None:
    with session(engine) as db:
        refresh(db, USES, CATALOG, now=NOW)
        db.commit()
    fewer = Inventory(tuple(u for u in USES.uses if u.service != "chat"))
    with session(engine) as db:
        assert refresh(db, fewer, CATALOG, now=NOW)["resolved"] == 1
        db.commit()
        [gone] = [r for r in impact_rows(db, include_resolved=True) if r["service"] == "chat"]
        assert (gone["state"], gone["resolved_reason"], gone["resolved_by"]) == ("resolved", GONE, "inventory")
        assert all(r["service"] != "chat" for r in impact_rows(db))
    with session(engine) as db:  # back in the inventory: open again
        assert refresh(db, USES, CATALOG, now=NOW)["reopened"] == 1
        db.commit()
        assert [r["state"] for r in impact_rows(db, team="team-assistant") if r["service"] == "chat"] == ["open"]


def test_inventory_errors_name_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "inventory.toml"
    bad.write_text('[[uses]]\nservice = "a"\nprovider = "openai"\nplatform = "openai"\nmodel = "gpt-4"\n'
                   'owner = "t"\nteam = "oops"\n')
    with pytest.raises(ConfigError, match=r"inventory.toml: key `uses\[0\].team`: unknown key"):
        inventory.load(bad)
    twice = tmp_path / "twice.toml"
    entry = '[[uses]]\nservice = "a"\nprovider = "openai"\nplatform = "openai"\nmodel = "gpt-4"\nowner = "t"\n'
    twice.write_text(entry + entry)
    with pytest.raises(ConfigError, match=r"key `uses\[1\]`: the same use as uses\[0\]"):
        inventory.load(twice)


def test_shipped_catalog_is_built_from_the_pages_not_by_hand() -> None:
    import json

    built = catalog_module.build((FIXTURES / "catalog/anthropic_models_overview_md.md").read_text(),
                                 (FIXTURES / "openai-deprecations/deprecations_page_md.md").read_text(),
                                 json.loads((FIXTURES / "litellm-model-map/deprecation_dates_scoped.json").read_text()))
    assert built == json.loads(catalog_module.SEED.read_text())
    assert built["aliases"]["anthropic"]["claude-sonnet-4-5"] == "claude-sonnet-4-5-20250929"
    assert built["aliases"]["openai"]["gpt-4"] == "gpt-4-0613"


def test_impacts_and_deadlines_commands(tmp_path: Path, capsys) -> None:
    import json

    from tests.conftest import write_config
    from watcher.cli.main import main

    database = f"sqlite:///{tmp_path / 'w.db'}"
    engine = open_database(database)
    with session(engine) as db:
        for kind, path in PAGES[:2]:
            drafts = POLLED[kind].parse(fixture(path), url="https://example.test", fetched_at=NOW).drafts
            apply_drafts(db, source=kind, provider="", drafts=drafts, now=NOW)
        db.commit()
    engine.dispose()
    config = write_config(tmp_path / "w.toml", database_url=database, sources="",
                          extra=f'[inventory]\npath = "{FIXTURES / "inventory/uses.toml"}"\n\n'
                                '[catalog.aliases.anthropic]\n'
                                '"claude-3-5-sonnet-latest" = "claude-3-5-sonnet-20241022"\n')
    assert main(["impacts", "--config", str(config), "--json", "--team", "team-assistant"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["service"], r["event_key"], r["state"]) for r in rows] == [
        ("chat", "openai/deprecation/gpt-4-0613", "open")]
    assert rows[0]["reason"] == "inventory uses alias gpt-4, which openai lists with gpt-4-0613 for shutdown 2026-10-23"
    assert set(rows[0]) >= {"service", "owner", "platform", "model", "event_key", "deadline", "state", "reason"}
    assert main(["deadlines", "--config", str(config), "--json", "--all", "--everything"]) == 0
    deadlines = {r["model"]: r for r in json.loads(capsys.readouterr().out)}
    assert [(a["service"], a["owner"]) for a in deadlines["gpt-4-0613"]["affected"]] == [("chat", "team-assistant")]
    assert [a["service"] for a in deadlines["claude-3-5-sonnet-20241022"]["affected"]] == ["legacy-writer"]
    assert deadlines["gpt-4-0314"]["affected"] == []
