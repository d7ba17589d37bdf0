"""Replica heartbeats and the share of sources each replica polls.

Every `watcher run` writes its row in `replica` every `[server] heartbeat` seconds and deletes it on a
clean stop. The replicas seen within MISSED heartbeats that poll (not `ingest_only`) split the sources by
rendezvous hashing: each source belongs to the replica whose hash of (replica, source) is highest,
so a replica joining or leaving moves only its own share. Ownership only decides who tries first:
the poll itself is still claimed with an atomic update (`ingest.sources.claim`), so two replicas that
briefly disagree about who is alive never poll one source twice in an interval. Not pure: reads and
writes the `replica` table; the time is passed in."""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError

from watcher import __version__
from watcher.storage.engine import table_of
from watcher.storage.tables import utc
from watcher.storage.tables_cluster import Replica

log = logging.getLogger("watcher.cluster")
_replica = table_of(Replica)

MISSED = 3  # heartbeats a replica may miss before it is taken for dead and its sources go to the others
SEEN = timedelta(minutes=1)  # /healthz lists the replicas seen within this (or within MISSED beats if longer)


@dataclass(frozen=True)
class Identity:
    name: str
    role: str  # full | ingest
    instance: str = field(default_factory=lambda: uuid.uuid4().hex)
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)

    @classmethod
    def of(cls, name: str | None, *, ingest_only: bool) -> Identity:
        return cls(name=name or socket.gethostname(), role="ingest" if ingest_only else "full")


@dataclass(frozen=True)
class Seen:
    """A replica as its last heartbeat left it."""

    name: str
    instance: str
    host: str
    pid: int
    role: str
    version: str
    started_at: datetime
    seen_at: datetime

    def view(self, now: datetime) -> dict[str, object]:
        return {"name": self.name, "host": self.host, "pid": self.pid, "role": self.role, "version": self.version,
                "started_at": self.started_at.isoformat(), "seen_at": self.seen_at.isoformat(),
                "seen_seconds_ago": round((now - self.seen_at).total_seconds(), 1)}


def beat(engine: Engine, me: Identity, *, now: datetime, started_at: datetime, alive: timedelta) -> list[Seen]:
    """Write this replica's heartbeat; returns every replica seen lately (this one too, see `seen`).
    Another process that beat under the same name within `alive` is logged: both act as one replica
    for the share of sources, so the sources are still polled, but not spread."""
    values = {"instance": me.instance, "host": me.host, "pid": me.pid, "role": me.role, "version": __version__,
              "started_at": started_at, "seen_at": now}
    with engine.begin() as connection:
        before = connection.execute(select(_replica.c.instance, _replica.c.seen_at, _replica.c.host,
                                           _replica.c.pid).where(_replica.c.name == me.name)).first()
        if before is None:
            try:
                with connection.begin_nested():
                    connection.execute(_replica.insert().values(name=me.name, **values))
            except IntegrityError:  # two processes with one name started in the same instant
                before = None
                connection.execute(update(_replica).where(_replica.c.name == me.name).values(**values))
        else:
            seen_at = utc(before.seen_at)
            if before.instance != me.instance and seen_at is not None and now - seen_at < alive:
                log.warning("another process (pid %s on %s) runs as replica %r: give each replica its own "
                            "[server] replica_name", before.pid, before.host, me.name)
            connection.execute(update(_replica).where(_replica.c.name == me.name).values(**values))
        rows = connection.execute(select(_replica).where(
            _replica.c.seen_at >= now - max(SEEN, alive)).order_by(_replica.c.name)).all()
    return [Seen(r.name, r.instance, r.host, r.pid, r.role, r.version, utc(r.started_at) or now,
                 utc(r.seen_at) or now) for r in rows]


def leave(engine: Engine, me: Identity) -> None:
    """A clean stop: the others take this replica's sources at their next heartbeat, not after ALIVE."""
    with engine.begin() as connection:
        connection.execute(delete(_replica).where(_replica.c.name == me.name, _replica.c.instance == me.instance))


def seen(engine: Engine, *, now: datetime, alive: timedelta = SEEN) -> list[Seen]:
    """The replicas whose heartbeat is under a minute old (or under `alive`, if that is longer)."""
    with engine.connect() as connection:
        rows = connection.execute(select(_replica).where(
            _replica.c.seen_at >= now - max(SEEN, alive)).order_by(_replica.c.name)).all()
    return [Seen(r.name, r.instance, r.host, r.pid, r.role, r.version, utc(r.started_at) or now,
                 utc(r.seen_at) or now) for r in rows]


def pollers(replicas: Iterable[Seen], *, now: datetime, alive: timedelta) -> tuple[str, ...]:
    """The names of the replicas that share the sources: seen within `alive`, and polling."""
    return tuple(sorted({r.name for r in replicas if r.role == "full" and now - r.seen_at <= alive}))


def _score(replica: str, key: str) -> int:
    return int.from_bytes(hashlib.blake2b(f"{replica}\0{key}".encode(), digest_size=8).digest(), "big")


def owner(key: str, replicas: Sequence[str]) -> str | None:
    """The replica that polls `key` (rendezvous hashing), None when no replica is known."""
    return max(replicas, key=lambda name: _score(name, key)) if replicas else None


@dataclass
class Share:
    """This replica's view of who polls what, refreshed at each heartbeat."""

    me: str
    replicas: tuple[str, ...] = ()

    def owns(self, key: str) -> bool:
        # Before the first heartbeat is read, or if this replica is missing from its own view (its
        # heartbeat failed), poll everything: the atomic claim keeps it to once per interval.
        if self.me not in self.replicas:
            return True
        return owner(key, self.replicas) == self.me

    def update(self, replicas: tuple[str, ...], keys: Sequence[str]) -> list[str]:
        """Take a new view; returns the keys this replica polls now and did not before."""
        before = {key for key in keys if self.owns(key)} if self.me in self.replicas else None
        self.replicas = replicas
        if before is None:
            return []
        return [key for key in keys if key not in before and self.owns(key)]
