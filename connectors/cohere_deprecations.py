"""`cohere-deprecations`: Cohere's deprecations page, and its models overview page when a source
points there.

The deprecations page's "Deprecation History" has one entry per announcement under a dated heading
("### 2026-04-04: Embed v2.0, Aya Expanse 8B"): notices in sentences and lists ("Effective April 4th,
2026, the following models will be retired:" + ids), sometimes a table (Shutdown Date | Deprecated
Model | Recommended Replacement). The prose and the tables are read by the generic readers; what is
Cohere's own is added here:

- The page's lifecycle terms: "Deprecated" means no new customers while existing users keep the model
  "until retirement", and "Shutdown" is the day requests fail. A notice that only *deprecates*
  ("the following deprecations will roll out", "Deprecated Models:") therefore gives no deadline: its
  date is kept as `deprecated_on`. A notice that retires or shuts down gives the deadline.
- Aliases written beside an id ("`command-r-03-2024` (and the alias `command-r`)") join its `models`.
- Ids are the page's code spans; a display name in prose ("the Rerank-v2.0 model family") is not one.
- Alternatives grouped by task ("Embedding tasks alternatives:" + ids, "Chat tasks alternatives:" +
  ids) go to the retired models of the same family (`embed-…` to the group holding `embed-…` ids); a
  model no group shares a family with gets the groups no retired model claimed.

The models overview page (`docs/models`) has a Status column: "Live", "Deprecated Sept 15, 2025",
"Retired Apr 4, 2026", and alias rows ("Alias for `command-r-03-2024`"). It is read when a source
names that page. It is not fetched beside the deprecations page by one source: two documents of one
source that describe the same model differently would revise the event back and forth whenever only
one of them changed. Pure.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from connectors import _prose_reader, _table_reader
from connectors._deprecation import deprecation, heading_date, merge
from connectors._markdown import as_markdown
from connectors._models import is_model_id
from connectors._tables import Table, headings, tables
from connectors.contract.dates import Deadline, normalize_text, parse_deadline
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, ParseResult
from connectors.contract.protocols import NO_HINTS, Hints, PolledConnector, single_document

PLATFORM = "cohere"

_SHUTDOWN = re.compile(r"\b(?:retir\w*|shut ?down|sunset\w*|discontinu\w*|no longer (?:be )?available|"
                       r"requests? (?:to \S+ )?will fail)\b", re.I)
_DEPRECATED = re.compile(r"\bdeprecat\w*\b", re.I)
_CODE = re.compile(r"`([^`\n]+)`")
_ALIAS = re.compile(r"`([^`\n]+)`\s*\((?:and )?(?:the )?alias(?:es)?\s+([^)]*)\)", re.I)
_ALIAS_OF = re.compile(r"^\s*alias (?:for|of)\b", re.I)
_OVER = re.compile(r"\b(?:retired|discontinued|removed)\b", re.I)
_ITEM = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_GROUP_CUE = re.compile(r"\b(?:alternatives?|replacements?|recommend\w*|migrat\w*)\b", re.I)


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    text = as_markdown(body.decode("utf-8", errors="replace"))
    dated = [title for _, title in headings(text) if heading_date(title) is not None]
    if dated:
        return _history(text, len(dated), url, fetched_at)
    status_tables = [t for t in tables(text) if t.column("status") is not None and t.column("model") is not None]
    if status_tables:
        return _models_page(status_tables, url, fetched_at)
    raise LayoutChanged("layout changed: expected Cohere's Deprecation History (headings like "
                        "'2026-04-04: Embed v2.0') or the models page's tables with a Status column")


def _history(text: str, entries: int, url: str, fetched_at: datetime | None) -> ParseResult:
    today = fetched_at.date() if fetched_at is not None else None
    codes = {normalize_text(c) for c in _CODE.findall(text)}
    aliases = _aliases(text)
    drafts: list[EventDraft] = []
    found, _ = _prose_reader.notices(text, today)
    for entry, notice in found:
        models = [m for m in notice.models if m in codes]
        groups = _groups(entry.lines)
        shutdown = bool(_SHUTDOWN.search(notice.sentence)) or not _DEPRECATED.search(notice.sentence)
        when = notice.deadline if shutdown else Deadline(None, None, False, "")
        over = when.date is not None and today is not None and when.date < today
        for model in models:
            ids = _replacements_for(model, models, groups) or notice.replacements
            drafts.append(deprecation(
                title=None if shutdown else _deprecated_title(model, notice.deadline),
                platform=PLATFORM, model=model, deadline=when, url=url,
                replacement=", ".join(ids) or notice.replacement_text, replacement_ids=[i for i in ids if i != model],
                status="retired" if shutdown and (notice.past or over) else "deprecated",
                announced=entry.announced, aliases=aliases.get(model, []),
                extra={"entry": entry.label or None, "notice": notice.sentence[:300],
                       "deprecated_on": None if shutdown else notice.deadline.iso, "source": "cohere deprecations"},
            ))
    found_tables = tables(text)
    readable = [t for t in found_tables if _table_reader.columns(t) is not None]
    unread = [t for t in found_tables if t not in readable
              and any(is_model_id(c) for row in t.rows for cell in row.codes for c in cell)]
    if unread:
        raise LayoutChanged(f"layout changed: a table lists models under '{unread[0].heading}' but has no "
                            "lifecycle date column (Shutdown Date) the reader recognises")
    table_drafts: list[EventDraft] = []
    rows = 0
    if readable:  # most announcements are prose only
        table_drafts, rows = _table_reader.read(text, platform=PLATFORM, url=url, fetched_at=fetched_at,
                                                  source="cohere deprecation table")
    for draft in table_drafts:
        draft.models = list(dict.fromkeys([*draft.models, *aliases.get(draft.external_id, [])]))
    # every model a notice names and every table row; at least the dated entries when none names one
    return ParseResult(drafts=merge([*drafts, *table_drafts]), items_seen=max(entries, len(drafts) + rows),
                       document="deprecations")


def _deprecated_title(model: str, since: Deadline) -> str:
    """Deprecated in Cohere's sense: closed to new customers, no shutdown date yet."""
    return f"{model} deprecated{f' since {since.iso}' if since.iso else ''} (no shutdown date announced)"


