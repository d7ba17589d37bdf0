"""The HTML readers (tables, page-note prose, HTML as Markdown) read lxml's tree directly; they once
built a BeautifulSoup tree over the same parser, ten times slower. The BeautifulSoup readers are kept
here, as they were, as the reference: on every HTML page we have (the HTML captures, the HTML parts of
the provider mails, every Markdown capture served as HTML) and on generated HTML full of the awkward
parts (comments, nested tables, scripts, left-out elements, spacing, malformed spans), both must give
the same `Table`s (headings, header, rows, codes, classes, divider rows), the same prose lines and the
same Markdown. Generated cases are derandomized: raise `max_examples` locally to search wider.
"""

from __future__ import annotations

import email
import re
import warnings
from email import policy
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag, XMLParsedAsHTMLWarning
from bs4.element import NavigableString
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors import _markdown, _page_notes, _tables
from connectors._tables import Row, Table, plain
from connectors.contract.dates import normalize_text
from tests.connectors.provider_pages import html_page

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _soup(text: str) -> BeautifulSoup:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(text, "lxml")


# --- the BeautifulSoup readers, as they were ---------------------------------------------------

def reference_tables(text: str) -> list[Table]:
    found, stack = [], []
    for element in _soup(text).find_all(["h1", "h2", "h3", "h4", "table"]):
        if element.name != "table":
            level = int(element.name[1])
            stack = [(lvl, title) for lvl, title in stack if lvl < level] + [
                (level, normalize_text(element.get_text(" ")))]
            continue
        rows = [tr for tr in element.find_all("tr") if tr.find_parent("table") is element]
        if not rows:
            continue
        header = [normalize_text(c.get_text(" ")) for c in rows[0].find_all(["th", "td"])]
        body: list[Row] = []
        for tr in rows[1:]:
            cells = tr.find_all(["td", "th"])
            classes = list(tr.get("class") or [])
            span = str(cells[0].get("colspan") or "1").strip() if len(cells) == 1 else "1"
            if len(cells) == 1 and (int(span) if span.isdigit() else 1) > 1:
                body.append(Row([], [], classes, divider=normalize_text(cells[0].get_text(" "))))
                continue
            body.append(Row([normalize_text(c.get_text(" ")) for c in cells],
                            [[normalize_text(code.get_text()) for code in c.find_all("code")] for c in cells],
                            classes))
        found.append(Table([title for _, title in stack], header, body))
    return found


def reference_prose(text: str) -> list[tuple[tuple[str, ...], str]]:
    out, stack = [], []
    for element in _soup(text).find_all(["h1", "h2", "h3", "h4", "p", "aside", "li", "div"]):
        if element.name[0] == "h" and element.name[1:].isdigit():
            level = int(element.name[1])
            stack = [(lvl, t) for lvl, t in stack if lvl < level] + [(level, plain(element.get_text(" ")))]
            continue
        if element.find_parent("table") is not None or element.find(["p", "div", "li", "table"]) is not None:
            continue
        line = plain(element.get_text(" "))
        if line:
            out.append((tuple(title for _, title in stack), line))
    return out


_DROP = ("script", "style", "nav", "header", "footer", "button", "svg", "noscript", "template")
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = frozenset({*_HEADINGS, "ul", "ol", "p", "table", "pre", "blockquote", "div", "section", "article", "main",
                     "aside", "details", "summary", "li", "dl", "dt", "dd", "hr", "figure", "body", "html", "update"})


def reference_markdown(text: str) -> str:
    if not _markdown.is_html(text):
        return text
    soup = _soup(text)
    for tag in soup.find_all(list(_DROP)):
        tag.decompose()
    out: list[str] = []
    _ref_blocks(soup.find("article") or soup.find("main") or soup.body or soup, out, 0)
    return "\n".join(out).strip() + "\n"


