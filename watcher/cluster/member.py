"""This process as one replica of the cluster: its identity, its heartbeat and view of the others,
the share of the sources it polls, and its claims on once-per-cluster periods. The daemon calls these
from its jobs on the database thread (`watcher/daemon.py`). Not pure: reads and writes `replica`,
`job_run` and `source_state`."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from watcher.cluster import jobs, replicas
from watcher.config import Config, SourceConfig
from watcher.config.account import SpendConfig
from watcher.ingest import sources
from watcher.metrics import Metrics

log = logging.getLogger("watcher.cluster")


def job_key(source: SourceConfig | SpendConfig) -> str:
    """The scheduler job of a source, and its key in the replicas' share."""
    return f"poll:{source.name}" if isinstance(source, SourceConfig) else f"spend:{source.name}"


class Member:
    def __init__(self, config: Config, engine: Engine, metrics: Metrics) -> None:
        self.config = config
        self.engine = engine
        self.metrics = metrics
        self.identity = replicas.Identity.of(config.server.replica_name, ingest_only=config.server.ingest_only)
        self.share = replicas.Share(self.identity.name)
        self.seen: list[replicas.Seen] = []
        self.started = datetime.now(UTC)  # wall time: heartbeats are compared across hosts

    @property
    def name(self) -> str:
        return self.identity.name

    @property
    def alive(self) -> timedelta:
        """A replica unseen for longer is taken for dead."""
        return timedelta(seconds=self.config.server.heartbeat * replicas.MISSED)

    def keys(self) -> list[str]:
        return [job_key(s) for s in self.config.sources if s.enabled] + [job_key(s) for s in self.config.spend]

    def owns(self, source: SourceConfig | SpendConfig) -> bool:
        return self.share.owns(job_key(source))

    def join(self, keys: list[str]) -> dict[str, datetime | None]:
        """The first heartbeat, before the first poll (seen by the others, and seeing them); returns
        when each of these jobs' sources is next due, {} when the database does not answer (/healthz
        says so, and the heartbeat job tries again)."""
        try:
            self.beat()
            return self.next_checks(keys)
        except Exception:
            log.exception("first heartbeat failed")
            return {}

    def beat(self) -> dict[str, datetime | None]:
        """Write the heartbeat and take the new view of who polls; returns the jobs this replica took
        over (a replica left or died), each with when its source is next due."""
        now = datetime.now(UTC)
        self.seen = replicas.beat(self.engine, self.identity, now=now, started_at=self.started, alive=self.alive)
        for role in ("full", "ingest"):
            self.metrics.replicas.labels(role=role).set(sum(r.role == role for r in self.seen))
        polling = replicas.pollers(self.seen, now=now, alive=self.alive)
        keys = self.keys()
        if polling != self.share.replicas:
            mine = sum(replicas.owner(key, polling) == self.name for key in keys)
            log.info("replicas polling: %s; this one polls %d of %d sources", ", ".join(polling) or "none",
                     mine, len(keys), extra={"replica": self.name})
        return self.next_checks(self.share.update(polling, keys))

    def next_checks(self, keys: list[str]) -> dict[str, datetime | None]:
        """When each of these jobs' sources is next due, as the last poll (on any replica) set it."""
        names = {key.split(":", 1)[1]: key for key in keys}
        if not names:
            return {}
        found = sources.next_checks(self.engine, list(names))
        return {key: found.get(name) for name, key in names.items()}

    def once(self, job: str, every: float) -> bool:
        """Whether this replica runs `job` for the current period of `every` seconds (the first to ask)."""
        now = datetime.now(UTC)
        period = datetime.fromtimestamp(now.timestamp() // every * every, UTC)
        return jobs.claim(self.engine, job, period, replica=self.name, now=now, lease=timedelta(seconds=every))

    def leave(self) -> None:
        replicas.leave(self.engine, self.identity)
