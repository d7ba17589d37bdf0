"""One poll of one source: due? fetch every document conditionally, parse what changed, store, tell.

A source only says what to fetch and how to read it; this loop owns scheduling state, errors,
backoff, health alerts and logging (log when a source starts failing and when it recovers, not every
failure). What is made of each fetched document (parsing, the emptied-page check, the validators and
drafts to store) is `documents`.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Engine

from connectors import POLLED
from connectors.contract.errors import FetchError, LayoutChanged, SourceError
from connectors.contract.protocols import PolledConnector
from watcher.config import Config, SourceConfig
from watcher.events.store import Change, apply_drafts
from watcher.ingest import documents, health, sources
from watcher.ingest.documents import Read
from watcher.ingest.http import fetch
from watcher.metrics import Metrics
from watcher.notify.notifier import Notifier
from watcher.storage.engine import session

log = logging.getLogger("watcher.ingest.poller")
T = TypeVar("T")


@dataclass
class PollOutcome:
    source: str
    outcome: str  # ok | not_modified | failed | skipped
    category: str | None = None
    message: str | None = None
    items: int | None = None
    changes: list[Change] = field(default_factory=list)


def database_executor(engine: Engine) -> ThreadPoolExecutor:
    """SQLite has one writer at a time: one database thread avoids lock waits between our own
    writers. PostgreSQL takes several."""
    return ThreadPoolExecutor(max_workers=1 if engine.dialect.name == "sqlite" else 4, thread_name_prefix="watcher-db")


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Poller:
    def __init__(self, *, config: Config, engine: Engine, client: httpx.AsyncClient, metrics: Metrics,
                 notifier: Notifier, clock: Callable[[], datetime] = _utcnow,
                 rand: Callable[[], float] = random.random, executor: Executor | None = None,
                 on_changed: Callable[[], None] = lambda: None) -> None:
        self.config = config
        # Events changed (history recorded as baseline too): what runs next, impacts and plans, looks.
        self.on_changed = on_changed
        self.engine = engine
        self.client = client
        self.metrics = metrics
        self.notifier = notifier
        self.clock = clock
        self.rand = rand
        self._owns_executor = executor is None
        self._db = executor or database_executor(engine)
        # The HTTP validators per source, read once from the database and written through.
        self._documents: dict[str, dict[str, sources.DocumentState]] = {}
        self._ensured: set[str] = set()
        self._fetch_slots = asyncio.Semaphore(config.poller.concurrency)

    def close(self) -> None:
        if self._owns_executor:
            self._db.shutdown(wait=True)

    async def _in_db(self, function: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._db, function, *args)

    async def poll(self, source: SourceConfig, *, force: bool = False) -> PollOutcome:
        connector = POLLED[source.kind]
        claimed = await self._in_db(self._claim, source, self.clock(), force)
        if claimed is None:
            return PollOutcome(source.name, "skipped")
        cache = self._documents[source.name]
        with self.metrics.poll_seconds.labels(source.name).time():
            try:
                reads = await self._fetch_all(source, connector, cache)
                changed = [r for r in reads if r.fetched is not None and r.fetched.status == 200]
                if changed:
                    await asyncio.to_thread(documents.parse_all, connector, changed, self.clock, source.hints())
                documents.check_not_emptied(changed, cache)
            except SourceError as exc:
                return await self._failed(source, claimed, exc.category, str(exc), exc.retry_after)
            except Exception as exc:  # a parser bug must not take the daemon or other sources down
                log.exception("parser crashed", extra={"source": source.name})
                return await self._failed(source, claimed, "parser_crash", f"{type(exc).__name__}: {exc}", None)
        if changed or any(documents.presence_changed(r, cache) for r in reads):
            outcome = await self._in_db(self._store, source, reads, claimed)
        else:
            outcome = await self._in_db(self._not_modified, source)
        if claimed.consecutive_failures:
            log.info("source recovered after %d failed polls", claimed.consecutive_failures,
                     extra={"source": source.name})
        elif claimed.health == "stale":
            log.info("source read again after being stale", extra={"source": source.name})
        moved = any(r.fetched and urlsplit(r.fetched.url).netloc != urlsplit(r.document.url).netloc for r in reads)
        alerts: list[Change] = []
        if self._alerted(claimed) or claimed.health == "stale" or moved or (
                source.expect_every and outcome.outcome == "ok"):
            alerts = await self._in_db(self._health_after_success, source, reads, outcome, claimed)
        self._count_success(source, outcome)
        if outcome.changes or alerts:
            self.on_changed()
        told = [c for c in [*outcome.changes, *alerts] if not c.baseline]
        if told:
            self.notifier.notify(told)
        return outcome

    def _alerted(self, claimed: sources.Claim) -> bool:
        return claimed.health in ("broken", "suspicious") or claimed.consecutive_failures >= \
            self.config.poller.alert_after

    def _health_after_success(self, source: SourceConfig, reads: list[Read], outcome: PollOutcome,
                              claimed: sources.Claim) -> list[Change]:
        now = self.clock()
        changes: list[Change] = []
        with session(self.engine) as db:
            if self._alerted(claimed):
                changes += health.record(db, subject=source.name, problem="failing", ok=True, title="",
                                         summary=f"answering again after {claimed.consecutive_failures} failed polls",
                                         severity="info", now=now)
            if claimed.health == "stale" or self._alerted(claimed):
                changes += health.record(db, subject=source.name, problem=health.UNREAD, ok=True, title="",
                                         summary="read successfully again", severity="info", now=now)
            for read in reads:
                if read.fetched is None:
                    continue
                asked, got = urlsplit(read.document.url).netloc, urlsplit(read.fetched.url).netloc
                if asked != got:
                    changes += health.record(
                        db, subject=source.name, problem="moved", ok=False, now=now, severity="notice",
                        title=f"{source.name}: {asked} now redirects to {got}", url=read.fetched.url,
                        summary=f"{read.document.url} redirects to {read.fetched.url}; the page may have moved "
                                "platform: check the source's kind and URL")
            if source.expect_every and outcome.outcome == "ok":
                stamps = [d.updated_at or d.published_at for r in reads if r.result for d in r.result.drafts]
                newest = max((t for t in stamps if t is not None), default=None)
                stale = newest is not None and (now - newest).total_seconds() > source.expect_every
                changes += health.record(
                    db, subject=source.name, problem="stale", ok=not stale, now=now, severity="warning",
                    title=f"{source.name}: nothing new since {newest:%Y-%m-%d}" if newest else "",
                    summary=f"the newest entry is from {newest:%Y-%m-%d}, older than the expected cadence; the "
                            "feed may have moved or stopped" if stale and newest else "new entries again")
            db.commit()
        return changes

    def _claim(self, source: SourceConfig, now: datetime, force: bool) -> sources.Claim | None:
        with self.engine.begin() as connection:
            if source.name not in self._ensured:
                sources.ensure(connection, [source])
                self._ensured.add(source.name)
            claimed = sources.claim(connection, source, now=now, force=force)
            if claimed is not None and source.name not in self._documents:
                self._documents[source.name] = sources.load_documents(connection, source.name)
            return claimed

    async def _fetch_all(self, source: SourceConfig, connector: PolledConnector,
                         cache: dict[str, sources.DocumentState]) -> list[Read]:
        reads = []
        for document in connector.documents(source.url):
            known = cache.get(document.url) or sources.DocumentState()
            try:
                async with self._fetch_slots:
                    fetched = await fetch(
                        self.client, document.url, etag=known.etag, last_modified=known.last_modified,
                        max_bytes=self.config.poller.max_body_bytes, timeout=source.timeout,
                        deadline=source.deadline or self.config.poller.deadline,
                    )
            except FetchError as exc:
                if not document.required and exc.category in ("http_404", "http_410"):
                    reads.append(Read(document, None))
                    continue
                raise FetchError(f"{document.url}: {exc}", category=exc.category,
                                 retry_after=exc.retry_after) from exc
            reads.append(Read(document, fetched))
        alternatives = [r for r in reads if r.document.alternative]
        if alternatives and all(r.fetched is None for r in alternatives):
            tried = ", ".join(r.document.url for r in alternatives)
            raise LayoutChanged(f"layout changed: none of the documents this kind reads answered ({tried}: all "
                                "404): the page is served by a platform it does not read, or has moved")
        return reads

    async def _failed(self, source: SourceConfig, claimed: sources.Claim, category: str, message: str,
                      retry_after: float | None) -> PollOutcome:
        failures, started = await self._in_db(self._store_failure, source, claimed, category, message,
                                              retry_after)
        extra = {"source": source.name, "category": category, "failures": failures}
        if started:
            log.warning("source failing: %s", message, extra=extra)
        else:
            log.debug("source still failing: %s", message, extra=extra)
        self.metrics.polls.labels(source.name, "failed").inc()
        self.metrics.failures.labels(source.name).set(failures)
        self.metrics.up.labels(source.name).set(0)
        broken = category in sources.BROKEN_CATEGORIES or category == "suspicious"
        if (started if broken else failures == self.config.poller.alert_after):
            alerts = await self._in_db(self._alert, source, category, message, failures)
            if alerts:
                self.on_changed()
                self.notifier.notify(alerts)
        return PollOutcome(source.name, "failed", category=category, message=message)

    def _alert(self, source: SourceConfig, category: str, message: str, failures: int) -> list[Change]:
        with session(self.engine) as db:
            changes = health.record(
                db, subject=source.name, problem="failing", ok=False, now=self.clock(),
                status=sources.health_for(category),
                severity="critical" if category in sources.BROKEN_CATEGORIES else "warning",
                title=f"{source.name} is {sources.health_for(category)} ({category})",
                summary=f"{message} ({failures} failed poll{'s' if failures != 1 else ''} in a row)", url=source.url)
            db.commit()
        return changes

    def _store_failure(self, source: SourceConfig, claimed: sources.Claim, category: str, message: str,
                       retry_after: float | None) -> tuple[int, bool]:
        with self.engine.begin() as connection:
            return sources.record_failure(connection, source, claimed, now=self.clock(), category=category,
                                          message=message, max_backoff=self.config.poller.max_backoff,
                                          retry_after=retry_after, rand=self.rand)

    def _not_modified(self, source: SourceConfig) -> PollOutcome:
        with self.engine.begin() as connection:
            sources.record_success(connection, source, now=self.clock(), items=None)
        return PollOutcome(source.name, "not_modified")

    def _store(self, source: SourceConfig, reads: list[Read], claimed: sources.Claim) -> PollOutcome:
        """Validators, events and the success, in one transaction: either all of a poll counts or none."""
        now = self.clock()
        update = documents.update(reads, self._documents[source.name], source.include)
        changes: list[Change] = []
        with session(self.engine) as db:
            connection = db.connection()
            sources.save_documents(connection, source.name, update.documents, now=now)
            if update.changed:
                changes = apply_drafts(db, source=source.name, provider=source.provider, drafts=update.drafts,
                                       complete_kinds=update.complete, first_poll=claimed.last_ok_at is None,
                                       now=now)
            sources.record_success(connection, source, now=now, items=update.items)
            for url, was, now_served in update.platform_changes:
                changes += health.record(
                    db, subject=source.name, problem="moved", ok=False, now=now, severity="warning", url=url,
                    title=f"{source.name}: the page is now served by {now_served} (was {was})",
                    summary=f"{url} changed platform from {was} to {now_served}: check that the source's kind still "
                            "fits and that its webhooks and subscriptions moved too")
            db.commit()
        self._documents[source.name] = update.documents
        return PollOutcome(source.name, "ok" if update.changed else "not_modified", items=update.items,
                           changes=changes)

    def _count_success(self, source: SourceConfig, outcome: PollOutcome) -> None:
        self.metrics.polls.labels(source.name, outcome.outcome).inc()
        self.metrics.failures.labels(source.name).set(0)
        self.metrics.up.labels(source.name).set(1)
        self.metrics.last_success.labels(source.name).set(self.clock().timestamp())
        for change in outcome.changes:
            counter = self.metrics.events if change.action == "new" else self.metrics.revisions
            counter.labels(change.event["provider"], change.event["kind"]).inc()
