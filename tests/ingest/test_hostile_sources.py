"""A hostile or broken world never silences the watcher: each trick of tests/hostile_source.py
through the real poller (and one through `watcher run`), with the exact outcome, the time it took,
the source's state, and a well-behaved source on the same poller that still polls."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.conftest import Clock, Collect, write_config
from tests.hostile_source import METADATA_URL, HostileSource
from tests.process import Daemon, events, free_port, wait_for
from tests.scenarios import fixture
from watcher.config import Config, PollerConfig, SourceConfig
from watcher.ingest.http import make_client
from watcher.ingest.poller import Poller, PollOutcome
from watcher.ingest.redirects import redirect_refusal
from watcher.metrics import Metrics
from watcher.storage.engine import open_database, session
from watcher.storage.tables import SourceState

FEED = fixture("feed/xai_guid_reused_across_components.xml")
DEADLINE = 2.0
BOUND = 6.0  # the deadline plus a margin a loaded two-core CI machine keeps


@pytest.fixture
def hostile() -> Iterator[HostileSource]:
    server = HostileSource()
    server.start()
    server.set("/fine.xml", FEED, "application/rss+xml")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def poller(sqlite_url: str, clock: Clock) -> AsyncIterator[tuple[Poller, Collect]]:
    """Reads may each take 5 s, so only the 2 s deadline can end a drip."""
    config = Config(poller=PollerConfig(timeout=5.0, deadline=DEADLINE, max_body_bytes=200_000, max_backoff=3600))
    engine = open_database(sqlite_url)
    client = make_client(timeout=5.0)
    notifier = Collect()
    poller = Poller(config=config, engine=engine, client=client, metrics=Metrics(), notifier=notifier, clock=clock,
                    rand=lambda: 0.5)
    yield poller, notifier
    poller.close()
    await client.aclose()
    engine.dispose()


def feed(server: HostileSource, path: str, name: str = "hostile", deadline: float | None = None) -> SourceConfig:
    return SourceConfig(name=name, kind="feed", provider="example", url=server.url(path), interval=60,
                        deadline=deadline)


def state_of(poller: Poller, name: str) -> SourceState:
    with session(poller.engine) as db:
        state = db.get(SourceState, name)
        assert state is not None
        return state


async def timed(poll: Awaitable[PollOutcome]) -> tuple[PollOutcome, float]:
    started = time.monotonic()
    outcome = await poll
    return outcome, time.monotonic() - started


async def side_by_side(poller: Poller, hostile: HostileSource, source: SourceConfig
                       ) -> tuple[PollOutcome, float, PollOutcome, float]:
    """The hostile source and a well-behaved one, polled at the same time by the same poller."""
    (outcome, took), (fine, fine_took) = await asyncio.gather(
        timed(poller.poll(source)), timed(poller.poll(feed(hostile, "/fine.xml", "fine"))))
    return outcome, took, fine, fine_took


@pytest.mark.parametrize("path, category, health, words", [
    ("/drip", "timeout", "failing", "no complete answer within the 2 s deadline"),
    ("/bomb", "too_large", "failing", "body is over the 200000-byte cap"),
    ("/endless", "too_large", "failing", "body is over the 200000-byte cap"),
    ("/loop", "redirects", "failing", "more than 5 redirects from"),
    ("/metadata", "redirect_refused", "failing", f"redirects to {METADATA_URL} (a link-local address"),
    ("/garbage-gzip", "decoding", "failing", "the gzip body is corrupt"),
])
async def test_hostile_source_fails_in_its_category_within_the_deadline(
        hostile: HostileSource, poller, clock: Clock, caplog, path: str, category: str, health: str,
        words: str) -> None:
    poller, notifier = poller
    caplog.set_level(logging.WARNING, logger="watcher.ingest.poller")
    outcome, took, fine, fine_took = await side_by_side(poller, hostile, feed(hostile, path))
    assert (outcome.outcome, outcome.category) == ("failed", category)
    assert words in (outcome.message or "")
    assert took < BOUND
    state = state_of(poller, "hostile")
    assert (state.health, state.consecutive_failures, state.last_error_category) == (health, 1, category)
    # an ordinary failure: the same backoff as a 500 (rand fixed at 0.5: exactly one interval), no alert yet
    assert state.next_check_at is not None and (state.next_check_at - clock.now).total_seconds() == 60
    assert notifier.changes == []
    # no traceback, no "parser crashed": one warning that the source started failing
    assert [(r.levelname, r.getMessage().split(":")[0]) for r in caplog.records
            if r.name == "watcher.ingest.poller"] == [("WARNING", "source failing")]
    # the well-behaved source on the same poller was not held up
    assert (fine.outcome, fine.items) == ("ok", 7)
    assert fine_took < BOUND


async def test_drip_is_cut_at_the_deadline_not_earlier(hostile: HostileSource, poller) -> None:
    """The drip keeps every read within its 5 s timeout: only the deadline ends the fetch, and the
    well-behaved source answers long before it."""
    poller, _ = poller
    outcome, took, fine, fine_took = await side_by_side(poller, hostile, feed(hostile, "/drip"))
    assert (outcome.outcome, outcome.category) == ("failed", "timeout")
    assert DEADLINE - 0.1 <= took < BOUND
    assert fine.outcome == "ok" and fine_took < took


async def test_a_source_deadline_overrides_the_poller_deadline(hostile: HostileSource, sqlite_url: str,
                                                                clock: Clock) -> None:
    config = Config(poller=PollerConfig(timeout=5.0, deadline=600, max_body_bytes=200_000))
    engine = open_database(sqlite_url)
    client = make_client(timeout=5.0)
    poller = Poller(config=config, engine=engine, client=client, metrics=Metrics(), notifier=Collect(), clock=clock)
    try:
        outcome, took = await timed(poller.poll(feed(hostile, "/drip", deadline=1.0)))
    finally:
        poller.close()
        await client.aclose()
        engine.dispose()
    assert (outcome.outcome, outcome.category) == ("failed", "timeout")
    assert "within the 1 s deadline" in (outcome.message or "")
    assert took < BOUND


async def test_metadata_redirect_is_refused_before_anything_is_sent(hostile: HostileSource, poller) -> None:
    poller, _ = poller
    outcome, took = await timed(poller.poll(feed(hostile, "/metadata")))
    assert outcome.category == "redirect_refused"
    assert outcome.message == (
        f"{hostile.url('/metadata')}: redirect_refused: {hostile.url('/metadata')} redirects to {METADATA_URL} "
        "(a link-local address, where cloud metadata and its credentials answer: never followed); if that page is "
        "really the source, configure its URL directly")
    # a connection attempt to 169.254.169.254 would take the connect timeout (5 s) or fail as `connect`
    assert took < 1.0
    assert [p for p, _ in hostile.requests] == ["/metadata"]


@pytest.mark.parametrize("target, category, words", [
    ("ftp://127.0.0.1/feed.xml", "redirect_refused", "only http and https URLs with a valid port are followed"),
    ("http://127.0.0.1:99999/feed.xml", "redirect_refused", "only http and https URLs with a valid port are followed"),
    # a name no resolver can even encode: refused before any query
    (f"http://{'a' * 70}.invalid/feed.xml", "dns", "whose host does not resolve"),
])
async def test_redirect_to_an_unusable_url_is_an_ordinary_failure(hostile: HostileSource, poller, target: str,
                                                                 category: str, words: str) -> None:
    poller, _ = poller
    outcome = await poller.poll(feed(hostile, "/to?" + urlencode({"url": target})))
    assert (outcome.outcome, outcome.category) == ("failed", category)
    assert f"redirects to {target}" in (outcome.message or "") and words in (outcome.message or "")


async def test_redirect_loop_stops_after_five_hops(hostile: HostileSource, poller) -> None:
    poller, _ = poller
    outcome = await poller.poll(feed(hostile, "/loop"))
    assert outcome.category == "redirects"
    assert [p for p, _ in hostile.requests] == ["/loop"] * 6  # the request and five redirects


async def test_redirect_body_is_never_read(hostile: HostileSource, poller) -> None:
    """A redirect whose own body never ends: the poller follows the Location without reading it."""
    poller, _ = poller
    outcome, took = await timed(poller.poll(feed(hostile, "/redirect-flood")))
    assert (outcome.outcome, outcome.items) == ("ok", 7)
    assert took < BOUND


async def test_local_source_may_redirect_to_localhost(hostile: HostileSource, poller) -> None:
    """A source configured on 127.0.0.1 is itself local: a redirect to localhost is followed."""
    poller, _ = poller
    hostile.redirect("/here.xml", f"http://localhost:{hostile.port}/fine.xml")
    outcome = await poller.poll(feed(hostile, "/here.xml"))
    assert (outcome.outcome, outcome.items) == ("ok", 7)


async def test_billion_laughs_feed_is_read_without_expanding_the_entities(hostile: HostileSource, poller) -> None:
    poller, _ = poller
    outcome, took, fine, _ = await side_by_side(poller, hostile, feed(hostile, "/laughs"))
    assert (outcome.outcome, outcome.items) == ("ok", 1)
    [change] = outcome.changes
    assert (change.event["external_id"], change.event["title"]) == ("laugh-1", "&lol9")
    assert took < BOUND and fine.outcome == "ok"


async def test_html_where_json_is_expected_is_a_parse_failure(hostile: HostileSource, poller) -> None:
    poller, notifier = poller
    source = SourceConfig(name="hostile", kind="statuspage", provider="example", url=hostile.url("/html"),
                          interval=60)
    outcome, took, fine, _ = await side_by_side(poller, hostile, source)
    assert (outcome.outcome, outcome.category) == ("failed", "parse")
    assert took < BOUND and fine.outcome == "ok"
    assert state_of(poller, "hostile").health == "broken"
    assert [(c.event["external_id"], c.event["status"]) for c in notifier.changes] == [("failing:hostile", "broken")]


@pytest.mark.parametrize("configured, target, refused", [
    (["127.0.0.1"], "127.0.0.1", False),
    (["127.0.0.1"], "::1", False),
    (["127.0.0.1"], "10.1.2.3", False),
    (["127.0.0.1"], "192.168.0.1", False),
    (["127.0.0.1"], "169.254.169.254", True),
    (["10.0.0.5"], "172.16.0.1", False),
    (["192.168.1.10"], "fe80::1", False),
    (["fd12::1"], "10.0.0.1", False),
    (["10.0.0.5"], "169.254.169.254", True),
    (["10.0.0.5"], "fd00:ec2::254", True),
    (["93.184.215.14"], "10.0.0.1", True),
    (["93.184.215.14"], "10.255.255.255", True),
    (["93.184.215.14"], "172.16.0.1", True),
    (["93.184.215.14"], "172.31.255.254", True),
    (["93.184.215.14"], "172.32.0.1", False),
    (["93.184.215.14"], "192.168.1.1", True),
    (["93.184.215.14"], "127.0.0.1", True),
    (["93.184.215.14"], "127.8.9.10", True),
    (["93.184.215.14"], "0.0.0.0", True),
    (["93.184.215.14"], "::1", True),
    (["93.184.215.14"], "::ffff:127.0.0.1", True),
    (["93.184.215.14"], "::ffff:169.254.169.254", True),
    (["93.184.215.14"], "64:ff9b::a9fe:a9fe", True),
    (["93.184.215.14"], "fe80::1", True),
    (["93.184.215.14"], "fc00::1", True),
    (["93.184.215.14"], "fd12:3456::1", True),
    (["93.184.215.14"], "169.254.169.254", True),
    (["93.184.215.14"], "151.101.1.69", False),
    (["93.184.215.14"], "2606:4700::6810:84e5", False),
    (["93.184.215.14", "10.0.0.5"], "10.0.0.6", False),
    ([], "10.0.0.1", True),
    ([], "151.101.1.69", False),
])
def test_redirect_rule(configured: list[str], target: str, refused: bool) -> None:
    reason = redirect_refusal([ipaddress.ip_address(a) for a in configured], ipaddress.ip_address(target))
    assert (reason is not None) == refused, reason


def test_dripping_source_through_watcher_run(tmp_path: Path, hostile: HostileSource, sqlite_url: str) -> None:
    """The real daemon: a dripping source fails as `timeout` at its deadline (its reads, a byte a
    second, never reach the 10 s timeout), then is stale in /healthz and an alert, while another source
    on the same daemon keeps polling."""
    port = free_port()
    config = write_config(tmp_path / "watcher.toml", database_url=sqlite_url, port=port, sources=f"""
