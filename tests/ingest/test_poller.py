"""The real poller against a fake provider on a loopback socket: conditional GET, errors, backoff."""

from __future__ import annotations

import gzip
import json
import logging
import zlib

import pytest
from sqlmodel import select

from tests.conftest import Clock
from tests.fake_provider import FakeProvider
from tests.scenarios import ANTHROPIC_SUMMARY, fixture, incidents_document, load
from watcher.config import SourceConfig
from watcher.ingest.poller import Poller
from watcher.storage.engine import session
from watcher.storage.tables import Event, SourceState


def statuspage(fake: FakeProvider, prefix: str = "/claude", name: str = "anthropic-status") -> SourceConfig:
    return SourceConfig(name=name, kind="statuspage", provider="anthropic", url=fake.url(prefix), interval=60)


def serve_claude(fake: FakeProvider, prefix: str = "/claude") -> None:
    summary = load(ANTHROPIC_SUMMARY)
    fake.set(f"{prefix}/api/v2/summary.json", json.dumps(summary))
    fake.set(f"{prefix}/api/v2/incidents.json", json.dumps(incidents_document(summary)))
    fake.set(f"{prefix}/api/v2/scheduled-maintenances.json",
             fixture("statuspage/anthropic_scheduled_maintenances_completed.json"))


def state_of(poller: Poller, name: str) -> SourceState:
    with session(poller.engine) as db:
        state = db.get(SourceState, name)
        assert state is not None
        return state


async def test_second_poll_is_conditional_and_parses_nothing(fake_provider: FakeProvider, rig, clock: Clock) -> None:
    poller, notifier = rig
    serve_claude(fake_provider)
    source = statuspage(fake_provider)
    first = await poller.poll(source)
    assert first.outcome == "ok" and first.items == 7 + 1 + 2
    # the unresolved incident is announced; the completed maintenances are baseline history
    assert [(c.event["external_id"], c.action) for c in notifier.changes] == [("978mjkgw6mh7", "new")]
    clock.advance(61)
    second = await poller.poll(source)
    assert second.outcome == "not_modified" and second.changes == []
    path = "/claude/api/v2/summary.json"
    first_hit, second_hit = fake_provider.hits(path)
    assert "if-none-match" not in first_hit
    assert second_hit["if-none-match"] == fake_provider.documents[path].etag
    assert second_hit["if-modified-since"] == fake_provider.documents[path].last_modified
    assert state_of(poller, source.name).health == "ok"


async def test_not_due_yet_is_skipped_without_a_request(fake_provider: FakeProvider, rig, clock: Clock) -> None:
    poller, _ = rig
    serve_claude(fake_provider)
    source = statuspage(fake_provider)
    await poller.poll(source)
    clock.advance(30)
    assert (await poller.poll(source)).outcome == "skipped"
    assert len(fake_provider.hits("/claude/api/v2/summary.json")) == 1


async def test_redirect_is_followed(fake_provider: FakeProvider, rig) -> None:
    """status.anthropic.com answers 302 to status.claude.com."""
    poller, notifier = rig
    serve_claude(fake_provider)
    for doc in ("summary", "incidents", "scheduled-maintenances"):
        fake_provider.redirect(f"/anthropic/api/v2/{doc}.json", f"/claude/api/v2/{doc}.json")
    outcome = await poller.poll(statuspage(fake_provider, "/anthropic"))
    assert outcome.outcome == "ok"
    assert [c.event["external_id"] for c in notifier.changes] == ["978mjkgw6mh7"]


async def test_incidentio_missing_endpoints_are_not_failures(fake_provider: FakeProvider, rig) -> None:
    poller, notifier = rig
    fake_provider.set("/openai/api/v2/summary.json",
                      fixture("statuspage/openai_incidentio_summary_partial_degradation.json"))
    source = SourceConfig(name="openai-status", kind="statuspage", provider="openai",
                          url=fake_provider.url("/openai"), interval=60)
    outcome = await poller.poll(source)
    assert outcome.outcome == "ok" and outcome.items == 27
    assert len(notifier.changes) == 2


