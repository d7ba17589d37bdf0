"""Processing of stored webhook deliveries: parse, store events, mark processed, in one
transaction per delivery, so each delivery takes effect exactly once even across crashes."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import col, select

from connectors import WEBHOOKS
from connectors.contract.errors import SourceError
from watcher.config import WebhookConfig
from watcher.events.store import Change, apply_drafts
from watcher.metrics import Metrics
from watcher.notify.notifier import Notifier
from watcher.storage.engine import session
from watcher.storage.tables import Delivery

log = logging.getLogger("watcher.ingest.deliveries")
# Deliveries per transaction: short enough that the receiver's inserts, which share the database
# thread, never wait long behind a batch.
BATCH = 20
# Accepting comes first: while the receiver has verified deliveries in hand (a flood), processing
# waits, looking again every QUIET seconds, but never more than MAX_DEFER after being woken; a steady
# stream leaves the receiver idle between deliveries and is processed at once. A request whose
# signature is not yet checked (a slow or forged client) never holds processing back.
QUIET = 0.005
MAX_DEFER = 10.0


class DeliveryProcessor:
    def __init__(self, *, hooks: list[WebhookConfig], engine: Engine, executor: Executor, metrics: Metrics,
                 notifier: Notifier, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 busy: Callable[[], bool] = lambda: False, on_changed: Callable[[], None] = lambda: None) -> None:
        self.hooks = {h.name: h for h in hooks}
        self.engine = engine
        self.executor = executor
        self.metrics = metrics
        self.notifier = notifier
        self.on_changed = on_changed  # events changed: impacts and plans look next
        self.clock = clock
        self._wake = asyncio.Event()
        self._stopping = False
        self.busy = busy
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    async def _lull(self, deadline: float) -> None:
        while not self._stopping and self.busy() and time.monotonic() < deadline:
            await asyncio.sleep(QUIET)

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
            deadline = time.monotonic() + MAX_DEFER
            while True:
                await self._lull(deadline)
                changes, handled = await loop.run_in_executor(self.executor, self.process_pending)
                if changes:
                    self.on_changed()
                    self.notifier.notify(changes)
                if handled < BATCH or self._stopping:
                    break

    def process_pending(self) -> tuple[list[Change], int]:
        """One short batch of pending deliveries, oldest first, in one transaction: the events they
        make and their marks commit together (a crash redoes the whole batch, never half of it).
        Returns what changed and how many deliveries were handled."""
        changes: list[Change] = []
        results: list[tuple[str, str]] = []
        with session(self.engine) as db:
            batch = db.exec(select(Delivery).where(Delivery.state == "pending").order_by(col(Delivery.id))
                            .limit(BATCH).with_for_update(skip_locked=True)).all()
            now = self.clock()
            for delivery in batch:
                hook = self.hooks.get(delivery.webhook)
                try:
                    with db.begin_nested():
                        if hook is None:
                            raise SourceError(f"webhook {delivery.webhook!r} is no longer configured")
                        drafts = WEBHOOKS[hook.kind].parse(delivery.headers, delivery.body, settings=hook)
                        made = apply_drafts(db, source=f"webhook:{hook.name}", provider=hook.provider,
                                            drafts=drafts, now=now)
                except Exception as exc:  # kept and marked failed: never lost, never retried in a loop
                    delivery.state, delivery.error = "failed", f"{type(exc).__name__}: {exc}"
                    log.warning("webhook delivery could not be parsed: %s", delivery.error,
                                extra={"source": f"webhook:{delivery.webhook}", "delivery": delivery.delivery_id})
                else:
                    delivery.state, delivery.event_count = "processed", len(drafts)
                    changes.extend(made)
                delivery.processed_at = now
                db.add(delivery)
                results.append((delivery.webhook, delivery.state))
            db.commit()
        for webhook, state in results:
            self.metrics.processed.labels(webhook, state).inc()
        for change in changes:
            counter = self.metrics.events if change.action == "new" else self.metrics.revisions
            counter.labels(change.event["provider"], change.event["kind"]).inc()
        # Success notices (a batch completed) are recorded, not told.
        told = [c for c in changes if not c.baseline and c.event.get("escalate", True)]
        return told, len(batch)
