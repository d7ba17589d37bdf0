"""Jobs that run once per cluster, and work that runs one replica at a time.

`claim(job, period)` inserts the (job, period) row of `job_run`: the replica whose insert lands runs
the job, the others skip it; a row whose lease ran out unfinished (its replica died mid-run) is taken
over once more, so a crash costs at most one repeat, never a lost period. `finish` marks it done.
Rows of frequent jobs (a check every minute) are pruned after a day; a digest's rows are kept, they
are its history.

`serialised(session, name)` takes a PostgreSQL advisory lock for the rest of the transaction (keyed
by the schema and the name, so two deployments sharing a server never wait for each other); on
SQLite, one process with one database thread, there is nothing to wait for. Not pure: reads and
writes the database; the time is passed in."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from watcher.storage.engine import table_of
from watcher.storage.tables import utc
from watcher.storage.tables_cluster import JobRun

_run = table_of(JobRun)
KEEP = timedelta(days=1)  # rows of jobs that run more often than daily, kept this long


def claim(engine: Engine, job: str, period: datetime, *, replica: str, now: datetime, lease: timedelta,
          keep: bool = False) -> bool:
    """True when this replica is to run `job` for the period starting at `period`."""
    key = period.isoformat()
    with engine.begin() as connection:
        try:
            with connection.begin_nested():
                connection.execute(_run.insert().values(job=job, period=key, replica=replica, started_at=now,
                                                        lease_until=now + lease, attempts=1))
        except IntegrityError:
            taken = connection.execute(
                update(_run).where(_run.c.job == job, _run.c.period == key, _run.c.finished_at.is_(None),
                                   _run.c.lease_until < now)
                .values(replica=replica, started_at=now, lease_until=now + lease, attempts=_run.c.attempts + 1)
                .returning(_run.c.attempts)).first()
            return taken is not None
        if not keep:
            connection.execute(delete(_run).where(_run.c.job == job, _run.c.started_at < now - KEEP))
    return True


def finish(engine: Engine, job: str, period: datetime, *, now: datetime) -> None:
    with engine.begin() as connection:
        connection.execute(update(_run).where(_run.c.job == job, _run.c.period == period.isoformat())
                           .values(finished_at=now))


def last(engine: Engine, job: str) -> tuple[datetime, datetime | None] | None:
    """The latest period of `job` and when it finished (None: not finished)."""
    with engine.connect() as connection:
        row = connection.execute(select(_run.c.period, _run.c.finished_at).where(_run.c.job == job)
                                 .order_by(_run.c.period.desc()).limit(1)).first()
    if row is None:
        return None
    return datetime.fromisoformat(row.period), utc(row.finished_at)


def serialised(db: Session, name: str, *, patient: bool = False) -> None:
    """Wait for, then hold until the transaction ends, the cluster-wide lock `name` (PostgreSQL).
    `patient`: for a transaction that does nothing else (planning, an impact refresh), wait up to two
    minutes for the replica ahead rather than the usual lock wait."""
    if db.get_bind().dialect.name != "postgresql":
        return
    if patient:
        db.execute(text("SET LOCAL lock_timeout = '120s'"))
    db.execute(text("SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':' || :name))"),
               {"name": name})
