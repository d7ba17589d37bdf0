"""What a page says about all of its dates at once.

A deprecation page sometimes qualifies every date in its tables in one sentence: the Gemini API page
says its shutdown dates "indicate the earliest possible dates on which a model might be retired", the
Vertex AI page that retirement dates "won't be moved to an earlier date than what is listed". Such a
note, above or below a table or as a footnote on a header cell ("Shutdown date*"), turns every dated
row it covers into a floor (`deadline_earliest`). A note covers the tables of the section it stands in
(and that section's subsections); a note before the first section heading covers the whole page.

The prose of each section is also where a page says when it announced something ("On June 17, 2026,
we emailed users…"), when its headings carry another date (`announcement_dates`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from connectors._dom import ancestor, document
from connectors._dom import text as dom_text
from connectors._prefilter import Prefiltered
from connectors._tables import has_html_tables, plain
from connectors.contract.dates import parse_deadline

# "the dates … indicate the earliest possible dates", "dates are the earliest …", "no earlier than the
# dates listed", "retired at the earliest on the date shown", "won't be moved to an earlier date than
# what is listed": a sentence about dates in general.
_EARLIEST_NOTE = Prefiltered(
    r"\b(?:earliest possible|earliest (?:shutdown|retirement|deprecation)? ?dates?|no earlier than the date|"
    r"not (?:be )?(?:sooner|earlier) than the date|at the earliest|"
    r"(?:won't|will not|never|cannot|can't) be (?:moved|brought|pulled) (?:forward|(?:to )?an earlier date))\b",
    re.I, ("earli", "sooner", "moved", "brought", "pulled"))
# "On June 17, 2026, we emailed users to announce…", "On November 17th, 2025, we notified developers…"
_ANNOUNCED = Prefiltered(r"\b[Oo]n ([A-Z][a-z]{2,8}\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}),? (?:we|[A-Z][A-Za-z]+) "
                         r"(?:emailed|notified|announced|informed|told)\b", 0,
                         ("emailed", "notified", "announced", "informed", "told"))
_ABOUT_DATES = re.compile(r"\bdates?\b", re.I)
_FOOTNOTE_MARK = re.compile(r"([*†‡¹²³]+|\[\d\])\s*$")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z*_])")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_CONTAINERS = ("p", "div", "li", "table")


@dataclass(frozen=True)
class Note:
    scope: tuple[str, ...]  # the heading chain the note stands under; () = the whole page
    text: str
    marker: str | None = None  # a footnote marker ("*") that ties it to header cells


def _prose_lines(text: str) -> list[tuple[tuple[str, ...], str]]:
    """(heading chain, line) for every line of prose (not a table row, not a heading)."""
    out: list[tuple[tuple[str, ...], str]] = []
    if has_html_tables(text):
        return _html_prose(text)
    stack: list[tuple[int, str]] = []
    for line in text.splitlines():
        match = _HEADING.match(line)
        if match:
            level = len(match[1])
            stack = [(lvl, t) for lvl, t in stack if lvl < level] + [(level, plain(match[2]))]
            continue
        stripped = line.strip().lstrip(">").strip()
        if not stripped or stripped.startswith("|"):
            continue
        out.append((tuple(title for _, title in stack), plain(stripped)))
    return out


def _html_prose(text: str) -> list[tuple[tuple[str, ...], str]]:
    root = document(text)
    if root is None:
        return []
    out: list[tuple[tuple[str, ...], str]] = []
    stack: list[tuple[int, str]] = []
    for element in root.iter("h1", "h2", "h3", "h4", "p", "aside", "li", "div"):
        if element.tag[0] == "h":
            level = int(element.tag[1])
            stack = [(lvl, t) for lvl, t in stack if lvl < level] + [(level, plain(dom_text(element, " ")))]
            continue
        if ancestor(element, "table") is not None or next(element.iterdescendants(*_CONTAINERS), None) is not None:
            continue  # table cells and containers (their own paragraphs are visited)
        line = plain(dom_text(element, " "))
        if line:
            out.append((tuple(title for _, title in stack), line))
    return out


def earliest_notes(text: str) -> list[Note]:
    """The sentences of the page that make its dates floors, with the section each covers."""
    notes: list[Note] = []
    for scope, line in _prose_lines(text):
        if not _EARLIEST_NOTE.search(line):
            continue  # no sentence of the line can be such a note
        for sentence in _SENTENCE.split(line):
            if _EARLIEST_NOTE.search(sentence) and _ABOUT_DATES.search(sentence):
                marker = re.match(r"^([*†‡¹²³]+|\[\d\])\s*", sentence)
                notes.append(Note(scope, sentence.strip(), marker[1] if marker else None))
    return notes


def covers(note: Note, table_headings: list[str], header_cell: str) -> bool:
    """Whether `note` speaks for a table under `table_headings` read through `header_cell`."""
    if note.marker is not None:
        mark = _FOOTNOTE_MARK.search(header_cell)
        return bool(mark and mark[1] == note.marker)
    return tuple(table_headings[: len(note.scope)]) == note.scope


def announcement_dates(text: str) -> dict[tuple[str, ...], date | None]:
    """Per section (its heading chain), the day its prose says the provider announced what it lists
    ("On June 17, 2026, we emailed users…"), for pages whose headings carry another date (Groq's
    shutdown days); the section's first such sentence speaks. Read once per page: a table looks its
    chain up."""
    said: dict[tuple[str, ...], date | None] = {}
    for where, line in _prose_lines(text):
        if where not in said and (match := _ANNOUNCED.search(line)):
            said[where] = parse_deadline(match[1]).date
    return said
