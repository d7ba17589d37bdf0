"""HTML pages as lxml trees, and the text of an element as the page readers take it. Pure.

The readers once built a BeautifulSoup tree over lxml's parser; building that Python tree was most of
the time spent on a 100 KB deprecation page (bench/parse_pages.py). lxml's own tree comes out of the
same parser fed the same way, so it holds the same elements; only text is kept differently: as an
element's `text` and each child's `tail` rather than as string nodes. `text` joins those pieces as
BeautifulSoup's `get_text` did, leaving out what it left out (scripts, styles, templates, ruby
annotations, comments), so every reader returns what it returned before
(tests/connectors/test_html_readers.py holds the BeautifulSoup readers as the reference).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lxml import etree  # type: ignore[import-untyped]  # lxml ships no type information

from connectors._memo import last_text

# An lxml element, comment or processing instruction (lxml ships no type information).
Node = Any

# Elements whose text no reader shows: BeautifulSoup's get_text() skipped it.
HIDDEN = frozenset({"script", "style", "template", "rt", "rp"})
# Every text node under an element, in document order (a comment's content is no text node). lxml
# serializes calls to one XPath object, so one serves every thread.
_TEXT_NODES = etree.XPath(".//text()", smart_strings=False)


@last_text  # the tables of a page, then the notes around them: one parse
def document(text: str) -> Node | None:
    """The page's root element; None when the text holds no element at all (comments only). The tree
    is shared by the readers of the page: read it, never change it."""
    parser = etree.HTMLParser(recover=True)
    # BeautifulSoup drops a byte-order mark, then feeds lxml the whole text at once, as here
    parser.feed(text[1:] if text.startswith("\ufeff") else text)
    try:
        return parser.close()
    except etree.XMLSyntaxError:
        return None


def is_element(node: Node) -> bool:
    """An element, not a comment or processing instruction (their `tag` is a function)."""
    return isinstance(node.tag, str)


def text(node: Node, separator: str = "", hidden: frozenset[str] = HIDDEN) -> str:
    """The text under `node`, its pieces joined with `separator` (BeautifulSoup's `get_text`); the
    subtrees of `hidden` elements and the content of comments are left out, and so is all of it when
    `node` stands inside a script, style, template or ruby annotation (a table in a <template>)."""
    if next(node.iterancestors(*HIDDEN), None) is not None:
        return ""
    if next(node.iter(*hidden), None) is None:
        return joined(node, separator)  # nothing under it to leave out: libxml2 gathers the text
    return separator.join(_pieces(node, hidden))


def clean(node: Node) -> bool:
    """Nothing above `node` nor under it is left out of text: `joined` reads its elements as `text`."""
    return next(node.iterancestors(*HIDDEN), None) is None and next(node.iter(*HIDDEN), None) is None


def joined(node: Node, separator: str = "") -> str:
    """`text` of an element of a `clean` subtree, its text nodes gathered by libxml2's XPath."""
    return separator.join(_TEXT_NODES(node))


def _pieces(node: Node, hidden: frozenset[str]) -> Iterator[str]:
    """The runs of text under `node` in document order, one per text node."""
    if node.text:
        yield node.text
    for child in node:
        if isinstance(child.tag, str) and child.tag not in hidden:
            yield from _pieces(child, hidden)
        if child.tail:
            yield child.tail


def ancestor(node: Node, tag: str) -> Node | None:
    """The nearest enclosing `tag` element of `node`."""
    return next(node.iterancestors(tag), None)
