"""The contract between the daemon and a polled connector.

A connector is pure: bytes in, event drafts out. It never does I/O and never touches the database,
the scheduler or the notifiers; the shared poller fetches the documents it names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from watcher.events.model import EventDraft, ParseResult


@dataclass(frozen=True)
class Document:
    name: str
    url: str
    # An optional document may be missing (404) on some pages: incident.io serves no
    # scheduled-maintenances.json, for one.
    required: bool = True


@dataclass(frozen=True)
class PolledConnector:
    kind: str
    parse: Callable[..., ParseResult]
    documents: Callable[[str], list[Document]]
    # A few words for `watcher check` and the docs.
    describes: str = ""


class Settings(Protocol):
    """What a webhook connector may read of its `[[webhooks]]` entry."""

    name: str
    provider: str
    tolerance: float
    header: str | None
    algorithm: str
    encoding: str
    prefix: str


@dataclass(frozen=True)
class WebhookConnector:
    """verify(headers, body, secret, *, settings, now, token) raises SignatureError with the reason;
    delivery_id(headers, body) names the delivery (redeliveries share it);
    parse(headers, body, *, settings) -> list[EventDraft]. Headers are lower-cased."""

    kind: str
    verify: Callable[..., None]
    delivery_id: Callable[[Mapping[str, str], bytes], str]
    parse: Callable[..., list[EventDraft]]
    # The secret arrives as the last path segment (/webhooks/{name}/{token}): senders that sign nothing.
    token_in_path: bool = False
    describes: str = ""


def single_document(url: str) -> list[Document]:
    return [Document(name="main", url=url)]
