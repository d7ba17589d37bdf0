"""Vertex AI (Gemini Enterprise Agent Platform) "Model versions and lifecycle" page."""

from __future__ import annotations

from datetime import datetime

from connectors._deprecation import (
    deprecation,
    is_lifecycle_only,
    lifecycle,
    merge,
    replacement_models,
    replacement_text,
    require_tables,
)
from connectors._tables import tables
from watcher.events.dates import parse_deadline
from watcher.events.model import EventDraft, ParseResult
from watcher.ingest.connector import PolledConnector, single_document

PLATFORM = "vertex"


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None) -> ParseResult:
    drafts: list[EventDraft] = []
    rows = 0
    for table in require_tables(tables(body.decode("utf-8", errors="replace")), "retirement date",
                                "Vertex AI model versions"):
        retired = any("retired" in h.lower() for h in table.headings)
        model_col, date_col = table.column("model id", "model"), table.column("retirement date")
        replacement_col = table.column("replacement", "upgrade")
        for row in table.rows:
            rows += 1
            model = (row.code(model_col) or [row.cell(model_col)])[0].rstrip("* ").strip()
            deadline = parse_deadline(row.cell(date_col))
            replacement = replacement_text(row.cell(replacement_col))
            status = "retired" if retired else "deprecated"
            if not retired and is_lifecycle_only(deadline, replacement, ""):
                if deadline.date:
                    drafts.append(lifecycle(platform=PLATFORM, model=model, deadline=deadline, url=url,
                                            extra={"table": table.heading}))
                continue
            drafts.append(deprecation(
                platform=PLATFORM, model=model, deadline=deadline, url=url, replacement=replacement,
                replacement_ids=replacement_models(replacement, row.code(replacement_col)), status=status,
                extra={"table": table.heading},
            ))
    return ParseResult(drafts=merge(drafts), items_seen=rows, document="model-versions")


CONNECTOR = PolledConnector(kind="vertex-model-versions", parse=parse, documents=single_document,
                            describes="Vertex AI model versions and lifecycle page")
