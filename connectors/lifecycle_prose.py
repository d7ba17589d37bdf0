"""`lifecycle-prose`: the generic reader as a source kind. The reading itself is `connectors/_prose_reader.py`,
shared with the provider connectors built on it."""

from __future__ import annotations

from datetime import datetime

from connectors import _prose_reader
from connectors._deprecation import merge
from connectors._markdown import as_markdown
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import ParseResult
from connectors.contract.protocols import NO_HINTS, Hints, PolledConnector, single_document


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    text = as_markdown(body.decode("utf-8", errors="replace"))
    drafts, entries = _prose_reader.read(text, platform=hints.platform or hints.provider or "unknown", url=url,
                                         fetched_at=fetched_at)
    if not entries:
        raise LayoutChanged("layout changed: the page has no text to read notices from")
    return ParseResult(drafts=merge(drafts), items_seen=max(entries, len(drafts)), document="lifecycle-prose",
                       may_be_empty=True)


CONNECTOR = PolledConnector(kind="lifecycle-prose", parse=parse, documents=single_document,
                            describes="retirement notices written as sentences and lists (changelogs, guides)",
                            lifecycle=True)
