"""One read of one `[[spend]]` source: the provider's cost and usage APIs over the days anomalies need,
every page (the cursor followed), stored as daily rows, judged for anomalies, all in one transaction.

A spend source is a source like any other (its own `source_state` row, backoff, alerts): it is read
through the shared HTTP client (timeouts, the body cap, redirects checked hop by hop; the admin key
never follows a redirect to another origin) and a failure is told like a polled source's, except that
a refused key (401, 403) is an alert at once: it does not come back by itself. The key is sent in a
header and never logged; messages name the environment variable that holds it.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, select

from connectors import SPEND
from connectors.contract.errors import FetchError, LayoutChanged, SourceError
from connectors.contract.events import EventDraft
from connectors.contract.spend import Endpoint, SpendPage
from watcher.config import Config, SourceConfig
from watcher.config.account import SpendConfig
from watcher.events.store import Change, apply_drafts
from watcher.ingest import health, sources
from watcher.ingest.http import fetch
from watcher.ingest.poller import PollOutcome
from watcher.ingest.spend_anomalies import SPIKE_DAYS, TRAILING_DAYS, budget, spikes
from watcher.inventory.catalog import Catalog
from watcher.inventory.still_called import reopen
from watcher.metrics import Metrics
from watcher.notify.notifier import Notifier
from watcher.storage import spend_rows
from watcher.storage.engine import session
from watcher.storage.tables import Event, Impact
from watcher.storage.tables_spend import SpendDay

log = logging.getLogger("watcher.ingest.spend")
T = TypeVar("T")
MAX_PAGES = 20  # per endpoint and read: a month is two pages; more means a cursor that never ends
REFUSED = frozenset({"http_401", "http_403"})


def as_source(spend: SpendConfig) -> SourceConfig:
    """The spend source as the source state, backoff and health code knows sources."""
    return SourceConfig(name=spend.name, kind="spend", provider=spend.provider,
                        url=spend.url or SPEND[spend.provider].default_url, interval=spend.interval)


def admin_keys(config: Config, resolved: dict[str, str]) -> dict[str, str]:
    """Each spend source's admin key, from the secrets the daemon resolved at start."""
    return {spend.name: resolved.get(f"spend[{index}].admin_key_env", "") for index, spend in enumerate(config.spend)}


def first_day(today: date) -> date:
    """The oldest day a read covers: the month's first (for the budget) or the trailing days of the
    oldest day judged for a spike, whichever is earlier."""
    return min(today.replace(day=1), today - timedelta(days=TRAILING_DAYS + SPIKE_DAYS))


@dataclass(frozen=True)
class Read:
    endpoint: Endpoint
    pages: list[SpendPage]


