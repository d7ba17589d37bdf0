"""Mailbox readers: one per `[[mailboxes]]` entry, reading provider mail over IMAP into events.

Each reader is a thread of its own (IMAPClient is synchronous) started by the daemon: log in, sync,
then IDLE until new mail arrives (the server permitting; otherwise look again every `interval`), sync
again. A sync lists the messages not yet handled with their sizes and Message-IDs first; a message
above `max_message_bytes` is recorded as refused with the reason and never fetched; a message the
`mail_message` table knows is only marked done again (a crash between storing and marking); the
others are fetched in batches, read by the pure connector (`connectors/provider_mail.py`), stored
with their `mail_message` rows in one transaction (`mail_store`), then marked done (moved to
`done_folder`, or flagged \\Seen and the done keyword). Changed events wake the impact refresh and are
told like a poll's.

A refused login, a vanished folder or an unreachable server is the mailbox's `failing` source alert,
closed when it is read again; the reader keeps trying with the poller's backoff and never takes the
daemon down. Database work goes through the daemon's database executor (one writer on SQLite)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import Engine

from connectors import provider_mail
from watcher.config import Config
from watcher.config.account import MailboxConfig
from watcher.events.store import Change
from watcher.ingest import mail_store, sources
from watcher.ingest.imap import BATCH, Candidate, MailboxError, Session, ssl_context
from watcher.ingest.mail_store import Item, authenticated_platforms
from watcher.notify.notifier import Notifier

__all__ = ["MailboxReader", "MailboxReaders", "authenticated_platforms"]

log = logging.getLogger("watcher.ingest.mailbox")
T = TypeVar("T")
# Longest wait for a reader to leave its IDLE and finish its batch at shutdown.
STOP_GRACE = 20.0


def _utcnow() -> datetime:
    return datetime.now(UTC)


class MailboxReader:
    def __init__(self, box: MailboxConfig, *, username: str, password: str, engine: Engine, executor: Executor,
                 told: Callable[[list[Change]], None], clock: Callable[[], datetime] = _utcnow,
                 alert_after: int = 3, max_backoff: float = 3600.0) -> None:
        self.box = box
        self.engine = engine
        self._credentials = (username, password)
        self._db = executor
        self._told = told  # changes to tell and to refresh impacts for (called on the reader's thread)
        self.clock = clock
        self.alert_after = alert_after
        self.max_backoff = max_backoff
        self.stop = threading.Event()
        self.failures = 0

    def _in_db(self, function: Callable[..., T], *args: object, **kwargs: object) -> T:
        return self._db.submit(function, *args, **kwargs).result()

    def run(self) -> None:
        """The reader's thread: sessions until stopped, each failure recorded and waited out."""
        self._in_db(mail_store.ensure_state, self.engine, self.box)
        while not self.stop.is_set():
            session = Session(self.box, *self._credentials, context=ssl_context(self.box))
            try:
                session.open()
                while not self.stop.is_set():
                    self.sync(session)
                    session.wait(self.box.interval, self.stop)
            except MailboxError as exc:
                if self.stop.is_set():
                    break
                self._failed(exc)
                self.stop.wait(sources.backoff_delay(self.box.interval, self.failures, max_backoff=self.max_backoff,
                                                     rand=random.random))
            except Exception:  # the database or a bug: logged and retried, never the end of the reader
                if self.stop.is_set():
                    break
                log.exception("mailbox reader error", extra={"source": self.box.name})
                self.stop.wait(self.box.interval)
            finally:
                session.close()

    def _failed(self, exc: MailboxError) -> None:
        failures, alerts = self._in_db(mail_store.failed, self.engine, self.box, exc.category, str(exc),
                                       now=self.clock(), alert_after=self.alert_after)
        extra = {"source": self.box.name, "category": exc.category, "failures": failures}
        if self.failures == 0:
            log.warning("mailbox failing: %s", exc, extra=extra)
        self.failures = failures
        if alerts:
            self._told(alerts)

    def sync(self, session: Session) -> int:
        """Handle every message not yet handled; returns how many were read."""
        candidates = session.unhandled()
        keys = [c.message_id for c in candidates if c.message_id]
        seen = self._in_db(mail_store.known, self.engine, self.box.name, keys) if keys else set()
        again = [c.uid for c in candidates if c.message_id in seen]
        large = [c for c in candidates if c.message_id not in seen and c.size > self.box.max_message_bytes]
        fresh = [c for c in candidates if c.message_id not in seen and c.size <= self.box.max_message_bytes]
        if large:
            self._refuse(session, large)
        session.done(again + [c.uid for c in large])
        # Batch n is stored on the database thread while batch n+1 is fetched and read; each batch is
        # marked done only once its transaction has committed.
        pending: tuple[Future[list[Change]], list[Item]] | None = None
        for start in range(0, len(fresh), BATCH):
            batch = fresh[start:start + BATCH]
            bodies = session.bodies([c.uid for c in batch])
            items = [self._read(c, bodies.get(c.uid, b"")) for c in batch]
            stored = self._db.submit(mail_store.store, self.engine, self.box, items, now=self.clock())
            if pending is not None:
                self._finish(session, *pending)
            pending = (stored, items)
        if pending is not None:
            self._finish(session, *pending)
        recovered = self._in_db(mail_store.succeeded, self.engine, self.box, now=self.clock(), items=len(candidates))
        if self.failures:
            log.info("mailbox read again after %d failed attempts", self.failures, extra={"source": self.box.name})
            self.failures = 0
        if recovered:
            self._told(recovered)
        return len(fresh)

    def _finish(self, session: Session, stored: Future[list[Change]], items: list[Item]) -> None:
        changes = stored.result()
        session.done([i.uid for i in items])
        for item in items:
            if item.outcome == "stored" and item.read is not None:
                log.info("provider mail: %s", item.read.why, extra={"source": self.box.name, "message_id": item.key})
        if changes:
            self._told(changes)

    def _read(self, candidate: Candidate, raw: bytes) -> Item:
        digest = hashlib.sha256(raw).hexdigest()
        received = candidate.received_at or self.clock()
        try:
            read = provider_mail.read(raw, trusted_authserv_ids=self.box.trusted_authserv_ids)
        except Exception as exc:  # a connector bug must not stop the mailbox: recorded, never retried
            log.exception("provider mail could not be read", extra={"source": self.box.name})
            key = candidate.message_id or f"sha256:{digest}"
            return Item(candidate.uid, key, digest, received, candidate.size, None, "failed",
                        f"{type(exc).__name__}: {exc}")
        return Item(candidate.uid, read.key, digest, received, candidate.size, read,
                    "stored" if read.drafts else "ignored")

    def _refuse(self, session: Session, large: Sequence[Candidate]) -> None:
        items = []
        for candidate in large:
            digest = None if candidate.message_id else hashlib.sha256(session.header(candidate.uid)).hexdigest()
            reason = (f"{candidate.size} bytes, above max_message_bytes ({self.box.max_message_bytes}): refused "
                      "unread")
            log.warning("mail refused: %s", reason,
                        extra={"source": self.box.name, "message_id": candidate.message_id})
            items.append(Item(candidate.uid, candidate.message_id or f"sha256:{digest}", digest,
                              candidate.received_at or self.clock(), candidate.size, None, "refused", reason))
        self._in_db(mail_store.store, self.engine, self.box, items, now=self.clock())


