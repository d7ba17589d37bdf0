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
from sqlalchemy import JSON, Column, DateTime, Engine, LargeBinary, UniqueConstraint, event, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, Session, SQLModel, create_engine

from watcher.errors import StorageError

MIGRATIONS = Path(__file__).with_name("migrations")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, also on SQLite, which keeps no offset."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass UTC-aware times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _time(**kwargs: Any) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), **kwargs))


def _json(default: Any) -> Any:
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False))


class SourceState(SQLModel, table=True):
    __tablename__ = "source_state"
    name: str = Field(primary_key=True)
    kind: str
    provider: str
    health: str = "new"  # new | ok | failing | broken | suspicious | stale
    last_checked_at: datetime | None = _time()
    next_check_at: datetime | None = _time()
    last_ok_at: datetime | None = _time()
    last_error: str | None = None
    last_error_category: str | None = None
    last_error_at: datetime | None = _time()
    consecutive_failures: int = 0
    last_item_count: int | None = None


class SourceDocument(SQLModel, table=True):
    """HTTP cache state per fetched URL: one source (a Statuspage) may read several documents."""

    __tablename__ = "source_document"
    source: str = Field(primary_key=True, foreign_key="source_state.name")
    url: str = Field(primary_key=True)
    etag: str | None = None
    last_modified: str | None = None
    last_status: int | None = None
    item_count: int | None = None
    generator: str | None = None  # what served the document last time it was read
    fetched_at: datetime | None = _time()


class Event(SQLModel, table=True):
    __tablename__ = "event"
    __table_args__ = (UniqueConstraint("provider", "kind", "external_id", name="uq_event_key"),)
    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(index=True)
    kind: str = Field(index=True)
    external_id: str
    source: str
    title: str
    summary: str = ""
    url: str | None = None
    status: str | None = None
    severity: str = "info"
    published_at: datetime | None = _time()
    updated_at: datetime | None = _time()
    starts_at: datetime | None = _time()
    ends_at: datetime | None = _time()
    deadline: str | None = None
    deadline_precision: str | None = None
    deadline_earliest: bool = False
    replacement: str | None = None
    models: list[str] = _json(list)
    components: list[str] = _json(list)
    regions: list[str] = _json(list)
    updates: list[dict[str, Any]] = _json(list)
    extra: dict[str, Any] = _json(dict)
    revision: int = 1
    content_hash: str
    # The last content hash each source reported, so that two sources describing one incident
    # in their own words do not make a revision each time either of them is read.
    source_hashes: dict[str, str] = _json(dict)
    # Per source: first seen, last changed, and its own deadline/replacement/status (provenance).
    provenance: dict[str, Any] = _json(dict)
    baseline: bool = False
    first_seen_at: datetime | None = _time(nullable=False)
    last_seen_at: datetime | None = _time(nullable=False)


class EventRevision(SQLModel, table=True):
    __tablename__ = "event_revision"
    __table_args__ = (UniqueConstraint("event_id", "revision", name="uq_event_revision"),)
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True)
    revision: int
    source: str
    changed_at: datetime | None = _time(nullable=False)
    changes: dict[str, Any] = _json(dict)
    content_hash: str


class Delivery(SQLModel, table=True):
    """A webhook body as received: committed before the sender gets its 2xx, processed after."""

    __tablename__ = "delivery"
    __table_args__ = (UniqueConstraint("webhook", "delivery_id", name="uq_delivery"),)
    id: int | None = Field(default=None, primary_key=True)
    webhook: str = Field(index=True)
    delivery_id: str
    received_at: datetime | None = _time(nullable=False)
    headers: dict[str, str] = _json(dict)
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    state: str = Field(default="pending", index=True)  # pending | processed | failed
    error: str | None = None
    processed_at: datetime | None = _time()
    event_count: int = 0


class Impact(SQLModel, table=True):
    """An event meeting an inventory entry: why it matched, and what people did about it."""

    __tablename__ = "impact"
    __table_args__ = (UniqueConstraint("event_id", "use_key", name="uq_impact"),)
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True)
    use_key: str
    service: str = Field(index=True)
    owner: str = Field(index=True)
    platform: str
    model: str
    environment: str | None = None
    channel: str | None = None
    rule: str
    reason: str
    state: str = Field(default="open", index=True)  # open | acknowledged | snoozed | resolved
    snoozed_until: datetime | None = _time()
    state_by: str | None = None
    note: str | None = None
    resolved_reason: str | None = None
    created_at: datetime | None = _time(nullable=False)
    updated_at: datetime | None = _time(nullable=False)
    # Deprecations of one model on one platform (an alias and its dated snapshots) that hit one use
    # are one impact: `event_id` is the one whose date counts, `related` lists the others.
    group_key: str | None = None
    related: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False,
                                                                                server_default="[]"))
    plan: str | None = None  # acknowledged: what will be done
    target_date: str | None = None  # acknowledged: by when (YYYY-MM-DD)
    state_by_id: str | None = None  # a Slack user id, when the state was set from Slack
    state_at: datetime | None = _time()
    # What the event said when a human acknowledged or snoozed: a later change is news again.
    state_revision: int | None = None
    state_deadline: str | None = None
    state_replacement: str | None = None


class Outbox(SQLModel, table=True):
    """Every notification, before it is sent: the dedup key makes it happen once."""

    __tablename__ = "outbox"
    id: int | None = Field(default=None, primary_key=True)
    dedup_key: str = Field(unique=True)
    channel: str  # slack | console | email
    target: str  # Slack channel, e-mail address
    thread_key: str | None = Field(default=None, index=True)  # messages of one thread share it
    action: str = "post"  # post | reply | update
    payload: dict[str, Any] = _json(dict)
    state: str = Field(default="pending", index=True)  # pending | sent | failed
    attempts: int = 0
    next_attempt_at: datetime | None = _time()
    created_at: datetime | None = _time(nullable=False)
    sent_at: datetime | None = _time()
    error: str | None = None
    external_ref: str | None = None  # Slack ts
    priority: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # higher goes first
    silence_id: int | None = None  # state "suppressed": the silence that held it back


class Silence(SQLModel, table=True):
    """Like Alertmanager's: impacts whose labels match every matcher are planned but not sent."""

    __tablename__ = "silence"
    id: int | None = Field(default=None, primary_key=True)
    matchers: dict[str, str] = _json(dict)  # label -> value: team, service, platform, model, kind, ...
    ends_at: datetime | None = _time(nullable=False)
    created_by: str
    comment: str
    created_at: datetime | None = _time(nullable=False)
    expired_at: datetime | None = _time()
    expired_by: str | None = None


class Notice(SQLModel, table=True):
    """Which step of its ladder each impact has been told (or held back by a silence)."""

    __tablename__ = "notice"
    __table_args__ = (UniqueConstraint("impact_id", "step", name="uq_notice"),)
    id: int | None = Field(default=None, primary_key=True)
    impact_id: int = Field(foreign_key="impact.id", index=True)
    step: str
    outbox_key: str | None = None
    state: str  # sent | suppressed
    silence_id: int | None = None
    created_at: datetime | None = _time(nullable=False)


class SlackThread(SQLModel, table=True):
    __tablename__ = "slack_thread"
    thread_key: str = Field(primary_key=True)
    channel: str
    ts: str


def insert_ignore(session: Session, model: type[SQLModel], rows: list[dict[str, Any]], keys: list[str]) -> int:
    """Insert the rows whose unique `keys` are not taken yet (SQLite and PostgreSQL alike); returns
    how many were offered."""
    if not rows:
        return 0
    table = model.__table__  # type: ignore[attr-defined]
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
