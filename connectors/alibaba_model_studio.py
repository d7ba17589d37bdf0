"""`alibaba-model-studio`: Alibaba Cloud Model Studio's model retirement page ("model-depreciation").

One table per announcement under a heading that dates it ("Scheduled for deprecation on October 10,
2026", "Retires on May 30, 2026", "Deprecated on January 30, 2026"), with columns Category | Model
name | Deprecation time | Replacement model, and a link to the official notice above the table. The
generic table reader reads the rows. What the page's own terms add:

- On this page "deprecation", "retirement" and "sunset" name one day: "Starting from the official
  retirement date … API calls to the retired model will fail". The "Deprecation time" column is
  therefore the deadline (the generic reader takes it as such when no later column exists), never an
  earlier milestone.
- The time of day and zone ("00:00:00 (UTC+08:00)") stay beside the calendar day, in `extra`.
- A heading in the past tense ("Deprecated on", "Retired on") says the models are gone.
- The page tells *snapshot* models (a date in the name, 30 days' notice) from *mainline* models (the
  series' core versions, 3 months' notice); an announcement's title may say which it concerns.
  `extra["model_line"]` keeps it, with the announcement's title and link.

Markdown and HTML pages read alike. Pure.
"""

from __future__ import annotations

import re
from datetime import datetime

from connectors import _table_reader
from connectors._deprecation import merge
from connectors._markdown import as_markdown
from connectors._tables import plain, tables
from connectors.contract.events import ParseResult
from connectors.contract.protocols import NO_HINTS, Hints, PolledConnector, single_document

PLATFORM = "alibaba"

_TIME = re.compile(r"\b(\d{1,2}:\d{2}(?::\d{2})?)\s*(?:\((UTC[+-]\d{1,2}(?::\d{2})?|UTC|GMT[+-]?\d*|Beijing Time)\))?",
                   re.I)
_PAST = re.compile(r"^\s*(?:deprecated|retired|discontinued|sunset|taken offline|removed)\b", re.I)
_HEADING = re.compile(r"^\s*#{1,6}\s+(.*?)\s*#*\s*$")
_LINK = re.compile(r"\[((?:[^\[\]]|\\\[|\\\]|\[[^\]]*\])*)\]\(([^)\s]+)[^)]*\)")
_ANNOUNCEMENT = re.compile(r"\b(?:announcement|notice)\b", re.I)
_LINE = re.compile(r"\b(snapshot|mainline)\b", re.I)
_DATED_NAME = re.compile(r"\d{4}-\d{2}-\d{2}")
_SEPARATOR = re.compile(r"^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    text = as_markdown(body.decode("utf-8", errors="replace"))
    drafts, rows = _table_reader.read(text, platform=PLATFORM, url=url, hints=hints, fetched_at=fetched_at,
                                        source="alibaba model studio")
    context = _table_context(text, hints)
    today = fetched_at.date() if fetched_at is not None else None
    for draft in drafts:
        heading, title, link = context.get(draft.external_id, ("", None, None))
        raw = str(draft.extra.get("deadline_raw") or "")
        if clock := _TIME.search(raw):
            draft.extra.update(deadline_time=clock[1], time_zone=clock[2])
        gone = _PAST.search(heading) and (today is None or (draft.deadline or "") <= today.isoformat())
        if gone and draft.kind == "deprecation":
            draft.status, draft.severity = "retired", "info"
        line = _LINE.search(title or "")
        draft.extra.update(
            model_line=line[1].lower() if line else ("snapshot" if _DATED_NAME.search(draft.external_id)
                                                     else "mainline"),
            announcement=title, announcement_url=link)
    return ParseResult(drafts=merge(drafts), items_seen=rows, document="model-retirements")


def _table_context(text: str, hints: Hints) -> dict[str, tuple[str, str | None, str | None]]:
    """model -> (the heading its table stands under, the announcement linked above the table, its URL)."""
    above: list[tuple[str, str | None, str | None]] = []  # per table, in page order
    heading, title, link = "", None, None
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if match := _HEADING.match(line):
            heading, title, link = plain(match[1]), None, None
        elif _starts_table(lines, index):
            above.append((heading, title, link))
        elif title is None and _ANNOUNCEMENT.search(line) and (found := _LINK.search(line)):
            title, link = plain(found[1]), found[2]
    context: dict[str, tuple[str, str | None, str | None]] = {}
    for table, where in zip(tables(text), above, strict=False):
        cols = _table_reader.columns(table, hints)
        if cols is None:
            continue
        for row in table.rows:
            model = (row.code(cols.model) or [row.cell(cols.model)])[0].strip()
            context.setdefault(model, where)
    return context


def _starts_table(lines: list[str], index: int) -> bool:
    """A header row, as the table reader knows one: a `|` line over a separator line."""
    return (lines[index].lstrip().startswith("|") and index + 1 < len(lines)
            and bool(_SEPARATOR.match(lines[index + 1].strip()))
            and not (index > 0 and lines[index - 1].lstrip().startswith("|")))


CONNECTOR = PolledConnector(kind="alibaba-model-studio", parse=parse, documents=single_document,
                            describes="Alibaba Cloud Model Studio model retirement page (Markdown or HTML)",
                            lifecycle=True)
