"""Source health as events of kind `source`, sent to the on-call channel like any other news: a
source failing several polls in a row (at once when its page is broken or suspiciously empty), a
source not read successfully for three of its intervals whatever the reason (`check_sources`), a
feed gone stale, a webhook silent too long, a page that moved. Recovery is said once.

Also what /healthz shows of the database's last writes, and the 503 a request gets when the database
cannot serve it in time (never a hang or a bare 500).

Reads and writes the database; the time is passed in."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connectors.contract.dates import isoformat
from connectors.contract.events import EventDraft, Severity
from watcher.config import Config, SourceConfig
from watcher.events.store import Change, apply_drafts
from watcher.ingest import sources
from watcher.storage.engine import DAEMON_LOCK_WAIT, reason, session, write_log
from watcher.storage.tables import Delivery, Event, Outbox, SourceState, utc

PROVIDER = "watcher"
OPEN = "open"
# The alert of a source that has not been read successfully for three of its intervals.
UNREAD = "unread"

log = logging.getLogger("watcher.ingest.health")


def record(session: Session, *, subject: str, problem: str, ok: bool, title: str, summary: str,
           severity: Severity, now: datetime, url: str | None = None, status: str | None = None) -> list[Change]:
    """Open (or update) the `problem` alert of `subject`, or close it when `ok`; the caller commits."""
    external_id = f"{problem}:{subject}"
    if ok:
        known = session.exec(select(Event).where(Event.provider == PROVIDER, Event.kind == "source",
                                                 Event.external_id == external_id)).first()
        if known is None or known.status == "resolved":
            return []  # nothing was said, so there is nothing to take back
        title, summary, severity = f"{subject}: {problem} is over", summary or "recovered", "info"
    draft = EventDraft(kind="source", provider=PROVIDER, external_id=external_id, title=title, summary=summary,
                       url=url, status="resolved" if ok else status or problem, severity=severity, published_at=now,
                       updated_at=now, components=[subject])
    return apply_drafts(session, source="watcher", provider=PROVIDER, drafts=[draft], now=now)


def check_sources(engine: Engine, config: Config, *, now: datetime, started_at: datetime) -> list[Change]:
    """Every enabled source without a successful poll for three of its intervals (counted from the
    daemon's start when that is later), whatever the reason (failing, hanging, never scheduled):
    health `stale` and one alert, unless it is alerted as failing already. A success ends both (the
    poller says so at once; this check closes what it finds read again)."""
    changes: list[Change] = []
    enabled = [s for s in config.sources if s.enabled]
    with session(engine) as db:
        connection = db.connection()
        states = {s.name: s for s in db.exec(select(SourceState)).all()}
        sources.ensure(connection, [s for s in enabled if s.name not in states])  # never polled at all
        open_alerts = {e.external_id for e in db.exec(
            select(Event).where(Event.provider == PROVIDER, Event.kind == "source", Event.status != "resolved"))}
        for source in enabled:
            state = states.get(source.name)
            last_ok = state.last_ok_at if state else None
            if not sources.is_stale(source, last_ok, now=now, started_at=started_at):
                if f"{UNREAD}:{source.name}" in open_alerts and state is not None and state.health == "ok":
                    changes += record(db, subject=source.name, problem=UNREAD, ok=True, title="", now=now,
                                      summary="read successfully again", severity="info")
                continue
            if sources.mark_stale(connection, source, now=now):
                log.warning("source stale: no successful poll for %s", _span(sources.STALE_INTERVALS * source.interval),
                            extra={"source": source.name, "last_ok_at": isoformat(last_ok) if last_ok else None})
            if f"failing:{source.name}" in open_alerts:
                continue  # the on-call already knows it is not being read
            changes += _unread(db, source, last_ok, now=now)
        db.commit()
    return changes


def _unread(db: Session, source: SourceConfig, last_ok: datetime | None, *, now: datetime) -> list[Change]:
    """The alert's words depend on nothing that changes while the source stays unread: said once."""
    since = f"no successful poll since {last_ok:%Y-%m-%d %H:%M} UTC" if last_ok else "never read successfully"
    return record(
        db, subject=source.name, problem=UNREAD, ok=False, now=now, status="stale", severity="warning",
        url=source.url, title=f"{source.name}: {since}",
        summary=f"nothing read from {source.url} for more than {sources.STALE_INTERVALS} of its intervals "
                f"({_span(sources.STALE_INTERVALS * source.interval)}), whatever the reason (failing, hanging or "
                f"not polled): its news may be missed. /healthz shows its last error")


def _span(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} s"


def source_report(engine: Engine, config: Config) -> dict[str, Any]:
    """Every configured source's state, for /healthz, /api/sources and the dashboard."""
    with session(engine) as db:
        states = {s.name: s for s in db.exec(select(SourceState)).all()}
    report = {}
    for source in config.sources:
        state = states.get(source.name)
        report[source.name] = {
            "kind": source.kind,
            "enabled": source.enabled,
            "health": state.health if state else "new",
            "last_ok_at": isoformat(state.last_ok_at) if state else None,
            "last_checked_at": isoformat(state.last_checked_at) if state else None,
            "consecutive_failures": state.consecutive_failures if state else 0,
            "last_error": state.last_error if state else None,
            "last_error_category": state.last_error_category if state else None,
            "last_item_count": state.last_item_count if state else None,
        }
    return report


def webhook_report(engine: Engine, config: Config) -> dict[str, Any]:
    """Every webhook's last delivery and its deliveries by state."""
    with session(engine) as db:
        rows = db.exec(select(Delivery.webhook, Delivery.state, func.count(), func.max(Delivery.received_at))
                       .group_by(Delivery.webhook, Delivery.state)).all()
    # JSON for /healthz and `watcher status`: per webhook, its kind, last delivery (ISO) and a count per state.
    report: dict[str, dict[str, Any]] = {
        h.name: {"kind": h.kind, "last_delivery_at": None, "pending": 0, "processed": 0, "failed": 0}
        for h in config.webhooks}
    for webhook, state, count, last in rows:
        entry = report.setdefault(webhook, {"kind": None, "last_delivery_at": None, "pending": 0, "processed": 0,
                                            "failed": 0})
        entry[state] = count
        if last is not None:
            last = utc(last)
            if entry["last_delivery_at"] is None or isoformat(last) > entry["last_delivery_at"]:
                entry["last_delivery_at"] = isoformat(last)
    return report


def notification_report(engine: Engine, now: datetime) -> dict[str, Any]:
    """The outbox at a glance: what waits, what failed for good in the last day and the latest reason."""
    since = now - timedelta(days=1)
    with session(engine) as db:
        pending = db.exec(select(func.count()).select_from(Outbox).where(Outbox.state == "pending")).one()
        failed = db.exec(select(Outbox).where(Outbox.state == "failed", col(Outbox.next_attempt_at) >= since)
                         .order_by(col(Outbox.id).desc())).all()
    latest = failed[0] if failed else None
    return {"pending": pending, "failed_last_day": len(failed),
            "last_failure": {"target": latest.target, "error": latest.error, "key": latest.dedup_key}
            if latest else None}


def database_writes(engine: Engine) -> dict[str, Any]:
    """For /healthz: when a write last committed and the last one that failed (a database can answer
    reads while it refuses writes: locked, disk full, read-only)."""
    writes = write_log(engine)
    return {"last_write_ok_at": isoformat(writes.ok_at), "last_write_error": writes.error,
            "last_write_error_at": isoformat(writes.error_at)}


async def database_unavailable(request: Request, exc: Exception) -> Response:
    """A request the database could not serve in time (locked, full, unreachable, no free connection):
    503 with the reason, so that a webhook's sender retries it later rather than counting it lost."""
    why = (f"no database connection free within {DAEMON_LOCK_WAIT:g} s" if isinstance(exc, PoolTimeout)
           else reason(exc))
    return JSONResponse({"error": f"database unavailable: {why}; try again shortly"}, status_code=503,
                        headers={"Retry-After": "10"})


# For the app's exception_handlers: what a database that stops answering raises, as a 503.
DATABASE_UNAVAILABLE = {OperationalError: database_unavailable, PoolTimeout: database_unavailable}
