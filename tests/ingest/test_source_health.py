"""Source health as alerts, driven through the fake provider: break a source, one alert; fix it,
one recovery. Moved pages, stale feeds and sources not read for three intervals too."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import T0, Clock
from tests.fake_provider import FakeProvider
from tests.scenarios import fixture
from watcher.config import Config, SourceConfig
from watcher.ingest import health, sources
from watcher.inventory import coverage
from watcher.inventory.uses import Inventory, Use
from watcher.storage.engine import open_database, session

FEED = fixture("feed/xai_guid_reused_across_components.xml")


def alerts(changes) -> list[tuple[str, str, str]]:
    return [(c.event["external_id"], c.action, c.event["status"]) for c in changes if c.event["kind"] == "source"]


async def test_failing_then_recovering_is_one_alert_and_one_recovery(fake_provider: FakeProvider, rig,
                                                                      clock: Clock) -> None:
    poller, notifier = rig
    fake_provider.set("/x.xml", FEED, "application/rss+xml")
    source = SourceConfig(name="xai-status", kind="feed", provider="xai", url=fake_provider.url("/x.xml"), interval=60)
    await poller.poll(source)
    fake_provider.set("/x.xml", b"down", "text/plain", status=503)
    for _ in range(5):
        await poller.poll(source, force=True)
    assert alerts(notifier.changes) == [("failing:xai-status", "new", "failing")]  # at the 3rd, once
    [alert] = [c for c in notifier.changes if c.event["kind"] == "source"]
    assert alert.event["title"] == "xai-status is failing (http_5xx)"
    assert "(3 failed polls in a row)" in alert.event["summary"]
    fake_provider.set("/x.xml", FEED, "application/rss+xml")
    await poller.poll(source, force=True)
    await poller.poll(source, force=True)
    assert alerts(notifier.changes)[1:] == [("failing:xai-status", "revised", "resolved")]


async def test_broken_page_alerts_at_once(fake_provider: FakeProvider, rig) -> None:
    poller, notifier = rig
    fake_provider.set("/x.xml", b"<html><body>We moved!</body></html>", "text/html")
    source = SourceConfig(name="xai-status", kind="feed", provider="xai", url=fake_provider.url("/x.xml"), interval=60)
    await poller.poll(source)
    await poller.poll(source, force=True)
    assert alerts(notifier.changes) == [("failing:xai-status", "new", "broken")]
    [alert] = [c for c in notifier.changes if c.event["kind"] == "source"]
    assert alert.event["severity"] == "critical" and "layout changed" in alert.event["summary"]


async def test_moved_page_and_stale_feed(fake_provider: FakeProvider, rig, clock: Clock) -> None:
    poller, notifier = rig
    fake_provider.set("/new/feed.xml", FEED, "application/rss+xml")
    # status.anthropic.com -> status.claude.com, in miniature: another host name for the same server
    fake_provider.redirect("/old/feed.xml", f"http://localhost:{fake_provider.port}/new/feed.xml")
    # the recorded feed's newest entry is from 2026-10-07; the clock reads 2026-10-07 22:00
    source = SourceConfig(name="xai-status", kind="feed", provider="xai", url=fake_provider.url("/old/feed.xml"),
                          interval=60, expect_every=3600)
    await poller.poll(source)
    changes = alerts(notifier.changes)
    assert changes == [("moved:xai-status", "new", "moved"), ("stale:xai-status", "new", "stale")]
    [moved] = [c for c in notifier.changes if c.event["external_id"] == "moved:xai-status"]
    assert moved.event["title"] == f"xai-status: 127.0.0.1:{fake_provider.port} now redirects to localhost:" \
                                   f"{fake_provider.port}"
    [stale] = [c for c in notifier.changes if c.event["external_id"] == "stale:xai-status"]
    assert stale.event["title"] == "xai-status: nothing new since 2026-10-07"
    clock.advance(61)
    fake_provider.set("/new/feed.xml", FEED.replace(b"Wed, 07 Oct 2026 00:24:33 GMT",
                                                    b"Wed, 07 Oct 2026 21:50:00 GMT"), "application/rss+xml")
    await poller.poll(source)
    assert alerts(notifier.changes)[-1] == ("stale:xai-status", "revised", "resolved")
    await poller.poll(source, force=True)
    assert len(alerts(notifier.changes)) == 3  # the move said once, the recovery once


def test_silent_webhook_alerts_then_recovers(sqlite_url: str, tmp_path, monkeypatch) -> None:
    from datetime import UTC, datetime, timedelta

    from tests.conftest import write_config
    from watcher.cli.commands import load_config
    from watcher.daemon import Daemon
    from watcher.notify.digest_view import collect
    from watcher.storage.engine import session
    from watcher.storage.tables import Delivery

    monkeypatch.setenv("TEST_HOOK_SECRET", "t")
    config = load_config(str(write_config(tmp_path / "w.toml", database_url=sqlite_url, sources="", extra="""