@pytest.mark.parametrize("status, headers, category, min_wait", [
    (429, {"Retry-After": "900"}, "http_429", 900),
    (503, {"Retry-After": "120"}, "http_5xx", 120),
    (500, {}, "http_5xx", 60 * 0.8),
    (403, {}, "http_403", 60 * 0.8),
])
async def test_http_errors_are_classified_and_back_off(fake_provider: FakeProvider, rig, clock: Clock, status: int,
                                                       headers: dict, category: str, min_wait: float) -> None:
    poller, _ = rig
    fake_provider.set("/x/feed.xml", b"busy", "text/plain", status=status, headers=headers)
    source = SourceConfig(name="x", kind="feed", provider="xai", url=fake_provider.url("/x/feed.xml"), interval=60)
    outcome = await poller.poll(source)
    assert (outcome.outcome, outcome.category) == ("failed", category)
    state = state_of(poller, "x")
    assert state.health == "failing" and state.consecutive_failures == 1
    assert state.next_check_at is not None
    assert (state.next_check_at - clock.now).total_seconds() >= min_wait


async def test_backoff_grows_with_each_failure(fake_provider: FakeProvider, rig, clock: Clock) -> None:
    poller, _ = rig
    fake_provider.set("/down.xml", b"oops", "text/plain", status=500)
    source = SourceConfig(name="down", kind="feed", provider="x", url=fake_provider.url("/down.xml"), interval=60)
    waits = []
    for _ in range(4):
        await poller.poll(source, force=True)
        state = state_of(poller, "down")
        waits.append((state.next_check_at - clock.now).total_seconds())
    assert waits == [60, 120, 240, 480]  # rand fixed at 0.5: no jitter in this test


async def test_timeout_is_classified(fake_provider: FakeProvider, rig) -> None:
    poller, _ = rig
    fake_provider.set("/slow.xml", fixture("feed/xai_guid_reused_across_components.xml"), "application/rss+xml",
                      delay=3)
    source = SourceConfig(name="slow", kind="feed", provider="xai", url=fake_provider.url("/slow.xml"), interval=60)
    outcome = await poller.poll(source)
    assert (outcome.outcome, outcome.category) == ("failed", "timeout")


async def test_dns_failure_is_classified(rig) -> None:
    poller, _ = rig
    source = SourceConfig(name="nx", kind="feed", provider="x", url="http://no-such-host.invalid/feed.xml", interval=60)
    outcome = await poller.poll(source)
    assert (outcome.outcome, outcome.category) == ("failed", "dns")


async def test_tls_failure_is_classified(fake_provider: FakeProvider, rig) -> None:
    """https:// to a server that speaks plain HTTP: the handshake fails."""
    poller, _ = rig
    url = fake_provider.url("/feed.xml").replace("http://", "https://")
    outcome = await poller.poll(SourceConfig(name="tls", kind="feed", provider="x", url=url, interval=60))
    assert (outcome.outcome, outcome.category) == ("failed", "tls")


async def test_oversized_body_is_refused(fake_provider: FakeProvider, rig) -> None:
    poller, _ = rig
    fake_provider.set("/big.xml", b"<rss>" + b" " * 300_000 + b"</rss>", "application/rss+xml")
    source = SourceConfig(name="big", kind="feed", provider="x", url=fake_provider.url("/big.xml"), interval=60)
    outcome = await poller.poll(source)
    assert (outcome.outcome, outcome.category) == ("failed", "too_large")


