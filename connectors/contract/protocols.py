"""The contract between the daemon and a polled connector.

A connector is pure: bytes in, event drafts out. It never does I/O and never touches the database,
the scheduler or the notifiers; the shared poller fetches the documents it names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from connectors.contract.events import EventDraft, ParseResult


@dataclass(frozen=True)
class Document:
    name: str
    url: str
    # An optional document may be missing (404) on some pages: incident.io serves no
    # scheduled-maintenances.json, for one.
    required: bool = True
    # One of several places the same data may be (a status page's platform answers one of them): each
    # may be missing, but not all; when every alternative is missing the source reads nothing.
    alternative: bool = False


@dataclass(frozen=True)
class Hints:
    """What a `[[sources]]` entry tells a parser about its page: the source's `provider`, the `platform`
    its events belong to when that differs, and for the generic readers the columns of a page they
    cannot work out alone. Provider connectors ignore what they do not need."""

    provider: str | None = None
    platform: str | None = None
    model_column: str | None = None
    date_column: str | None = None
    replacement_column: str | None = None


NO_HINTS = Hints()


class ParseDocument(Protocol):
    """parse(body, *, url, fetched_at, hints) reads one fetched document; `url` is where it was read
    from (after redirects), `fetched_at` when, `hints` what the source's configuration says of it."""

    def __call__(self, body: bytes, *, url: str, fetched_at: datetime | None = None,
                 hints: Hints = NO_HINTS) -> ParseResult: ...


@dataclass(frozen=True)
class PolledConnector:
    kind: str
    parse: ParseDocument
    documents: Callable[[str], list[Document]]
    # A few words for `watcher check` and the docs.
    describes: str = ""
    # It reads model lifecycle notices (deprecations, retirements, floors): `watcher deadlines` warns when
    # such a source has not been read lately, since its dates may be out of date.
    lifecycle: bool = False


class Settings(Protocol):
    """What a webhook connector may read of its `[[webhooks]]` entry (read-only: the config is frozen)."""

    @property
    def name(self) -> str: ...
    @property
    def provider(self) -> str: ...
    @property
    def tolerance(self) -> float: ...
    @property
    def header(self) -> str | None: ...
    @property
    def algorithm(self) -> str: ...
    @property
    def encoding(self) -> str: ...
    @property
    def prefix(self) -> str: ...


class Verify(Protocol):
    """Raises SignatureError with the reason when the delivery is not from the sender. `secret` is the
    configured secret (None when its variable is unset), `now` the Unix time, `token` the last path
    segment for senders that put the secret in the URL."""

    def __call__(self, headers: Mapping[str, str], body: bytes, secret: str | None, *, settings: Settings,
                 now: float, token: str | None = None) -> None: ...


class DeliveryId(Protocol):
    """Names the delivery; redeliveries share the name."""

    def __call__(self, headers: Mapping[str, str], body: bytes) -> str: ...


class ParseDelivery(Protocol):
    """The event drafts a verified delivery carries; `settings.provider` names their provider."""

    def __call__(self, headers: Mapping[str, str], body: bytes, *, settings: Settings) -> list[EventDraft]: ...


@dataclass(frozen=True)
class WebhookConnector:
    """verify(headers, body, secret, *, settings, now, token) raises SignatureError with the reason;
    delivery_id(headers, body) names the delivery (redeliveries share it);
    parse(headers, body, *, settings) -> list[EventDraft]. Headers are lower-cased."""

    kind: str
    verify: Verify
    delivery_id: DeliveryId
    parse: ParseDelivery
    # The secret arrives as the last path segment (/webhooks/{name}/{token}): senders that sign nothing.
    token_in_path: bool = False
    describes: str = ""


def single_document(url: str) -> list[Document]:
    return [Document(name="main", url=url)]
