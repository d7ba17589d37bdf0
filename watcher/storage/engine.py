"""Tables, the engine and migrations. SQLite (WAL) by default; the same code runs on PostgreSQL.

The engine waits a bounded time for everything (a connection, a lock, a statement, a packet the
server never acknowledges) and keeps, per engine, the outcome of its last writes and a health probe
that answers within seconds even when the database does not (`write_log`, `probe`). Not pure: it
opens databases."""

from __future__ import annotations

import contextlib
import threading
import time
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, Table, event, inspect, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlmodel import Session, SQLModel, create_engine

from watcher.errors import StorageError

MIGRATIONS = Path(__file__).with_name("migrations")


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a table model (SQLModel sets `__table__` when it makes the class, but does not
    declare it): for statements that go around the ORM."""
    table = inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table


def insert_ignore(session: Session, model: type[SQLModel], rows: list[dict[str, Any]], keys: list[str]) -> int:
    """Insert the rows whose unique `keys` are not taken yet (SQLite and PostgreSQL alike); returns
    how many were offered."""
    if not rows:
        return 0
    table = table_of(model)
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(table).on_conflict_do_nothing(index_elements=keys), rows)
    return len(rows)


# How long a statement may wait for a lock (SQLite's busy timeout, PostgreSQL's lock_timeout) or for
# a free pooled connection. A person at the CLI can wait; the daemon answers webhooks and /healthz,
# whose callers give up after seconds, so it fails fast (a 503 the sender retries) instead.
LOCK_WAIT = 30.0
DAEMON_LOCK_WAIT = 5.0
# PostgreSQL, against a server that stops answering: a new connection gives up after CONNECT_TIMEOUT
# seconds; data the server's kernel does not acknowledge for TCP_USER_TIMEOUT ms (a blackholed host)
# drops the connection, and so do failed keepalives on an idle one; no statement runs past
# STATEMENT_TIMEOUT ms. Each can be overridden in the URL's query (`?connect_timeout=10`, `options=`).
CONNECT_TIMEOUT = 5
TCP_USER_TIMEOUT = 5000
STATEMENT_TIMEOUT = 60_000
# /healthz waits this long for the database's answer, whatever the driver's own timeouts are.
PROBE_TIMEOUT = 2.5
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "ALTER", "DROP")


@dataclass
class WriteLog:
    """When a write last committed, and the last write that failed (a database that answers reads
    may still refuse writes: locked, disk full, read-only)."""

    ok_at: datetime | None = None
    error: str | None = None
    error_at: datetime | None = None

    @property
    def failing(self) -> bool:
        """The last write failed and none has committed since."""
        return self.error_at is not None and (self.ok_at is None or self.error_at >= self.ok_at)


@dataclass
class _EngineHealth:
    writes: WriteLog = field(default_factory=WriteLog)
    lock: threading.Lock = field(default_factory=threading.Lock)
    probe: threading.Thread | None = None
    probe_started: float = 0.0
    probe_result: tuple[bool, str] = (False, "not asked yet")


_HEALTH: weakref.WeakKeyDictionary[Engine, _EngineHealth] = weakref.WeakKeyDictionary()


def _health(engine: Engine) -> _EngineHealth:
    return _HEALTH.setdefault(engine, _EngineHealth())


def write_log(engine: Engine) -> WriteLog:
    """The outcome of this engine's writes, as its event listeners saw them (see `_track_writes`)."""
    return _health(engine).writes


def reason(exc: BaseException) -> str:
    """A database error in one line, without the SQL or its parameters (a webhook's body is one)."""
    original = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    first = (str(original).strip().splitlines() or [""])[0]
    return f"{type(original).__name__}: {first}"[:300]


def probe(engine: Engine, timeout: float = PROBE_TIMEOUT) -> tuple[bool, str]:
    """Ask the database for `SELECT 1`, waiting at most `timeout` seconds. The asking happens on a
    thread of its own, one at a time: a database that never answers leaves one thread waiting on
    the driver's timeouts, not one per /healthz request."""
    state = _health(engine)

    def ask() -> None:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            state.probe_result = (False, reason(exc))
        else:
            state.probe_result = (True, "ok")

    with state.lock:
        if state.probe is None or not state.probe.is_alive():
            state.probe = threading.Thread(target=ask, name="watcher-db-probe", daemon=True)
            state.probe_started = time.monotonic()
            state.probe.start()
        thread, started = state.probe, state.probe_started
    thread.join(timeout)
    if thread.is_alive():
        return False, f"no answer within {timeout:g} s (asked {time.monotonic() - started:.0f} s ago)"
    return state.probe_result


