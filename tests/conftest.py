from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.fake_provider import FakeProvider

PG_URL = os.environ.get("WATCHER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def fake_provider() -> Iterator[FakeProvider]:
    provider = FakeProvider()
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()


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


def write_config(path: Path, *, database_url: str, sources: str, port: int = 0, extra: str = "") -> Path:
    path.write_text(
        f'[server]\nhost = "127.0.0.1"\nport = {port}\n\n[database]\nurl = "{database_url}"\n\n'
        f'[poller]\ntimeout = "2s"\nmax_backoff = "10m"\n\n{extra}\n{sources}',
        encoding="utf-8",
    )
    return path