async def test_malformed_and_layout_changed_mark_the_source_broken(fake_provider: FakeProvider, rig) -> None:
    poller, _ = rig
    fake_provider.set("/bad/api/v2/summary.json", b'{"page": {"id": "x"', "application/json")
    bad = statuspage(fake_provider, "/bad", "bad")
    outcome = await poller.poll(bad)
    assert (outcome.outcome, outcome.category) == ("failed", "parse")
    assert state_of(poller, "bad").health == "broken"
    fake_provider.set("/moved/api/v2/summary.json", b'{"page": {"id": "x"}, "data": {"incidents": []}}')
    moved = statuspage(fake_provider, "/moved", "moved")
    outcome = await poller.poll(moved)
    assert (outcome.outcome, outcome.category) == ("failed", "layout_changed")
    assert "layout changed" in (state_of(poller, "moved").last_error or "")


async def test_items_vanishing_on_a_200_is_suspicious_not_all_clear(fake_provider: FakeProvider, rig, clock) -> None:
    poller, _ = rig
    fake_provider.set("/x.xml", fixture("feed/xai_guid_reused_across_components.xml"), "application/rss+xml")
    source = SourceConfig(name="xai", kind="feed", provider="xai", url=fake_provider.url("/x.xml"), interval=60)
    assert (await poller.poll(source)).items == 7
    empty = b'<?xml version="1.0"?><rss version="2.0"><channel><title>SpaceXAI System Status</title></channel></rss>'
    fake_provider.set("/x.xml", empty, "application/rss+xml")
    clock.advance(61)
    outcome = await poller.poll(source)
    assert (outcome.outcome, outcome.category) == ("failed", "suspicious")
    assert "found no items where it found 7" in (outcome.message or "")
    # not cached: the next poll reads the page again instead of getting a 304 and calling it fine
    clock.advance(3600)
    outcome = await poller.poll(source)
    assert outcome.category == "suspicious"


async def test_parser_crash_is_contained(fake_provider: FakeProvider, rig, monkeypatch) -> None:
    poller, _ = rig
    from connectors import POLLED, feed

    def explode(body: bytes, **_: object):
        raise KeyError("surprise")

    monkeypatch.setitem(POLLED, "feed", type(POLLED["feed"])(kind="feed", parse=explode,
                                                             documents=feed.CONNECTOR.documents))
    fake_provider.set("/x.xml", fixture("feed/xai_guid_reused_across_components.xml"), "application/rss+xml")
    fake_provider.set("/ok/api/v2/summary.json", fixture(ANTHROPIC_SUMMARY))
    crash = await poller.poll(SourceConfig(name="c", kind="feed", provider="x", url=fake_provider.url("/x.xml")))
    fine = await poller.poll(statuspage(fake_provider, "/ok", "ok"))
    assert (crash.outcome, crash.category) == ("failed", "parser_crash")
    assert "KeyError" in (crash.message or "")
    assert fine.outcome == "ok"


async def test_logs_on_start_of_failure_and_on_recovery_only(fake_provider: FakeProvider, rig, caplog) -> None:
    poller, _ = rig
    caplog.set_level(logging.DEBUG, logger="watcher.ingest.poller")
    fake_provider.set("/f.xml", b"down", "text/plain", status=500)
    source = SourceConfig(name="flaky", kind="feed", provider="x", url=fake_provider.url("/f.xml"), interval=60)
    for _ in range(3):
        await poller.poll(source, force=True)
    fake_provider.set("/f.xml", fixture("feed/statuspage_claude_history.atom"), "application/atom+xml")
    await poller.poll(source, force=True)
    await poller.poll(source, force=True)
    ours = [r for r in caplog.records if r.name == "watcher.ingest.poller"]
    records = [(r.levelname, r.getMessage().split(":")[0]) for r in ours if r.levelno >= logging.INFO]
    assert records == [("WARNING", "source failing"), ("INFO", "source recovered after 3 failed polls")]
    assert all(getattr(r, "source", None) == "flaky" for r in ours)


