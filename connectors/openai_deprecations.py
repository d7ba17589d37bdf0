"""OpenAI's deprecations page (its Markdown variant, or the HTML page).

One table per announcement, under a heading that carries the announcement date
("2026-04-22: Legacy GPT model snapshots"), sometimes with sub-headings ("#### Base GPT models") that
share it. Header variants: Shutdown date / Model / system / Recommended replacement; Model snapshot /
Substitute model; ... base model; System (endpoints); and Date / Update tables for products and
policies that name no model, where the row saying the deprecation was announced is the announcement,
not a deadline.

A model listed under two announcements has the later one's date (connectors/_deprecation.py
`merge`). A cell that names a model inside a phrase ("New fine-tuning training on `babbage-002`")
deprecates something done with the model, not the model: it is kept under the phrase, with no model.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from functools import cache, partial

from connectors._deprecation import (
    chain_date,
    deprecation,
    merge,
    replacement_models,
    replacement_text,
    require_tables,
)
from connectors._models import is_model_id
from connectors._page_notes import announcement_dates
from connectors._tables import Row, Table, tables
from connectors.contract.dates import parse_deadline
from connectors.contract.events import EventDraft, ParseResult
from connectors.contract.protocols import NO_HINTS, Hints, PolledConnector, single_document

PLATFORM = "openai"
_ANNOUNCED_ROW = re.compile(r"^deprecation (?:was |is )?announced\b", re.I)


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    text = body.decode("utf-8", errors="replace")
    drafts: list[EventDraft] = []
    rows = 0
    said = cache(partial(announcement_dates, text))  # read the prose once, and only if a heading has no date
    for table in require_tables(tables(text), "date", "OpenAI deprecations"):
        status = "retired" if any("past deprecations" in h.lower() for h in table.headings) else "deprecated"
        announced = chain_date(table.headings) or said().get(tuple(table.headings))
        if table.column("update") is not None and table.column("model") is None:
            drafts.extend(_policy_rows(table, url, announced))
            rows += len(table.rows)
            continue
        date_col = table.column("shutdown date", "date")
        model_col = table.column("model", "system")
        if model_col is None:
            continue
        replacement_col = table.column("replacement", "substitute")
        for row in table.rows:
            rows += 1
            replacement = replacement_text(row.cell(replacement_col))
            name, ids = _named(row, model_col)
            drafts.append(deprecation(
                platform=PLATFORM, model=name, deadline=parse_deadline(row.cell(date_col)), url=url,
                replacement=replacement, replacement_ids=replacement_models(replacement, row.code(replacement_col)),
                status=status, announced=announced, aliases=ids[1:],
                # "Assistants API", "OpenAI-Beta: realtime=v1" or "/v1/edits": a deprecation, but of no model
                models=[i for i in ids if is_model_id(i) or (" " not in i and not i.startswith("/"))],
                extra={"announcement": table.heading},
            ))
    return ParseResult(drafts=merge(drafts), items_seen=rows, document="deprecations")


def _named(row: Row, model_col: int) -> tuple[str, list[str]]:
    """What the row deprecates and the ids it is known by. A cell that starts with a phrase before its
    first id ("New fine-tuning training on `babbage-002`") names an activity, not the model."""
    cell, codes = row.cell(model_col), row.code(model_col)
    if codes and not cell.startswith(codes[0]):
        return cell, []
    ids = codes or [cell]
    return ids[0], ids


def _policy_rows(table: Table, url: str, announced: date | None) -> list[EventDraft]:
    date_col, update_col = table.column("date"), table.column("update")
    day = parse_deadline(next((row.cell(date_col) for row in table.rows
                               if _ANNOUNCED_ROW.match(row.cell(update_col))), None)).date
    drafts = []
    for row in table.rows:
        text = row.cell(update_col)
        if _ANNOUNCED_ROW.match(text):
            continue  # the day it was announced: the others' announcement date, not a deadline
        deadline = parse_deadline(row.cell(date_col))
        digest = hashlib.sha1(f"{table.heading}|{deadline.raw}".encode()).hexdigest()[:10]
        drafts.append(deprecation(
            platform=PLATFORM, model=f"policy:{digest}", deadline=deadline, url=url, models=[],
            announced=day or announced,
            title=f"{table.heading}: {text[:120]}", extra={"announcement": table.heading, "update": text},
        ))
    return drafts


CONNECTOR = PolledConnector(kind="openai-deprecations", parse=parse, documents=single_document,
                            describes="OpenAI deprecations page (.md variant or HTML)", lifecycle=True)
