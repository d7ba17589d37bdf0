"""A broken world against a real `watcher run`: killed mid-poll, a database locked, refused, or gone
silent. Each test counts what was stored and told, and times how long the answers took.

SIGKILL in the middle of a burst of webhook deliveries is
tests/test_webhook_receiver.py::test_crash_after_accept_is_finished_on_restart_exactly_once: every
acknowledged delivery stored, each stored one processed exactly once, each told once.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import write_config
from tests.fake_provider import FakeProvider
from tests.ingest.test_webhook_receiver import SECRETS, WEBHOOKS, db_rows, standard_headers
from tests.process import Daemon, events, free_port, wait_for, watcher
from tests.scenarios import fixture

FEED = "/xai/feed.xml"
NEW_ITEM = """    <item>
      <title>[API] Elevated error rates</title>
      <link>https://status.x.ai/api/ps_fault00000001</link>
      <guid isPermaLink="false">ps_fault00000001</guid>
      <description><![CDATA[<h3>Status: INVESTIGATING</h3><p>Severity: outage</p>]]></description>
      <pubDate>Thu, 08 Oct 2026 09:00:00 GMT</pubDate>
      <category>outage</category>
      <category>investigating</category>
    </item>
"""


def _with_new_item(feed: bytes) -> bytes:
    text = feed.decode()
    first = text.index("    <item>")
    return (text[:first] + NEW_ITEM + text[first:]).encode()


def _keys(config: Path) -> dict[tuple[str, str, str], int]:
    return {(e["provider"], e["kind"], e["external_id"]): e["revision"] for e in events(config)}


def test_sigkill_mid_poll_then_the_restart_polls_again_without_duplicates(
        tmp_path: Path, fake_provider: FakeProvider, sqlite_url: str) -> None:
    feed = fixture("feed/xai_guid_reused_across_components.xml")
    fake_provider.set(FEED, feed, "application/rss+xml")
    database = Path(make_url(sqlite_url).database or "")
    port = free_port()
    config = write_config(tmp_path / "watcher.toml", database_url=sqlite_url, port=port, sources=f"""
