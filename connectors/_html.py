"""Small text helpers the connectors share. Provider-free; no I/O."""

from __future__ import annotations

import re
import warnings

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag
from bs4.element import CData, NavigableString

_SPACES = re.compile(r"[ \t\u00a0]+")
_LINE_EDGES = re.compile(r" *\n[ \n]*")
_BLOCKS = frozenset({"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "tr"})
# the strings BeautifulSoup's get_text() gives: not comments, doctypes, nor what scripts, styles,
# templates and ruby annotations hold (each of those is a subclass)
_SHOWN = (NavigableString, CData)
_ASCII_SPACES = " \n\t\x0c\r"


def html_to_text(html: str, *, limit: int = 2000, drop: tuple[str, ...] = ()) -> str:
    """Readable plain text: block elements and <br> become line breaks, runs of spaces fold; `drop`
    names elements left out with all they hold."""
    if "<" in html or "&" in html:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
            soup = BeautifulSoup(html, "html.parser")
        parts: list[str] = []
        _text(soup, frozenset(drop), parts)
        text = "".join(parts)
    else:  # no markup (most feed titles): the one string BeautifulSoup would hold, without building it
        text = html if html.strip(_ASCII_SPACES) or not html else "\n" if "\n" in html else " "
    return clip(_LINE_EDGES.sub("\n", _SPACES.sub(" ", text)), limit)


def _text(node: Tag, drop: frozenset[str], parts: list[str]) -> None:
    """The strings under `node` in order, a line break after each block and for each <br>: one walk
    where BeautifulSoup's tree was searched three times and edited."""
    for child in node.children:
        if isinstance(child, Tag):
            if child.name in drop:
                continue
            if child.name == "br":
                parts.append("\n")
                continue
            _text(child, drop, parts)
            if child.name in _BLOCKS:
                parts.append("\n")
        elif type(child) in _SHOWN:
            parts.append(str(child))


def clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