class SpendPoller:
    def __init__(self, *, config: Config, engine: Engine, client: httpx.AsyncClient, metrics: Metrics,
                 notifier: Notifier, executor: Executor, clock: Callable[[], datetime], keys: dict[str, str],
                 catalog: Catalog, on_changed: Callable[[], None] = lambda: None,
                 rand: Callable[[], float] = random.random) -> None:
        self.config, self.engine, self.client, self.metrics = config, engine, client, metrics
        self.notifier, self._db, self.clock, self.catalog = notifier, executor, clock, catalog
        self._keys, self.on_changed, self.rand = keys, on_changed, rand
        self._ensured: set[str] = set()

    async def _in_db(self, function: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._db, function, *args)

    async def poll(self, spend: SpendConfig, *, force: bool = False) -> PollOutcome:
        source = as_source(spend)
        claimed = await self._in_db(self._claim, source, self.clock(), force)
        if claimed is None:
            return PollOutcome(spend.name, "skipped")
        now = self.clock()
        try:
            reads = await self._read(spend, source.url, now)
        except SourceError as exc:
            return await self._failed(spend, source, claimed, exc.category, str(exc), exc.retry_after)
        except Exception as exc:  # a reader bug must not take the daemon or other sources down
            log.exception("spend reader crashed", extra={"source": spend.name})
            return await self._failed(spend, source, claimed, "parser_crash", f"{type(exc).__name__}: {exc}", None)
        changes, reopened, items = await self._in_db(self._store, spend, source, reads, claimed, now)
        if claimed.consecutive_failures:
            log.info("source recovered after %d failed polls", claimed.consecutive_failures,
                     extra={"source": spend.name})
        # After failures, close the alerts they may have opened (closing one never opened says nothing).
        recovering = claimed.consecutive_failures > 0 or claimed.health in ("broken", "suspicious", "stale")
        alerts = await self._in_db(self._recovered, spend, claimed) if recovering else []
        self.metrics.polls.labels(spend.name, "ok").inc()
        self.metrics.failures.labels(spend.name).set(0)
        self.metrics.up.labels(spend.name).set(1)
        self.metrics.last_success.labels(spend.name).set(now.timestamp())
        if changes or alerts or reopened:
            self.on_changed()
        told = [c for c in [*changes, *alerts] if not c.baseline]
        if told:
            self.notifier.notify(told)
        return PollOutcome(spend.name, "ok", items=items, changes=changes)

    def _claim(self, source: SourceConfig, now: datetime, force: bool) -> sources.Claim | None:
        with self.engine.begin() as connection:
            if source.name not in self._ensured:
                sources.ensure(connection, [source])
                self._ensured.add(source.name)
            return sources.claim(connection, source, now=now, force=force)

    async def _read(self, spend: SpendConfig, base: str, now: datetime) -> list[Read]:
        reader = SPEND[spend.provider]
        start = datetime.combine(first_day(now.astimezone(UTC).date()), time(), tzinfo=UTC)
        reads = []
        for endpoint in reader.endpoints:
            pages: list[SpendPage] = []
            cursor: str | None = None
            seen: set[str] = set()
            while True:
                url = endpoint.url(base, start, now, cursor)
                body = await self._get(spend, url, reader.headers(self._keys.get(spend.name, "")))
                page = endpoint.parse(body, fetched_at=now)
                pages.append(page)
                cursor = page.next_page
                if cursor is None:
                    break
                if cursor in seen or len(pages) >= MAX_PAGES:
                    raise LayoutChanged(f"layout changed: {url.split('?')[0]} keeps giving a next page "
                                        f"({len(pages)} read); the cursor does not advance")
                seen.add(cursor)
            reads.append(Read(endpoint, pages))
        return reads

    async def _get(self, spend: SpendConfig, url: str, headers: dict[str, str]) -> bytes:
        poller = self.config.poller
        where = url.split("?")[0]
        try:
            fetched = await fetch(self.client, url, max_bytes=poller.max_body_bytes, deadline=poller.deadline,
                                  secret_headers=headers)
        except FetchError as exc:
            if exc.category in REFUSED:
                raise FetchError(f"{where}: {exc}: the admin key in {spend.admin_key_env} was refused; check that it "
                                 "is an organization admin key and still active", category=exc.category) from exc
            raise FetchError(f"{where}: {exc}", category=exc.category, retry_after=exc.retry_after) from exc
        return fetched.body or b""

    def _store(self, spend: SpendConfig, source: SourceConfig, reads: list[Read], claimed: sources.Claim,
               now: datetime) -> tuple[list[Change], list[Impact], int]:
        """Rows, the success, anomalies and reopened impacts in one transaction."""
        today = now.astimezone(UTC).date()
        items = 0
        with session(self.engine) as db:
            for read in reads:
                for page in read.pages:
                    spend_rows.replace(db, source=spend.name, provider=spend.provider, figures=read.endpoint.figures,
                                       days=page.days, buckets=page.buckets, now=now)
                    items += len(page.buckets)
            sources.record_success(db.connection(), source, now=now, items=items)
            rows = spend_rows.since(db, first_day(today), source=spend.name)
            drafts = [*spikes(rows, spend, today=today), *self._budget(db, rows, spend, today)]
            changes = apply_drafts(db, source=spend.name, provider=spend.provider, drafts=drafts,
                                   first_poll=claimed.last_ok_at is None, now=now)
            reopened = reopen(db, platform=spend.provider, rows=rows, catalog=self.catalog, now=now, today=today)
            db.commit()
        for impact in reopened:
            log.info("impact reopened: %s", impact.note, extra={"source": spend.name, "service": impact.service})
        return changes, reopened, items

    @staticmethod
    def _budget(db: Session, rows: list[SpendDay], spend: SpendConfig, today: date) -> list[EventDraft]:
        """The budget alert is said when its level changes (crossing 80 %, 100 %, or back under), not
        each time a day's numbers move the projection."""
        judged = budget(rows, spend, today=today)
        if judged is None:
            return []
        level, draft = judged
        known = db.exec(select(Event).where(Event.provider == spend.provider, Event.kind == "billing",
                                            Event.external_id == draft.external_id)).first()
        if known is None:
            return [draft] if level.status == "open" else []
        return [draft] if (known.severity, known.status) != (level.severity, level.status) else []

    async def _failed(self, spend: SpendConfig, source: SourceConfig, claimed: sources.Claim, category: str,
                      message: str, retry_after: float | None) -> PollOutcome:
        failures, started = await self._in_db(self._store_failure, source, claimed, category, message, retry_after)
        extra = {"source": spend.name, "category": category, "failures": failures}
        if started:
            log.warning("source failing: %s", message, extra=extra)
        self.metrics.polls.labels(spend.name, "failed").inc()
        self.metrics.failures.labels(spend.name).set(failures)
        self.metrics.up.labels(spend.name).set(0)
        at_once = category in sources.BROKEN_CATEGORIES or category in REFUSED
        if (started if at_once else failures == self.config.poller.alert_after):
            alerts = await self._in_db(self._alert, source, category, message, failures)
            if alerts:
                self.on_changed()
                self.notifier.notify(alerts)
        return PollOutcome(spend.name, "failed", category=category, message=message)

    def _store_failure(self, source: SourceConfig, claimed: sources.Claim, category: str, message: str,
                       retry_after: float | None) -> tuple[int, bool]:
        with self.engine.begin() as connection:
            return sources.record_failure(connection, source, claimed, now=self.clock(), category=category,
                                          message=message, max_backoff=self.config.poller.max_backoff,
                                          retry_after=retry_after, rand=self.rand)

    def _alert(self, source: SourceConfig, category: str, message: str, failures: int) -> list[Change]:
        state = sources.health_for(category)
        with session(self.engine) as db:
            changes = health.record(
                db, subject=source.name, problem="failing", ok=False, now=self.clock(), status=state,
                severity="critical" if category in sources.BROKEN_CATEGORIES or category in REFUSED else "warning",
                title=f"{source.name} is {state} ({category})",
                summary=f"{message} ({failures} failed read{'s' if failures != 1 else ''} in a row)", url=source.url)
            db.commit()
        return changes

    def _recovered(self, spend: SpendConfig, claimed: sources.Claim) -> list[Change]:
        with session(self.engine) as db:
            changes = health.record(db, subject=spend.name, problem="failing", ok=True, title="", severity="info",
                                    summary=f"read again after {claimed.consecutive_failures} failed reads",
                                    now=self.clock())
            changes += health.record(db, subject=spend.name, problem=health.UNREAD, ok=True, title="",
                                     summary="read successfully again", severity="info", now=self.clock())
            db.commit()
        return changes