def _ref_inline(node: Tag | NavigableString) -> str:
    if isinstance(node, NavigableString):
        return str(node)
    inner = "".join(_ref_inline(child) for child in node.children if isinstance(child, Tag | NavigableString))
    if node.name == "code":
        return f"`{node.get_text()}`"
    if node.name in ("strong", "b") and inner.strip():
        return f"**{inner.strip()}**"
    if node.name == "a" and inner.strip():
        return f"[{inner.strip()}]({node.get('href') or ''})"
    if node.name == "br":
        return " "
    return f" {inner} " if node.name in _BLOCKS else inner


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _ref_blocks(node: Tag, out: list[str], depth: int) -> None:
    run: list[str] = []

    def flush() -> None:
        line = _fold("".join(run))
        run.clear()
        if line:
            out.extend([line, ""])

    for child in node.children:
        if isinstance(child, NavigableString):
            run.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        if child.name not in _BLOCKS:
            run.append(_ref_inline(child))
            continue
        flush()
        label = None
        if child.name == "update" and child.get("label"):
            label = str(child["label"])
        elif child.get("data-component-part") == "update":
            found = child.select_one('[data-component-part="update-label"]')
            label = _fold(found.get_text(" ")) if found is not None else None
        if label is not None:
            out.append(f'<Update label="{label}">')
            _ref_blocks(child, out, depth)
            out.extend(["</Update>", ""])
        elif child.get("data-component-part") == "update-label":
            continue
        elif child.name in _HEADINGS:
            out.extend(["#" * _HEADINGS[child.name] + " " + _fold(_ref_inline(child)), ""])
        elif child.name in ("ul", "ol"):
            _ref_list(child, out, depth)
            out.append("")
        elif child.name == "table":
            rows = [tr for tr in child.find_all("tr") if tr.find_parent("table") is child]
            cells = [r for r in ([_fold(_ref_inline(c)).replace("|", "\\|") for c in tr.find_all(["th", "td"])]
                                 for tr in rows) if r]
            if cells:
                out.extend(["| " + " | ".join(cells[0]) + " |", "|" + "---|" * len(cells[0])])
                out.extend("| " + " | ".join(r) + " |" for r in cells[1:])
            out.append("")
        elif child.name == "pre":
            out.extend(["```", child.get_text().rstrip("\n"), "```", ""])
        elif child.name == "blockquote":
            quoted: list[str] = []
            _ref_blocks(child, quoted, 0)
            out.extend([f"> {line}".rstrip() for line in quoted] + [""])
        elif child.name == "p":
            out.extend([_fold(_ref_inline(child)), ""])
        else:
            _ref_blocks(child, out, depth)
    flush()


def _ref_list(node: Tag, out: list[str], depth: int) -> None:
    for item in node.find_all("li", recursive=False):
        text = _fold("".join(_ref_inline(c) for c in item.children
                             if isinstance(c, NavigableString) or (isinstance(c, Tag) and c.name not in ("ul", "ol"))))
        out.append("  " * depth + "* " + text)
        for nested in item.find_all(["ul", "ol"], recursive=False):
            _ref_list(nested, out, depth + 1)


# --- the pages ---------------------------------------------------------------------------------

def _mail_html(path: Path) -> list[str]:
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    return [part.get_content() for part in message.walk() if part.get_content_type() == "text/html"]


def _pages() -> list[tuple[str, str]]:
    pages = [(p.name, p.read_text(errors="replace")) for p in sorted(FIXTURES.rglob("*.htm*"))]
    pages += [(f"{p.name} (HTML part {n})", html) for p in sorted(FIXTURES.rglob("*.eml"))
              for n, html in enumerate(_mail_html(p))]
    pages += [(f"{p.name} served as HTML", html_page(p.read_bytes()).decode()) for p in sorted(FIXTURES.rglob("*.md"))
              if p.name != "SOURCES.md"]
    return pages


PAGES = _pages()


def test_the_pages_cover_every_html_capture_and_mail() -> None:
    names = [name for name, _ in PAGES]
    assert "platform_page_2025_html.html" in names and "deprecations_article_body.html" in names
    assert sum("HTML part" in name for name in names) >= 5
    assert sum(" served as HTML" in name for name in names) >= 30


