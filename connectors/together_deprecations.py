"""`together-deprecations`: Together AI's deprecations page (docs.together.ai `/docs/deprecations`).

Its tables, read by the generic lifecycle-table reader:
- "Planned Deprecations" (Planned Deprecation Date | Model | Recommended Model Replacement), when the
  page has one: the day given is the removal day (the page: "Each deprecated model will have a
  specified removal date").
- "Deprecation History" (Removal Date | Model | Supported by on-demand dedicated endpoints): the
  serverless endpoint stops answering on the removal day. Whether the model can still run on an
  on-demand dedicated endpoint is kept in `extra["dedicated_endpoint"]` ("Yes", "No (coming soon!)"),
  the way out the page offers besides another serverless model.
- "Active Model Redirects" (Original Model | Redirects To | Notes): requests naming the original id
  are already served by the newer model. Nothing stops answering, so there is no deadline, but the
  model behind the id has changed: each row is a deprecation without date, its target the
  replacement, `extra["redirected_to"]` set and the summary saying so.
The policy table ("Model Type | Deprecation Notice") names kinds of endpoint, not models. Pure.
"""

from __future__ import annotations

import re
from datetime import datetime

from connectors import _table_reader
from connectors._deprecation import deprecation, merge
from connectors._tables import Table, tables
from connectors.contract.dates import Deadline, normalize_text
from connectors.contract.events import EventDraft, ParseResult
from connectors.contract.protocols import NO_HINTS, Hints, PolledConnector, single_document

PLATFORM = "together"

_REDIRECT_TARGET = re.compile(r"\bredirect\w*\b|\brouted? to\b", re.I)
_ORIGINAL = re.compile(r"\b(?:original|model)\b", re.I)
_DEDICATED = re.compile(r"\bdedicated\b", re.I)
_CODE = re.compile(r"`([^`\n]+)`")


def _cell_model(table: Table, index: int, row_index: int) -> str:
    row = table.rows[row_index]
    return (row.code(index) or [row.cell(index)])[0].strip()


def _redirects(found: list[Table], url: str) -> tuple[list[EventDraft], int]:
    drafts: list[EventDraft] = []
    rows = 0
    for table in found:
        target = next((i for i, h in enumerate(table.header) if _REDIRECT_TARGET.search(h)), None)
        source = next((i for i, h in enumerate(table.header) if i != target and _ORIGINAL.search(h)), None)
        if target is None or source is None:
            continue
        notes = table.column("note")
        for index, row in enumerate(table.rows):
            model, to = _cell_model(table, source, index), _cell_model(table, target, index)
            if not model or not to:
                continue
            rows += 1
            draft = deprecation(
                platform=PLATFORM, model=model, deadline=Deadline(None, None, False, ""), url=url, replacement=to,
                replacement_ids=[to], title=f"{model} is redirected to {to}",
                extra={"redirected_to": to, "note": row.cell(notes) or None, "table": table.heading or None,
                       "source": "Together deprecations page"},
            )
            draft.summary = (f"{PLATFORM}: requests naming {model} are already served by {to} (automatic redirect"
                             f"{': ' + row.cell(notes) if row.cell(notes) else ''}); the original version runs only "
                             f"on a dedicated endpoint")
            drafts.append(draft)
    return drafts, rows


def _dedicated(found: list[Table]) -> dict[str, str]:
    """model -> what the "Supported by on-demand dedicated endpoints" column says of it."""
    support: dict[str, str] = {}
    for table in found:
        column = next((i for i, h in enumerate(table.header) if _DEDICATED.search(h)), None)
        model = table.column("model")
        if column is None or model is None or column == model:
            continue
        for index, row in enumerate(table.rows):
            if row.cell(column):
                support.setdefault(_cell_model(table, model, index), row.cell(column))
    return support


def _spelled(text: str) -> dict[str, str]:
    """The page's code spans as written, by the form the table reader gives them: it drops underscores
    with emphasis marks, and `arcee_ai/arcee-spotlight` is an id, not emphasis."""
    return {normalize_text(code): code.strip() for code in _CODE.findall(text) if "_" in code}


def _respell(draft: EventDraft, spelled: dict[str, str]) -> EventDraft:
    draft.external_id = spelled.get(draft.external_id, draft.external_id)
    draft.models = [spelled.get(m, m) for m in draft.models]
    return draft


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    text = body.decode("utf-8", errors="replace")
    drafts, rows = _table_reader.read(text, platform=PLATFORM, url=url, fetched_at=fetched_at,
                                        source="Together deprecations page")
    spelled = _spelled(text)
    drafts = [_respell(d, spelled) for d in drafts]
    found = tables(text)
    support = {spelled.get(k, k): v for k, v in _dedicated(found).items()}
    for draft in drafts:
        if draft.external_id in support:
            draft.extra["dedicated_endpoint"] = support[draft.external_id]
    redirected, redirect_rows = _redirects(found, url)
    return ParseResult(drafts=merge([*drafts, *redirected]), items_seen=rows + redirect_rows,
                       document="deprecations")


CONNECTOR = PolledConnector(kind="together-deprecations", parse=parse, documents=single_document,
                            describes="Together AI deprecations page (planned, history and redirects tables)",
                            lifecycle=True)
