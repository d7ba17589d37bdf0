"""OpenAI's deprecations page (its Markdown variant, or the HTML page).

One table per announcement, under a heading that carries the announcement date
("2026-04-22: Legacy GPT model snapshots"). Header variants: Shutdown date / Model / system /
Recommended replacement; Model snapshot / Substitute model; ... base model; and Date / Update
tables for policy changes that name no model.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from connectors._deprecation import (
    deprecation,
    heading_date,
    merge,
    replacement_models,
    replacement_text,
    require_tables,
)
from connectors._models import is_model_id
from connectors._tables import Table, tables
from watcher.events.dates import parse_deadline
from watcher.events.model import EventDraft, ParseResult
from watcher.ingest.connector import PolledConnector, single_document

PLATFORM = "openai"


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None) -> ParseResult:
    found = tables(body.decode("utf-8", errors="replace"))
    drafts: list[EventDraft] = []
    rows = 0
    for table in require_tables(found, "date", "OpenAI deprecations"):
        status = "retired" if any("past deprecations" in h.lower() for h in table.headings) else "deprecated"
        if table.column("update") is not None and table.column("model") is None:
            drafts.extend(_policy_rows(table, url))
            rows += len(table.rows)
            continue
        date_col = table.column("shutdown date", "date")
        model_col = table.column("model")
        if model_col is None:
            continue
        replacement_col = table.column("replacement", "substitute")
        announced = heading_date(table.heading)
        for row in table.rows:
            rows += 1
            ids = row.code(model_col) or [row.cell(model_col)]
            replacement = replacement_text(row.cell(replacement_col))
            name = ids[0]
            drafts.append(deprecation(
                platform=PLATFORM, model=name, deadline=parse_deadline(row.cell(date_col)), url=url,
                replacement=replacement, replacement_ids=replacement_models(replacement, row.code(replacement_col)),
                status=status, announced=announced, aliases=ids[1:],
                # "Assistants API" or "OpenAI-Beta: realtime=v1": a deprecation, but of no model
                models=[i for i in ids if is_model_id(i) or " " not in i],
                extra={"announcement": table.heading},
            ))
    return ParseResult(drafts=merge(drafts), items_seen=rows, document="deprecations")


def _policy_rows(table: Table, url: str) -> list[EventDraft]:
    date_col, update_col = table.column("date"), table.column("update")
    drafts = []
    for row in table.rows:
        text = row.cell(update_col)
        deadline = parse_deadline(row.cell(date_col))
        digest = hashlib.sha1(f"{table.heading}|{deadline.raw}".encode()).hexdigest()[:10]
        drafts.append(deprecation(
            platform=PLATFORM, model=f"policy:{digest}", deadline=deadline, url=url, models=[],
            title=f"{table.heading}: {text[:120]}", extra={"announcement": table.heading, "update": text},
        ))
    return drafts


CONNECTOR = PolledConnector(kind="openai-deprecations", parse=parse, documents=single_document,
                            describes="OpenAI deprecations page (.md variant)")
