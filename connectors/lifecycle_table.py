"""`lifecycle-table`: the generic reader as a source kind. The reading itself is `connectors/_table_reader.py`,
shared with the provider connectors built on it."""

from __future__ import annotations

from datetime import datetime

from connectors import _table_reader
from connectors._deprecation import merge
from connectors.contract.events import ParseResult
from connectors.contract.protocols import NO_HINTS, Hints, PolledConnector, single_document


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    platform = hints.platform or hints.provider or "unknown"
    drafts, rows = _table_reader.read(body.decode("utf-8", errors="replace"), platform=platform, url=url,
                                      hints=hints, fetched_at=fetched_at)
    return ParseResult(drafts=merge(drafts), items_seen=rows, document="lifecycle-table", may_be_empty=not rows)


CONNECTOR = PolledConnector(kind="lifecycle-table", parse=parse, documents=single_document,
                            describes="any page with model lifecycle tables (Markdown or HTML), read by header meaning",
                            lifecycle=True)
