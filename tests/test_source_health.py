"""Source health as alerts, driven through the fake provider: break a source, one alert; fix it,
one recovery. Moved pages and stale feeds too."""

from __future__ import annotations

from tests.conftest import Clock
from tests.fake_provider import FakeProvider
from tests.scenarios import fixture
from watcher.config import SourceConfig

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
    from watcher.commands import load_config
    from watcher.daemon import Daemon
    from watcher.digest import collect
    from watcher.storage import Delivery, session

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