def database_ok(engine: Engine) -> tuple[bool, str]:
    """Whether the database answers within seconds (PROBE_TIMEOUT) and takes writes: one that answers
    reads but whose last write failed, none committed since (locked, disk full), is down."""
    answers, detail = probe(engine)
    if not answers:
        return False, detail
    writes = write_log(engine)
    if writes.failing:
        return False, f"the last write failed: {writes.error}"
    return True, "ok"


def _track_writes(engine: Engine) -> None:
    """Note on each connection whether its transaction wrote; a commit of one that did is a write that
    succeeded once the connection moves on (its next transaction, or back to the pool), and a write
    statement or commit that raises is a write that failed."""
    writes = _health(engine).writes

    def succeeded(info: dict[Any, Any]) -> None:
        if info.pop("watcher_committing", False):
            writes.ok_at = datetime.now(UTC)

    @event.listens_for(engine, "after_cursor_execute")
    def _executed(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip()[:8].upper().startswith(_WRITES):
            connection.info["watcher_wrote"] = True

    @event.listens_for(engine, "commit")
    def _commit(connection: Any) -> None:
        if connection.info.pop("watcher_wrote", False):
            connection.info["watcher_committing"] = True

    @event.listens_for(engine, "rollback")
    def _rollback(connection: Any) -> None:
        connection.info.pop("watcher_wrote", None)

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        succeeded(connection.info)

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection: Any, record: Any) -> None:
        succeeded(record.info)

    @event.listens_for(engine, "handle_error")
    def _failed(context: Any) -> None:
        if isinstance(context.sqlalchemy_exception, IntegrityError):
            return  # a constraint doing its job (the callers expect it), not a database in trouble
        info: dict[Any, Any] = {}
        with contextlib.suppress(Exception):  # an invalidated connection may have no info to give
            info = context.connection.info if context.connection is not None else {}
        committing = info.pop("watcher_committing", False)
        if committing or (context.statement or "").lstrip()[:8].upper().startswith(_WRITES):
            info.pop("watcher_wrote", None)
            writes.error, writes.error_at = reason(context.original_exception), datetime.now(UTC)


def make_engine(url: str, *, lock_wait: float = LOCK_WAIT) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": lock_wait},
                               pool_timeout=lock_wait)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            # WAL lets the CLI read while the daemon writes; NORMAL is durable across process
            # crashes in WAL mode, which is the failure we design for.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(lock_wait * 1000)}")
            cursor.close()

        _track_writes(engine)
        return engine
    query = {key: value for key, value in parsed.query.items() if isinstance(value, str)}
    bounds = {"connect_timeout": CONNECT_TIMEOUT, "tcp_user_timeout": TCP_USER_TIMEOUT, "keepalives": 1,
              "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}
    connect_args: dict[str, Any] = {key: value for key, value in bounds.items() if key not in parsed.query}
    # Ours first: a `-c` the URL's own options give comes later and wins.
    connect_args["options"] = " ".join(filter(None, [f"-c statement_timeout={STATEMENT_TIMEOUT}",
                                                     f"-c lock_timeout={int(lock_wait * 1000)}",
                                                     query.get("options")]))
    engine = create_engine(url, pool_pre_ping=True, pool_timeout=lock_wait, connect_args=connect_args)
    _track_writes(engine)
    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (alembic); safe to run on every start."""
    alembic_config = AlembicConfig()
    alembic_config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Migrating may take long, and so may waiting for a replica that migrates: no bounds.
                connection.execute(text("SET LOCAL statement_timeout = 0"))
                connection.execute(text("SET LOCAL lock_timeout = 0"))
                # Several replicas may start at once: one migrates, the others wait for it.
                connection.execute(text("SELECT pg_advisory_xact_lock(727274)"))
            alembic_config.attributes["connection"] = connection
            command.upgrade(alembic_config, "head")
    except SQLAlchemyError as exc:
        raise StorageError(f"database {engine.url.render_as_string(hide_password=True)} cannot be opened or "
                           f"migrated: {reason(exc)}; check [database] url and that the database is up") from exc


def open_database(url: str, *, lock_wait: float = LOCK_WAIT) -> Engine:
    engine = make_engine(url, lock_wait=lock_wait)
    migrate(engine)
    return engine


def session(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)
