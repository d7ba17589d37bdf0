"""any page whose tables list models with lifecycle dates, read by what the headers mean.

A table qualifies when it has a model column and at least one lifecycle date column. Headers are read
by meaning, not by exact text: "Shutdown date", "Retirement", "Offline Time", "End of life", "EOL",
"Sunset", "Discontinued" are the day a model stops answering (the deadline); "Deprecation date",
"Deprecated on", "Legacy", "No new customers" are an earlier milestone (kept as `deprecated_on`, the
deadline only when a table has nothing later). Replacement ("Replacement", "Recommended", "Alternative",
"Successor", "Redirect target") and status ("Status", "State", "Lifecycle") columns are read when there.
Of several model-like columns the one whose cells look like API ids wins ("API" beside a display-name
"Model"). The headings a table stands under are kept as context, and a page note that makes every date
a floor ("the dates … indicate the earliest possible dates") is applied to the tables it covers.

`[[sources]]` hints (`model_column`, `date_column`, `replacement_column`, `platform`) name the columns of
a page these rules cannot work out; a hinted column that is missing is a layout change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from connectors._deprecation import (
    deprecation,
    heading_date,
    is_lifecycle_only,
    lifecycle,
    replacement_models,
    replacement_text,
)
from connectors._models import is_model_id
from connectors._page_notes import Note, covers, earliest_notes
from connectors._tables import Row, Table, tables
from connectors.contract.dates import Deadline, parse_deadline
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft
from connectors.contract.protocols import NO_HINTS, Hints

_END = re.compile(r"\b(?:shut ?down|shutoff|retire(?:ment|d)?|offline|end[- ]of[- ](?:life|support)|eol|sunset|"
                  r"discontinu\w*|removal|removed|decommission\w*)\b", re.I)
_START = re.compile(r"\b(?:deprecat\w*|legacy|no new (?:customers|users|deployments))\b", re.I)
_NOT_A_DATE = re.compile(r"\b(?:model|replacement|reason|impact|notes?|notices?|status|upgrade|version|policy|"
                         r"type)\b", re.I)
# A page that says it has nothing to list (and so has no table) is quiet, not broken.
_NOTHING_PLANNED = re.compile(r"\bno (?:planned|scheduled|upcoming|current|announced) (?:model )?"
                              r"(?:deprecations|retirements|shutdowns)\b|\bno (?:models? (?:are|is) )?"
                              r"(?:currently )?(?:scheduled|planned) for (?:deprecation|retirement)\b", re.I)
_DATE_WORD = re.compile(r"\b(?:date|time|day|on|when|effective)\b", re.I)
_MODEL = re.compile(r"\b(?:model|api|slug|id|identifier|name|endpoint)\b", re.I)
_NOT_MODEL = re.compile(r"\b(?:replacement|recommended|alternative|successor|redirect|target|migrat\w*|"
                        r"instead|suggested|upgrade|new)\b", re.I)
_REPLACEMENT = re.compile(r"\b(?:replacement|recommended|alternative|successor|redirect|migrate|migration|"
                          r"suggested|upgrade|instead)\b", re.I)
_STATUS = re.compile(r"^(?:current )?(?:status|state|lifecycle(?: stage| status)?|stage)$", re.I)
_DATELESS_STATUS = {"active", "ga", "generally available", "available", "preview", "current", "live", "stable"}
_RETIRED_STATUS = re.compile(r"\b(?:retired|shut ?down|discontinued|removed|offline|end of life|eol)\b", re.I)
_ACTIVE_HEADING = re.compile(r"\b(?:active|available|current|stable|generally available)\b(?! (?:until|through))",
                             re.I)
_DEPRECATED_STATUS = re.compile(r"\b(?:deprecat\w*|legacy|sunset\w*)\b", re.I)


@dataclass(frozen=True)
class Columns:
    model: int
    end: int | None  # the day it stops answering
    start: int | None  # the day it was deprecated or went legacy
    replacement: int | None
    status: int | None


def _find(table: Table, name: str | None) -> int | None:
    if not name:
        return None
    wanted = name.strip().lower()
    exact = [i for i, h in enumerate(table.header) if h.strip().lower() == wanted]
    return exact[0] if exact else table.column(name)


def _id_share(table: Table, index: int) -> float:
    cells = [(row.code(index) or [row.cell(index)])[0] for row in table.rows if row.divider is None]
    cells = [c for c in cells if c]
    if not cells:
        return 0.0
    return sum(1 for c in cells if is_model_id(c) or re.fullmatch(r"[a-z0-9][a-z0-9._:/@-]*", c)) / len(cells)


def _is_date_header(header: str) -> bool:
    if not (_END.search(header) or _START.search(header)):
        return False
    return bool(_DATE_WORD.search(header)) or not _NOT_A_DATE.search(header)


def columns(table: Table, hints: Hints = NO_HINTS) -> Columns | None:
    """Which column means what; None when the table is not a lifecycle table."""
    header = table.header
    end = _find(table, hints.date_column)
    start = None
    if end is None:
        dated = [i for i, h in enumerate(header) if _is_date_header(h)]
        end = next((i for i in dated if _END.search(header[i])), None)
        # of several earlier milestones, deprecation speaks before "legacy" or "no new customers"
        earlier = [i for i in dated if i != end and _START.search(header[i]) and not _END.search(header[i])]
        start = next((i for i in earlier if "deprecat" in header[i].lower()), earlier[0] if earlier else None)
    if end is None and start is None:
        return None
    replacement = _find(table, hints.replacement_column)
    if replacement is None:
        replacement = next((i for i, h in enumerate(header) if i not in (end, start) and _REPLACEMENT.search(h)),
                           None)
    model = _find(table, hints.model_column)
    if model is None:
        candidates = [i for i, h in enumerate(header)
                      if i not in (end, start, replacement) and _MODEL.search(h) and not _NOT_MODEL.search(h)]
        if not candidates:
            return None
        model = max(candidates, key=lambda i: (_id_share(table, i), -i))
    status = next((i for i, h in enumerate(header) if i not in (model, end, start, replacement)
                   and _STATUS.match(h.strip())), None)
    return Columns(model, end, start, replacement, status)


def _model(row: Row, index: int) -> str:
    codes = row.code(index)
    if codes:
        return codes[0]
    return row.cell(index).replace("↗", "").strip()


def _status(row: Row, cols: Columns, table: Table, end: Deadline, fetched: datetime | None) -> str:
    """retired | deprecated | active | "" (the table does not say), from the row's status cell, else the
    headings the table stands under ("Deprecated & retired models", "Active models")."""
    text = row.cell(cols.status).lower() if cols.status is not None else ""
    if fetched is not None and end.date is not None and not end.earliest and end.date < fetched.date():
        return "retired"
    for said in (text, " ".join(table.headings).lower() if not text else ""):
        if _RETIRED_STATUS.search(said) and not _DEPRECATED_STATUS.search(said):
            return "retired"
        if _DEPRECATED_STATUS.search(said):
            return "deprecated"
        if said.strip() in _DATELESS_STATUS or _ACTIVE_HEADING.search(said):
            return "active"
    return ""


def read(text: str, *, platform: str, url: str, hints: Hints = NO_HINTS, fetched_at: datetime | None = None,
         source: str = "lifecycle table") -> tuple[list[EventDraft], int]:
    """Every lifecycle row of every qualifying table: (drafts before merging, rows seen). Raises
    LayoutChanged when no table qualifies."""
    found = tables(text)
    notes: list[Note] = earliest_notes(text)
    drafts: list[EventDraft] = []
    rows = 0
    qualifying = 0
    for table in found:
        cols = columns(table, hints)
        if cols is None:
            continue
        qualifying += 1
        date_header = table.header[cols.end if cols.end is not None else cols.start or 0]
        floor_note = next((n for n in notes if covers(n, table.headings, date_header)), None)
        announced = heading_date(table.heading)
        group = ""
        for row in table.rows:
            if row.divider is not None:
                group = row.divider
                continue
            model = _model(row, cols.model)
            if not model or model.lower() in ("model", "-"):
                continue
            rows += 1
            end = parse_deadline(row.cell(cols.end)) if cols.end is not None else Deadline(None, None, False, "")
            start = parse_deadline(row.cell(cols.start)) if cols.start is not None else None
            deadline = end if end.date is not None or start is None else start
            if floor_note is not None and deadline.date is not None and not deadline.earliest:
                deadline = Deadline(deadline.date, deadline.precision, True, deadline.raw)
            replacement = replacement_text(row.cell(cols.replacement)) if cols.replacement is not None else None
            status = _status(row, cols, table, deadline, fetched_at)
            context = {"table": " › ".join(table.headings) or None, "group": group or None,
                       "deprecated_on": start.iso if start is not None and deadline is not start else None,
                       "page_note": floor_note.text if floor_note is not None else None}
            if is_lifecycle_only(deadline, replacement, status):
                if deadline.date is not None:  # a live model's floor ("not sooner than")
                    drafts.append(lifecycle(platform=platform, model=model, url=url, deadline=deadline,
                                            status="active", extra=context))
                continue
            if deadline.date is None and not replacement and status != "retired":
                continue  # a dateless row nobody is asked to leave says nothing
            drafts.append(deprecation(
                platform=platform, model=model, deadline=deadline, url=url, replacement=replacement,
                replacement_ids=replacement_models(replacement, row.code(cols.replacement)),
                status="retired" if status == "retired" else "deprecated", announced=announced,
                extra={**context, "source": source},
            ))
    if not qualifying and _NOTHING_PLANNED.search(text):
        return [], 0  # "There are no planned deprecations at this time.": a quiet page, not a broken one
    if not qualifying:
        raise LayoutChanged("layout changed: no table with a model column and a lifecycle date column "
                            "(shutdown, retirement, deprecation, end of life…); name them with model_column "
                            "and date_column if the page uses other words")
    return drafts, rows