def _aliases(text: str) -> dict[str, list[str]]:
    """"`a` (and the alias `b`)" anywhere on the page: a -> [b]."""
    found: dict[str, list[str]] = {}
    for model, named in _ALIAS.findall(text):
        found.setdefault(normalize_text(model), []).extend(normalize_text(a) for a in _CODE.findall(named))
    return found


def _groups(lines: list[str]) -> list[list[str]]:
    """Nested alternatives ("* Chat tasks alternatives:" over indented `id` items), in page order."""
    groups: list[list[str]] = []
    open_group: list[str] | None = None
    intro = ""
    for line in lines:
        item = _ITEM.match(line.replace("\t", "    "))
        if item is None:
            if line.strip():
                intro, open_group = line, None
            continue
        nested, content = bool(item[1]), item[2].strip()
        if not nested:
            open_group = None
            if content.endswith(":") and (_GROUP_CUE.search(content) or _GROUP_CUE.search(intro)):
                open_group = []
                groups.append(open_group)
        elif open_group is not None:
            open_group.extend(normalize_text(c) for c in _CODE.findall(content))
    return [g for g in groups if g]


def _family(model: str) -> str:
    return model.split("-")[0].lower()


def _replacements_for(model: str, retired: list[str], groups: list[list[str]]) -> list[str]:
    """The alternatives group of the model's family; else the groups no retired model's family claims."""
    mine = [g for g in groups if any(_family(i) == _family(model) for i in g)]
    if not mine:
        families = {_family(m) for m in retired}
        mine = [g for g in groups if not any(_family(i) in families for i in g)]
    return list(dict.fromkeys(i for g in mine for i in g))


def _models_page(found: list[Table], url: str, fetched_at: datetime | None) -> ParseResult:
    """Rows whose Status says Deprecated or Retired (with the day it happened); alias rows fold into
    the row they name."""
    today = fetched_at.date() if fetched_at is not None else None
    rows: list[tuple[str, str, str | None]] = []  # (model, status cell, the model it is an alias of)
    for table in found:
        model_col, status_col, describe = table.column("model"), table.column("status"), table.column("description")
        for row in table.rows:
            model = (row.code(model_col) or [row.cell(model_col)])[0].strip()
            named = row.code(describe)
            alias_of = named[0] if named and _ALIAS_OF.match(row.cell(describe)) else None
            if model:
                rows.append((model, row.cell(status_col), alias_of))
    listed = {model for model, _, _ in rows}
    aliases: dict[str, list[str]] = {}
    for model, _, alias_of in rows:
        if alias_of is not None and alias_of in listed:
            aliases.setdefault(alias_of, []).append(model)
    drafts = [_status_row(model, status, url, today, aliases.get(model, []))
              for model, status, alias_of in rows if alias_of not in listed]
    return ParseResult(drafts=merge(d for d in drafts if d is not None), items_seen=len(rows), document="models")


def _status_row(model: str, status: str, url: str, today: date | None, aliases: list[str]) -> EventDraft | None:
    when = parse_deadline(status)
    extra = {"status_cell": status, "source": "cohere models"}
    if _SHUTDOWN.search(status):
        over = _OVER.search(status) or (when.date is not None and today is not None and when.date < today)
        return deprecation(platform=PLATFORM, model=model, deadline=when, url=url, aliases=aliases,
                           status="retired" if over else "deprecated", extra=extra)
    if _DEPRECATED.search(status):
        return deprecation(platform=PLATFORM, model=model, deadline=Deadline(None, None, False, ""), url=url,
                           aliases=aliases, title=_deprecated_title(model, when),
                           extra={**extra, "deprecated_on": when.iso})
    return None  # Live, Active, Legacy: nobody is asked to leave


CONNECTOR = PolledConnector(kind="cohere-deprecations", parse=parse, documents=single_document,
                            describes="Cohere deprecations page (.md variant or HTML); also its models page",
                            lifecycle=True)
