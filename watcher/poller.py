"""One poll of one source: due? fetch every document conditionally, parse what changed, store, tell.

A source only says what to fetch and how to read it; this loop owns scheduling state, errors,
backoff and logging (log when a source starts failing and when it recovers, not every failure).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from sqlalchemy import Engine

from connectors import POLLED
from watcher import sources
from watcher.config import Config, SourceConfig
from watcher.connector import Document, PolledConnector
from watcher.errors import FetchError, SourceError
from watcher.events import EventDraft, ParseResult
from watcher.http import Fetched, fetch
from watcher.metrics import Metrics
from watcher.notifiers import Notifier
from watcher.pipeline import Change, apply_drafts
from watcher.storage import SourceDocument, session

log = logging.getLogger("watcher.poller")


@dataclass
class PollOutcome:
    source: str
    outcome: str  # ok | not_modified | failed | skipped
    category: str | None = None
    message: str | None = None
    items: int | None = None
    changes: list[Change] = field(default_factory=list)


@dataclass
class _Read:
    document: Document
    fetched: Fetched | None  # None: an optional document the page does not serve
    result: ParseResult | None = None


def _utcnow() -> datetime:
    return datetime.now(UTC)


def matches_include(draft: EventDraft, include: Sequence[str]) -> bool:
    if not include:
        return True
    haystack = " ".join([draft.title, *draft.components, *draft.regions,
                         *map(str, draft.extra.get("product_ids", []))]).lower()
    return any(term.lower() in haystack for term in include)


class Poller:
    def __init__(self, *, config: Config, engine: Engine, client: httpx.AsyncClient, metrics: Metrics,
                 notifier: Notifier, clock: Callable[[], datetime] = _utcnow,
                 rand: Callable[[], float] = random.random) -> None:
        self.config = config
        self.engine = engine
        self.client = client
        self.metrics = metrics
        self.notifier = notifier
        self.clock = clock
        self.rand = rand

    async def poll(self, source: SourceConfig, *, force: bool = False) -> PollOutcome:
        connector = POLLED[source.kind]
        now = self.clock()
        begun = await asyncio.to_thread(self._begin, source, now, force)
        if begun is None:
            return PollOutcome(source.name, "skipped")
        cache, first_poll = begun
        with self.metrics.poll_seconds.labels(source.name).time():
            try:
                reads = await self._fetch_all(source, connector, cache)
                changed = [r for r in reads if r.fetched is not None and r.fetched.status == 200]
                if changed:
                    await asyncio.to_thread(self._parse_all, connector, changed)
                self._check_not_emptied(changed, cache)
            except SourceError as exc:
                return await self._failed(source, exc.category, str(exc), exc.retry_after)
            except Exception as exc:  # a parser bug must not take the daemon or other sources down
                log.exception("parser crashed", extra={"source": source.name})
                return await self._failed(source, "parser_crash", f"{type(exc).__name__}: {exc}", None)
        outcome = await asyncio.to_thread(self._succeeded, source, reads, first_poll)
        if outcome.changes:
            self.notifier.notify([c for c in outcome.changes if not c.baseline])
        return outcome

    def _begin(self, source: SourceConfig, now: datetime,
               force: bool) -> tuple[dict[str, SourceDocument], bool] | None:
        with session(self.engine) as db:
            state = sources.ensure_state(db, source)
            if not force and state.next_check_at is not None and now < state.next_check_at:
                db.commit()
                return None
            sources.mark_checked(state, now=now, interval=source.interval)
            cache = sources.documents(db, source.name)
            first_poll = state.last_ok_at is None
            db.commit()
            return cache, first_poll

    async def _fetch_all(self, source: SourceConfig, connector: PolledConnector,
                         cache: dict[str, SourceDocument]) -> list[_Read]:
        reads = []
        for document in connector.documents(source.url):
            known = cache.get(document.url)
            try:
                fetched = await fetch(
                    self.client, document.url,
                    etag=known.etag if known else None,
                    last_modified=known.last_modified if known else None,
                    max_bytes=self.config.poller.max_body_bytes,
                    timeout=source.timeout,
                )
            except FetchError as exc:
                if not document.required and exc.category in ("http_404", "http_410"):
                    reads.append(_Read(document, None))
                    continue
                raise FetchError(f"{document.url}: {exc}", category=exc.category,
                                 retry_after=exc.retry_after) from exc
            reads.append(_Read(document, fetched))
        return reads

    def _parse_all(self, connector: PolledConnector, reads: list[_Read]) -> None:
        for read in reads:
            assert read.fetched is not None and read.fetched.body is not None
            try:
                read.result = connector.parse(read.fetched.body, url=read.fetched.url, fetched_at=self.clock())
            except SourceError as exc:
                raise type(exc)(f"{read.document.url}: {exc}", category=exc.category) from exc

    def _check_not_emptied(self, reads: list[_Read], cache: dict[str, SourceDocument]) -> None:
        for read in reads:
            assert read.result is not None
            before = cache.get(read.document.url)
            if (read.result.items_seen == 0 and not read.result.may_be_empty and before is not None
                    and (before.item_count or 0) > 0):
                raise SourceError(
                    f"{read.document.url}: answered 200 but the parser found no items where it found "
                    f"{before.item_count} last time; the page layout may have changed",
                    category="suspicious")

    async def _failed(self, source: SourceConfig, category: str, message: str,
                      retry_after: float | None) -> PollOutcome:
        now = self.clock()
        state = await asyncio.to_thread(self._store_failure, source, category, message, retry_after, now)
        failures, started = state
        extra = {"source": source.name, "category": category, "failures": failures}
        if started:
            log.warning("source failing: %s", message, extra=extra)
        else:
            log.debug("source still failing: %s", message, extra=extra)
        self.metrics.polls.labels(source.name, "failed").inc()
        self.metrics.failures.labels(source.name).set(failures)
        self.metrics.up.labels(source.name).set(0)
        return PollOutcome(source.name, "failed", category=category, message=message)

    def _store_failure(self, source: SourceConfig, category: str, message: str, retry_after: float | None,
                       now: datetime) -> tuple[int, bool]:
        with session(self.engine) as db:
            state = sources.ensure_state(db, source)
            started = sources.record_failure(
                state, now=now, category=category, message=message, interval=source.interval,
                max_backoff=self.config.poller.max_backoff, retry_after=retry_after, rand=self.rand)
            db.commit()
            return state.consecutive_failures, started

    def _succeeded(self, source: SourceConfig, reads: list[_Read], first_poll: bool) -> PollOutcome:
        now = self.clock()
        changes: list[Change] = []
        with session(self.engine) as db:
            state = sources.ensure_state(db, source)
            cache = sources.documents(db, source.name)
            drafts: list[EventDraft] = []
            complete: set[str] = set()
            for read in reads:
                row = cache.get(read.document.url) or SourceDocument(source=source.name, url=read.document.url)
                row.fetched_at = now
                if read.fetched is None:
                    row.last_status, row.etag, row.last_modified, row.item_count = 404, None, None, None
                else:
                    row.last_status = read.fetched.status
                    if read.result is not None:
                        row.etag, row.last_modified = read.fetched.etag, read.fetched.last_modified
                        row.item_count = read.result.items_seen
                        drafts.extend(d for d in read.result.drafts if matches_include(d, source.include))
                        complete |= read.result.complete_kinds
                db.add(row)
                cache[read.document.url] = row
            changed = any(r.result is not None for r in reads)
            if changed:
                changes = apply_drafts(db, source=source.name, provider=source.provider, drafts=drafts,
                                       complete_kinds=complete, first_poll=first_poll, now=now)
            items = sum(r.item_count or 0 for r in cache.values()) if changed else None
            recovered = sources.record_success(state, now=now, interval=source.interval, items=items)
            db.commit()
        if recovered:
            log.info("source recovered after %d failed polls", recovered, extra={"source": source.name})
        outcome = "ok" if changed else "not_modified"
        self.metrics.polls.labels(source.name, outcome).inc()
        self.metrics.failures.labels(source.name).set(0)
        self.metrics.up.labels(source.name).set(1)
        self.metrics.last_success.labels(source.name).set(now.timestamp())
        for change in changes:
            counter = self.metrics.events if change.action == "new" else self.metrics.revisions
            counter.labels(change.event["provider"], change.event["kind"]).inc()
        return PollOutcome(source.name, outcome, items=items, changes=changes)
