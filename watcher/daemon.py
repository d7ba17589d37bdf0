"""The long-running part: database, HTTP client, poller and APScheduler, started and stopped as one.

Several of these may share one PostgreSQL database (replicas): each writes a heartbeat, polls its share
of the sources (`cluster.replicas`), drains the outbox by claiming rows (`notify.outbox`), and runs the
periodic checks, the 10-minute escalation tick and the digest only when it claims that period
(`cluster.jobs`); planning and impact refreshes take turns under a lock. Alone on SQLite, the same
claims simply always succeed."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from watcher.cluster.member import Member, job_key
from watcher.config import Config, SourceConfig
from watcher.config import io as config_io
from watcher.config.account import SpendConfig
from watcher.events.store import Change
from watcher.ingest import health, schedule, watchdog
from watcher.ingest.deliveries import DeliveryProcessor
from watcher.ingest.http import make_client
from watcher.ingest.mailbox import MailboxReaders
from watcher.ingest.poller import Poller, PollOutcome, database_executor
from watcher.ingest.receiver import Receiver
from watcher.ingest.spend import SpendPoller, admin_keys
from watcher.inventory.service import ImpactService
from watcher.metrics import Metrics
from watcher.notify import actions, runner
from watcher.notify.console import ConsoleNotifier
from watcher.notify.digest_schedule import DigestSchedule
from watcher.notify.notifier import Notifier
from watcher.notify.outbox import Sender
from watcher.notify.slack import ConsoleSender, SlackSender
from watcher.storage.engine import DAEMON_LOCK_WAIT, database_ok, open_database

log = logging.getLogger("watcher.daemon")
T = TypeVar("T")

# Longest wait for in-flight polls at shutdown before they are cancelled.
SHUTDOWN_GRACE = 20.0
ESCALATION_TICK = 600.0  # seconds between plannings for the date-driven ladder steps


class Daemon:
    def __init__(self, config: Config, *, config_path: Path | None = None,
                 notifier: Notifier | None = None, clock: Callable[[], datetime] | None = None) -> None:
        self.config = config
        # Every decision that depends on the date asks this clock, so that tests can move it.
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.config_path = config_path
        self.metrics = Metrics()
        # Every secret the config names, read before anything starts; the same list `watcher check` reads.
        resolved = config_io.resolve_secrets(config, path=config_path or "config")
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
        self.member = Member(config, self.engine, self.metrics)  # this replica among the others
        self.digests = DigestSchedule(config, self.zone, self.engine, self.member.name,
                                      path=str(config_path or "config"), inventory=lambda: self.impacts.inventory)

    def start(self) -> None:
        """Schedule one job per enabled source, with staggered starts so they do not all fire at once."""
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        now = datetime.now(UTC)
        ingest_only = self.config.server.ingest_only
        next_checks = self.member.join([*map(job_key, self.config.sources), *map(job_key, self.config.spend)])
        def every(seconds: float, job: Callable[..., Any], *args: Any, at_start: bool = False, **options: Any) -> None:
            assert self.scheduler is not None
            trigger = options.pop("trigger", None) or IntervalTrigger(seconds=seconds)
            self.scheduler.add_job(job, trigger, args=list(args), max_instances=1, coalesce=True,
                                   **({"next_run_time": now} if at_start else {}), **options)

        every(self.config.server.heartbeat, self._heartbeat_job, id="heartbeat")
        if not ingest_only:
            schedule.add_poll_jobs(self.scheduler, self.config, self._poll_job, next_checks, now)
            every(30, self._impact_job, at_start=True, id="impacts")
            # Planning walks every open impact, so it runs when something changed (after a refresh)
            # and every 10 minutes for the date-driven steps; sending retries are due every 5 seconds.
            every(ESCALATION_TICK, self._escalation_job, at_start=True, id="escalation")
            every(5, self._db, self.drain_once, id="outbox")
            intervals = [s.interval for s in self.config.sources if s.enabled]
            if intervals:  # sources unread for three intervals, whatever the reason: looked at often enough
                stale_every = min(60.0, *intervals)
                every(stale_every, self._check_job, "stale", stale_every, self.check_sources, id="stale")
            if any(h.expect_every for h in self.config.webhooks):
                every(300, self._check_job, "silence", 300.0, self.check_webhooks, id="silence")
            if self.config.digest is not None and self.config.email is not None:
                every(0, self._db, self.digest_once, id="digest", trigger=self.digests.trigger(),
                      misfire_grace_time=6 * 3600)
                # a period missed while no replica ran (or one died sending it) is caught up once
                every(600, self._db, self.digest_once, at_start=True, id="digest-catch-up")
            with contextlib.suppress(NotImplementedError, RuntimeError):  # no signals off the main thread
                asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._reload_inventory)
        self.scheduler.start()
        if not ingest_only:
            self.deliveries.start()
            self.mailboxes.start()
        log.info("daemon started", extra={"sources": len(self.config.sources)})

    async def _poll_job(self, source: SourceConfig | SpendConfig) -> None:
        if self._stopping or not self.member.owns(source):
            return  # another replica polls it (the claim would refuse it anyway)
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
        await self._db(self.notify_once)

    async def _escalation_job(self) -> None:
        """The date-driven ladder steps: planned by one replica per tick."""
        if await self._once("escalation", ESCALATION_TICK):
            await self._notify_job()


    def drain_once(self) -> int:
        """Send what this replica can claim of the outbox; a notification that failed for good opens an
        alert, sent at once."""
        now = self.clock()
        return runner.drain_and_alert(self.engine, self.sender, self.metrics, now=now,
                                      planning=functools.partial(self._planning, now), replica=self.member.name,
                                      lease=timedelta(seconds=self.config.server.send_lease))

    async def _db(self, function: Callable[..., T], *args: object) -> T:
        """`function` on the database thread(s)."""
        return await asyncio.get_running_loop().run_in_executor(self.db_executor, function, *args)

    async def _once(self, job: str, every: float) -> bool:
        return await self._db(self.member.once, job, every)

    async def _heartbeat_job(self) -> None:
        gained = await self._db(self.member.beat)
        if gained and self.scheduler is not None:
            schedule.run_when_due(self.scheduler, gained, datetime.now(UTC))

    def notify_once(self, now: datetime | None = None) -> int:
        """Plan what the escalation ladder says is due (at `now`), then drain the outbox."""
        runner.plan_due(self.engine, self._planning(now or self.clock()))
        return self.drain_once()

    def _planning(self, now: datetime) -> runner.Planning:
        uses = self.impacts.inventory.uses if self.impacts.inventory else ()
        return runner.Planning(self.config, now, self.today(now), uses, self.impacts.catalog)

    def act(self, action: actions.Action, selector: actions.Selector, *, by: str, **details: Any) -> actions.Outcome:
        """Acknowledge, snooze or resolve at the daemon's time, in one transaction (API, dashboard, Slack):
        `details` are `actions.perform`'s (by_id, plan, target, until, note)."""
        now = self.clock()
        return actions.perform_committed(self.engine, action, selector, by=by, now=now, today=self.today(now),
                                         max_snooze_days=int(self.config.escalation.max_snooze // 86400), **details)

    def today(self, now: datetime | None = None) -> date:
        return (now or self.clock()).astimezone(self.zone).date()

    async def _check_job(self, job: str, every: float, check: Callable[[], list[Change]]) -> None:
        """A periodic check (stale sources, silent webhooks), on the one replica that claims the period."""
        if await self._once(job, every) and (changes := await self._db(check)):
            self.kick_impacts()
            self.poller.notifier.notify(changes)

    def check_sources(self) -> list[Change]:
        return health.check_sources(self.engine, self.config, now=self.clock(), started_at=self.started_at)

    def check_webhooks(self, now: datetime | None = None) -> list[Change]:
        """Open or close the `silent` alert of each webhook with `expect_every` (see `watchdog`)."""
        return watchdog.check_webhooks(self.engine, self.config.webhooks, now=now or self.clock(),
                                       started_at=self.started_at)

    def digest_period(self, now: datetime | None = None) -> datetime | None:
        return self.digests.latest_due(now or self.clock())

    def digest_once(self, now: datetime | None = None) -> bool:
        """Send the latest due digest unless a replica did (or is doing) it already; True if sent here."""
        return self.digests.send_once(now or self.clock(), self.clock)

    def send_digest(self) -> None:
        self.digests.send(self.clock())

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
        in_flight = set(self._in_flight)  # before any await: the cancelled jobs drop their polls from the set
        with contextlib.suppress(Exception):  # the others take this replica's sources at once
            await self._db(self.member.leave)
        if in_flight:
            log.info("waiting for in-flight polls", extra={"count": len(in_flight)})
            _, pending = await asyncio.wait(in_flight, timeout=SHUTDOWN_GRACE)
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
        return database_ok(self.engine)

