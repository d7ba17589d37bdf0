"""`mistral-models`: Mistral's models overview page, its "Deprecated & retired models" table.

The table names each model twice: a display name with its version ("Mistral Large 2.1", version
"24.11", linked to the model's page `/models/mistral-large-2-1-24-11`) and its API id
(`mistral-large-2411`) in an "API" column; "Deprecation" is the day it stopped being offered,
"Retirement" the day it stops answering; "Alternative" names the successor by display name, linked to
its page. The generic table reader keys each row by the API id (the column whose cells look like ids)
and takes the retirement as the deadline, the deprecation as `deprecated_on`. What is Mistral's own:

- the display name and version are kept in `extra`, so people recognise the row;
- an alternative becomes a replacement id only when the page itself gives that model's API id: its
  link points at the page of a row that has one (or, unlinked, its display name names exactly one
  such row). A display name is never taken for an id ("Codestral"), and a link slug is not an id.

Rows without an API id (a model never served under one) name nothing a use could match and are
skipped. Markdown and HTML pages read alike. Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from connectors import _table_reader
from connectors._deprecation import merge
from connectors._markdown import as_markdown
from connectors._tables import plain, tables
from connectors.contract.events import ParseResult
from connectors.contract.protocols import NO_HINTS, Hints, PolledConnector, single_document

PLATFORM = "mistral"

_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)[^)]*\)")
_CELL = re.compile(r"(?<!\\)\|")
_API_ID = re.compile(r"[a-z0-9][a-z0-9._:/@-]*")
_HEADER_SEPARATOR = re.compile(r"^\|?\s*:?-+")


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    text = as_markdown(body.decode("utf-8", errors="replace"))
    drafts, rows = _table_reader.read(text, platform=PLATFORM, url=url, hints=hints, fetched_at=fetched_at,
                                        source="mistral models table")
    names = _names(text, hints)
    for draft in drafts:
        row = names.by_id.get(draft.external_id)
        if row is not None:
            draft.extra.update(display_name=row.name or None, version=row.version or None)
            if row.name:
                draft.title = f"{draft.title} — {row.name} {row.version}".rstrip()
            mapped = names.replacement_ids(row)
            if mapped:
                draft.extra["replacement_models"] = mapped
                continue
        # the generic split takes a one-word display name ("Codestral") for an id: ids are lower-case
        draft.extra["replacement_models"] = [i for i in draft.extra.get("replacement_models", [])
                                             if _API_ID.fullmatch(i)]
    return ParseResult(drafts=merge(drafts), items_seen=rows, document="models")


@dataclass(frozen=True)
class _Row:
    api: str
    name: str  # display name, "Mistral Large 2.1"
    version: str
    page: str | None  # the model's own page, linked from its name
    alternative: str
    alternative_page: str | None


class _Names:
    """The page's own display name / model page -> API id correspondence."""

    def __init__(self, rows: list[_Row]) -> None:
        self.by_id = {r.api: r for r in reversed(rows)}  # the first row of an id speaks for it
        self._by_page = {r.page: r.api for r in rows if r.page}
        self._by_name: dict[str, set[str]] = {}
        for r in rows:
            self._by_name.setdefault(r.name.lower(), set()).add(r.api)

    def replacement_ids(self, row: _Row) -> list[str]:
        if row.alternative_page:
            found = self._by_page.get(row.alternative_page)
            return [found] if found else []
        named = self._by_name.get(row.alternative.lower(), set())
        return sorted(named) if len(named) == 1 else []


def _names(text: str, hints: Hints) -> _Names:
    """Every lifecycle table row with an API id: its display name, version, and the pages linked."""
    found: list[_Row] = []
    raw_rows = _raw_rows(text)
    for table in tables(text):
        cols = _table_reader.columns(table, hints)
        if cols is None:
            continue
        taken = (cols.model, cols.replacement, cols.end, cols.start)
        name_col = next((i for i, h in enumerate(table.header) if i not in taken and "model" in h.lower()), None)
        version_col = table.column("version")
        for row in table.rows:
            api = (row.code(cols.model) or [row.cell(cols.model)])[0].strip()
            if not api:
                continue
            raw = raw_rows.get(tuple(row.cells), [])
            found.append(_Row(api, row.cell(name_col).replace("↗", "").strip(), row.cell(version_col),
                              _href(raw, name_col), row.cell(cols.replacement), _href(raw, cols.replacement)))
    return _Names(found)


def _raw_rows(text: str) -> dict[tuple[str, ...], list[str]]:
    """Markdown table lines by their plain cells, so a row's links can be looked up."""
    out: dict[tuple[str, ...], list[str]] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("|") or _HEADER_SEPARATOR.match(stripped.replace(" ", "")):
            continue
        cells = [c.strip().replace("\\|", "|") for c in _CELL.split(stripped.strip("|"))]
        out.setdefault(tuple(plain(c) for c in cells), cells)
    return out


def _href(cells: list[str], index: int | None) -> str | None:
    if index is None or index >= len(cells):
        return None
    link = _LINK.search(cells[index])
    return link[2].rstrip("/") if link and link[2] else None


CONNECTOR = PolledConnector(kind="mistral-models", parse=parse, documents=single_document,
                            describes="Mistral models overview page: its deprecated & retired models table",
                            lifecycle=True)
