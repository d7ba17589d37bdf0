"""`watcher run` with a `[[mailboxes]]` entry against Debian's Dovecot: provider mail read at start,
IDLE wake-up long before the interval, SIGTERM, and the same message not handled again after a restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import col, select

from tests.conftest import write_config
from tests.mail_server import PASSWORD, USER, Dovecot, running
from tests.process import Daemon, events, free_port, wait_for
from watcher.storage.engine import open_database, session
from watcher.storage.tables_mail import MailMessage

MAIL = Path(__file__).resolve().parents[1] / "fixtures" / "provider-mail"


@pytest.fixture
def server() -> Iterator[Dovecot]:
    yield from running()


def rows(database_url: str) -> list[tuple[str, str, bool]]:
    engine = open_database(database_url)
    try:
        with session(engine) as db:
            found = db.exec(select(MailMessage).order_by(col(MailMessage.id))).all()
            return [(m.message_id, m.outcome, m.authenticated) for m in found]
    finally:
        engine.dispose()


def keyed(server: Dovecot) -> int:
    with server.client() as client:
        client.select_folder("INBOX", readonly=True)
        return len(client.search(["KEYWORD", "provider-watcher"]))


def test_watcher_run_reads_the_mailbox_idles_and_resumes_without_repeating(
        tmp_path: Path, server: Dovecot, sqlite_url: str) -> None:
    server.append((MAIL / "anthropic_claude4_retirement.eml").read_bytes())
    server.append((MAIL / "anthropic_claude4_retirement_spoofed.eml").read_bytes())
    port = free_port()
    config = write_config(tmp_path / "watcher.toml", database_url=sqlite_url, port=port, sources=f"""
[[mailboxes]]
name = "ops-inbox"
host = "127.0.0.1"
port = {server.tls_port}
username_env = "MAIL_USER"
password_env = "MAIL_PASSWORD"
ca_file = "{server.ca_file}"
interval = "5m"
""")
    env = {"MAIL_USER": USER, "MAIL_PASSWORD": PASSWORD}
    daemon = Daemon(config, port, tmp_path / "run1.log", env=env)
    try:
        wait_for(lambda: len(rows(sqlite_url)) == 2, what="the mailbox read at start")
        found = {(e["provider"], e["kind"], e["external_id"]): e for e in events(config)}
        sonnet = found[("anthropic", "deprecation", "claude-sonnet-4-20250514")]
        assert (sonnet["deadline"], sonnet["source"], sonnet["deadline_time"]) == ("2026-06-15", "ops-inbox", "9AM PT")
        assert found[("anthropic", "account", "claude4-retirement.20260415.spoofed@mail.anthropic.com")]["severity"] \
            == "notice"
        server.append((MAIL / "openai_gpt5_snapshots_shutdown.eml").read_bytes())  # while the reader idles
        wait_for(lambda: len(rows(sqlite_url)) == 3, timeout=15, what="IDLE wake-up (the interval is 5 minutes)")
        wait_for(lambda: "NEW     openai deprecation gpt-5-2025-08-07" in (tmp_path / "run1.log").read_text(),
                 what="the console line")
    finally:
        assert daemon.stop() == 0
    assert "Traceback" not in (tmp_path / "run1.log").read_text()

    server.append((MAIL / "anthropic_claude4_retirement.eml").read_bytes())  # the same message, once more
    daemon = Daemon(config, port, tmp_path / "run2.log", env=env)
    try:
        wait_for(lambda: keyed(server) == 4, what="the copy marked handled")
        assert rows(sqlite_url) == [("claude4-retirement.20260415@mail.anthropic.com", "stored", True),
                                    ("claude4-retirement.20260415.spoofed@mail.anthropic.com", "stored", False),
                                    ("gpt5-deprecations.20260617@email.openai.com", "stored", True)]
        again = [e for e in events(config) if e["external_id"] == "claude-sonnet-4-20250514"
                 and e["kind"] == "deprecation"]
        assert [e["revision"] for e in again] == [1]
    finally:
        assert daemon.stop() == 0
    assert "claude-sonnet-4-20250514" not in (tmp_path / "run2.log").read_text()  # nothing told twice
