"""The long-running part: database, HTTP client, poller and APScheduler, started and stopped as one."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import signal
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from watcher.config import Config, SourceConfig
from watcher.config import io as config_io
from watcher.config.account import SpendConfig
from watcher.events.store import Change
from watcher.ingest import health, sources, watchdog
from watcher.ingest.deliveries import DeliveryProcessor
from watcher.ingest.http import make_client
from watcher.ingest.mailbox import MailboxReaders
from watcher.ingest.poller import Poller, PollOutcome, database_executor
from watcher.ingest.receiver import Receiver
from watcher.ingest.spend import SpendPoller, admin_keys
from watcher.inventory.service import ImpactService
from watcher.metrics import Metrics
from watcher.notify import actions, digest_mail, runner
from watcher.notify.console import ConsoleNotifier
from watcher.notify.notifier import Notifier
from watcher.notify.outbox import Sender
from watcher.notify.slack import ConsoleSender, SlackSender
from watcher.storage.engine import DAEMON_LOCK_WAIT, open_database, probe, session, write_log

log = logging.getLogger("watcher.daemon")


# Longest wait for in-flight polls at shutdown before they are cancelled.
SHUTDOWN_GRACE = 20.0


class Daemon:
    def __init__(self, config: Config, *, config_path: Path | None = None,
                 notifier: Notifier | None = None, clock: Callable[[], datetime] | None = None) -> None:
        self.config = config
        # Every decision that depends on the date asks this clock, so that tests can move it.
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.config_path = config_path
        self.metrics = Metrics()
        where = config_path or "config"
        # Every secret the config names, read before anything starts; the same list `watcher check` reads.
        resolved = config_io.resolve_secrets(config, path=where)
        secrets = {hook.name: resolved.get(f"webhooks[{index}].secret_env", "")
                   for index, hook in enumerate(config.webhooks)}
        self.engine = open_database(config.database.url, lock_wait=DAEMON_LOCK_WAIT)
        self.db_executor = database_executor(self.engine)
        self.client = make_client(timeout=config.poller.timeout, user_agent=config.poller.user_agent,
                                  connections=config.poller.concurrency)
        self.impacts = ImpactService(config, self.engine, base=config_path.parent if config_path else None)
        self.sender: Sender = ConsoleSender()
        if config.slack is not None:
            self.sender = SlackSender(resolved.get("slack.token_env", ""), base_url=config.slack.base_url)
        self.zone = ZoneInfo(config.digest.timezone) if config.digest else UTC
        self.api_token = resolved.get("server.api_token_env")
        self.dashboard_auth = resolved.get("server.dashboard_auth_env")
        self.slack_signing_secret = resolved.get("slack.signing_secret_env")
        self.calendar_token = resolved.get("calendar.token_env")
        self._impacts_due = True
        notifier = notifier or ConsoleNotifier()
        self.poller = Poller(config=config, engine=self.engine, client=self.client, metrics=self.metrics,
                             notifier=notifier, executor=self.db_executor, clock=self.clock,
                             on_changed=self.kick_impacts)
        self.spend = SpendPoller(config=config, engine=self.engine, client=self.client, metrics=self.metrics,
                                 notifier=notifier, executor=self.db_executor, clock=self.clock,
                                 keys=admin_keys(config, resolved), catalog=self.impacts.catalog,
                                 on_changed=self.kick_impacts)
        # [[mailboxes]]: one IMAP reader thread each, started and stopped with the scheduler.
        self.mailboxes = MailboxReaders(config, resolved, engine=self.engine, executor=self.db_executor,
                                        notifier=notifier, on_changed=self.kick_impacts, clock=self.clock)
        self.deliveries = DeliveryProcessor(hooks=config.webhooks, engine=self.engine, executor=self.db_executor,
                                            metrics=self.metrics, notifier=notifier, clock=self.clock,
                                            on_changed=self.kick_impacts,
                                            busy=lambda: self.receiver.in_flight > 0)
        self.receiver = Receiver(hooks=config.webhooks, secrets=secrets, engine=self.engine,
                                 executor=self.db_executor, metrics=self.metrics, on_stored=self.deliveries.wake)
        self.scheduler: AsyncIOScheduler | None = None
        self._in_flight: set[asyncio.Task[PollOutcome]] = set()
        self._kick: asyncio.Future[None] | None = None
        self.started_at = self.clock()
        self._force_reload = False
        self._stopping = False

    def start(self) -> None:
        """Schedule one job per enabled source, with staggered starts so they do not all fire at once."""
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        now = datetime.now(UTC)
        ingest_only = self.config.server.ingest_only
        for source in self.config.sources:
            if not source.enabled or ingest_only:
                continue
            self.scheduler.add_job(
                self._poll_job, IntervalTrigger(seconds=source.interval, jitter=sources.jitter(source)),
                args=[source], id=f"poll:{source.name}", name=f"poll {source.name}",
                max_instances=1, coalesce=True, misfire_grace_time=int(source.interval),
                next_run_time=now + timedelta(seconds=random.uniform(0, min(source.interval, 5.0))),
            )
        for spend in [] if ingest_only else self.config.spend:  # read like sources, on their own interval
            self.scheduler.add_job(
                self._poll_job, IntervalTrigger(seconds=spend.interval, jitter=min(spend.interval * 0.1, 60.0)),
                args=[spend], id=f"spend:{spend.name}", name=f"spend {spend.name}", max_instances=1, coalesce=True,
                misfire_grace_time=int(spend.interval), next_run_time=now + timedelta(seconds=random.uniform(0, 5.0)))
        if not ingest_only:
            self.scheduler.add_job(self._impact_job, IntervalTrigger(seconds=30), id="impacts", name="impacts",
                                   max_instances=1, coalesce=True, next_run_time=now)
            # Planning walks every open impact, so it runs when something changed (after a refresh)
            # and every 10 minutes for the date-driven steps; sending retries are due every 5 seconds.
            self.scheduler.add_job(self._notify_job, IntervalTrigger(minutes=10), id="escalation",
                                   name="escalation", max_instances=1, coalesce=True, next_run_time=now)
            self.scheduler.add_job(self._drain_job, IntervalTrigger(seconds=5), id="outbox", name="outbox",
                                   max_instances=1, coalesce=True)
            intervals = [s.interval for s in self.config.sources if s.enabled]
            if intervals:  # sources unread for three intervals, whatever the reason: looked at often enough
                self.scheduler.add_job(self._stale_job, IntervalTrigger(seconds=min(60.0, *intervals)), id="stale",
                                       name="stale sources", max_instances=1, coalesce=True)
            if any(h.expect_every for h in self.config.webhooks):
                self.scheduler.add_job(self._silence_job, IntervalTrigger(minutes=5), id="silence",
                                       name="silent webhooks", max_instances=1, coalesce=True)
            if self.config.digest is not None and self.config.email is not None:
                self.scheduler.add_job(self._digest_job, CronTrigger(**self.config.digest.cron(), timezone=self.zone),
                                       id="digest", name="weekly digest", max_instances=1, coalesce=True,
                                       misfire_grace_time=6 * 3600)
            with contextlib.suppress(NotImplementedError, RuntimeError):  # no signals off the main thread
                asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._reload_inventory)
        self.scheduler.start()
        if not ingest_only:
            self.deliveries.start()
            self.mailboxes.start()
        log.info("daemon started", extra={"sources": len(self.config.sources)})

    async def _poll_job(self, source: SourceConfig | SpendConfig) -> None:
        if self._stopping:
            return
        task = asyncio.ensure_future(self.poller.poll(source) if isinstance(source, SourceConfig)
                                     else self.spend.poll(source))
        self._in_flight.add(task)
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            if self._stopping:  # shut down mid-poll: the source is polled again after the restart
                return
            raise
        finally:
            self._in_flight.discard(task)

    async def _impact_job(self) -> None:
        """Refresh impacts when events changed or the inventory file did (checked every 30 s)."""
        loop = asyncio.get_running_loop()
        while True:  # changes, or a SIGHUP, that arrive during a refresh get one more round
            force, self._force_reload = self._force_reload, False
            reloaded = await loop.run_in_executor(self.db_executor, functools.partial(self.impacts.reload,
                                                                                      force=force))
            if not (reloaded or self._impacts_due):
                return
            self._impacts_due = False
            await loop.run_in_executor(self.db_executor, lambda: self.impacts.refresh(self.clock()))
            await self._notify_job()

    async def _notify_job(self) -> None:
        """Plan what the escalation ladder says is due, then send the outbox."""
        await asyncio.get_running_loop().run_in_executor(self.db_executor, self.notify_once)

    async def _drain_job(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self.db_executor, self.drain_once)

    def drain_once(self) -> int:
        """Send the outbox; a notification that failed for good opens an alert, sent at once."""
        now = self.clock()
        return runner.drain_and_alert(self.engine, self.sender, self.metrics, now=now,
                                      planning=functools.partial(self._planning, now))

    def notify_once(self, now: datetime | None = None) -> int:
        """Plan what the escalation ladder says is due (at `now`), then drain the outbox."""
        runner.plan_due(self.engine, self._planning(now or self.clock()))
        return self.drain_once()

    def _planning(self, now: datetime) -> runner.Planning:
        uses = self.impacts.inventory.uses if self.impacts.inventory else ()
        return runner.Planning(self.config, now, self.today(now), uses, self.impacts.catalog)

    def act(self, action: actions.Action, selector: actions.Selector, *, by: str, by_id: str | None = None,
            plan: str | None = None, target: date | None = None, until: date | None = None,
            note: str | None = None) -> actions.Outcome:
        """Acknowledge, snooze or resolve at the daemon's time, in one transaction (API, dashboard, Slack)."""
        now = self.clock()
        with session(self.engine) as db:
            outcome = actions.perform(db, action, selector, by=by, by_id=by_id, now=now, today=self.today(now),
                                      plan=plan, target=target, until=until, note=note,
                                      max_snooze_days=int(self.config.escalation.max_snooze // 86400))
            db.commit()
        return outcome

    def today(self, now: datetime | None = None) -> date:
        return (now or self.clock()).astimezone(self.zone).date()

    async def _stale_job(self) -> None:
        changes = await asyncio.get_running_loop().run_in_executor(self.db_executor, functools.partial(
            health.check_sources, self.engine, self.config, now=self.clock(), started_at=self.started_at))
        if changes:
            self.kick_impacts()
            self.poller.notifier.notify(changes)

    async def _silence_job(self) -> None:
        changes = await asyncio.get_running_loop().run_in_executor(self.db_executor, self.check_webhooks)
        if changes:
            self.kick_impacts()
            self.poller.notifier.notify(changes)

    def check_webhooks(self, now: datetime | None = None) -> list[Change]:
        """Open or close the `silent` alert of each webhook with `expect_every` (see `watchdog`)."""
        return watchdog.check_webhooks(self.engine, self.config.webhooks, now=now or self.clock(),
                                       started_at=self.started_at)

    async def _digest_job(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self.db_executor, self.send_digest)

    def send_digest(self) -> None:
        assert self.config.email is not None
        with session(self.engine) as db:
            # each recipient's failure is logged there, and does not stop the others
            sent = digest_mail.deliver(db, self.config, self.impacts.inventory, now=self.clock().astimezone(self.zone),
                                  path=str(self.config_path or "config"))
        for subject, to in sent:
            log.info("digest sent", extra={"to": to, "subject": subject})

    def _reload_inventory(self) -> None:
        log.info("SIGHUP: reloading the inventory")
        self._force_reload = True
        self.kick_impacts()

    def kick_impacts(self) -> None:
        """Events changed: refresh impacts and notify now rather than at the next 30-second tick."""
        self._impacts_due = True
        if self._kick is None or self._kick.done():
            self._kick = asyncio.ensure_future(self._impact_job())

    async def settle(self) -> None:
        """Wait until the impact refresh and notifications that changes kicked off are done."""
        while self._kick is not None and not self._kick.done():
            await asyncio.shield(self._kick)

    async def poll_once(self, names: list[str] | None = None) -> list[PollOutcome]:
        chosen = [s for s in self.config.sources if names is None or s.name in names]
        spends = [s for s in self.config.spend if names is None or s.name in names]
        return list(await asyncio.gather(*(self.poller.poll(s, force=True) for s in chosen),
                                         *(self.spend.poll(s, force=True) for s in spends)))

    async def stop(self) -> None:
        """Stop scheduling, let in-flight polls finish (bounded), then release everything."""
        self._stopping = True
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self._in_flight:
            log.info("waiting for in-flight polls", extra={"count": len(self._in_flight)})
            _, pending = await asyncio.wait(self._in_flight, timeout=SHUTDOWN_GRACE)
            for task in pending:
                task.cancel()
        await self.deliveries.stop()
        await self.mailboxes.stop()  # before the database executor their batches use closes
        if self._kick is not None and not self._kick.done():  # an impact refresh and its notifications
            await asyncio.wait([self._kick], timeout=SHUTDOWN_GRACE)
        await self.client.aclose()
        self.poller.close()
        self.db_executor.shutdown(wait=True)
        self.engine.dispose()
        log.info("daemon stopped")

    @property
    def scheduler_running(self) -> bool:
        return self.scheduler is not None and self.scheduler.running

    def database_ok(self) -> tuple[bool, str]:
        """Whether the database answers within seconds (PROBE_TIMEOUT) and takes writes: one that
        answers reads but whose last write failed, none committed since (locked, disk full), is down."""
        answers, detail = probe(self.engine)
        if not answers:
            return False, detail
        writes = write_log(self.engine)
        if writes.failing:
            return False, f"the last write failed: {writes.error}"
        return True, "ok"
