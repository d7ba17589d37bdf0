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


# The connector kinds of this release, fixed before their modules land: a guide row may name one
# that is not registered yet, never another.
NEW_KINDS = frozenset({
    "lifecycle-table", "lifecycle-prose", "cohere-deprecations", "mistral-models", "xai-retirements",
    "deepseek-updates", "alibaba-model-studio", "cerebras-deprecations", "moonshot-models",
    "xiaomi-mimo-deprecations", "minimax-models", "zai-releases", "fireworks-changelog", "perplexity-changelog",
    "together-deprecations", "azure-ai-foundry-lifecycle", "status",
})
# Each new platform's deprecation page: its connector kind and the page it reads.
DEPRECATION_PAGES = {
    "cohere": ("cohere-deprecations", "https://docs.cohere.com/docs/deprecations.md"),
    "mistral": ("mistral-models", "https://docs.mistral.ai/models"),
    "xai": ("xai-retirements", "https://docs.x.ai/developers/migration/may-15-retirement.md"),
    "deepseek": ("deepseek-updates", "https://api-docs.deepseek.com/updates/"),
    "alibaba": ("alibaba-model-studio", "https://www.alibabacloud.com/help/en/model-studio/model-depreciation"),
    "cerebras": ("cerebras-deprecations", "https://inference-docs.cerebras.ai/support/deprecation.md"),
    "moonshot": ("moonshot-models", "https://platform.kimi.ai/docs/models.md"),
    "xiaomi": ("xiaomi-mimo-deprecations", "https://mimo.mi.com/docs/en-US/updates/deprecate"),
    "minimax": ("minimax-models", "https://platform.minimax.io/docs/release-notes/models.md"),
    "zai": ("zai-releases", "https://docs.z.ai/release-notes/new-released.md"),
    "fireworks": ("fireworks-changelog", "https://docs.fireworks.ai/updates/changelog.md"),
    "perplexity": ("perplexity-changelog", "https://docs.perplexity.ai/docs/resources/changelog.md"),
    "together": ("together-deprecations", "https://docs.together.ai/docs/deprecations"),
    "azure-ai": ("azure-ai-foundry-lifecycle",
                 "https://learn.microsoft.com/en-us/azure/ai-foundry/concepts/model-lifecycle-retirement"),
}
# Public status pages found for them (none found for Xiaomi MiMo or Z.ai).
STATUS_PAGES = {
    "cohere": "https://status.cohere.com", "mistral": "https://status.mistral.ai", "xai": "https://status.x.ai",
    "deepseek": "https://status.deepseek.com", "alibaba": "https://status.alibabacloud.com",
    "cerebras": "https://status.cerebras.ai", "moonshot": "https://status.moonshot.cn",
    "minimax": "https://status.minimax.io", "fireworks": "https://status.fireworks.ai",
    "perplexity": "https://status.perplexity.com", "together": "https://status.together.ai",
    "azure-ai": "https://azure.status.microsoft/en-us/status",
}


def test_every_new_platform_has_its_deprecation_page() -> None:
    from connectors import POLLED
    from watcher.inventory.coverage_guide import GUIDE

    for platform, (kind, url) in DEPRECATION_PAGES.items():
        [page] = [s for s in GUIDE[platform] if s.surface == "deprecation page"]
        assert (page.kind, page.url) == (kind, url), platform
        assert kind in NEW_KINDS
        assert page.how_to.startswith(f'add [[sources]] name = "{kind}", kind = "{kind}", url = "{url}"')
        if kind in POLLED:  # once its connector is registered, it takes the page's URL
            documents = POLLED[kind].documents(url)
            assert POLLED[kind].kind == kind and documents and documents[0].required
    status = {p: s.url for p, rows in GUIDE.items() if p in DEPRECATION_PAGES
              for s in rows if s.surface == "status page"}
    assert status == STATUS_PAGES
    assert {s.kind for p in STATUS_PAGES for s in GUIDE[p] if s.surface == "status page"} == {"status"}


def test_every_guide_kind_is_a_connector_kind() -> None:
    from connectors import POLLED, WEBHOOKS
    from watcher.inventory.coverage_guide import GUIDE
    from watcher.inventory.uses import known_platforms

    kinds = {s.kind for rows in GUIDE.values() for s in rows if s.kind}
    assert kinds - set(POLLED) - set(WEBHOOKS) - NEW_KINDS == set()
    # every platform the project knows has a guide, and the guide knows no other
    assert set(GUIDE) == known_platforms()
    for rows in GUIDE.values():
        for row in rows:
            assert row.how_to and (row.url is None or row.url.startswith("https://")), row


def test_coverage_of_new_platforms(tmp_path: Path, capsys) -> None:
    """A lifecycle-prose source reading Cohere's changelog covers Cohere's changelog, not Mistral's:
    a kind that reads any page covers a surface on its host or for its provider only."""
    (tmp_path / "inventory.toml").write_text(
        '[[uses]]\nservice = "rag"\nprovider = "cohere"\nplatform = "cohere"\nmodel = "command-r-08-2024"\n'
        'owner = "t"\n\n[[uses]]\nservice = "docs"\nprovider = "mistral"\nplatform = "mistral"\n'
        'model = "mistral-large-2411"\nowner = "t"\n')
    config = write_config(tmp_path / "w.toml", database_url=f"sqlite:///{tmp_path / 'w.db'}",
                          extra='[inventory]\npath = "inventory.toml"\n', sources="""
[[sources]]
name = "cohere-changelog"
kind = "lifecycle-prose"
provider = "cohere"
url = "https://docs.cohere.com/changelog"
""")
    assert main(["coverage", "--config", str(config), "--json"]) == 0
    rows = {(r["platform"], r["surface"]): r for r in json.loads(capsys.readouterr().out)}
    assert (rows[("cohere", "changelog")]["state"], rows[("cohere", "changelog")]["source"]) == (
        "wired", "cohere-changelog")
    assert rows[("mistral", "changelog")]["state"] == "missing"
    assert set(rows) == {("cohere", s) for s in ("deprecation page", "status page", "changelog", "account notices")} | {
        ("mistral", s) for s in ("deprecation page", "status page", "changelog")}
    assert rows[("cohere", "deprecation page")]["how_to"] == (
        'add [[sources]] name = "cohere-deprecations", kind = "cohere-deprecations", '
        'url = "https://docs.cohere.com/docs/deprecations.md"')
    assert rows[("cohere", "account notices")]["how_to"].startswith("Cohere e-mails deprecation notices")
