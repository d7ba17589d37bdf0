"""Tables out of Markdown pages and HTML pages alike, with the headings above them.

Deprecation pages come as Markdown (`.md` variants, docs mirrors) or HTML; both give the same
`Table`, so a connector reads columns by header name and does not care which one it got.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag

from connectors.contract.dates import normalize_text

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SEPARATOR = re.compile(r"^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_CODE = re.compile(r"`([^`]+)`")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_TAGS = re.compile(r"<[^>]+>")


@dataclass
class Row:
    cells: list[str]  # plain text per column
    codes: list[list[str]]  # `code` spans per column (ids are usually written as code)
    classes: list[str] = field(default_factory=list)  # HTML <tr class>, e.g. "row-gray"
    divider: str | None = None  # a full-width row that only labels the rows below it

    def cell(self, index: int | None) -> str:
        return self.cells[index] if index is not None and index < len(self.cells) else ""

    def code(self, index: int | None) -> list[str]:
        return self.codes[index] if index is not None and index < len(self.codes) else []


@dataclass
class Table:
    headings: list[str]  # the headings it stands under, outermost first
    header: list[str]
    rows: list[Row]

    def column(self, *names: str) -> int | None:
        """The first column whose header contains one of `names`, ignoring case."""
        lowered = [h.lower() for h in self.header]
        for name in names:
            for index, header in enumerate(lowered):
                if name.lower() in header:
                    return index
        return None

    @property
    def heading(self) -> str:
        return self.headings[-1] if self.headings else ""


def plain(cell: str) -> str:
    return normalize_text(_TAGS.sub(" ", _LINK.sub(r"\1", cell)))


def tables(text: str) -> list[Table]:
    if re.search(r"<table[\s>]", text, re.I):
        return _html_tables(text)
    return _markdown_tables(text)


def headings(text: str) -> list[tuple[int, str]]:
    """Markdown headings in order, as (level, plain text)."""
    found = []
    for line in text.splitlines():
        match = _HEADING.match(line)
        if match:
            found.append((len(match[1]), plain(match[2])))
    return found


def _split(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [cell.strip().replace("\\|", "|") for cell in _CELL_SPLIT.split(line)]


def _markdown_tables(text: str) -> list[Table]:
    lines = text.splitlines()
    stack: list[tuple[int, str]] = []
    found: list[Table] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        heading = _HEADING.match(line)
        if heading:
            level = len(heading[1])
            stack = [(lvl, title) for lvl, title in stack if lvl < level] + [(level, plain(heading[2]))]
        elif line.lstrip().startswith("|") and index + 1 < len(lines) and _SEPARATOR.match(lines[index + 1].strip()):
            header = [plain(c) for c in _split(line)]
            rows: list[Row] = []
            index += 2
            while index < len(lines) and lines[index].lstrip().startswith("|"):
                raw = _split(lines[index])
                rows.append(Row([plain(c) for c in raw], [[normalize_text(x) for x in _CODE.findall(c)] for c in raw]))
                index += 1
            found.append(Table([title for _, title in stack], header, rows))
            continue
        index += 1
    return found


def _html_tables(text: str) -> list[Table]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(text, "lxml")
    found = []
    stack: list[tuple[int, str]] = []
    # One pass in document order: each table stands under the headings met before it.
    for element in soup.find_all(["h1", "h2", "h3", "h4", "table"]):
        if element.name != "table":
            level = int(element.name[1])
            stack = [(lvl, title) for lvl, title in stack if lvl < level]
            stack.append((level, normalize_text(element.get_text(" "))))
            continue
        table = _html_table(element, [title for _, title in stack])
        if table is not None:
            found.append(table)
    return found


def _span(cell: Tag) -> int:
    """A cell's colspan; a page's malformed one ("D", "2x") counts as 1, as browsers read it."""
    value = str(cell.get("colspan") or "1").strip()
    return int(value) if value.isdigit() else 1


def _html_table(table: Tag, heading_chain: list[str]) -> Table | None:
    rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    if not rows:
        return None
    header = [normalize_text(c.get_text(" ")) for c in rows[0].find_all(["th", "td"])]
    body: list[Row] = []
    for tr in rows[1:]:
        cells = tr.find_all(["td", "th"])
        classes = list(tr.get("class") or [])
        if len(cells) == 1 and _span(cells[0]) > 1:
            body.append(Row([], [], classes, divider=normalize_text(cells[0].get_text(" "))))
            continue
        body.append(Row([normalize_text(c.get_text(" ")) for c in cells],
                        [[normalize_text(code.get_text()) for code in c.find_all("code")] for c in cells],
                        classes))
    return Table(heading_chain, header, body)
