"""Small text helpers the connectors share. Provider-free; no I/O."""

from __future__ import annotations

import re
import warnings

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

_SPACES = re.compile(r"[ \t\u00a0]+")
_LINE_EDGES = re.compile(r" *\n[ \n]*")
_BLOCKS = ("p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "tr")


def html_to_text(html: str, *, limit: int = 2000, drop: tuple[str, ...] = ()) -> str:
    """Readable plain text: block elements and <br> become line breaks, runs of spaces fold."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(list(drop)):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(list(_BLOCKS)):
        block.insert_after("\n")
    text = _LINE_EDGES.sub("\n", _SPACES.sub(" ", soup.get_text()))
    return clip(text, limit)


def clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
