"""Anthropic's model deprecations page: the model status table and the deprecation history."""

from __future__ import annotations

from datetime import datetime

from connectors._deprecation import (
    deprecation,
    heading_date,
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

PLATFORM = "anthropic"


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None) -> ParseResult:
    found = tables(body.decode("utf-8", errors="replace"))
    history = require_tables(found, "retirement date", "Anthropic model deprecations")
    drafts: list[EventDraft] = []
    rows = 0
    # The status table lists every model still served; a history row for a model it no longer
    # lists has been retired.
    served = {(row.code(t.column("model")) or [row.cell(t.column("model"))])[0]
              for t in history if t.column("current state") is not None for row in t.rows}
    for table in history:
        state_col = table.column("current state", "state")
        model_col = table.column("model")
        date_col = table.column("retirement date")
        replacement_col = table.column("replacement")
        announced = heading_date(table.heading)
        for row in table.rows:
            rows += 1
            model = (row.code(model_col) or [row.cell(model_col)])[0]
            state = row.cell(state_col).lower() if state_col is not None else "deprecated"
            deadline = parse_deadline(row.cell(date_col))
            replacement = replacement_text(row.cell(replacement_col))
            if is_lifecycle_only(deadline, replacement, state):
                if deadline.date:
                    drafts.append(lifecycle(platform=PLATFORM, model=model, deadline=deadline, url=url,
                                            status=state or "active"))
                continue
            drafts.append(deprecation(
                platform=PLATFORM, model=model, deadline=deadline, url=url, replacement=replacement,
                replacement_ids=replacement_models(replacement, row.code(replacement_col)),
                status="retired" if state == "retired" or (served and model not in served) else "deprecated",
                announced=announced,
                extra={"deprecated_on": parse_deadline(row.cell(table.column("deprecated"))).iso}
                if state_col is not None else {"announcement": table.heading},
            ))
    return ParseResult(drafts=merge(drafts), items_seen=rows, document="model-deprecations")


CONNECTOR = PolledConnector(kind="anthropic-deprecations", parse=parse, documents=single_document,
                            describes="Anthropic model deprecations page (.md variant)")
