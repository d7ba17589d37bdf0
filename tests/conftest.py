from __future__ import annotations

import logging
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.fake_provider import FakeProvider
from tests.fake_slack import FakeSlack
from watcher.config import Config, PollerConfig
from watcher.events.store import Change
from watcher.ingest.http import make_client
from watcher.ingest.poller import Poller
from watcher.metrics import Metrics
from watcher.storage.engine import open_database

PG_URL = os.environ.get("WATCHER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def fake_provider() -> Iterator[FakeProvider]:
    provider = FakeProvider()
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture(autouse=True)
def isolated_logging() -> Iterator[None]:
    """A command run in-process (`watcher poll`) sets up logging for the process: undo it after each
    test, so that no test reads another's log lines."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """A Slack-API-compatible server on loopback (slack-sdk's base_url points at it)."""
    server = FakeSlack()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'watcher.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A schema of its own on the real server, dropped afterwards."""
    schema = f"watcher_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_url"))


def write_config(path: Path, *, database_url: str, sources: str, port: int = 0, extra: str = "",
                 server: str = "") -> Path:
    path.write_text(
        f'[server]\nhost = "127.0.0.1"\nport = {port}\nreplica_name = "test"\n{server}\n'
        f'[database]\nurl = "{database_url}"\n\n'
        f'[poller]\ntimeout = "2s"\nmax_backoff = "10m"\n\n{extra}\n{sources}',
        encoding="utf-8",
    )
    return path


T0 = datetime(2026, 10, 7, 22, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Collect:
    def __init__(self) -> None:
        self.changes: list[Change] = []

    def notify(self, changes: list[Change]) -> None:
        self.changes.extend(changes)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def rig(sqlite_url: str, clock: Clock) -> AsyncIterator[tuple[Poller, Collect]]:
    config = Config(poller=PollerConfig(timeout=1.0, max_body_bytes=200_000, max_backoff=3600))
    engine = open_database(sqlite_url)
    client = make_client(timeout=1.0)
    notifier = Collect()
    poller = Poller(config=config, engine=engine, client=client, metrics=Metrics(), notifier=notifier,
                    clock=clock, rand=lambda: 0.5)
    yield poller, notifier
    poller.close()
    await client.aclose()
    engine.dispose()