class MailboxReaders:
    """The daemon's handle on every mailbox reader: started with the scheduler, stopped on SIGTERM."""

    def __init__(self, config: Config, secrets: dict[str, str], *, engine: Engine, executor: Executor,
                 notifier: Notifier, on_changed: Callable[[], None], clock: Callable[[], datetime] = _utcnow) -> None:
        self.notifier = notifier
        self.on_changed = on_changed
        self.readers = [
            MailboxReader(box, username=secrets.get(f"mailboxes[{index}].username_env", ""),
                          password=secrets.get(f"mailboxes[{index}].password_env", ""), engine=engine,
                          executor=executor, told=self._told, clock=clock, alert_after=config.poller.alert_after,
                          max_backoff=config.poller.max_backoff)
            for index, box in enumerate(config.mailboxes)]
        self._loop: asyncio.AbstractEventLoop | None = None
        self._threads: list[threading.Thread] = []

    def _told(self, changes: list[Change]) -> None:
        """From a reader's thread: the impact refresh and the console run on the event loop."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._tell, changes)

    def _tell(self, changes: list[Change]) -> None:
        self.on_changed()
        told = [c for c in changes if not c.baseline]
        if told:
            self.notifier.notify(told)

    def start(self) -> None:
        """A thread per reader (not the loop's default executor: a reader holds its thread for good)."""
        self._loop = asyncio.get_running_loop()
        self._threads = [threading.Thread(target=reader.run, name=f"mailbox-{reader.box.name}", daemon=True)
                         for reader in self.readers]
        for thread in self._threads:
            thread.start()

    async def stop(self) -> None:
        """Each reader leaves its IDLE within a second and finishes the batch in hand."""
        for reader in self.readers:
            reader.stop.set()
        for thread in self._threads:
            await asyncio.to_thread(thread.join, STOP_GRACE)
