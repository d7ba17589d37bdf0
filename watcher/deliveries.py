"""Processing of stored webhook deliveries: parse, store events, mark processed, in one
transaction per delivery, so each delivery takes effect exactly once even across crashes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import col, select

from connectors import WEBHOOKS
from watcher.config import WebhookConfig
from watcher.errors import SourceError
from watcher.metrics import Metrics
from watcher.notifiers import Notifier
from watcher.pipeline import Change, apply_drafts
from watcher.storage import Delivery, session

log = logging.getLogger("watcher.deliveries")
BATCH = 100


class DeliveryProcessor:
    def __init__(self, *, hooks: list[WebhookConfig], engine: Engine, executor: Executor, metrics: Metrics,
                 notifier: Notifier, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.hooks = {h.name: h for h in hooks}
        self.engine = engine
        self.executor = executor
        self.metrics = metrics
        self.notifier = notifier
        self.clock = clock
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="webhook-deliveries")
        self.wake()  # whatever a crash left pending is finished first

    async def stop(self) -> None:
        self._stopping = True
        self.wake()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._stopping:
            await self._wake.wait()
            self._wake.clear()
            while True:
                changes, handled = await loop.run_in_executor(self.executor, self.process_pending)
                if changes:
                    self.notifier.notify(changes)
                if handled < BATCH or self._stopping:
                    break

    def process_pending(self) -> tuple[list[Change], int]:
        """One batch of pending deliveries, oldest first; returns what changed and how many were handled."""
        with session(self.engine) as db:
            pending = db.exec(select(Delivery).where(Delivery.state == "pending").order_by(col(Delivery.id))
                              .limit(BATCH).with_for_update(skip_locked=True)).all()
            ids = [d.id for d in pending]
            db.rollback()
        changes: list[Change] = []
        for delivery_id in ids:
            changes.extend(self._process_one(delivery_id))
        return changes, len(ids)

    def _process_one(self, row_id: int | None) -> list[Change]:
        with session(self.engine) as db:
            delivery = db.exec(select(Delivery).where(Delivery.id == row_id, Delivery.state == "pending")
                               .with_for_update(skip_locked=True)).first()
            if delivery is None:
                return []  # another replica took it
            hook = self.hooks.get(delivery.webhook)
            now = self.clock()
            try:
                if hook is None:
                    raise SourceError(f"webhook {delivery.webhook!r} is no longer configured")
                drafts = WEBHOOKS[hook.kind].parse(delivery.headers, delivery.body, settings=hook)
                changes = apply_drafts(db, source=f"webhook:{hook.name}", provider=hook.provider, drafts=drafts,
                                       now=now)
            except Exception as exc:  # kept and marked failed: never lost, never retried in a loop
                db.rollback()
                delivery = db.get(Delivery, row_id)
                assert delivery is not None
                delivery.state, delivery.error, delivery.processed_at = "failed", f"{type(exc).__name__}: {exc}", now
                db.add(delivery)
                db.commit()
                log.warning("webhook delivery could not be parsed: %s", delivery.error,
                            extra={"source": f"webhook:{delivery.webhook}", "delivery": delivery.delivery_id})
                self.metrics.processed.labels(delivery.webhook, "failed").inc()
                return []
            delivery.state, delivery.processed_at, delivery.event_count = "processed", now, len(drafts)
            db.add(delivery)
            db.commit()
        self.metrics.processed.labels(delivery.webhook, "processed").inc()
        for change in changes:
            counter = self.metrics.events if change.action == "new" else self.metrics.revisions
            counter.labels(change.event["provider"], change.event["kind"]).inc()
        # Success notices (a batch completed) are recorded, not told.
        return [c for c in changes if not c.baseline and c.event.get("escalate", True)]
