"""Vertex AI (Gemini Enterprise Agent Platform) "Model versions and lifecycle" page.

A row says by its own words whether its date is a live model's floor ("May 19, 2027 or later", "No
sooner than May 20, 2028": a `lifecycle` event when no replacement is named) or a retirement. The
page also says of the available models' tables that "retirement timelines may be extended, [but] they
won't be moved to an earlier date than what is listed": that note (connectors/_page_notes.py) makes
every retirement date it covers a floor. It speaks of available models, so the Retired models table
(which may stand in the same section) keeps its dates as the days the models went away.
"""

from __future__ import annotations

from datetime import datetime

from connectors._deprecation import (
    deprecation,
    floor,
    is_lifecycle_only,
    lifecycle,
    merge,
    replacement_models,
    replacement_text,
    require_tables,
)
from connectors._page_notes import covers, earliest_notes
from connectors._tables import tables
from connectors.contract.dates import parse_deadline
from connectors.contract.events import EventDraft, ParseResult
from connectors.contract.protocols import NO_HINTS, Hints, PolledConnector, single_document

PLATFORM = "vertex"


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    text = body.decode("utf-8", errors="replace")
    notes = earliest_notes(text)
    drafts: list[EventDraft] = []
    rows = 0
    for table in require_tables(tables(text), "retirement date", "Vertex AI model versions"):
        retired = any("retired" in h.lower() for h in table.headings)
        model_col, date_col = table.column("model id", "model"), table.column("retirement date")
        replacement_col = table.column("replacement", "upgrade")
        note = None if retired else next(
            (n for n in notes if covers(n, table.headings, table.header[date_col or 0])), None)
        context = {"table": table.heading, "page_note": note.text if note is not None else None}
        for row in table.rows:
            rows += 1
            model = (row.code(model_col) or [row.cell(model_col)])[0].rstrip("* ").strip()
            deadline = parse_deadline(row.cell(date_col))
            replacement = replacement_text(row.cell(replacement_col))
            if not retired and is_lifecycle_only(deadline, replacement, ""):
                if deadline.date:
                    drafts.append(lifecycle(platform=PLATFORM, model=model, deadline=deadline, url=url,
                                            extra=context))
                continue
            if note is not None and deadline.date is not None:
                deadline = floor(deadline)
            drafts.append(deprecation(
                platform=PLATFORM, model=model, deadline=deadline, url=url, replacement=replacement,
                replacement_ids=replacement_models(replacement, row.code(replacement_col)),
                status="retired" if retired else "deprecated", extra=context,
            ))
    return ParseResult(drafts=merge(drafts), items_seen=rows, document="model-versions")


CONNECTOR = PolledConnector(kind="vertex-model-versions", parse=parse, documents=single_document,
                            describes="Vertex AI model versions and lifecycle page", lifecycle=True)