@pytest.mark.parametrize(("name", "text"), PAGES, ids=[name for name, _ in PAGES])
def test_the_readers_read_every_page_as_beautifulsoup_did(name: str, text: str) -> None:
    assert _tables._html_tables(text) == reference_tables(text)
    assert _page_notes._html_prose(text) == reference_prose(text)
    assert _markdown.as_markdown(text) == reference_markdown(text)


def test_the_big_pages_have_their_tables() -> None:
    """Not vacuous: the comparison above runs over real tables, divider rows and classes."""
    page = dict(PAGES)["platform_page_2025_html.html"]
    found = _tables._html_tables(page)
    assert len(found) == 23 and sum(len(t.rows) for t in found) == 76
    assert found[0].headings == ["Deprecations", "Deprecation history", "2025-09-26: Legacy GPT model snapshots"]
    assert sum(1 for t in found for row in t.rows if any(row.codes)) > 50
    gemini = _tables._html_tables(dict(PAGES)["deprecations_article_body.html"])
    assert any(row.classes for t in gemini for row in t.rows) and any(row.divider for t in gemini for row in t.rows)


_PIECES = st.sampled_from([
    "<table>", "</table>", "<tr>", "<tr class='row-gray  x'>", "<tr class=''>", "</tr>", "<td>", "<th>",
    "<td colspan='3'>", "<td colspan=' 2 '>", "<td colspan='2x'>", "</td>", "</th>", "<code>", "</code>",
    "<h1>", "<h2>", "<h3>", "<h4>", "<h5>", "</h2>", "</h3>", "<p>", "</p>", "<div>", "</div>", "<li>", "<ul>",
    "</ul>", "<ol>", "</li>", "<aside>", "<pre>", "</pre>", "<script>var a='<p>x</p>';</script>",
    "<style>p{}</style>", "<template><p>t</p></template>", "<nav>menu</nav>", "<header>", "</header>",
    "<button>Copy</button>", "<svg><text>s</text></svg>", "<noscript>n</noscript>", "<span>", "</span>",
    "<strong>", "</strong>", "<b> </b>", "<a href='/x'>", "</a>", "<br>", "<br/>", "<article>", "</article>",
    "<main>", "<body>", "<update label='May 2026'>", "</update>", "<div data-component-part='update'>",
    "<span data-component-part='update-label'>", "<ruby>x<rt>rt</rt><rp>(</rp></ruby>", "<textarea>",
    "<blockquote>", "</blockquote>", "<!---->", "<!-- -->", "<!--\n-->", "<!--c-->",
    "<small>", "</small>", "a", "Model", "`gpt-4o`", "2026-01-01", " ", "  ", "\n", "\n\n", "\t", "\r\n", "\xa0",
    "&amp;", "&lt;b&gt;", "|", "*", "_x_", "[link](u)", "Shutdown date*", "— ", "ｇｐｔ", "\ufeff",
    "<caption>c</caption>", "<thead>", "<tbody>", "<td><table><tr><td>in</td></tr></table>", "<?php x ?>",
    "<![CDATA[x]]>", "&#x2013;", "&bogus;", "<", ">", "</", "</<table>", "<p/>", "<rt><code>c</code></rt>",
    "<template><table><tr><td>t</td></tr></table></template>", "<div data-component-part='update-label'>",
])


@settings(max_examples=300, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(["", "<!DOCTYPE html>\n", "<!doctype html SYSTEM 'about:legacy-compat'>"]),
       st.lists(_PIECES, max_size=40).map("".join))
def test_generated_html_reads_as_beautifulsoup_read_it(doctype: str, body: str) -> None:
    """A doctype only where pages have one: BeautifulSoup read one met inside the body as the word
    "html" in the text; lxml's tree leaves such a misplaced declaration out."""
    text = doctype + body
    assert _tables._html_tables(text) == reference_tables(text)
    assert _page_notes._html_prose(text) == reference_prose(text)
    page = text if _markdown.is_html(text) else doctype + "<p>" + body
    assert _markdown.as_markdown(page) == reference_markdown(page)
