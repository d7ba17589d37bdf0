"""A source's schedule on its row: a poll the scheduler's jitter moved a little earlier is still the
poll of this interval (it used to be skipped, so sources were polled every one to two intervals)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from watcher.config import SourceConfig
from watcher.ingest import sources
from watcher.storage.engine import open_database

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
SOURCE = SourceConfig(name="feed", kind="feed", provider="openai", url="https://example.test/feed", interval=300)


def test_a_run_moved_earlier_by_the_jitter_still_polls(sqlite_url: str) -> None:
    engine = open_database(sqlite_url)
    with engine.begin() as connection:
        sources.ensure(connection, [SOURCE])
        assert sources.claim(connection, SOURCE, now=NOW, force=False) is not None  # first poll
        # the scheduler's next run, 30 s (its jitter) before the interval is up: still due
        early = NOW + timedelta(seconds=300 - sources.jitter(SOURCE))
        assert sources.jitter(SOURCE) == 30
        assert sources.claim(connection, SOURCE, now=early, force=False) is not None
        # a second run right after that one is not: the row says the next poll is an interval away
        assert sources.claim(connection, SOURCE, now=early + timedelta(seconds=5), force=False) is None
    engine.dispose()
