"""GroqCloud's deprecation page: one table per announcement, dates as MM/DD/YY.

Its section headings carry the shutdown day ("August 16, 2026: llama-3.1-8b-instant…"); the day of
the announcement is in the section's prose ("on June 17, 2026, we emailed users to announce…"), which
decides which announcement speaks when a model is listed twice.
"""

from __future__ import annotations

from datetime import datetime

from connectors._deprecation import deprecation, merge, replacement_models, replacement_text, require_tables
from connectors._page_notes import announcement_dates
from connectors._tables import tables
from connectors.contract.dates import parse_deadline
from connectors.contract.events import EventDraft, ParseResult
from connectors.contract.protocols import NO_HINTS, Hints, PolledConnector, single_document

PLATFORM = "groq"


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    text = body.decode("utf-8", errors="replace")
    drafts: list[EventDraft] = []
    rows = 0
    said = announcement_dates(text)
    for table in require_tables(tables(text), "shutdown date", "Groq deprecations"):
        model_col, date_col = table.column("deprecated model", "model"), table.column("shutdown date")
        replacement_col = table.column("replacement")
        announced = said.get(tuple(table.headings))
        for row in table.rows:
            rows += 1
            replacement = replacement_text(row.cell(replacement_col))
            drafts.append(deprecation(
                platform=PLATFORM, model=(row.code(model_col) or [row.cell(model_col)])[0],
                deadline=parse_deadline(row.cell(date_col)), url=url, replacement=replacement,
                replacement_ids=replacement_models(replacement, row.code(replacement_col)), announced=announced,
                extra={"announcement": table.heading},
            ))
    return ParseResult(drafts=merge(drafts), items_seen=rows, document="deprecations")


CONNECTOR = PolledConnector(kind="groq-deprecations", parse=parse, documents=single_document,
                            describes="GroqCloud deprecations page (.md variant)", lifecycle=True)