[[sources]]
name = "xai-status"
kind = "feed"
provider = "xai"
url = "{fake_provider.url(FEED)}"
interval = "1s"
timeout = "30s"
""")
    daemon = Daemon(config, port, tmp_path / "run1.log")
    wait_for(lambda: len(events(config)) == 4, what="the first poll's four incidents")
    before = _keys(config)
    [(etag_before,)] = db_rows(database, "SELECT etag FROM source_document")

    # news, served slowly: the daemon is killed while its request waits for the answer
    fresh = _with_new_item(feed)
    asked = len(fake_provider.hits(FEED))
    fake_provider.set(FEED, fresh, "application/rss+xml", delay=6)
    wait_for(lambda: len(fake_provider.hits(FEED)) > asked, what="a request in flight")
    daemon.kill()
    assert _keys(config) == before
    [(health, failures, checked, ok)] = db_rows(
        database, "SELECT health, consecutive_failures, last_checked_at, last_ok_at FROM source_state")
    # the claim of the killed poll is written (no hot loop on restart), its outcome is not
    assert (health, failures) == ("ok", 0) and checked > ok
    assert db_rows(database, "SELECT etag FROM source_document") == [(etag_before,)]

    fake_provider.set(FEED, fresh, "application/rss+xml")
    daemon = Daemon(config, port, tmp_path / "run2.log")
    try:
        wait_for(lambda: ("xai", "incident", "ps_fault00000001") in _keys(config), what="the news after restart")
        asked = len(fake_provider.hits(FEED))
        wait_for(lambda: len(fake_provider.hits(FEED)) >= asked + 2, what="two more polls")
    finally:
        assert daemon.stop() == 0
    after = _keys(config)
    assert after == {**before, ("xai", "incident", "ps_fault00000001"): 1}
    [(health, failures, checked, ok)] = db_rows(
        database, "SELECT health, consecutive_failures, last_checked_at, last_ok_at FROM source_state")
    assert (health, failures) == ("ok", 0) and ok >= checked
    [(etag,)] = db_rows(database, "SELECT etag FROM source_document")
    assert etag != etag_before and db_rows(database, "SELECT count(*) FROM event_revision WHERE revision > 1") == [
        (0,)]
    told = (tmp_path / "run1.log").read_text() + (tmp_path / "run2.log").read_text()
    assert told.count("xai incident ps_fault00000001 [critical]") == 1  # told once, by the restart
    assert "ps_fault00000001" not in (tmp_path / "run1.log").read_text()


@pytest.fixture
def hooks(tmp_path: Path) -> Iterator[tuple[Daemon, Path, Path]]:
    database = tmp_path / "watcher.db"
    port = free_port()
    config = write_config(tmp_path / "watcher.toml", database_url=f"sqlite:///{database}", port=port, sources="",
                          extra=WEBHOOKS)
    daemon = Daemon(config, port, tmp_path / "run.log", env=SECRETS)
    yield daemon, config, database
    if daemon.proc.poll() is None:
        assert daemon.stop() == 0


def _delivery(n: int) -> tuple[bytes, dict[str, str]]:
    template = json.loads(fixture("standard-webhooks/openai_response_completed.json"))
    body = json.dumps({**template, "id": f"evt_lock{n}", "type": "batch.failed"}).encode()
    return body, standard_headers(body, f"msg_lock{n}")


def _timed(call: object) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = call()  # type: ignore[operator]
    return response, time.monotonic() - started


def test_a_locked_sqlite_database_is_a_fast_503_and_nothing_is_lost(hooks: tuple[Daemon, Path, Path]) -> None:
    daemon, config, database = hooks
    for n in (1, 2):
        assert daemon.post("/webhooks/openai", *_delivery(n)).json()["status"] == "accepted"
    wait_for(lambda: db_rows(database, "SELECT count(*) FROM delivery WHERE state = 'processed'") == [(2,)],
             what="two deliveries processed")
    assert daemon.get("/healthz").json()["last_write_error"] is None

    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
    try:
        refused, took = _timed(lambda: daemon.post("/webhooks/openai", *_delivery(3)))
        assert refused.status_code == 503 and took < 9  # the daemon waits DAEMON_LOCK_WAIT (5 s), not 30
        assert refused.json() == {"error": "database unavailable: OperationalError: database is locked; "
                                           "try again shortly"}
        assert refused.headers["retry-after"] == "10"
        health, took = _timed(lambda: daemon.get("/healthz"))
        assert health.status_code == 503 and took < 3
        body = health.json()
        assert body["status"] == "error"
        assert body["database"] == "the last write failed: OperationalError: database is locked"
        assert body["last_write_error"] == "OperationalError: database is locked"
        assert body["last_write_ok_at"] < body["last_write_error_at"]
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    # the sender retries the refused delivery; a new one arrives too
    assert daemon.post("/webhooks/openai", *_delivery(3)).json()["status"] == "accepted"
    assert daemon.post("/webhooks/openai", *_delivery(4)).json()["status"] == "accepted"
    wait_for(lambda: db_rows(database, "SELECT count(*) FROM delivery WHERE state = 'processed'") == [(4,)],
             what="all four processed")
    health = daemon.get("/healthz")
    assert health.status_code == 200 and health.json()["database"] == "ok"
    assert health.json()["last_write_ok_at"] > health.json()["last_write_error_at"]
    assert db_rows(database, "SELECT delivery_id, event_count FROM delivery ORDER BY id") == [
        (f"msg_lock{n}", 1) for n in (1, 2, 3, 4)]
    assert sorted(e["external_id"] for e in events(config) if e["external_id"].startswith("evt_lock")) == [
        f"evt_lock{n}" for n in (1, 2, 3, 4)]
    assert daemon.log.read_text().count("openai account evt_lock3 ") == 1


def test_postgres_refused_stops_run_at_once_and_check_does_not_need_it(tmp_path: Path) -> None:
    config = write_config(tmp_path / "watcher.toml", sources="",
                          database_url="postgresql+psycopg://watcher:pg-pass-123@127.0.0.1:1/watcher")
    started = time.monotonic()
    run = watcher("run", "--config", str(config), check=False)
    assert run.returncode == 1 and time.monotonic() - started < 10
    assert run.stderr.startswith("storage: database postgresql+psycopg://watcher:***@127.0.0.1:1/watcher cannot be "
                                 "opened or migrated: OperationalError: connection failed: ")
    assert "Connection refused" in run.stderr
    assert run.stderr.rstrip().endswith("; check [database] url and that the database is up")
    check = watcher("check", "--config", str(config))
    assert check.stdout.splitlines()[0] == (
        f"{config}: 0 source(s), 0 webhook(s), database postgresql+psycopg://watcher:***@127.0.0.1:1/watcher")
    assert "pg-pass-123" not in run.stdout + run.stderr + check.stdout + check.stderr


def test_postgres_that_accepts_and_never_answers_stops_run_within_the_connect_timeout(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # the handshake gets no answer, ever
        port = silent.getsockname()[1]
        config = write_config(tmp_path / "watcher.toml", sources="",
                              database_url=f"postgresql+psycopg://watcher@127.0.0.1:{port}/db")
        started = time.monotonic()
        run = watcher("run", "--config", str(config), check=False)
        took = time.monotonic() - started
    assert run.returncode == 1 and 4 < took < 12  # storage.CONNECT_TIMEOUT is 5 s
    assert run.stderr == (f"storage: database postgresql+psycopg://watcher@127.0.0.1:{port}/db "
                          "cannot be opened or migrated: ConnectionTimeout: connection timeout expired; check "
                          "[database] url "
                          "and that the database is up\n")


class FreezingProxy:
    """A TCP proxy on loopback in front of the real PostgreSQL. `freeze()` stops passing bytes either
    way without closing anything: a server that stops answering (hung, or its network gone)."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.flowing = threading.Event()
        self.flowing.set()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            self.sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                self.flowing.wait()
                target.sendall(data)
        except OSError:
            pass
        finally:
            source.close()
            target.close()

    def freeze(self) -> None:
        self.flowing.clear()

    def thaw(self) -> None:
        self.flowing.set()

    def close(self) -> None:
        self.thaw()
        self.listener.close()
        for sock in self.sockets:
            sock.close()


@pytest.mark.postgres
def test_healthz_answers_within_seconds_while_postgres_stops_answering(tmp_path: Path, postgres_url: str) -> None:
    url = make_url(postgres_url)
    proxy = FreezingProxy((url.host or "127.0.0.1", url.port or 5432))
    port = free_port()
    config = write_config(tmp_path / "watcher.toml", sources="", port=port,
                          database_url=url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
    daemon = Daemon(config, port, tmp_path / "run.log")
    try:
        proxy.freeze()
        for _ in range(3):  # one probe waits on the silent server; later requests do not pile up behind it
            health, took = _timed(lambda: daemon.get("/healthz"))
            assert health.status_code == 503 and took < 3.5
            assert health.json()["database"].startswith("no answer within 2.5 s")
        proxy.thaw()
        wait_for(daemon.healthy, what="/healthz to recover")
        assert daemon.get("/healthz").json()["database"] == "ok"
    finally:
        proxy.thaw()
        assert daemon.stop() == 0
        proxy.close()
