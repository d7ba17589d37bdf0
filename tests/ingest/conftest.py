"""Fixtures of the ingest tests: a Dovecot IMAP server on loopback, a database, the database thread."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine

from tests.mail_server import Dovecot, running
from watcher.storage.engine import open_database


@pytest.fixture
def server() -> Iterator[Dovecot]:
    yield from running()


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    opened = open_database(sqlite_url)
    yield opened
    opened.dispose()


@pytest.fixture
def executor() -> Iterator[ThreadPoolExecutor]:
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-db")
    yield pool
    pool.shutdown(wait=True)
