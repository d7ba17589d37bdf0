"""What the mailbox tests share: the fixtures' mail, a reader on the test server, one sync, and the
rows and flags to look at afterwards."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import col, select

from connectors import POLLED
from tests.mail_server import PASSWORD, USER, Dovecot
from watcher.config.account import MailboxConfig
from watcher.events.store import Change, apply_drafts
from watcher.ingest import mail_store
from watcher.ingest.imap import Session, ssl_context
from watcher.ingest.mailbox import MailboxReader
from watcher.storage.engine import session
from watcher.storage.tables import Event
from watcher.storage.tables_mail import MailMessage

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PAGE = FIXTURES / "anthropic-deprecations" / "model_deprecations_md.md"
NOW = datetime(2026, 4, 16, 8, 0, tzinfo=UTC)


def fixture(name: str) -> bytes:
    return (FIXTURES / "provider-mail" / name).read_bytes()


def box(server: Dovecot, **settings: object) -> MailboxConfig:
    values: dict[str, object] = {"name": "ops-inbox", "host": "127.0.0.1", "port": server.tls_port,
                                 "username_env": "MAIL_USER", "password_env": "MAIL_PASSWORD",
                                 "ca_file": str(server.ca_file), "interval": 60.0}
    return MailboxConfig.model_validate({**values, **settings})


def reader(server: Dovecot, engine: Engine, executor: ThreadPoolExecutor, told: list[Change], *,
           password: str = PASSWORD, **settings: object) -> MailboxReader:
    return MailboxReader(box(server, **settings), username=USER, password=password, engine=engine, executor=executor,
                         told=told.extend, clock=lambda: NOW, alert_after=2, max_backoff=2.0)


def sync_once(mailbox: MailboxReader) -> int:
    """One sync in a session of its own (what the reader's loop does between two IDLEs)."""
    mailbox._in_db(mail_store.ensure_state, mailbox.engine, mailbox.box)
    imap = Session(mailbox.box, USER, mailbox._credentials[1], context=ssl_context(mailbox.box))
    imap.open()
    try:
        return mailbox.sync(imap)
    finally:
        imap.close()


def messages(engine: Engine) -> list[MailMessage]:
    with session(engine) as db:
        return list(db.exec(select(MailMessage).order_by(col(MailMessage.id))).all())


def event(engine: Engine, provider: str, kind: str, external_id: str) -> Event:
    with session(engine) as db:
        return db.exec(select(Event).where(Event.provider == provider, Event.kind == kind,
                                           Event.external_id == external_id)).one()


def flags(server: Dovecot, folder: str = "INBOX") -> list[set[bytes]]:
    with server.client() as client:
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        return [set(v[b"FLAGS"]) for _, v in sorted(client.fetch(uids, ["FLAGS"]).items())] if uids else []


def seed_page(engine: Engine, fetched_at: datetime) -> None:
    """The provider's deprecations page, stored the way its poller stores it."""
    result = POLLED["anthropic-deprecations"].parse(PAGE.read_bytes(), url="https://platform.claude.com/docs/en/about-"
                                                    "claude/model-deprecations.md", fetched_at=fetched_at)
    with session(engine) as db:
        apply_drafts(db, source="anthropic-deprecations", provider="anthropic", drafts=result.drafts,
                     first_poll=True, now=fetched_at)
        db.commit()