async def test_include_filter_keeps_only_matching_events(fake_provider: FakeProvider, rig) -> None:
    poller, _ = rig
    fake_provider.set("/gcp/incidents.json", fixture("google-cloud-status/incidents_resolved_multi_product.json"))
    base = {"kind": "google-cloud-status", "provider": "google", "url": fake_provider.url("/gcp/incidents.json")}
    vertex = await poller.poll(SourceConfig(name="gcp-vertex", include=["Vertex AI"], **base))
    compute = await poller.poll(SourceConfig(name="gcp-compute", include=["compute engine"], **base))
    assert (vertex.outcome, len(vertex.changes)) == ("ok", 0)
    assert [c.event["external_id"] for c in compute.changes] == ["J5ia5t9p3g9Q5Wi7r8Ev"]
    with session(poller.engine) as db:
        assert len(db.exec(select(Event)).all()) == 1


def _deflate(data: bytes, wbits: int) -> bytes:
    packer = zlib.compressobj(wbits=wbits)
    return packer.compress(data) + packer.flush()


@pytest.mark.parametrize("encoding, pack", [
    ("gzip", gzip.compress),
    ("x-gzip", gzip.compress),
    ("deflate", lambda data: _deflate(data, zlib.MAX_WBITS)),  # zlib-wrapped, as the RFC says
    ("deflate", lambda data: _deflate(data, -zlib.MAX_WBITS)),  # raw, as some servers send it
    ("identity", lambda data: data),
])
async def test_compressed_bodies_are_decoded(fake_provider: FakeProvider, rig, encoding: str, pack) -> None:
    poller, _ = rig
    fake_provider.set("/z.xml", pack(fixture("feed/xai_guid_reused_across_components.xml")), "application/rss+xml",
                      headers={"Content-Encoding": encoding})
    outcome = await poller.poll(SourceConfig(name="z", kind="feed", provider="x", url=fake_provider.url("/z.xml")))
    assert (outcome.outcome, outcome.items) == ("ok", 7)


@pytest.mark.parametrize("encoding, body, words", [
    ("br", b"\x0b\x02\x80hello\x03", "unsupported Content-Encoding 'br'"),
    ("gzip, gzip", gzip.compress(gzip.compress(b"<rss/>")), "stacked Content-Encoding 'gzip, gzip'"),
    ("gzip", gzip.compress(b"<rss>" + b" " * 5000 + b"</rss>")[:-20], "ends before its end marker (truncated)"),
])
async def test_bodies_we_cannot_decode_are_decoding_failures(fake_provider: FakeProvider, rig, encoding: str,
                                                             body: bytes, words: str) -> None:
    poller, notifier = rig
    fake_provider.set("/z.xml", body, "application/rss+xml", headers={"Content-Encoding": encoding})
    outcome = await poller.poll(SourceConfig(name="z", kind="feed", provider="x", url=fake_provider.url("/z.xml")))
    assert (outcome.outcome, outcome.category) == ("failed", "decoding")
    assert words in (outcome.message or "")
    assert state_of(poller, "z").health == "failing" and notifier.changes == []  # not "broken": no critical alert


async def test_a_generic_source_is_read_with_the_hints_of_its_config(fake_provider: FakeProvider, rig) -> None:
    """`lifecycle-table` with `platform` and column hints, polled over a real socket: the events carry
    the platform, and the hinted columns give the deadlines (the Groq page, headers renamed)."""
    poller, _ = rig
    page = fixture("groq-deprecations/deprecations_md.md").decode()
    fake_provider.set("/reseller/deprecations.md",
                      page.replace("Shutdown Date", "Col B").replace("Deprecated Model", "Col A"))
    source = SourceConfig(name="reseller-lifecycle", kind="lifecycle-table", provider="reseller",
                          url=fake_provider.url("/reseller/deprecations.md"), interval=60, platform="groq",
                          model_column="Col A", date_column="Col B")
    outcome = await poller.poll(source)
    assert outcome.outcome == "ok"
    with session(poller.engine) as db:
        events = {e.external_id: e for e in db.exec(select(Event).where(Event.kind == "deprecation")).all()}
    assert events["qwen/qwen3.6-27b"].provider == "groq"
    assert events["qwen/qwen3.6-27b"].deadline == "2026-09-14"
