"""Planning and sending notifications, with an alert when sending fails for good.

`plan_due` writes what the escalation ladder says is due; `drain_and_alert` sends the outbox, counts
each notification that failed for good and opens a `notify-failed` alert about it on the on-call
channel (the first success to that place again closes it), then plans and sends that alert at once.

Not pure: reads and writes the database and sends through the given `Sender`; the time is passed in.
The daemon calls these from its jobs (`Daemon.notify_once`, `Daemon.drain_once`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from watcher.cluster import jobs
from watcher.config import Config
from watcher.ingest import health
from watcher.inventory.catalog import Catalog
from watcher.inventory.uses import Use
from watcher.metrics import Metrics
from watcher.notify.outbox import LEASE, DrainReport, Sender, drain
from watcher.notify.planner import plan
from watcher.storage.engine import session


@dataclass(frozen=True)
class Planning:
    """What planning reads besides the database: the config, the time and the inventory's view."""

    config: Config
    now: datetime
    today: date
    uses: tuple[Use, ...]
    catalog: Catalog | None


def _plan(db: Session, planning: Planning) -> None:
    # One replica plans at a time: the dedup keys would keep two from writing a notice twice, but the
    # second would redo the first's work against rows it cannot see yet.
    jobs.serialised(db, "planning", patient=True)
    plan(db, planning.config, now=planning.now, today=planning.today, uses=planning.uses, catalog=planning.catalog)
    db.commit()


def plan_due(engine: Engine, planning: Planning) -> None:
    """Write the notifications that are due, in one transaction."""
    with session(engine) as db:
        _plan(db, planning)


def drain_and_alert(engine: Engine, sender: Sender, metrics: Metrics, *, now: datetime,
                    planning: Callable[[], Planning], replica: str = "local", lease: timedelta = LEASE) -> int:
    """Send the due outbox rows this replica can claim; returns how many were sent. `planning` is asked
    only when a failure opened an alert, which is then planned and sent in the same session."""
    with session(engine) as db:
        report = drain(db, sender, now=now, replica=replica, lease=lease)
        if record_failures(db, report, metrics, now=now):  # an alert about a failed notification: tell it now
            _plan(db, planning())
            again = drain(db, sender, now=now, replica=replica, lease=lease)
            report.sent += again.sent
            report.taken_over += again.taken_over
    if report.taken_over:
        metrics.outbox_taken_over.inc(report.taken_over)
    return report.sent


def record_failures(db: Session, report: DrainReport, metrics: Metrics, *, now: datetime) -> bool:
    """A notification that failed for good is a metric and an alert to the on-call channel (not
    only a log line); the first success to that place again ends the alert. True if one opened.
    Commits."""
    opened = False
    for row in report.failed:
        metrics.notifications_failed.labels(channel=row.channel).inc()
        if (row.thread_key or "").startswith("source:"):
            continue  # an alert about the watcher itself that failed: /healthz and the metric say it
        opened |= bool(health.record(
            db, subject=f"{row.channel} {row.target}", problem="notify-failed", ok=False, now=now,
            severity="critical", title=f"notifications to {row.target} are failing",
            summary=f"{row.error}; the notice it carried is on the dashboard's outbox and in the digest"))
    for target in report.sent_targets:
        health.record(db, subject=target, problem="notify-failed", ok=True, now=now, severity="info",
                      title="", summary="notifications get through again")
    db.commit()
    return opened
