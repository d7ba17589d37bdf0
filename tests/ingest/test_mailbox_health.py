"""Mailbox readers running as the daemon runs them (a thread each) against Debian's Dovecot: IDLE wakes
them long before their interval, a server without IDLE is looked at every interval, and a deleted
folder or a refused login is the mailbox's source alert, closed when it is read again."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import select

from tests.ingest.mailbox_kit import fixture, messages, reader
from tests.mail_server import Dovecot
from tests.process import wait_for
from watcher.events.store import Change
from watcher.ingest.mailbox import MailboxReader
from watcher.storage.engine import session
from watcher.storage.tables import Event, SourceState


def run_in_thread(mailbox: MailboxReader) -> threading.Thread:
    thread = threading.Thread(target=mailbox.run, daemon=True)
    thread.start()
    return thread


def state(engine: Engine, name: str = "ops-inbox") -> SourceState | None:
    with session(engine) as db:
        return db.exec(select(SourceState).where(SourceState.name == name)).first()


def alert(engine: Engine, name: str = "ops-inbox") -> Event | None:
    with session(engine) as db:
        return db.exec(select(Event).where(Event.provider == "watcher", Event.external_id == f"failing:{name}")).first()


def test_idle_wakes_the_reader_long_before_its_interval(server: Dovecot, engine: Engine,
                                                        executor: ThreadPoolExecutor) -> None:
    mailbox = reader(server, engine, executor, [], interval=300.0)
    thread = run_in_thread(mailbox)
    try:
        wait_for(lambda: (s := state(engine)) is not None and s.health == "ok", timeout=20, what="first sync")
        server.append(fixture("openai_api_key_leaked.eml"))
        started = datetime.now(UTC)
        wait_for(lambda: len(messages(engine)) == 1, timeout=10, what="IDLE wake-up")
        assert (datetime.now(UTC) - started).total_seconds() < 10  # the interval is 300 s
    finally:
        mailbox.stop.set()
        thread.join(10)
    assert not thread.is_alive()  # left its IDLE on the stop flag


def test_without_idle_the_reader_polls_every_interval(engine: Engine, executor: ThreadPoolExecutor) -> None:
    plain = Dovecot(idle=False)
    plain.start()
    mailbox = reader(plain, engine, executor, [], interval=1.0, port=plain.plain_port, security="starttls")
    thread = run_in_thread(mailbox)
    try:
        wait_for(lambda: (s := state(engine)) is not None and s.health == "ok", timeout=20, what="first sync")
        plain.append(fixture("openai_api_key_leaked.eml"))
        wait_for(lambda: len(messages(engine)) == 1, timeout=10, what="the next look")
    finally:
        mailbox.stop.set()
        thread.join(10)
        plain.stop()


def test_deleted_folder_and_refused_login_are_source_alerts_closed_on_recovery(
        server: Dovecot, engine: Engine, executor: ThreadPoolExecutor) -> None:
    with server.client() as client:
        client.create_folder("Provider")
    told: list[Change] = []
    mailbox = reader(server, engine, executor, told, folder="Provider", interval=1.0)
    thread = run_in_thread(mailbox)
    try:
        wait_for(lambda: (s := state(engine)) is not None and s.health == "ok", timeout=20, what="first sync")
        with server.client() as client:
            client.delete_folder("Provider")
        wait_for(lambda: (a := alert(engine)) is not None and a.status == "failing", timeout=20, what="folder alert")
        opened = alert(engine)
        assert opened is not None and (opened.title, opened.severity) == ("ops-inbox is failing (folder)", "critical")
        assert "folder 'Provider' does not exist" in opened.summary
        with server.client() as client:
            client.create_folder("Provider")
        wait_for(lambda: (a := alert(engine)) is not None and a.status == "resolved", timeout=20, what="recovery")
    finally:
        mailbox.stop.set()
        thread.join(10)
    assert [c.event["status"] for c in told if c.event["provider"] == "watcher"] == ["failing", "resolved"]

    wrong = reader(server, engine, executor, [], password="an old password", name="second-inbox", interval=1.0)
    thread = run_in_thread(wrong)
    try:
        wait_for(lambda: alert(engine, "second-inbox") is not None, timeout=20, what="login alert")
        login = alert(engine, "second-inbox")
        assert login is not None and login.title == "second-inbox is failing (login)"
        row = state(engine, "second-inbox")
        assert row is not None and (row.health, row.last_error_category) == ("failing", "login")
        server.set_password("an old password")  # the account's password is what the config says again
        wait_for(lambda: (a := alert(engine, "second-inbox")) is not None and a.status == "resolved", timeout=20,
                 what="login recovery")
    finally:
        wrong.stop.set()
        thread.join(10)
