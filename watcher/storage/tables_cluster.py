"""The tables several replicas coordinate through: who is alive (`replica`, a heartbeat each) and
which once-per-cluster job ran for which period (`job_run`). On SQLite, with its single process,
they still record what ran: a digest missed while the daemon was down is caught up from them."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from watcher.storage.tables import _time


class Replica(SQLModel, table=True):
    """One `watcher run` process, as its last heartbeat left it; a clean stop deletes the row."""

    __tablename__ = "replica"
    name: str = Field(primary_key=True)  # [server] replica_name, the host name by default
    instance: str  # new at every start: two processes under one name are told apart by it
    host: str
    pid: int
    role: str  # full | ingest (ingest_only: stores webhooks, polls and sends nothing)
    version: str
    started_at: datetime | None = _time(nullable=False)
    seen_at: datetime | None = _time(nullable=False)


class JobRun(SQLModel, table=True):
    """A job that must run once per cluster and period (the digest of a week, the staleness check of a
    minute): the replica that inserts the row runs it; one whose lease ran out unfinished (its replica
    died) may be taken over."""

    __tablename__ = "job_run"
    job: str = Field(primary_key=True)
    period: str = Field(primary_key=True)  # ISO time the period starts at
    replica: str
    started_at: datetime | None = _time(nullable=False)
    lease_until: datetime | None = _time(nullable=False)
    finished_at: datetime | None = _time()
    attempts: int = 1
