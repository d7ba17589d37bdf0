"""The tables, as SQLModel classes: what is stored and the shape migrations keep it in.
Times are timezone-aware UTC in and out, also on SQLite."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, LargeBinary, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


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
    resolved_reason: str | None = None  # in words, for people
    resolved_by: str | None = None  # inventory | incident | person: what decisions read
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
    # The replica sending it and until when: another replica takes a pending row only once the lease
    # ran out (its sender died mid-send), so each row is sent by one replica at a time.
    claimed_by: str | None = None
    lease_until: datetime | None = _time()


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


def utc(value: datetime | None) -> datetime | None:
    """A time read back outside a column's type (an aggregate such as MAX): naive from SQLite means
    UTC; aware from PostgreSQL is in the session's zone and is converted, never relabelled."""
    return UTCDateTime().process_result_value(value, None)


from watcher.storage import tables_cluster, tables_mail, tables_spend  # noqa: E402,F401  (their tables join the same metadata)
