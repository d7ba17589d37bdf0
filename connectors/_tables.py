"""Tables out of Markdown pages and HTML pages alike, with the headings above them.

Deprecation pages come as Markdown (`.md` variants, docs mirrors) or HTML; both give the same
`Table`, so a connector reads columns by header name and does not care which one it got. HTML is read
from lxml's tree (connectors/_dom.py); a page's tables are read once per parse (connectors/_memo.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from connectors._dom import Node, ancestor, clean, document, joined
from connectors._dom import text as dom_text
from connectors._memo import last_text
from connectors.contract.dates import normalize_text

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SEPARATOR = re.compile(r"^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_CODE = re.compile(r"`([^`]+)`")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_TAGS = re.compile(r"<[^>]+>")
_HTML_TABLE = re.compile(r"<table[\s>]", re.I)


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
    """A cell's text: links as their words, tags gone, normalized. (Most cells have neither: the checks
    before each substitution skip it.)"""
    if "](" in cell:
        cell = _LINK.sub(r"\1", cell)
    if "<" in cell:
        cell = _TAGS.sub(" ", cell)
    return normalize_text(cell)


def has_html_tables(text: str) -> bool:
    """Whether `text` is an HTML page with tables (read as HTML), not Markdown."""
    return bool(_HTML_TABLE.search(text))


def tables(text: str) -> list[Table]:
    """The tables of a page, in order. The `Table`s are shared by the readers of the page (a connector
    and the generic table reader under it read them once): read them, never change them."""
    return list(_read(text))


@last_text
def _read(text: str) -> list[Table]:
    if has_html_tables(text):
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
    if "\\" not in line:  # no escaped bar: a plain split
        return [cell.strip() for cell in line.split("|")]
    return [cell.strip().replace("\\|", "|") for cell in _CELL_SPLIT.split(line)]


def _codes(cell: str) -> list[str]:
    return [normalize_text(code) for code in _CODE.findall(cell)] if "`" in cell else []


def _markdown_tables(text: str) -> list[Table]:
    lines = text.splitlines()
    stack: list[tuple[int, str]] = []
    found: list[Table] = []
    # A page repeats its cells ("Deprecated", a shutdown day, "N/A") down its tables: each distinct cell
    # is read once per page.
    read: dict[str, str] = {}
    index = 0
    count = len(lines)
    while index < count:
        line = lines[index]
        # a heading starts with "#" and a table row with "|" (after spaces): other lines are neither
        heading = _HEADING.match(line) if line[:1] == "#" else None
        if heading:
            level = len(heading[1])
            stack = [(lvl, title) for lvl, title in stack if lvl < level] + [(level, plain(heading[2]))]
        elif index + 1 < count and line.lstrip()[:1] == "|" and _SEPARATOR.match(lines[index + 1].strip()):
            header = [plain(c) for c in _split(line)]
            rows: list[Row] = []
            index += 2
            while index < count and lines[index].lstrip()[:1] == "|":
                raw = _split(lines[index])
                cells = []
                for cell in raw:
                    known = read.get(cell)
                    if known is None:
                        known = read[cell] = plain(cell)
                    cells.append(known)
                rows.append(Row(cells, [_codes(c) if "`" in c else [] for c in raw]))
                index += 1
            found.append(Table([title for _, title in stack], header, rows))
            continue
        index += 1
    return found


def _html_tables(text: str) -> list[Table]:
    root = document(text)
    if root is None:
        return []
    found = []
    stack: list[tuple[int, str]] = []
    # One pass in document order: each table stands under the headings met before it.
    for element in root.iter("h1", "h2", "h3", "h4", "table"):
        if element.tag != "table":
            level = int(element.tag[1])
            stack = [(lvl, title) for lvl, title in stack if lvl < level]
            stack.append((level, normalize_text(dom_text(element, " "))))
            continue
        table = _html_table(element, [title for _, title in stack])
        if table is not None:
            found.append(table)
    return found


def _span(cell: Node) -> int:
    """A cell's colspan; a page's malformed one ("D", "2x") counts as 1, as browsers read it."""
    value = str(cell.get("colspan") or "1").strip()
    return int(value) if value.isdigit() else 1


def _html_table(table: Node, heading_chain: list[str]) -> Table | None:
    rows = [tr for tr in table.iter("tr") if ancestor(tr, "table") is table]  # not a nested table's
    if not rows:
        return None
    read = joined if clean(table) else dom_text  # most tables hold no script: read every cell in one walk
    coded = next(table.iter("code"), None) is not None  # else no cell needs a look for code
    header = [normalize_text(read(c, " ")) for c in rows[0].iter("th", "td")]
    body: list[Row] = []
    for tr in rows[1:]:
        cells = list(tr.iter("td", "th"))
        classes = (tr.get("class") or "").split()
        if len(cells) == 1 and _span(cells[0]) > 1:
            body.append(Row([], [], classes, divider=normalize_text(read(cells[0], " "))))
            continue
        body.append(Row([normalize_text(read(c, " ")) for c in cells],
                        [[normalize_text(read(code, "")) for code in c.iter("code")] if coded else [] for c in cells],
                        classes))
    return Table(heading_chain, header, body)
