"""GroqCloud's deprecation page: one table per announcement, dates as MM/DD/YY."""

from __future__ import annotations

from datetime import datetime

from connectors._deprecation import deprecation, merge, replacement_models, replacement_text, require_tables
from connectors._tables import tables
from watcher.events.dates import parse_deadline
from watcher.events.model import EventDraft, ParseResult
from watcher.ingest.connector import PolledConnector, single_document

PLATFORM = "groq"


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None) -> ParseResult:
    drafts: list[EventDraft] = []
    rows = 0
    for table in require_tables(tables(body.decode("utf-8", errors="replace")), "shutdown date", "Groq deprecations"):
        model_col, date_col = table.column("deprecated model", "model"), table.column("shutdown date")
        replacement_col = table.column("replacement")
        for row in table.rows:
            rows += 1
            replacement = replacement_text(row.cell(replacement_col))
            drafts.append(deprecation(
                platform=PLATFORM, model=(row.code(model_col) or [row.cell(model_col)])[0],
                deadline=parse_deadline(row.cell(date_col)), url=url, replacement=replacement,
                replacement_ids=replacement_models(replacement, row.code(replacement_col)),
                extra={"announcement": table.heading},
            ))
    return ParseResult(drafts=merge(drafts), items_seen=rows, document="deprecations")


CONNECTOR = PolledConnector(kind="groq-deprecations", parse=parse, documents=single_document,
                            describes="GroqCloud deprecations page (.md variant)")
