"""Webhooks gone quiet: a webhook with `expect_every` that has received nothing for that long opens a
`silent` alert (counted from the daemon's start when it never received anything); its next delivery
closes it. The stale check of polled sources is `health.check_sources`.

Not pure: reads deliveries and writes alerts in one transaction; the time is passed in. The daemon's
`silence` job calls it (`Daemon.check_webhooks`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine, func
from sqlmodel import select

from watcher.config import WebhookConfig
from watcher.events.store import Change
from watcher.ingest import health
from watcher.storage.engine import session
from watcher.storage.tables import Delivery, utc


def check_webhooks(engine: Engine, hooks: Sequence[WebhookConfig], *, now: datetime,
                   started_at: datetime) -> list[Change]:
    """Open or close each watched webhook's `silent` alert; returns the alerts that changed."""
    changes: list[Change] = []
    with session(engine) as db:
        last = dict(db.exec(select(Delivery.webhook, func.max(Delivery.received_at))
                            .group_by(Delivery.webhook)).all())
        for hook in hooks:
            if not hook.expect_every:
                continue
            heard = last.get(hook.name)
            since = utc(heard) or started_at
            silent = (now - since).total_seconds() > hook.expect_every
            changes += health.record(
                db, subject=hook.name, problem="silent", ok=not silent, now=now, severity="warning",
                title=f"webhook {hook.name}: nothing received since {since:%Y-%m-%d %H:%M} UTC",
                summary=f"no delivery for longer than expected ({hook.expect_every / 3600:g} h): the sender's "
                        "subscription may have lapsed" if silent else "deliveries again")
        db.commit()
    return changes
