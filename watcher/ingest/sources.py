"""Source state on its row (miniflux style): scheduling, HTTP cache and health survive restarts.

The hot path (a poll answered 304) costs two short statements: one that claims the source if it
is due and marks it checked *before* fetching, one that records the success. Health is one of
new | ok | failing | broken | suspicious | stale (no success for three intervals, whatever the
reason). Decisions are pure with the time passed in; the rest writes the row it is given.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Connection, Engine, case, insert, or_, select, update

from watcher.config import SourceConfig
from watcher.storage.engine import table_of
from watcher.storage.tables import SourceDocument, SourceState, utc

# Categories that say the page itself changed, not that the network hiccupped.
BROKEN_CATEGORIES = frozenset({"parse", "layout_changed", "parser_crash"})
# No successful poll for this many of a source's intervals: stale, whatever the reason.
STALE_INTERVALS = 3

_state = table_of(SourceState)
_document = table_of(SourceDocument)


@dataclass(frozen=True)
class Claim:
    """The state a poll starts from."""

    health: str
    last_ok_at: datetime | None
    consecutive_failures: int
    last_error_category: str | None


@dataclass
class DocumentState:
    etag: str | None = None
    last_modified: str | None = None
    item_count: int | None = None
    last_status: int | None = None
    generator: str | None = None


def backoff_delay(interval: float, failures: int, *, max_backoff: float,
                  retry_after: float | None = None, rand: Callable[[], float] = random.random) -> float:
    """Exponential backoff with +-20 % jitter, never shorter than the interval or a Retry-After."""
    exponent = min(max(failures - 1, 0), 16)
    delay: float = min(interval * (2**exponent), max(max_backoff, interval))
    delay *= 0.8 + 0.4 * rand()
    return max(delay, retry_after or 0.0)


def health_for(category: str) -> str:
    if category == "suspicious":
        return "suspicious"
    return "broken" if category in BROKEN_CATEGORIES else "failing"


def ensure(connection: Connection, configured: Iterable[SourceConfig]) -> None:
    known = set(connection.execute(select(_state.c.name)).scalars())
    for source in configured:
        if source.name in known:
            connection.execute(update(_state).where(_state.c.name == source.name)
                               .values(kind=source.kind, provider=source.provider))
        else:
            connection.execute(insert(_state).values(
                name=source.name, kind=source.kind, provider=source.provider, health="new",
                consecutive_failures=0))


def jitter(source: SourceConfig) -> float:
    """How far the scheduler may move a source's poll either way (spreads polls over time)."""
    return min(source.interval * 0.1, 60.0)


def claim(connection: Connection, source: SourceConfig, *, now: datetime, force: bool) -> Claim | None:
    """Mark the source checked and schedule its next check, if it is due; None if it is not.

    Done before fetching, so that a crash mid-poll does not make the source hot-loop on restart.
    """
    statement = update(_state).where(_state.c.name == source.name)
    if not force:
        # A run the scheduler's jitter moved a little earlier is still this interval's poll: without
        # this slack about half the runs were skipped, and sources were polled every 1-2 intervals.
        due = now + timedelta(seconds=jitter(source) + 1)
        statement = statement.where(or_(_state.c.next_check_at.is_(None), _state.c.next_check_at <= due))
    row = connection.execute(
        statement.values(last_checked_at=now, next_check_at=now + timedelta(seconds=source.interval))
        .returning(_state.c.health, _state.c.last_ok_at, _state.c.consecutive_failures,
                   _state.c.last_error_category)
    ).first()
    if row is None:
        return None
    return Claim(row.health, row.last_ok_at, row.consecutive_failures, row.last_error_category)


def next_checks(engine: Engine, names: list[str]) -> dict[str, datetime | None]:
    """When each named source is next due, as its last claim set it (absent: never polled)."""
    with engine.connect() as connection:
        rows = connection.execute(select(_state.c.name, _state.c.next_check_at).where(_state.c.name.in_(names)))
        return {row.name: utc(row.next_check_at) for row in rows}


def load_documents(connection: Connection, source: str) -> dict[str, DocumentState]:
    rows = connection.execute(select(_document).where(_document.c.source == source))
    return {r.url: DocumentState(r.etag, r.last_modified, r.item_count, r.last_status, r.generator) for r in rows}


def save_documents(connection: Connection, source: str, documents: dict[str, DocumentState], *,
                   now: datetime) -> None:
    for url, doc in documents.items():
        values = {"etag": doc.etag, "last_modified": doc.last_modified, "item_count": doc.item_count,
                  "last_status": doc.last_status, "generator": doc.generator, "fetched_at": now}
        updated = connection.execute(update(_document).where(_document.c.source == source, _document.c.url == url)
                                     .values(**values))
        if updated.rowcount == 0:
            connection.execute(insert(_document).values(source=source, url=url, **values))


def record_success(connection: Connection, source: SourceConfig, *, now: datetime, items: int | None) -> None:
    values: dict[str, object] = {"health": "ok", "last_ok_at": now, "consecutive_failures": 0,
                                 "next_check_at": now + timedelta(seconds=source.interval)}
    if items is not None:
        values["last_item_count"] = items
    connection.execute(update(_state).where(_state.c.name == source.name).values(**values))


def is_stale(source: SourceConfig, last_ok_at: datetime | None, *, now: datetime, started_at: datetime) -> bool:
    """No success within three intervals: counted from the last success, or from the daemon's start
    when that is later (a source that never read, or last read before a restart, gets three intervals
    from the start before it is called stale)."""
    since = started_at if last_ok_at is None else max(last_ok_at, started_at)
    return now - since > timedelta(seconds=STALE_INTERVALS * source.interval)


def mark_stale(connection: Connection, source: SourceConfig, *, now: datetime) -> bool:
    """Health `stale`, unless a success landed meanwhile or the page is known broken or suspicious
    (the more precise word). True when the source *becomes* stale: the moment to log."""
    cutoff = now - timedelta(seconds=STALE_INTERVALS * source.interval)
    result = connection.execute(update(_state).where(
        _state.c.name == source.name, _state.c.health.not_in(("stale", "broken", "suspicious")),
        or_(_state.c.last_ok_at.is_(None), _state.c.last_ok_at < cutoff)).values(health="stale"))
    return bool(result.rowcount)


def record_failure(connection: Connection, source: SourceConfig, claimed: Claim, *, now: datetime,
                   category: str, message: str, max_backoff: float, retry_after: float | None,
                   rand: Callable[[], float] = random.random) -> tuple[int, bool]:
    """Returns the failures in a row, and whether the source *starts* failing (or fails in a new way):
    the moment to log."""
    failures = claimed.consecutive_failures + 1
    started = claimed.health in ("new", "ok") or claimed.last_error_category != category
    delay = backoff_delay(source.interval, failures, max_backoff=max_backoff, retry_after=retry_after, rand=rand)
    health: str | ColumnElement[str] = health_for(category)
    if health == "failing":  # a stale source is still unread: only a success (or a broken page) changes that
        health = case((_state.c.health == "stale", "stale"), else_="failing")
    connection.execute(update(_state).where(_state.c.name == source.name).values(
        health=health, consecutive_failures=failures, last_error=message,
        last_error_category=category, last_error_at=now, next_check_at=now + timedelta(seconds=delay)))
    return failures, started
