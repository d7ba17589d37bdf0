"""The outbox drain: sends what the planner wrote, the most severe first, with retries (Retry-After
honoured, 5xx and connection errors backed off, other errors failed with the reason). No row
blocks another: a reply waiting for its thread's first message is passed over, and a reply whose
first message failed is sent on its own and starts the thread anew.

Several replicas drain one outbox: each row is claimed before it is sent (`FOR UPDATE SKIP LOCKED` on
PostgreSQL, then a lease: `claimed_by`, `lease_until`), so replicas take different rows and never the
same one at once. A replica that dies mid-send leaves its row claimed; another takes it when the
lease has run out and sends it again: at least once, at most one duplicate per row in flight at the
crash (counted in `DrainReport.taken_over` and logged). Never twice through restarts (the dedup keys)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import or_, update
from sqlalchemy.orm.attributes import set_committed_value
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
    taken_over: int = 0  # rows another replica had claimed and not finished: perhaps sent twice


# How long a claimed row is left to its replica before another may send it: longer than a send can
# take (the Slack client's timeout and its retries), short enough that a crash delays little.
LEASE = timedelta(seconds=60)


def _root_state(session: Session, thread_key: str) -> str | None:
    return session.exec(select(Outbox.state).where(Outbox.thread_key == thread_key, Outbox.action == "post")
                        .order_by(col(Outbox.id))).first()


def _claim(session: Session, *, replica: str, now: datetime, lease: timedelta,
           passed: list[int]) -> tuple[Outbox, str | None] | None:
    """The next due row nobody else holds, claimed for `lease` and committed, with the replica that
    held it before (whose lease ran out); None when none is left. SKIP LOCKED lets replicas that claim
    at the same instant take different rows instead of waiting for each other."""
    while True:
        query = (select(Outbox).where(Outbox.state == "pending", col(Outbox.next_attempt_at) <= now,
                                      or_(col(Outbox.lease_until).is_(None), col(Outbox.lease_until) < now))
                 .order_by(col(Outbox.priority).desc(), col(Outbox.id)).limit(1)
                 .with_for_update(skip_locked=True))
        if passed:
            query = query.where(col(Outbox.id).not_in(passed))
        row = session.exec(query).first()
        if row is None:
            session.commit()
            return None
        previous = row.claimed_by
        # Conditional, so that on SQLite (no row locks) a row is still claimed by one drain only.
        claimed = session.execute(
            update(Outbox).where(col(Outbox.id) == row.id, col(Outbox.state) == "pending",
                                 or_(col(Outbox.lease_until).is_(None), col(Outbox.lease_until) < now))
            .values(claimed_by=replica, lease_until=now + lease).execution_options(synchronize_session=False))
        session.commit()
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            # what the row now holds, without reading it back (the send's outcome clears both)
            set_committed_value(row, "claimed_by", replica)
            set_committed_value(row, "lease_until", now + lease)
            if previous is not None:
                log.warning("sending a notification whose sender stopped mid-send: it may arrive twice",
                            extra={"dedup_key": row.dedup_key, "claimed_by": previous})
            return row, previous
        passed.append(row.id or 0)  # taken between the read and the claim: look further


def _release(session: Session, row: Outbox) -> None:
    row.claimed_by, row.lease_until = None, None
    session.add(row)
    session.commit()


def drain(session: Session, sender: Sender, *, now: datetime, limit: int = 50, replica: str = "local",
          lease: timedelta = LEASE,
          backoff: Callable[[int], float] = lambda attempts: min(30 * 2 ** attempts, 3600)) -> DrainReport:
    """Send up to `limit` due rows, highest priority first, then oldest, each claimed first."""
    report = DrainReport()
    passed: list[int] = []  # looked at in this drain and left for later
    attempted = 0
    started = time.monotonic()
    while attempted < limit:
        # the lease counts from the claim, however long the rows before it took to send
        claim_at = now + timedelta(seconds=time.monotonic() - started)
        claimed = _claim(session, replica=replica, now=claim_at, lease=lease, passed=passed)
        if claimed is None:
            break
        row, previous = claimed
        report.taken_over += previous is not None
        thread = session.get(SlackThread, row.thread_key) if row.thread_key and row.action != "post" else None
        if row.action != "post" and thread is None and row.channel == "slack" and row.payload.get("ts") is None:
            if _root_state(session, row.thread_key or "") == "pending":
                # its thread's first message has not gone out yet: passed over, not counted
                passed.append(row.id or 0)
                _release(session, row)
                continue
            # The first message failed for good: this one goes out on its own and starts the thread.
            row.action = "post"
            headline = row.payload.get("headline")
            if headline:
                row.payload = {**row.payload, "text": f"{headline}\n{row.payload.get('text', '')}"}
        attempted += 1
        result = sender.send(row, thread.ts if thread else None, thread.channel if thread else None)
        row.attempts += 1
        row.claimed_by, row.lease_until = None, None
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
