"""When each source's poll job runs: one APScheduler job per enabled source (and `[[spend]]` entry),
every interval with jitter, first run when the source is next due (`source_state.next_check_at`, as
the last poll on any replica set it) so that a restart or a take-over keeps each source's cadence,
or within `min(interval, 5)` s when due already (staggered, not all at once). Not pure: adds jobs to
the scheduler it is given."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from watcher.cluster.member import job_key
from watcher.config import Config, SourceConfig
from watcher.config.account import SpendConfig
from watcher.ingest import sources


def first_run(due: datetime | None, interval: float, now: datetime) -> datetime:
    if due is not None and due > now:
        return due + timedelta(seconds=random.uniform(0, 0.5))
    return now + timedelta(seconds=random.uniform(0, min(interval, 5.0)))


def add_poll_jobs(scheduler: AsyncIOScheduler, config: Config,
                  job: Callable[[SourceConfig | SpendConfig], Awaitable[None]],
                  next_checks: dict[str, datetime | None], now: datetime) -> None:
    for source in config.sources:
        if source.enabled:
            scheduler.add_job(
                job, IntervalTrigger(seconds=source.interval, jitter=sources.jitter(source)), args=[source],
                id=job_key(source), name=f"poll {source.name}", max_instances=1, coalesce=True,
                misfire_grace_time=int(source.interval),
                next_run_time=first_run(next_checks.get(job_key(source)), source.interval, now))
    for spend in config.spend:  # read like sources, on their own interval
        scheduler.add_job(
            job, IntervalTrigger(seconds=spend.interval, jitter=min(spend.interval * 0.1, 60.0)), args=[spend],
            id=job_key(spend), name=f"spend {spend.name}", max_instances=1, coalesce=True,
            misfire_grace_time=int(spend.interval),
            next_run_time=first_run(next_checks.get(job_key(spend)), spend.interval, now))


def run_when_due(scheduler: AsyncIOScheduler, gained: dict[str, datetime | None], now: datetime) -> None:
    """Jobs taken over from a replica that left or died run when their source is due, so that its
    cadence goes on rather than restarting an interval from now."""
    for key, due in gained.items():
        job = scheduler.get_job(key)
        if job is not None and job.next_run_time is not None:
            job.modify(next_run_time=max(now, due or now) + timedelta(seconds=random.uniform(0, 0.5)))
