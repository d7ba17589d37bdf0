"""Source health as events of kind `source`, sent to the on-call channel like any other news: a
source failing several polls in a row (at once when its page is broken or suspiciously empty), a
feed gone stale, a webhook silent too long, a page that moved. Recovery is said once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from watcher.config import Config
from watcher.dates import isoformat
from watcher.events import EventDraft, Severity
from watcher.pipeline import Change, apply_drafts
from watcher.storage import Delivery, Event, Outbox, SourceState, UTCDateTime, session

PROVIDER = "watcher"
OPEN = "open"


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
    report = {h.name: {"kind": h.kind, "last_delivery_at": None, "pending": 0, "processed": 0, "failed": 0}
              for h in config.webhooks}
    for webhook, state, count, last in rows:
        entry = report.setdefault(webhook, {"kind": None, "last_delivery_at": None, "pending": 0, "processed": 0,
                                            "failed": 0})
        entry[state] = count
        if last is not None:
            last = UTCDateTime().process_result_value(last, None)
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
