"""`moonshot-models`: the Kimi (Moonshot AI) model list, what it says about models leaving.

The page lists models in tables per section ("Multi-modal Model", "Generation Model Moonshot V1",
"Deprecated Models") and says what retires in notes and quotes:

- a Note: "`kimi-k2.5` and the `moonshot-v1` series are no longer available to newly registered users
  (full platform sunset on August 31)": the sunset day is the deadline (no year given: the first such
  day on or after the newest date the page mentions, or the one nearest the fetch), the closing to new
  users an earlier milestone kept in `extra`;
- quotes above and below the "Deprecated Models" table: "The `kimi-k2` series models were officially
  discontinued on **May 25, 2026**", "`kimi-latest` was officially discontinued on **January 28, 2026**",
  each followed by the model to use instead;
- the table's rows, described as "Deprecated".

Each note or quote is read on its own by the generic prose reader (so a quote's replacement stays
with it). What is Moonshot's own: "the `x` series" means the ids the page lists that start with
`x-` (`kimi-k2-0905-preview`, not `kimi-k2.5`), looked for in the tables of the section the sentence
stands in (the whole page for a note above every section); a row of a deprecated-models table no
sentence dates is still a deprecation, without a deadline. Markdown and HTML pages read alike. Pure.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from connectors import _prose_reader
from connectors._deprecation import deprecation, merge
from connectors._markdown import as_markdown
from connectors._tables import Table, plain, tables
from connectors.contract.dates import Deadline, normalize_text, parse_deadline
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, ParseResult
from connectors.contract.protocols import NO_HINTS, Hints, PolledConnector, single_document

PLATFORM = "moonshot"

_HEADING = re.compile(r"^\s*(#{1,6})\s+(.*?)\s*#*\s*$")
_GONE_SECTION = re.compile(r"\b(?:deprecat\w*|retired|discontinued|legacy|sunset)\b", re.I)
_GONE_CELL = re.compile(r"^\s*(?:deprecated|retired|discontinued|offline|sunset)\b", re.I)
_NEW_USERS = re.compile(r"\bno longer available to (?:newly registered|new) (?:users|customers)\b", re.I)
_MONTH_DAY = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}"
                        r"(?:st|nd|rd|th)?\b(?!,?\s*\d{4})", re.I)
_FULL_DATE = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}"
                        r"(?:st|nd|rd|th)?,?\s+\d{4}\b|\b\d{4}-\d{2}-\d{2}\b", re.I)


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    text = as_markdown(body.decode("utf-8", errors="replace"))
    listed = [t for t in tables(text) if t.column("model") is not None]
    if not listed:
        raise LayoutChanged("layout changed: no model table ('Model Name' column) on the Kimi model list")
    today = fetched_at.date() if fetched_at is not None else None
    newest = max((d for m in _FULL_DATE.finditer(text) if (d := parse_deadline(m[0]).date)), default=None)
    drafts: list[EventDraft] = []
    for section, paragraph in _paragraphs(text):
        found, _ = _prose_reader.notices(paragraph, today)
        for _, notice in found:
            deadline = notice.deadline if notice.deadline.date else _year_less(notice.sentence, newest)
            over = deadline.date is not None and today is not None and deadline.date < today
            extra = {"notice": notice.sentence[:300], "section": " › ".join(section) or None,
                     "source": "kimi model list"}
            if _NEW_USERS.search(notice.sentence):
                extra["milestone"] = "no longer available to newly registered users"
            for model in (m for named in [*notice.models, *notice.families]
                          for m in _expand(named, notice.sentence, section, listed)):
                drafts.append(deprecation(
                    platform=PLATFORM, model=model, deadline=deadline, url=url,
                    replacement=", ".join(notice.replacements) or notice.replacement_text,
                    replacement_ids=[r for r in notice.replacements if r != model],
                    status="retired" if notice.past or over else "deprecated", extra=extra))
    rows = 0
    for table in listed:
        model_col = table.column("model")
        for row in table.rows:
            model = (row.code(model_col) or [row.cell(model_col)])[0].strip()
            rows += 1
            gone = any(_GONE_CELL.match(c) for i, c in enumerate(row.cells) if i != model_col)
            dated = {d.external_id for d in drafts}
            if model and model not in dated and (gone or _GONE_SECTION.search(table.heading)):
                drafts.append(deprecation(
                    platform=PLATFORM, model=model, deadline=Deadline(None, None, False, ""), url=url,
                    extra={"section": " › ".join(table.headings) or None, "source": "kimi model list"}))
    merged = merge(drafts)
    # the tables' rows, or more when the notes name models no table lists
    return ParseResult(drafts=merged, items_seen=max(rows, len(merged)), document="models")


def _paragraphs(text: str) -> list[tuple[tuple[str, ...], str]]:
    """(heading chain, paragraph) for every run of prose lines; quotes lose their `>`."""
    out: list[tuple[tuple[str, ...], str]] = []
    stack: list[tuple[int, str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            out.append((tuple(title for _, title in stack), "\n".join(run)))
            run.clear()

    for line in text.splitlines():
        heading = _HEADING.match(line)
        stripped = line.strip().lstrip(">").strip()
        if heading or not stripped or stripped.startswith("|"):
            flush()
        if heading:
            level = len(heading[1])
            stack = [(lvl, t) for lvl, t in stack if lvl < level] + [(level, plain(heading[2]))]
        elif stripped and not stripped.startswith("|"):
            run.append(stripped)
    flush()
    return out


def _expand(named: str, sentence: str, section: tuple[str, ...], listed: list[Table]) -> list[str]:
    """A series ("the `kimi-k2` series") is the listed ids under it; an id stands for itself."""
    ids = [(t, (r.code(t.column("model")) or [r.cell(t.column("model"))])[0].strip()) for t in listed for r in t.rows]
    if not re.search(rf"{re.escape(named)}\s+series\b", sentence, re.I) and named in {i for _, i in ids}:
        return [named]
    scoped = [i for t, i in ids if not section or tuple(t.headings[: len(section)]) == section]
    members = [i for i in scoped if i.startswith(f"{named}-")]
    return list(dict.fromkeys(members)) or [named]


def _year_less(sentence: str, newest: date | None) -> Deadline:
    """"sunset on August 31" with no year: the first such day on or after the newest dated fact."""
    match = _MONTH_DAY.search(normalize_text(sentence))
    if match is None or newest is None:
        return Deadline(None, None, False, "")
    for year in (newest.year, newest.year + 1):
        day = parse_deadline(f"{match[0]}, {year}").date
        if day is not None and day >= newest:
            return Deadline(day, "day", False, match[0])
    return Deadline(None, None, False, "")


CONNECTOR = PolledConnector(kind="moonshot-models", parse=parse, documents=single_document,
                            describes="Kimi (Moonshot AI) model list: notes, quotes and the deprecated models table",
                            lifecycle=True)