[[sources]]
name = "drip"
kind = "feed"
provider = "example"
url = "{hostile.url('/drip')}"
interval = "2s"
timeout = "10s"
deadline = "2s"

[[sources]]
name = "fine"
kind = "feed"
provider = "example"
url = "{hostile.url('/fine.xml')}"
interval = "2s"
""")
    daemon = Daemon(config, port, tmp_path / "run.log")
    try:
        def source(name: str) -> dict:
            return daemon.get("/healthz").json()["sources"][name]

        wait_for(lambda: source("drip")["last_error_category"] == "timeout", what="the drip to time out")
        first = source("drip")
        assert first["health"] in ("failing", "stale")
        assert "within the 2 s deadline" in first["last_error"]
        wait_for(lambda: source("drip")["health"] == "stale", what="the drip to go stale")
        body = daemon.get("/healthz").json()
        assert body["status"] == "degraded"
        assert body["sources"]["fine"]["last_error"] is None  # never failed
        assert (body["sources"]["drip"]["last_ok_at"], body["sources"]["drip"]["last_error_category"]) == (
            None, "timeout")
        wait_for(lambda: any(e["external_id"] == "unread:drip" for e in events(config)), what="the stale alert")
        [alert] = [e for e in events(config) if e["external_id"] == "unread:drip"]
        assert (alert["kind"], alert["status"], alert["title"]) == ("source", "stale", "drip: never read successfully")
        polls_before = len(hostile.hits("/fine.xml"))
        wait_for(lambda: len(hostile.hits("/fine.xml")) > polls_before, what="the fine source to poll again")
    finally:
        assert daemon.stop() == 0
    log = (tmp_path / "run.log").read_text()
    told = [line.split()[0] for line in log.splitlines()
            if "unread:drip" in line and line.split()[0] in ("NEW", "UPDATE")]
    assert told == ["NEW"]  # said once
    assert log.count("source stale") == 1  # logged once, when it became stale
    # (at SIGTERM the scheduler cancels the in-flight drip's job, which APScheduler logs with a traceback)
    running = log.partition("waiting for in-flight polls")[0]
    assert "Traceback" not in running and "parser crashed" not in log
