"""`html_to_text` reads BeautifulSoup's tree in one walk (and text without markup without a tree);
it once searched the tree three times and edited it. The way it was is kept here as the reference: on
every HTML snippet the feeds, the Statuspage objects and Azure Service Health hold, and on generated
snippets full of the awkward parts, both give the same text."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors._html import html_to_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
_BLOCKS = ("p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "tr")


def reference(html: str, *, limit: int = 2000, drop: tuple[str, ...] = ()) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(list(drop)):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(list(_BLOCKS)):
        block.insert_after("\n")
    text = re.sub(r" *\n[ \n]*", "\n", re.sub(r"[ \t\u00a0]+", " ", soup.get_text())).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _snippets() -> list[str]:
    found: list[str] = []
    for path in sorted(FIXTURES.rglob("*")):
        if path.suffix in (".xml", ".atom", ".rss"):
            for entry in feedparser.parse(path.read_bytes()).entries:
                found += [entry.get("title") or "", entry.get("summary") or ""]
                found += [c.get("value") or "" for c in entry.get("content") or []]
        elif path.suffix == ".json":
            try:
                found += [s for s in _strings(json.loads(path.read_bytes())) if "<" in s or "&" in s]
            except ValueError:
                continue
    return found


SNIPPETS = _snippets()


def test_the_snippets_hold_markup() -> None:
    assert len(SNIPPETS) > 40 and sum("<p>" in s for s in SNIPPETS) > 10


@pytest.mark.parametrize("drop", [(), ("small",)])
def test_every_recorded_snippet_reads_as_before(drop: tuple[str, ...]) -> None:
    for snippet in SNIPPETS:
        assert html_to_text(snippet, drop=drop) == reference(snippet, drop=drop), snippet
        assert html_to_text(snippet, limit=40, drop=drop) == reference(snippet, limit=40, drop=drop), snippet


_PIECES = st.sampled_from([
    "<p>", "</p>", "<br>", "<br/>", "</br>", "<div>", "</div>", "<li>", "<ul>", "</ul>", "<tr>", "<td>", "<hr>",
    "<h2>", "</h2>", "<small>", "</small>", "<strong>", "</strong>", "<b>", "<span>", "</span>", "<a href='x'>",
    "</a>", "<script>x<p>y</script>", "<style>p{}</style>", "<template><p>t</p><br></template>", "<pre>",
    "</pre>", "<textarea>", "<ruby>r<rt>t</rt></ruby>", "<!--c-->", "<!---->", "<![CDATA[cd]]>", "<!DOCTYPE html>",
    "<?pi x?>", "&amp;", "&nbsp;", "&#8212;", "&#128;", "&bogus;", "&", "<", ">", " ", "  ", "\n", "\r\n", "\t",
    "\xa0", "text", "Resolved", " - ", "Status: Investigating",
])


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=3)), max_size=30).map("".join),
       st.sampled_from([(), ("small",), ("small", "p")]))
def test_generated_snippets_read_as_before(snippet: str, drop: tuple[str, ...]) -> None:
    assert html_to_text(snippet, drop=drop) == reference(snippet, drop=drop)
