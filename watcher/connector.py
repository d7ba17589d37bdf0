"""The contract between the daemon and a polled connector.

A connector is pure: bytes in, event drafts out. It never does I/O and never touches the database,
the scheduler or the notifiers; the shared poller fetches the documents it names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from watcher.events import ParseResult


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


def single_document(url: str) -> list[Document]:
    return [Document(name="main", url=url)]
