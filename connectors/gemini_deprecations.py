"""The Gemini API deprecations page, as HTML (header cells as <td><b>, full-width divider rows such as
"Preview models", shut-down rows marked only by the row-gray class) or as a Markdown copy of it
(dividers become rows with one filled cell, and the gray marks are lost).

The page says its shutdown dates "indicate the earliest possible dates on which a model might be
retired": a page note (connectors/_page_notes.py) makes every dated row it covers a floor.
"""

from __future__ import annotations

from datetime import datetime

from connectors._deprecation import (
    deprecation,
    floor,
    group_label,
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

PLATFORM = "gemini"


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    text = body.decode("utf-8", errors="replace")
    notes = earliest_notes(text)
    drafts: list[EventDraft] = []
    rows = 0
    for table in require_tables(tables(text), "shutdown date", "Gemini API deprecations"):
        model_col, date_col = table.column("model"), table.column("shutdown date")
        replacement_col = table.column("replacement")
        note = next((n for n in notes if covers(n, table.headings, table.header[date_col or 0])), None)
        group = ""
        for row in table.rows:
            if (label := group_label(row, model_col)) is not None:
                group = label
                continue
            rows += 1
            shut_down = "row-gray" in row.classes
            deadline = parse_deadline(row.cell(date_col))
            if note is not None and deadline.date is not None:
                deadline = floor(deadline)
            replacement = replacement_text(row.cell(replacement_col))
            # A dateless row with no replacement is a model nobody is asked to leave.
            if not (shut_down or deadline.date or replacement):
                continue
            drafts.append(deprecation(
                platform=PLATFORM, model=(row.code(model_col) or [row.cell(model_col)])[0], deadline=deadline,
                url=url, replacement=replacement,
                replacement_ids=replacement_models(replacement, row.code(replacement_col)),
                status="retired" if shut_down else "deprecated",
                extra={"table": table.heading, "group": group or None,
                       "page_note": note.text if note is not None else None},
            ))
    return ParseResult(drafts=merge(drafts), items_seen=rows, document="deprecations")


CONNECTOR = PolledConnector(kind="gemini-deprecations", parse=parse, documents=single_document,
                            describes="Gemini API deprecations page (HTML or a Markdown copy)", lifecycle=True)
