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
import random
import signal
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from watcher.cluster import jobs, replicas
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
ESCALATION_TICK = 600.0  # seconds between plannings for the date-driven ladder steps
DIGEST_LEASE = timedelta(minutes=30)  # a digest run left unfinished this long (its replica died) is redone
# A digest missed while the daemon was down is sent when it comes back (the latest missed period, once);
# on a database that never sent one, only if it was due within this long (a new install is not greeted
# with last week's digest).
FIRST_DIGEST_GRACE = timedelta(hours=6)


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
        self.identity = replicas.Identity.of(config.server.replica_name, ingest_only=config.server.ingest_only)
        self.share = replicas.Share(self.identity.name)
        self.replicas_seen: list[replicas.Seen] = []
        self._wall_started = datetime.now(UTC)
        self._digest_skipped: datetime | None = None
        self._stale_every = 60.0

    def start(self) -> None:
        """Schedule one job per enabled source, with staggered starts so they do not all fire at once."""
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        now = datetime.now(UTC)
        ingest_only = self.config.server.ingest_only
        next_checks: dict[str, datetime | None] = {}
        try:
            self._beat()  # seen by the others, and sees them, before the first poll
            next_checks = self._next_checks([*map(_key, self.config.sources), *map(_key, self.config.spend)])
        except Exception:  # the database is down: /healthz says so, and the heartbeat job tries again
            log.exception("first heartbeat failed")
        self.scheduler.add_job(self._heartbeat_job, IntervalTrigger(seconds=self.config.server.heartbeat),
                               id="heartbeat", name="heartbeat", max_instances=1, coalesce=True)

        def first_run(key: str, interval: float) -> datetime:
            # When the source is next due (a restart keeps each source's cadence), staggered when due now.
            due = next_checks.get(key)
            if due is not None and due > now:
                return due + timedelta(seconds=random.uniform(0, 0.5))
            return now + timedelta(seconds=random.uniform(0, min(interval, 5.0)))
        for source in self.config.sources:
            if not source.enabled or ingest_only:
                continue
            self.scheduler.add_job(
                self._poll_job, IntervalTrigger(seconds=source.interval, jitter=sources.jitter(source)),
                args=[source], id=_key(source), name=f"poll {source.name}",
                max_instances=1, coalesce=True, misfire_grace_time=int(source.interval),
                next_run_time=first_run(_key(source), source.interval),
            )
        for spend in [] if ingest_only else self.config.spend:  # read like sources, on their own interval
            self.scheduler.add_job(
                self._poll_job, IntervalTrigger(seconds=spend.interval, jitter=min(spend.interval * 0.1, 60.0)),
                args=[spend], id=_key(spend), name=f"spend {spend.name}", max_instances=1, coalesce=True,
                misfire_grace_time=int(spend.interval), next_run_time=first_run(_key(spend), spend.interval))
        if not ingest_only:
            self.scheduler.add_job(self._impact_job, IntervalTrigger(seconds=30), id="impacts", name="impacts",
                                   max_instances=1, coalesce=True, next_run_time=now)
            # Planning walks every open impact, so it runs when something changed (after a refresh)
            # and every 10 minutes for the date-driven steps; sending retries are due every 5 seconds.
            self.scheduler.add_job(self._escalation_job, IntervalTrigger(seconds=ESCALATION_TICK), id="escalation",
                                   name="escalation", max_instances=1, coalesce=True, next_run_time=now)
            self.scheduler.add_job(self._drain_job, IntervalTrigger(seconds=5), id="outbox", name="outbox",
                                   max_instances=1, coalesce=True)
            intervals = [s.interval for s in self.config.sources if s.enabled]
            if intervals:  # sources unread for three intervals, whatever the reason: looked at often enough
                self._stale_every = min(60.0, *intervals)
                self.scheduler.add_job(self._stale_job, IntervalTrigger(seconds=self._stale_every), id="stale",
                                       name="stale sources", max_instances=1, coalesce=True)
            if any(h.expect_every for h in self.config.webhooks):
                self.scheduler.add_job(self._silence_job, IntervalTrigger(minutes=5), id="silence",
                                       name="silent webhooks", max_instances=1, coalesce=True)
            if self.config.digest is not None and self.config.email is not None:
                self.scheduler.add_job(self._digest_job, CronTrigger(**self.config.digest.cron(), timezone=self.zone),
                                       id="digest", name="weekly digest", max_instances=1, coalesce=True,
                                       misfire_grace_time=6 * 3600)
                # a period missed while no replica ran (or one died sending it) is caught up once
                self.scheduler.add_job(self._digest_job, IntervalTrigger(minutes=10), id="digest-catch-up",
                                       name="digest catch-up", max_instances=1, coalesce=True, next_run_time=now)
            with contextlib.suppress(NotImplementedError, RuntimeError):  # no signals off the main thread
                asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._reload_inventory)
        self.scheduler.start()
        if not ingest_only:
            self.deliveries.start()
            self.mailboxes.start()
        log.info("daemon started", extra={"sources": len(self.config.sources)})

    async def _poll_job(self, source: SourceConfig | SpendConfig) -> None:
        if self._stopping or not self.share.owns(_key(source)):
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
        await asyncio.get_running_loop().run_in_executor(self.db_executor, self.notify_once)

    async def _escalation_job(self) -> None:
        """The date-driven ladder steps: planned by one replica per tick."""
        if await self._once("escalation", ESCALATION_TICK):
            await self._notify_job()

    async def _drain_job(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self.db_executor, self.drain_once)

    def drain_once(self) -> int:
        """Send what this replica can claim of the outbox; a notification that failed for good opens an
        alert, sent at once."""
        now = self.clock()
        return runner.drain_and_alert(self.engine, self.sender, self.metrics, now=now,
                                      planning=functools.partial(self._planning, now), replica=self.identity.name,
                                      lease=timedelta(seconds=self.config.server.send_lease))

    async def _once(self, job: str, every: float) -> bool:
        """Whether this replica runs `job` for the current period of `every` seconds (the first to ask)."""
        now = datetime.now(UTC)
        period = datetime.fromtimestamp(now.timestamp() // every * every, UTC)
        return await asyncio.get_running_loop().run_in_executor(self.db_executor, functools.partial(
            jobs.claim, self.engine, job, period, replica=self.identity.name, now=now,
            lease=timedelta(seconds=every)))

    @property
    def alive(self) -> timedelta:
        """A replica unseen for longer is taken for dead."""
        return timedelta(seconds=self.config.server.heartbeat * replicas.MISSED)

    def _beat(self) -> dict[str, datetime | None]:
        """Write the heartbeat and take the new view of who polls; returns the jobs this replica took
        over (a replica left or died), each with when its source is next due."""
        now = datetime.now(UTC)
        self.replicas_seen = replicas.beat(self.engine, self.identity, now=now, started_at=self._wall_started,
                                           alive=self.alive)
        for role in ("full", "ingest"):
            self.metrics.replicas.labels(role=role).set(sum(r.role == role for r in self.replicas_seen))
        polling = replicas.pollers(self.replicas_seen, now=now, alive=self.alive)
        keys = [_key(s) for s in self.config.sources if s.enabled] + [_key(s) for s in self.config.spend]
        if polling != self.share.replicas:
            mine = sum(replicas.owner(key, polling) == self.identity.name for key in keys)
            log.info("replicas polling: %s; this one polls %d of %d sources", ", ".join(polling) or "none",
                     mine, len(keys), extra={"replica": self.identity.name})
        return self._next_checks(self.share.update(polling, keys))

    def _next_checks(self, keys: list[str]) -> dict[str, datetime | None]:
        """When each of these jobs' sources is next due, as the last poll (on any replica) set it."""
        names = {key.split(":", 1)[1]: key for key in keys}
        if not names:
            return {}
        found = sources.next_checks(self.engine, list(names))
        return {key: found.get(name) for name, key in names.items()}

    async def _heartbeat_job(self) -> None:
        gained = await asyncio.get_running_loop().run_in_executor(self.db_executor, self._beat)
        if gained and self.scheduler is not None:
            # Taken over from a replica that left or died: run when the source is due, so that its
            # cadence goes on rather than restarting an interval from now.
            now = datetime.now(UTC)
            for key, due in gained.items():
                job = self.scheduler.get_job(key)
                if job is not None and job.next_run_time is not None:
                    job.modify(next_run_time=max(now, due or now) + timedelta(seconds=random.uniform(0, 0.5)))

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
        if not await self._once("stale", self._stale_every):
            return
        changes = await asyncio.get_running_loop().run_in_executor(self.db_executor, functools.partial(
            health.check_sources, self.engine, self.config, now=self.clock(), started_at=self.started_at))
        if changes:
            self.kick_impacts()
            self.poller.notifier.notify(changes)

    async def _silence_job(self) -> None:
        if not await self._once("silence", 300.0):
            return
        changes = await asyncio.get_running_loop().run_in_executor(self.db_executor, self.check_webhooks)
        if changes:
            self.kick_impacts()
            self.poller.notifier.notify(changes)

    def check_webhooks(self, now: datetime | None = None) -> list[Change]:
        """Open or close the `silent` alert of each webhook with `expect_every` (see `watchdog`)."""
        return watchdog.check_webhooks(self.engine, self.config.webhooks, now=now or self.clock(),
                                       started_at=self.started_at)

    async def _digest_job(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self.db_executor, self.digest_once)

    def digest_period(self, now: datetime | None = None) -> datetime | None:
        """When the latest digest was due (at or before `now`), in the digest's zone."""
        if self.config.digest is None:
            return None
        now = (now or self.clock()).astimezone(self.zone)
        trigger = CronTrigger(**self.config.digest.cron(), timezone=self.zone)
        due, probe = None, trigger.get_next_fire_time(None, now - timedelta(days=8))
        while probe is not None and probe <= now:
            due, probe = probe, trigger.get_next_fire_time(probe, probe + timedelta(minutes=1))
        return due

    def digest_once(self, now: datetime | None = None) -> bool:
        """Send the latest due digest unless a replica did (or is doing) it already; True if sent here."""
        now = now or self.clock()
        period = self.digest_period(now)
        if period is None or self.config.email is None:
            return False
        if now - period > FIRST_DIGEST_GRACE and jobs.last(self.engine, "digest") is None:
            if self._digest_skipped != period:
                self._digest_skipped = period
                log.info("no digest sent yet: the first goes out at the next scheduled time",
                         extra={"missed": period.isoformat()})
            return False
        if not jobs.claim(self.engine, "digest", period, replica=self.identity.name, now=now, lease=DIGEST_LEASE,
                          keep=True):
            return False
        if now - period > timedelta(minutes=1):
            log.info("sending a digest that was due while no replica could", extra={"due": period.isoformat()})
        self.send_digest()
        jobs.finish(self.engine, "digest", period, now=self.clock())
        return True

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
        with contextlib.suppress(Exception):  # the others take this replica's sources at once
            await asyncio.get_running_loop().run_in_executor(self.db_executor, replicas.leave, self.engine,
                                                             self.identity)
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


def _key(source: SourceConfig | SpendConfig) -> str:
    """The scheduler job of a source, and its key in the replicas' share."""
    return f"poll:{source.name}" if isinstance(source, SourceConfig) else f"spend:{source.name}"
