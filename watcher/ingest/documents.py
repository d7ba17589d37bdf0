"""What a poll makes of each fetched document: parse it, refuse a page that suddenly lists nothing,
tell whether a document appeared or went away, and fold the documents into the validators, drafts
and platform changes that the poller stores in one transaction.

Pure: no I/O, no database; `parse_all` runs the connector's (pure) parser and asks the clock it is
handed for each document's `fetched_at`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from connectors.contract.errors import SourceError
from connectors.contract.events import EventDraft, ParseResult
from connectors.contract.protocols import NO_HINTS, Document, Hints, PolledConnector
from watcher.ingest.http import Fetched
from watcher.ingest.sources import DocumentState


@dataclass
class Read:
    """One document of one poll: what was fetched, and once parsed, what it said."""

    document: Document
    fetched: Fetched | None  # None: an optional document the page does not serve
    result: ParseResult | None = None


@dataclass
class Update:
    """What a poll's documents add up to, ready to store."""

    documents: dict[str, DocumentState]  # every known document's validators, by URL
    drafts: list[EventDraft] = field(default_factory=list)  # those the source's `include` keeps
    complete: set[str] = field(default_factory=set)  # kinds listed in full by some document
    platform_changes: list[tuple[str, str, str]] = field(default_factory=list)  # (url, was, now served by)
    changed: bool = False  # some document was parsed
    items: int | None = None  # items over all documents, when some document was parsed


def matches_include(draft: EventDraft, include: Sequence[str]) -> bool:
    if not include:
        return True
    haystack = " ".join([draft.title, *draft.components, *draft.regions,
                         *map(str, draft.extra.get("product_ids", []))]).lower()
    return any(term.lower() in haystack for term in include)


def parse_all(connector: PolledConnector, reads: list[Read], clock: Callable[[], datetime],
              hints: Hints = NO_HINTS) -> None:
    """Parse each read (all fetched with a 200) into its `result`; a parse error names the document."""
    for read in reads:
        assert read.fetched is not None and read.fetched.body is not None
        try:
            read.result = connector.parse(read.fetched.body, url=read.fetched.url, fetched_at=clock(), hints=hints)
        except SourceError as exc:
            raise type(exc)(f"{read.document.url}: {exc}", category=exc.category) from exc


def check_not_emptied(reads: list[Read], cache: dict[str, DocumentState]) -> None:
    """A parsed document with no items where it had some last time is `suspicious` (unless its
    connector says an empty document is normal)."""
    for read in reads:
        assert read.result is not None
        before = cache.get(read.document.url)
        if (read.result.items_seen == 0 and not read.result.may_be_empty and before is not None
                and (before.item_count or 0) > 0):
            raise SourceError(
                f"{read.document.url}: answered 200 but the parser found no items where it found "
                f"{before.item_count} last time; the page layout may have changed",
                category="suspicious")


def presence_changed(read: Read, cache: dict[str, DocumentState]) -> bool:
    """A document that appeared or went away (404) is written down even without new content."""
    known = cache.get(read.document.url)
    return known is None or (read.fetched is None) != (known.last_status == 404)


def update(reads: list[Read], cache: dict[str, DocumentState], include: Sequence[str]) -> Update:
    """Fold a poll's reads into a new copy of `cache` and the drafts to apply."""
    result = Update(dict(cache))
    for read in reads:
        doc = result.documents.get(read.document.url) or DocumentState()
        if read.fetched is None:
            doc = DocumentState(last_status=404)
        elif read.result is not None:
            before = doc.generator
            doc = DocumentState(read.fetched.etag, read.fetched.last_modified, read.result.items_seen, 200,
                                read.result.generator or before)
            if before and read.result.generator and before != read.result.generator:
                result.platform_changes.append((read.document.url, before, read.result.generator))
            result.drafts.extend(d for d in read.result.drafts if matches_include(d, include))
            result.complete |= read.result.complete_kinds
        result.documents[read.document.url] = doc
    result.changed = any(r.result is not None for r in reads)
    result.items = sum(d.item_count or 0 for d in result.documents.values()) if result.changed else None
    return result
