"""The outbox drain: sends what the planner wrote, the most severe first, with retries (Retry-After
honoured, 5xx and connection errors backed off, other errors failed with the reason). No row
blocks another: a reply waiting for its thread's first message is passed over, and a reply whose
first message failed is sent on its own and starts the thread anew. At least once against
crashes; never twice through restarts (the dedup keys)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlmodel import Session, col, select

from watcher.storage.tables import Outbox, SlackThread

log = logging.getLogger("watcher.notify.outbox")


@dataclass(frozen=True)
class SendResult:
    ok: bool
    ref: str | None = None  # Slack ts of the message
    channel: str | None = None  # the channel id Slack answered with (updates need it)
    retry_after: float | None = None  # retryable when not ok and not permanent
    permanent: bool = False
    error: str | None = None


class Sender(Protocol):
    def send(self, row: Outbox, thread_ref: str | None, channel: str | None = None) -> SendResult: ...


@dataclass
class DrainReport:
    sent: int = 0
    failed: list[Outbox] = field(default_factory=list)
    sent_targets: set[str] = field(default_factory=set)  # "channel target" that took a message


def _root_state(session: Session, thread_key: str) -> str | None:
    return session.exec(select(Outbox.state).where(Outbox.thread_key == thread_key, Outbox.action == "post")
                        .order_by(col(Outbox.id))).first()


def drain(session: Session, sender: Sender, *, now: datetime, limit: int = 50,
          backoff: Callable[[int], float] = lambda attempts: min(30 * 2 ** attempts, 3600)) -> DrainReport:
    """Send up to `limit` due rows, highest priority first, then oldest."""
    report = DrainReport()
    rows = session.exec(select(Outbox).where(Outbox.state == "pending", col(Outbox.next_attempt_at) <= now)
                        .order_by(col(Outbox.priority).desc(), col(Outbox.id))).all()
    attempted = 0
    for row in rows:
        if attempted >= limit:
            break
        thread = session.get(SlackThread, row.thread_key) if row.thread_key and row.action != "post" else None
        if row.action != "post" and thread is None and row.channel == "slack" and row.payload.get("ts") is None:
            if _root_state(session, row.thread_key or "") == "pending":
                continue  # its thread's first message has not gone out yet: passed over, not counted
            # The first message failed for good: this one goes out on its own and starts the thread.
            row.action = "post"
            headline = row.payload.get("headline")
            if headline:
                row.payload = {**row.payload, "text": f"{headline}\n{row.payload.get('text', '')}"}
        attempted += 1
        result = sender.send(row, thread.ts if thread else None, thread.channel if thread else None)
        row.attempts += 1
        if result.ok:
            row.state, row.sent_at, row.external_ref, row.error = "sent", now, result.ref, None
            if row.action == "post" and row.thread_key and result.ref:
                session.merge(SlackThread(thread_key=row.thread_key, channel=result.channel or row.target,
                                          ts=result.ref))
            report.sent += 1
            report.sent_targets.add(f"{row.channel} {row.target}")
        elif result.permanent:
            row.state, row.error, row.next_attempt_at = "failed", result.error, now  # when it failed
            report.failed.append(row)
            log.warning("notification failed: %s", result.error, extra={"dedup_key": row.dedup_key,
                                                                         "target": row.target})
        else:
            row.error = result.error
            row.next_attempt_at = now + timedelta(seconds=result.retry_after or backoff(row.attempts))
        session.add(row)
        session.commit()  # one row at a time: a crash loses at most the row being sent
    return report