[[webhooks]]
name = "anthropic-status"
kind = "statuspage-webhook"
provider = "anthropic"
secret_env = "TEST_HOOK_SECRET"
expect_every = "7d"
""")))
    daemon = Daemon(config)
    try:
        start = daemon.started_at
        assert daemon.check_webhooks(now=start + timedelta(days=6)) == []
        [alert] = daemon.check_webhooks(now=start + timedelta(days=8))
        assert (alert.event["external_id"], alert.event["status"]) == ("silent:anthropic-status", "silent")
        assert daemon.check_webhooks(now=start + timedelta(days=9)) == []  # said once
        with session(daemon.engine) as db:
            assert [b["name"] for b in collect(db, config, now=datetime.now(UTC))["blind_spots"]] == [
                "anthropic-status"]
            db.add(Delivery(webhook="anthropic-status", delivery_id="d1", received_at=start + timedelta(days=9),
                            headers={}, body=b"{}", state="processed", event_count=0))
            db.commit()
        [recovered] = daemon.check_webhooks(now=start + timedelta(days=9, hours=1))
        assert (recovered.action, recovered.event["status"]) == ("revised", "resolved")
    finally:
        daemon.poller.close()
        daemon.db_executor.shutdown()
        daemon.engine.dispose()


async def test_status_page_that_changes_platform(fake_provider: FakeProvider, rig, clock: Clock) -> None:
    """Same URL, another generator: the provider moved its status page from Atlassian to incident.io."""
    poller, notifier = rig
    path = "/status/api/v2/summary.json"
    fake_provider.set(path, fixture("statuspage/anthropic_summary_incident_monitoring.json"))
    source = SourceConfig(name="vendor-status", kind="statuspage", provider="vendor",
                          url=fake_provider.url("/status"), interval=60)
    await poller.poll(source)
    assert alerts(notifier.changes) == []
    fake_provider.set(path, fixture("statuspage/openai_incidentio_summary_partial_degradation.json"))
    clock.advance(61)
    await poller.poll(source)
    assert alerts(notifier.changes) == [("moved:vendor-status", "new", "moved")]
    [moved] = [c for c in notifier.changes if c.event["kind"] == "source"]
    assert moved.event["title"] == "vendor-status: the page is now served by incident.io (was statuspage)"
    clock.advance(61)
    fake_provider.set(path, fixture("statuspage/openai_incidentio_summary_partial_degradation.json")
                      .replace(b"Partial System Degradation", b"Partial system degradation"))
    await poller.poll(source)
    assert len(alerts(notifier.changes)) == 1  # said once


def _watching(*sources: SourceConfig) -> Config:
    return Config(sources=list(sources))


async def test_unread_source_is_stale_once_and_recovers_once(fake_provider: FakeProvider, rig, clock: Clock) -> None:
    """Whatever the reason (here no poll at all: a hung or unscheduled job), three intervals without a
    success: health `stale` in the report, one alert; the next success ends both, said once."""
    poller, notifier = rig
    fake_provider.set("/x.xml", FEED, "application/rss+xml")
    source = SourceConfig(name="xai-status", kind="feed", provider="xai", url=fake_provider.url("/x.xml"), interval=60)
    config, started = _watching(source), clock.now
    await poller.poll(source)
    assert health.check_sources(poller.engine, config, now=T0 + timedelta(seconds=180), started_at=started) == []
    changes = health.check_sources(poller.engine, config, now=T0 + timedelta(seconds=181), started_at=started)
    assert alerts(changes) == [("unread:xai-status", "new", "stale")]
    assert (changes[0].event["title"], changes[0].event["severity"]) == (
        "xai-status: no successful poll since 2026-10-07 22:00 UTC", "warning")
    assert "for more than 3 of its intervals (3 min)" in changes[0].event["summary"]
    report = health.source_report(poller.engine, config)["xai-status"]
    assert (report["health"], report["last_ok_at"]) == ("stale", "2026-10-07T22:00:00Z")
    assert health.check_sources(poller.engine, config, now=T0 + timedelta(seconds=300), started_at=started) == []
    # a failed poll does not make it merely `failing` again
    fake_provider.set("/x.xml", b"down", "text/plain", status=503)
    clock.advance(301)
    assert (await poller.poll(source)).category == "http_5xx"
    assert health.source_report(poller.engine, config)["xai-status"]["health"] == "stale"
    fake_provider.set("/x.xml", FEED, "application/rss+xml")
    await poller.poll(source, force=True)
    assert alerts(notifier.changes) == [("unread:xai-status", "revised", "resolved")]
    assert health.source_report(poller.engine, config)["xai-status"]["health"] == "ok"
    assert health.check_sources(poller.engine, config, now=clock.now + timedelta(seconds=60), started_at=started) == []
    await poller.poll(source, force=True)
    assert len(alerts(notifier.changes)) == 1  # the recovery said once


def test_never_read_source_is_stale_three_intervals_after_the_start(database_url: str) -> None:
    source = SourceConfig(name="new-page", kind="feed", provider="x", url="http://127.0.0.1:9/feed.xml", interval=60)
    config = _watching(source, SourceConfig(name="off", kind="feed", provider="x", url="http://127.0.0.1:9/off.xml",
                                            interval=60, enabled=False))
    engine = open_database(database_url)
    try:
        assert health.check_sources(engine, config, now=T0 + timedelta(seconds=179), started_at=T0) == []
        assert health.source_report(engine, config)["new-page"]["health"] == "new"
        [alert] = health.check_sources(engine, config, now=T0 + timedelta(seconds=181), started_at=T0)
        assert (alert.event["external_id"], alert.event["title"]) == ("unread:new-page",
                                                                      "new-page: never read successfully")
        report = health.source_report(engine, config)
        assert (report["new-page"]["health"], report["off"]["health"]) == ("stale", "new")
        # a failure keeps it stale; a broken page says more; a success ends it
        now = T0 + timedelta(seconds=200)
        with engine.begin() as connection:
            claimed = sources.Claim("stale", None, 0, None)
            assert sources.record_failure(connection, source, claimed, now=now, category="timeout", message="slow",
                                          max_backoff=3600, retry_after=None) == (1, True)
        assert health.source_report(engine, config)["new-page"]["health"] == "stale"
        with engine.begin() as connection:
            sources.record_failure(connection, source, claimed, now=now, category="parse", message="html",
                                   max_backoff=3600, retry_after=None)
            assert not sources.mark_stale(connection, source, now=now)
        assert health.source_report(engine, config)["new-page"]["health"] == "broken"
        with engine.begin() as connection:
            sources.record_success(connection, source, now=now, items=1)
            assert not sources.mark_stale(connection, source, now=now + timedelta(seconds=180))
            assert sources.mark_stale(connection, source, now=now + timedelta(seconds=181))
    finally:
        engine.dispose()


async def test_a_restart_gives_each_source_three_intervals(fake_provider: FakeProvider, rig, clock: Clock) -> None:
    """Last read long before the daemon started (it was down for a day): not stale until three
    intervals after the start, so a restart is not an alert storm."""
    poller, _ = rig
    fake_provider.set("/x.xml", FEED, "application/rss+xml")
    source = SourceConfig(name="xai-status", kind="feed", provider="xai", url=fake_provider.url("/x.xml"), interval=60)
    await poller.poll(source)
    restarted = T0 + timedelta(days=1)
    config = _watching(source)
    assert health.check_sources(poller.engine, config, now=restarted + timedelta(seconds=170),
                                started_at=restarted) == []
    [alert] = health.check_sources(poller.engine, config, now=restarted + timedelta(seconds=190), started_at=restarted)
    assert alert.event["title"] == "xai-status: no successful poll since 2026-10-07 22:00 UTC"


async def test_source_alerted_as_failing_is_not_told_again_as_stale(fake_provider: FakeProvider, rig,
                                                                    clock: Clock) -> None:
    poller, notifier = rig
    fake_provider.set("/down.xml", b"down", "text/plain", status=503)
    fake_provider.set("/moved.xml", b"<html><body>We moved!</body></html>", "text/html")
    down = SourceConfig(name="down", kind="feed", provider="x", url=fake_provider.url("/down.xml"), interval=60)
    moved = SourceConfig(name="moved", kind="feed", provider="x", url=fake_provider.url("/moved.xml"), interval=60)
    for _ in range(3):
        await poller.poll(down, force=True)
    await poller.poll(moved)
    assert alerts(notifier.changes) == [("failing:down", "new", "failing"), ("failing:moved", "new", "broken")]
    config = _watching(down, moved)
    assert health.check_sources(poller.engine, config, now=T0 + timedelta(seconds=181), started_at=T0) == []
    report = health.source_report(poller.engine, config)
    # stale says more than failing; a page found broken says more than stale
    assert (report["down"]["health"], report["moved"]["health"]) == ("stale", "broken")


async def test_coverage_calls_a_stale_source_stale(fake_provider: FakeProvider, rig, clock: Clock) -> None:
    poller, _ = rig
    fake_provider.set("/status/api/v2/summary.json", b"", status=503)
    source = SourceConfig(name="openai-status", kind="statuspage", provider="openai",
                          url=fake_provider.url("/status"), interval=60)
    await poller.poll(source)
    config = _watching(source)
    inventory = Inventory(uses=(Use(service="chat", provider="openai", platform="openai", model="gpt-4o", owner="t"),))
    with session(poller.engine) as db:
        [row] = [r for r in coverage.report(db, config, inventory, now=T0) if r["surface"] == "status page"]
    assert (row["state"], row["source"]) == ("broken", "openai-status")  # failing, not yet stale
    health.check_sources(poller.engine, config, now=T0 + timedelta(seconds=181), started_at=T0)
    with session(poller.engine) as db:
        [row] = [r for r in coverage.report(db, config, inventory, now=T0) if r["surface"] == "status page"]
    assert (row["state"], row["source"]) == ("stale", "openai-status")
    assert row["how_to"] == ("openai-status has never been read successfully: see /healthz (last error: "
                             f"{fake_provider.url('/status/api/v2/summary.json')}: HTTP 503 Service Unavailable)")
