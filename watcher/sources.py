"""Source state on its row (miniflux style): scheduling, HTTP cache and health survive restarts."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import Session, select

from watcher.config import SourceConfig
from watcher.storage import SourceDocument, SourceState

# Categories that say the page itself changed, not that the network hiccupped.
BROKEN_CATEGORIES = frozenset({"parse", "layout_changed", "parser_crash"})


def backoff_delay(interval: float, failures: int, *, max_backoff: float,
                  retry_after: float | None = None, rand: Callable[[], float] = random.random) -> float:
    """Exponential backoff with +-20 % jitter, never shorter than the interval or a Retry-After."""
    exponent = min(max(failures - 1, 0), 16)
    delay = min(interval * (2**exponent), max(max_backoff, interval))
    delay *= 0.8 + 0.4 * rand()
    return max(delay, interval if failures == 0 else 0.0, retry_after or 0.0)


def health_for(category: str) -> str:
    if category == "suspicious":
        return "suspicious"
    return "broken" if category in BROKEN_CATEGORIES else "failing"


def ensure_state(session: Session, source: SourceConfig) -> SourceState:
    state = session.get(SourceState, source.name)
    if state is None:
        state = SourceState(name=source.name, kind=source.kind, provider=source.provider)
        session.add(state)
    else:
        state.kind, state.provider = source.kind, source.provider
    return state


def documents(session: Session, source: str) -> dict[str, SourceDocument]:
    rows = session.exec(select(SourceDocument).where(SourceDocument.source == source)).all()
    return {row.url: row for row in rows}


def mark_checked(state: SourceState, *, now: datetime, interval: float) -> None:
    """Before fetching: a crash mid-poll must not make the source hot-loop on restart."""
    state.last_checked_at = now
    state.next_check_at = now + timedelta(seconds=interval)


def record_success(state: SourceState, *, now: datetime, interval: float, items: int | None) -> int:
    """Returns how many failures in a row this success ends (0 if none)."""
    ended = state.consecutive_failures
    state.health = "ok"
    state.last_ok_at = now
    state.consecutive_failures = 0
    state.next_check_at = now + timedelta(seconds=interval)
    if items is not None:
        state.last_item_count = items
    return ended


def record_failure(state: SourceState, *, now: datetime, category: str, message: str, interval: float,
                   max_backoff: float, retry_after: float | None,
                   rand: Callable[[], float] = random.random) -> bool:
    """Returns True when the source *starts* failing (or fails in a new way): the moment to log."""
    started = state.health in ("new", "ok") or state.last_error_category != category
    state.health = health_for(category)
    state.consecutive_failures += 1
    state.last_error = message
    state.last_error_category = category
    state.last_error_at = now
    delay = backoff_delay(interval, state.consecutive_failures, max_backoff=max_backoff,
                          retry_after=retry_after, rand=rand)
    state.next_check_at = now + timedelta(seconds=delay)
    return started
