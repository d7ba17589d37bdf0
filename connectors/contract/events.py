"""The normalized event: what every connector produces and every later stage consumes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from connectors.contract.dates import isoformat

Kind = Literal["incident", "maintenance", "deprecation", "lifecycle", "changelog", "account", "billing", "security",
               "source"]
Severity = Literal["info", "notice", "warning", "critical"]

SEVERITIES: tuple[Severity, ...] = ("info", "notice", "warning", "critical")
# Statuses after which an incident or maintenance needs no more attention.
TERMINAL_STATUSES = frozenset({"resolved", "completed", "postmortem", "closed", "cancelled", "available"})

# The Event JSON (a fixed interface: tools rely on these names), in its documented order; extra fields follow.
PUBLIC_FIELDS = (
    "provider", "kind", "external_id", "title", "summary", "url", "status", "severity",
    "published_at", "updated_at", "starts_at", "ends_at", "deadline", "deadline_precision",
    "deadline_earliest", "replacement", "models", "components", "regions",
)
# Fields whose change makes a new revision (timestamps of fetching never do).
REVISION_FIELDS = (
    "title", "summary", "url", "status", "severity", "starts_at", "ends_at", "deadline",
    "deadline_precision", "deadline_earliest", "replacement", "models", "components", "regions",
    "updates",
)


def max_severity(*values: Severity | None) -> Severity:
    present = [v for v in values if v is not None]
    return max(present, key=SEVERITIES.index) if present else "info"


class _Keyed(Protocol):
    provider: str
    kind: str
    external_id: str


@dataclass(frozen=True)
class EventKey:
    """An event's identity as people, listings and commands write it: `provider/kind/external_id`
    (the external id may itself hold slashes); a deprecation also reads `platform:model`."""

    provider: str
    kind: str
    external_id: str

    def __str__(self) -> str:
        return f"{self.provider}/{self.kind}/{self.external_id}"

    @classmethod
    def of(cls, event: _Keyed) -> EventKey:
        return cls(event.provider, event.kind, event.external_id)

    @classmethod
    def parse(cls, text: str) -> EventKey:
        provider, _, rest = text.strip().partition("/")
        kind, _, external_id = rest.partition("/")
        if not (provider and kind and external_id):
            raise ValueError(f"{text!r} is not an event key (provider/kind/external_id)")
        return cls(provider, kind, external_id)

    @property
    def model_key(self) -> str | None:
        """`platform:model`, the short form of a deprecation's key (None for other kinds)."""
        return f"{self.provider}:{self.external_id}" if self.kind == "deprecation" else None


@dataclass
class EventDraft:
    kind: Kind
    external_id: str
    title: str
    provider: str = ""
    summary: str = ""
    url: str | None = None
    status: str | None = None
    severity: Severity = "info"
    published_at: datetime | None = None
    updated_at: datetime | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    deadline: str | None = None
    deadline_precision: Literal["day", "month"] | None = None
    deadline_earliest: bool = False
    replacement: str | None = None
    models: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    # Status updates of an incident, newest first: {"at", "status", "body"}.
    updates: list[dict[str, Any]] = field(default_factory=list)
    # Source-specific facts worth keeping (Google's product ids, an ARN); shown, never compared.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.provider, self.kind, self.external_id)

    @property
    def is_terminal(self) -> bool:
        return (self.status or "").lower() in TERMINAL_STATUSES

    def field_values(self) -> dict[str, Any]:
        """Values as JSON-ready primitives, the form both storage and comparison use."""
        values: dict[str, Any] = {}
        for name in (*PUBLIC_FIELDS, "updates"):
            value = getattr(self, name)
            values[name] = isoformat(value) if isinstance(value, datetime) else value
        return values

    def to_json(self) -> dict[str, Any]:
        values = self.field_values()
        return {**values, **{k: v for k, v in self.extra.items() if k not in values}}

    def content_hash(self) -> str:
        revision_part = {name: self.field_values()[name] for name in REVISION_FIELDS}
        blob = json.dumps(revision_part, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()


@dataclass
class ParseResult:
    """What a polled connector found in one document.

    `items_seen` counts everything the parser recognised (components, entries, incidents), so that a
    page that used to list things and now lists nothing is told apart from a quiet day.
    `complete_kinds` names the kinds for which the document lists *every* active item (a Statuspage
    summary lists all unresolved incidents): an active event of that kind missing from it has ended.
    """

    drafts: list[EventDraft]
    items_seen: int
    complete_kinds: frozenset[str] = frozenset()
    document: str = ""
    # True where an empty document is normal (a list of *open* events on a quiet day).
    may_be_empty: bool = False
    # What serves the page ("incident.io", "statuspage"), where the document tells: a change of it
    # means the provider moved its status page to another platform.
    generator: str | None = None
