"""When the digest is due, and sending each period's digest once across replicas and downtime: the
replica that claims the (digest, period) row of `job_run` sends it; the latest period missed while no
replica ran is sent when one comes back (on a database that never sent a digest, only if it was due
within FIRST_DIGEST_GRACE, so that a new install is not greeted with last week's digest). Not pure:
reads and writes `job_run`, renders and sends the mail."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine

from watcher.cluster import jobs
from watcher.config import Config
from watcher.inventory.uses import Inventory
from watcher.notify import digest_mail
from watcher.storage.engine import session

log = logging.getLogger("watcher.notify.digest")
JOB = "digest"
LEASE = timedelta(minutes=30)  # a digest run left unfinished this long (its replica died) is redone
FIRST_DIGEST_GRACE = timedelta(hours=6)


class DigestSchedule:
    def __init__(self, config: Config, zone: tzinfo, engine: Engine, replica: str, *, path: str,
                 inventory: Callable[[], Inventory | None]) -> None:
        self.config = config
        self.digest = config.digest
        self.zone = zone
        self.engine = engine
        self.replica = replica
        self.path = path  # the config file, named in the digest's errors
        self.inventory = inventory
        self._skipped: datetime | None = None

    def send(self, now: datetime) -> None:
        """Send the digest now (each recipient's failure is logged by `deliver` and stops no other)."""
        with session(self.engine) as db:
            sent = digest_mail.deliver(db, self.config, self.inventory(), now=now.astimezone(self.zone), path=self.path)
        for subject, to in sent:
            log.info("digest sent", extra={"to": to, "subject": subject})

    def trigger(self) -> CronTrigger | None:
        return CronTrigger(**self.digest.cron(), timezone=self.zone) if self.digest else None

    def latest_due(self, now: datetime) -> datetime | None:
        """When the latest digest was due (at or before `now`), in the digest's zone."""
        trigger = self.trigger()
        if trigger is None:
            return None
        now = now.astimezone(self.zone)
        due, probe = None, trigger.get_next_fire_time(None, now - timedelta(days=8))
        while probe is not None and probe <= now:
            due, probe = probe, trigger.get_next_fire_time(probe, probe + timedelta(minutes=1))
        return due

    def send_once(self, now: datetime, clock: Callable[[], datetime]) -> bool:
        """Send the latest due digest unless a replica did (or is doing) it already; True if sent here."""
        period = self.latest_due(now)
        if period is None or self.config.email is None:
            return False
        if now - period > FIRST_DIGEST_GRACE and jobs.last(self.engine, JOB) is None:
            if self._skipped != period:
                self._skipped = period
                log.info("no digest sent yet: the first goes out at the next scheduled time",
                         extra={"missed": period.isoformat()})
            return False
        if not jobs.claim(self.engine, JOB, period, replica=self.replica, now=now, lease=LEASE, keep=True):
            return False
        if now - period > timedelta(minutes=1):
            log.info("sending a digest that was due while no replica could", extra={"due": period.isoformat()})
        self.send(clock())
        jobs.finish(self.engine, JOB, period, now=clock())
        return True
