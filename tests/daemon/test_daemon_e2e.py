"""`watcher run` as a real subprocess polling the fake provider: revisions, restarts, SIGTERM."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import write_config
from tests.fake_provider import FakeProvider
from tests.process import Daemon, events, free_port, wait_for, watcher
from tests.scenarios import ANTHROPIC_SUMMARY, fixture, incidents_document, load, resolved_variant


def test_incident_resolution_is_one_event_with_two_revisions_across_restarts(
        tmp_path: Path, fake_provider: FakeProvider, sqlite_url: str) -> None:
    summary = load(ANTHROPIC_SUMMARY)
    fake_provider.set("/claude/api/v2/summary.json", json.dumps(summary))
    fake_provider.set("/claude/api/v2/incidents.json", json.dumps(incidents_document(summary)))
    fake_provider.set("/xai/feed.xml", fixture("feed/xai_guid_reused_across_components.xml"), "application/rss+xml")
    fake_provider.set("/broken/feed.xml", b"<html>we moved</html>", "text/html")
    port = free_port()
    config = write_config(tmp_path / "watcher.toml", database_url=sqlite_url, port=port, sources=f"""
[[sources]]
name = "anthropic-status"
kind = "statuspage"
provider = "anthropic"
url = "{fake_provider.url('/claude')}"
interval = "1s"

[[sources]]
name = "xai-status"
kind = "feed"
provider = "xai"
url = "{fake_provider.url('/xai/feed.xml')}"
interval = "1s"

[[sources]]
name = "broken"
kind = "feed"
provider = "example"
url = "{fake_provider.url('/broken/feed.xml')}"
interval = "1s"
""")
    daemon = Daemon(config, port, tmp_path / "run1.log")
    try:
        wait_for(lambda: any(e["external_id"] == "978mjkgw6mh7" for e in events(config)), what="incident event")
        # the incident resolves: gone from the summary, resolved in incidents.json
        resolved_summary, resolved_incident = resolved_variant(summary)
        fake_provider.set("/claude/api/v2/summary.json", json.dumps(resolved_summary))
        fake_provider.set("/claude/api/v2/incidents.json",
                          json.dumps(incidents_document(summary, [resolved_incident])))
        wait_for(lambda: [e["status"] for e in events(config) if e["external_id"] == "978mjkgw6mh7"] == ["resolved"],
                 what="resolution")
        health = daemon.get("/healthz").json()
        assert health["scheduler"] == "running" and health["database"] == "ok"
        assert health["sources"]["anthropic-status"]["health"] == "ok"
        assert health["sources"]["broken"]["health"] == "broken"
        assert "layout changed" in health["sources"]["broken"]["last_error"]
        metrics = daemon.get("/metrics").text
        assert 'watcher_polls_total{outcome="ok",replica="test",source="anthropic-status"}' in metrics
        assert 'watcher_polls_total{outcome="failed",replica="test",source="broken"}' in metrics
        assert 'watcher_revisions_total{kind="incident",provider="anthropic",replica="test"} 1.0' in metrics
    finally:
        assert daemon.stop() == 0
    first_run = (tmp_path / "run1.log").read_text()
    assert "daemon stopped" in first_run
    assert first_run.count("NEW     anthropic incident 978mjkgw6mh7") == 1
    assert first_run.count("UPDATE  anthropic incident 978mjkgw6mh7 rev 2") == 1
    # xAI history is resolved at the first poll: baseline, stored but not announced
    assert "NEW     xai" not in first_run
    # the broken source is logged once when it starts failing, not on every poll
    assert first_run.count('watcher.ingest.poller: source failing') == 1
    # and the broken page became one alert for the on-call channel
    assert first_run.count('NEW     watcher source failing:broken [critical] broken') == 1

    [incident] = [e for e in events(config) if e["external_id"] == "978mjkgw6mh7"]
    assert incident["revision"] == 2 and incident["ends_at"] == "2026-10-08T01:10:00Z"
    before = {(e["provider"], e["kind"], e["external_id"]): e["revision"] for e in events(config)}
    assert len(before) == 1 + 4 + 1  # the incident, xAI's four incidents, the broken source's alert

    daemon = Daemon(config, port, tmp_path / "run2.log")
    try:
        polls_before = len(fake_provider.hits("/claude/api/v2/summary.json"))
        wait_for(lambda: len(fake_provider.hits("/claude/api/v2/summary.json")) >= polls_before + 2,
                 what="two polls after restart")
    finally:
        assert daemon.stop() == 0
    second_run = (tmp_path / "run2.log").read_text()
    assert "NEW " not in second_run and "UPDATE " not in second_run
    after = {(e["provider"], e["kind"], e["external_id"]): e["revision"] for e in events(config)}
    assert after == before
    # the restarted daemon kept the HTTP validators: its polls were conditional
    assert fake_provider.hits("/claude/api/v2/summary.json")[-1].get("if-none-match")


def test_events_cli_hides_baseline_unless_asked(tmp_path: Path, fake_provider: FakeProvider, sqlite_url: str) -> None:
    fake_provider.set("/xai/feed.xml", fixture("feed/xai_guid_reused_across_components.xml"), "application/rss+xml")
    config = write_config(tmp_path / "w.toml", database_url=sqlite_url, sources=f"""
