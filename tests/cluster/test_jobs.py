"""Once-per-cluster jobs (`job_run`) and the replica heartbeat, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from watcher.cluster import jobs, replicas
from watcher.storage.engine import open_database

T = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=30)


def test_a_period_runs_once_and_a_dead_runner_is_replaced_once(database_url: str) -> None:
    engine = open_database(database_url)
    try:
        assert jobs.claim(engine, "digest", T, replica="a", now=T, lease=LEASE, keep=True)
        assert not jobs.claim(engine, "digest", T, replica="b", now=T + timedelta(minutes=1), lease=LEASE, keep=True)
        # a never finished (it died): once its lease is over, one other replica takes the period over
        later = T + LEASE + timedelta(seconds=1)
        assert jobs.claim(engine, "digest", T, replica="b", now=later, lease=LEASE, keep=True)
        assert not jobs.claim(engine, "digest", T, replica="c", now=later, lease=LEASE, keep=True)
        jobs.finish(engine, "digest", T, now=later)
        assert not jobs.claim(engine, "digest", T, replica="c", now=T + timedelta(days=2), lease=LEASE, keep=True)
        assert jobs.last(engine, "digest") == (T, later)
        # the next period is a new row
        assert jobs.claim(engine, "digest", T + timedelta(days=7), replica="c", now=T + timedelta(days=7),
                          lease=LEASE, keep=True)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT period, replica, attempts FROM job_run ORDER BY period")).all()
        assert [(r.replica, r.attempts) for r in rows] == [("b", 2), ("c", 1)]
        # a frequent job's rows are pruned after a day; the digest's are its history
        for minute in range(3):
            jobs.claim(engine, "stale", T + timedelta(minutes=minute), replica="a", now=T + timedelta(minutes=minute),
                       lease=timedelta(minutes=1))
        jobs.claim(engine, "stale", T + timedelta(days=2), replica="a", now=T + timedelta(days=2),
                   lease=timedelta(minutes=1))
        with engine.connect() as connection:
            kept = connection.execute(text("SELECT job, count(*) FROM job_run GROUP BY job ORDER BY job")).all()
        assert [tuple(r) for r in kept] == [("digest", 2), ("stale", 1)]
    finally:
        engine.dispose()


def test_heartbeats_tell_who_polls_and_a_clean_stop_leaves(database_url: str, caplog) -> None:
    engine = open_database(database_url)
    alive = timedelta(seconds=30)
    try:
        a = replicas.Identity(name="a", role="full")
        b = replicas.Identity(name="b", role="full")
        intake = replicas.Identity(name="in", role="ingest")
        for me in (a, b, intake):
            replicas.beat(engine, me, now=T, started_at=T, alive=alive)
        seen = replicas.beat(engine, a, now=T + timedelta(seconds=20), started_at=T, alive=alive)
        assert [r.name for r in seen] == ["a", "b", "in"]
        assert replicas.pollers(seen, now=T + timedelta(seconds=20), alive=alive) == ("a", "b")
        # b stops beating: after three missed heartbeats it no longer polls; /healthz still lists it for a minute
        seen = replicas.beat(engine, a, now=T + timedelta(seconds=45), started_at=T, alive=alive)
        assert replicas.pollers(seen, now=T + timedelta(seconds=45), alive=alive) == ("a",)
        assert "b" in [r.name for r in seen]
        assert [r.name for r in replicas.seen(engine, now=T + timedelta(seconds=61))] == ["a"]
        # a second process under a's name is logged
        twin = replicas.Identity(name="a", role="full")
        replicas.beat(engine, twin, now=T + timedelta(seconds=46), started_at=T, alive=alive)
        assert "another process" in caplog.text and "runs as replica 'a'" in caplog.text
        replicas.leave(engine, a)  # not a's instance any more: the twin's row stays
        assert [r.name for r in replicas.seen(engine, now=T + timedelta(seconds=47))] == ["a", "b", "in"]
        replicas.leave(engine, twin)
        assert [r.name for r in replicas.seen(engine, now=T + timedelta(seconds=47))] == ["b", "in"]
    finally:
        engine.dispose()
