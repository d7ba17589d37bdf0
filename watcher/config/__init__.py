"""The TOML config as pydantic models: unknown keys refused, durations read as seconds, and errors
that say the fix. Reading the file and the secrets it names is in watcher.config.io.

Pure (a time zone is checked against the system's tz database)."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.contract.protocols import Hints
from watcher.config.account import MailboxConfig, SpendConfig
from watcher.config.values import Duration, Interval, Slug, parse_duration
from watcher.errors import ConfigError
from watcher.notify.escalation import Policy


def _deadline(value: float) -> float:
    if value < 1:
        raise ValueError('give a fetch at least a second (deadline >= "1s"); it bounds the whole fetch, '
                         "redirects and body included")
    return value


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServerConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8787, ge=0, le=65535)
    public_url: str | None = None
    # Accept and store webhooks only; polling and processing are left to another replica.
    ingest_only: bool = False
    # Bearer token for the JSON API's changes (ack, snooze, resolve); without it the API is read-only.
    api_token_env: str | None = None
    # The dashboard's protection: a token (Bearer, ?token= or cookie) or "user:password" for basic auth.
    # Without it the dashboard is shown read-only (the server listens on 127.0.0.1 by default).
    dashboard_auth_env: str | None = None
    read_only: bool = False
    # /metrics without the dashboard's auth, for Prometheus scrapers that cannot send a token.
    metrics_public: bool = False
    # This process among several on one PostgreSQL database (/healthz, /metrics, the logs); the host
    # name when unset. Give each replica on one host its own.
    replica_name: str | None = Field(None, min_length=1, max_length=100)
    # How long a replica holds an outbox row it is sending before another may send it (a replica that
    # died mid-send): longer than a send takes, short enough that a crash delays little.
    send_lease: Interval = 60.0
    # How often each replica writes its heartbeat; one that misses three is taken for dead and the
    # others poll its sources.
    heartbeat: Interval = 10.0


class DatabaseConfig(_Section):
    url: str = "sqlite:///watcher.db"

    @field_validator("url")
    @classmethod
    def _known_driver(cls, url: str) -> str:
        if not url.startswith(("sqlite://", "postgresql")):
            raise ValueError("use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB")
        return url


class InventoryConfig(_Section):
    path: str


class CatalogConfig(_Section):
    # platform -> alias -> snapshot, added to the shipped catalog ("claude-3-5-sonnet-latest" = ...)
    aliases: dict[str, dict[str, str]] = Field(default_factory=dict)


class PollerConfig(_Section):
    timeout: Annotated[Duration, Field(gt=0)] = 20.0
    # The whole of one fetch (redirects, headers, body): a page that drips a byte a second fails
    # as a `timeout` after this instead of holding its poll forever.
    deadline: Duration = 60.0
    max_body_bytes: int = Field(5 * 1024 * 1024, gt=0)
    max_backoff: Duration = 3600.0
    user_agent: str | None = None
    # Fetches in flight at once, across sources; beyond the client's keep-alive pool, more
    # concurrency only churns connections.
    concurrency: int = Field(20, ge=1, le=500)
    # A source failing this many polls in a row is an alert (a broken or emptied page: at once).
    alert_after: int = Field(3, ge=1)

    @field_validator("deadline")
    @classmethod
    def _sane_deadline(cls, value: float) -> float:
        return _deadline(value)


class LogConfig(_Section):
    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["text", "json"] = "text"


class SourceConfig(_Section):
    name: Slug
    kind: str
    provider: Slug
    url: str
    interval: Interval = 300.0
    enabled: bool = True
    # Keep only events whose title, components, regions or product ids mention one of these
    # (Google's and AWS's status pages cover every cloud product; we care about a few).
    include: list[str] = Field(default_factory=list)
    timeout: Duration | None = None  # overrides [poller] timeout for a slow page
    deadline: Duration | None = None  # overrides [poller] deadline for a slow page
    # A feed whose newest entry is older than this has gone quiet or moved: an alert.
    expect_every: Duration | None = None
    # For the generic readers (lifecycle-table, lifecycle-prose): the platform the page's models run on
    # when it is not `provider` (a reseller's page), and the columns of a table they cannot work out.
    platform: Slug | None = None
    model_column: str | None = None
    date_column: str | None = None
    replacement_column: str | None = None

    def hints(self) -> Hints:
        return Hints(provider=self.provider, platform=self.platform, model_column=self.model_column,
                     date_column=self.date_column, replacement_column=self.replacement_column)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with https:// (or http://)")
        return value

    @field_validator("deadline")
    @classmethod
    def _sane_deadline(cls, value: float | None) -> float | None:
        return None if value is None else _deadline(value)


class WebhookConfig(_Section):
    name: Slug
    kind: str
    provider: Slug
    secret_env: str | None = None
    max_body_bytes: int = Field(1024 * 1024, gt=0)
    tolerance: Duration = 300.0  # Standard Webhooks timestamp tolerance, both ways
    # generic-hmac: where the signature is and how it is written; aws-health: the secret header
    header: str | None = None
    algorithm: Literal["sha256", "sha1"] = "sha256"
    encoding: Literal["hex", "base64"] = "hex"
    prefix: str = ""
    # generic-hmac: a header with the Unix time the sender signed; the signature then covers
    # "{timestamp}.{body}" and the time must be within `tolerance` both ways (no replays).
    timestamp_header: str | None = None
    # No delivery for this long is an alert: the sender may have been unsubscribed.
    expect_every: Duration | None = None


class SlackConfig(_Section):
    token_env: str
    channel: str
    base_url: str | None = None
    signing_secret_env: str | None = None


class EscalationConfig(_Section):
    # Reminders this long before a deadline (after the announcement); then the day of, then one
    # every `overdue_repeat` while overdue and still in the inventory.
    steps: list[Duration] = Field(default_factory=lambda: [parse_duration(d) for d in
                                                           ("90d", "60d", "30d", "14d", "7d", "3d", "1d")])
    overdue_repeat: Duration = 7 * 86400.0
    # Mentioned inside the last 7 days: a Slack user group ("<!subteam^S012AB>") or "@here"
    oncall: str | None = None
    # Incidents that may hit any use of a platform (no component named) are announced from this
    # severity up; those that name what a use depends on (its model, a component, an API component
    # in the text) from `named_incident_severity` up.
    incident_severity: Literal["info", "notice", "warning", "critical"] = "warning"
    named_incident_severity: Literal["info", "notice", "warning", "critical"] = "notice"
    # Acknowledged impacts are quiet until something changes; set this to also hear the steps
    # closer than it to the deadline ("3d": the last three days).
    acknowledged_steps_within: Duration = 0.0
    # The longest snooze anyone can ask for; a longer one is cut to it, and the answer says so.
    max_snooze: Duration = 30 * 86400.0

    @field_validator("overdue_repeat", "max_snooze")
    @classmethod
    def _whole_days(cls, value: float) -> float:
        if value < 86400:
            raise ValueError('at least one day ("1d"): reminders are planned per day')
        return value

    @field_validator("steps")
    @classmethod
    def _steps_in_days(cls, steps: list[float]) -> list[float]:
        if any(step < 86400 or step % 86400 for step in steps):
            raise ValueError('steps are whole days before the deadline, like ["30d", "7d", "1d"] (the day of '
                             "is always a step)")
        return steps

    def policy(self) -> Policy:
        return Policy(steps_days=tuple(int(s // 86400) for s in self.steps),
                      overdue_repeat_days=int(self.overdue_repeat // 86400),
                      acknowledged_within_days=int(self.acknowledged_steps_within // 86400))


class EmailConfig(_Section):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    host: str
    port: int = 587
    security: Literal["tls", "starttls", "none"] = "starttls"
    username_env: str | None = None
    password_env: str | None = None
    from_: str = Field(alias="from")
    to: list[str]


_SCHEDULE = re.compile(r"^(daily|(?:mon|tue|wed|thu|fri|sat|sun)(?:,(?:mon|tue|wed|thu|fri|sat|sun))*) "
                       r"([01]?\d|2[0-3]):([0-5]\d)$")


class DigestConfig(_Section):
    schedule: str = "mon 09:00"
    timezone: str = "UTC"
    # Besides the combined digest to [email] to: each team whose [[uses]] carry an `email` gets its own part.
    per_team: bool = False

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        if not _SCHEDULE.match(value.strip().lower()):
            raise ValueError('write it as "mon 09:00", "mon,thu 08:30" or "daily 09:00"')
        return value.strip().lower()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as \"Europe/Berlin\"") from None
        return value

    def cron(self) -> dict[str, str | int]:
        match = _SCHEDULE.match(self.schedule)
        assert match is not None, "the validator accepts only schedules that match"
        days, hour, minute = match.groups()
        return {"day_of_week": "*" if days == "daily" else days, "hour": int(hour), "minute": int(minute)}


class CalendarConfig(_Section):
    token_env: str


class Config(_Section):
    server: ServerConfig = ServerConfig()
    database: DatabaseConfig = DatabaseConfig()
    inventory: InventoryConfig | None = None
    catalog: CatalogConfig = CatalogConfig()
    poller: PollerConfig = PollerConfig()
    log: LogConfig = LogConfig()
    sources: list[SourceConfig] = Field(default_factory=list)
    webhooks: list[WebhookConfig] = Field(default_factory=list)
    slack: SlackConfig | None = None
    escalation: EscalationConfig = EscalationConfig()
    email: EmailConfig | None = None
    digest: DigestConfig | None = None
    calendar: CalendarConfig | None = None
    mailboxes: list[MailboxConfig] = Field(default_factory=list)
    spend: list[SpendConfig] = Field(default_factory=list)

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(f"no source named {name!r} in the config (known: {known})")
