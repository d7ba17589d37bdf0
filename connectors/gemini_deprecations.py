"""The Gemini API deprecations page (HTML): header cells as <td><b>, full-width divider rows
("Preview models"), and shut-down rows marked only by the row-gray class."""

from __future__ import annotations

from datetime import datetime

from connectors._deprecation import deprecation, merge, replacement_models, replacement_text, require_tables
from connectors._tables import tables
from watcher.events.dates import parse_deadline
from watcher.events.model import EventDraft, ParseResult
from watcher.ingest.connector import PolledConnector, single_document

PLATFORM = "gemini"


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None) -> ParseResult:
    drafts: list[EventDraft] = []
    rows = 0
    for table in require_tables(tables(body.decode("utf-8", errors="replace")), "shutdown date",
                                "Gemini API deprecations"):
        model_col, date_col = table.column("model"), table.column("shutdown date")
        replacement_col = table.column("replacement")
        group = ""
        for row in table.rows:
            if row.divider is not None:
                group = row.divider
                continue
            rows += 1
            shut_down = "row-gray" in row.classes
            deadline = parse_deadline(row.cell(date_col))
            replacement = replacement_text(row.cell(replacement_col))
            # A dateless row with no replacement is a model nobody is asked to leave.
            if not (shut_down or deadline.date or replacement):
                continue
            drafts.append(deprecation(
                platform=PLATFORM, model=(row.code(model_col) or [row.cell(model_col)])[0], deadline=deadline,
                url=url, replacement=replacement,
                replacement_ids=replacement_models(replacement, row.code(replacement_col)),
                status="retired" if shut_down else "deprecated",
                extra={"table": table.heading, "group": group or None},
            ))
    return ParseResult(drafts=merge(drafts), items_seen=rows, document="deprecations")


CONNECTOR = PolledConnector(kind="gemini-deprecations", parse=parse, documents=single_document,
                            describes="Gemini API deprecations page (HTML)")
