"""Anthropic's model deprecations page: the model status table, the deprecation history (one table
per announcement, newest first) and the notes above them.

An Active model's "Not sooner than <date>" is its guaranteed floor: a `lifecycle` event, never a
deprecation. A note may deprecate a model no table lists yet ("Claude Mythos Preview
(`claude-mythos-preview`) is deprecated. To migrate to Claude Mythos 5 (`claude-mythos-5`)…"): a
deprecation with no date announced.
"""

from __future__ import annotations

import re
from datetime import datetime

from connectors._deprecation import (
    chain_date,
    deprecation,
    is_lifecycle_only,
    lifecycle,
    merge,
    replacement_models,
    replacement_text,
    require_tables,
)
from connectors._tables import tables
from connectors.contract.dates import parse_deadline
from connectors.contract.events import EventDraft, ParseResult
from connectors.contract.protocols import NO_HINTS, Hints, PolledConnector, single_document

PLATFORM = "anthropic"
_NOTE = re.compile(r"<(Note|Warning|Tip|Info)>(.*?)</\1>", re.S | re.I)
_DEPRECATED = re.compile(r"\(`([^`\s]+)`\)\s+is\s+(?:now\s+)?deprecated\b", re.I)
_MIGRATE_TO = re.compile(r"\bmigrate to\b[^`]*?\(`([^`\s]+)`\)", re.I)


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    text = body.decode("utf-8", errors="replace")
    found = tables(text)
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
        announced = chain_date(table.headings)
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
    drafts += _noted(text, url)
    return ParseResult(drafts=merge(drafts), items_seen=rows, document="model-deprecations")


def _noted(text: str, url: str) -> list[EventDraft]:
    """Deprecations a note announces in words: the model's id in brackets, "is deprecated", and the id
    it says to migrate to. Listed after the tables, so that a table row for the same model speaks."""
    drafts = []
    for _, note in _NOTE.findall(text):
        for match in _DEPRECATED.finditer(note):
            target = _MIGRATE_TO.search(note, match.end())
            replacement = target[1] if target else None
            drafts.append(deprecation(
                platform=PLATFORM, model=match[1], deadline=parse_deadline(None), url=url, replacement=replacement,
                replacement_ids=[replacement] if replacement else [],
                extra={"announcement": " ".join(note.split())},
            ))
    return drafts


CONNECTOR = PolledConnector(kind="anthropic-deprecations", parse=parse, documents=single_document,
                            describes="Anthropic model deprecations page (.md variant)", lifecycle=True)