[[sources]]
name = "xai-status"
kind = "feed"
provider = "xai"
url = "{fake_provider.url('/xai/feed.xml')}"
""")
    polled = watcher("poll", "--config", str(config))
    assert "xai-status: ok (4 change(s), 7 item(s))" in polled.stderr
    shown = watcher("events", "--config", str(config), "--json")
    assert json.loads(shown.stdout) == []
    everything = events(config)
    assert {e["external_id"] for e in everything} == {"ps_d022a635bce02f4a", "ps_f64984fa7d669b08",
                                                      "INC578e0bc8", "INC698e276c"}
    assert all(e["baseline"] for e in everything)
    table = watcher("events", "--config", str(config), "--all").stdout
    assert "Outages across API, Grok.com, and Grok Build" in table


def test_inventory_reload_on_sighup_resolves_impacts(tmp_path: Path, fake_provider: FakeProvider,
                                                     sqlite_url: str) -> None:
    import signal
    import sqlite3

    fake_provider.set("/openai/deprecations.md", fixture("openai-deprecations/deprecations_page_md.md"),
                      "text/markdown")
    inventory = tmp_path / "inventory.toml"
    chat = '[[uses]]\nservice = "chat"\nprovider = "openai"\nplatform = "openai"\nmodel = "gpt-4"\nowner = "t"\n'
    search = chat.replace('"chat"', '"search"').replace('"gpt-4"', '"gpt-4o-2024-05-13"')
    inventory.write_text(chat + search)
    port = free_port()
    config = write_config(tmp_path / "watcher.toml", database_url=sqlite_url, port=port,
                          extra='[inventory]\npath = "inventory.toml"\n', sources=f"""
[[sources]]
name = "openai-deprecations"
kind = "openai-deprecations"
provider = "openai"
url = "{fake_provider.url('/openai/deprecations.md')}"
interval = "1h"
""")
    database = sqlite_url.removeprefix("sqlite:///")

    def impacts() -> dict[str, str]:
        with sqlite3.connect(database) as db:
            return dict(db.execute("SELECT service, state FROM impact").fetchall())

    daemon = Daemon(config, port, tmp_path / "run.log")
    try:
        wait_for(lambda: impacts() == {"chat": "open", "search": "open"}, what="impacts after the first poll")
        inventory.write_text(search)  # chat no longer uses gpt-4
        daemon.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: impacts() == {"chat": "resolved", "search": "open"}, what="the reload to resolve it")
    finally:
        assert daemon.stop() == 0
    assert "SIGHUP: reloading the inventory" in (tmp_path / "run.log").read_text()
