"""HTML pages as the Markdown the prose readers understand.

Providers publish the same notice page as Markdown (a `.md` variant, a docs mirror) or as HTML.
The prose readers (`_prose_reader`, the provider layers over it) read Markdown structure: `#`
headings, `*` list items indented by nesting depth, `code` spans, `**bold**`, `[links](href)`, `|`
tables and dated `<Update label=…>` blocks. `as_markdown` turns an HTML page into that shape and hands
Markdown back unchanged, so a connector reads both with one code path. Pure.
"""

from __future__ import annotations

import re
import warnings

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag, XMLParsedAsHTMLWarning
from bs4.element import NavigableString

# Block elements of a real HTML page; MDX components (<Note>, <Update>) in a `.md` page are not HTML.
_HTML = re.compile(r"<(?:p|h[1-6]|li|table|article|section|div|body)[\s>]")
_DROP = ("script", "style", "nav", "header", "footer", "button", "svg", "noscript", "template")
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_LISTS = ("ul", "ol")
_BLOCKS = frozenset({*_HEADINGS, *_LISTS, "p", "table", "pre", "blockquote", "div", "section", "article", "main",
                     "aside", "details", "summary", "li", "dl", "dt", "dd", "hr", "figure", "body", "html", "update"})
_SPACES = re.compile(r"\s+")


def is_html(text: str) -> bool:
    return bool(_HTML.search(text))


def as_markdown(text: str) -> str:
    """`text` itself when it is not HTML; else its article (or body) rendered as Markdown."""
    if not is_html(text):
        return text
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)  # a feed is no page: it has no article either
        soup = BeautifulSoup(text, "lxml")
    for tag in soup.find_all(list(_DROP)):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    out: list[str] = []
    _blocks(root, out, 0)
    return "\n".join(out).strip() + "\n"


def _inline(node: Tag | NavigableString) -> str:
    """A run of inline content with its code spans, emphasis and links kept as Markdown."""
    if isinstance(node, NavigableString):
        return str(node)
    inner = "".join(_inline(child) for child in node.children if isinstance(child, Tag | NavigableString))
    if node.name == "code":
        return f"`{node.get_text()}`"
    if node.name in ("strong", "b") and inner.strip():
        return f"**{inner.strip()}**"
    if node.name == "a" and inner.strip():
        return f"[{inner.strip()}]({node.get('href') or ''})"
    if node.name == "br":
        return " "
    if node.name in _BLOCKS:
        return f" {inner} "
    return inner


def _fold(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _blocks(node: Tag, out: list[str], depth: int) -> None:
    run: list[str] = []  # inline content met directly inside a container

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
            run.append(_inline(child))
            continue
        flush()
        if (label := _update_label(child)) is not None:
            out.append(f'<Update label="{label}">')
            _blocks(child, out, depth)
            out.extend(["</Update>", ""])
        elif child.get("data-component-part") == "update-label":
            continue  # said by the <Update label=…> line
        elif child.name in _HEADINGS:
            out.extend(["#" * _HEADINGS[child.name] + " " + _fold(_inline(child)), ""])
        elif child.name in _LISTS:
            _list(child, out, depth)
            out.append("")
        elif child.name == "table":
            out.extend([*_table(child), ""])
        elif child.name == "pre":
            out.extend(["```", child.get_text().rstrip("\n"), "```", ""])
        elif child.name == "blockquote":
            quoted: list[str] = []
            _blocks(child, quoted, 0)
            out.extend([f"> {line}".rstrip() for line in quoted] + [""])
        elif child.name == "p":
            out.extend([_fold(_inline(child)), ""])
        else:
            _blocks(child, out, depth)
    flush()


def _update_label(node: Tag) -> str | None:
    """A dated changelog block, as MDX writes it (`<Update label=…>`) or as Mintlify renders it (a
    `data-component-part="update"` block holding an `update-label`)."""
    if node.name == "update" and node.get("label"):
        return str(node["label"])
    if node.get("data-component-part") != "update":
        return None
    label = node.select_one('[data-component-part="update-label"]')
    return _fold(label.get_text(" ")) if label is not None else None


def _list(node: Tag, out: list[str], depth: int) -> None:
    for item in node.find_all("li", recursive=False):
        text = _fold("".join(_inline(c) for c in item.children
                             if isinstance(c, NavigableString) or (isinstance(c, Tag) and c.name not in _LISTS)))
        out.append("  " * depth + "* " + text)
        for nested in item.find_all(list(_LISTS), recursive=False):
            _list(nested, out, depth + 1)


def _table(node: Tag) -> list[str]:
    rows = [tr for tr in node.find_all("tr") if tr.find_parent("table") is node]
    cells = [[_fold(_inline(c)).replace("|", "\\|") for c in tr.find_all(["th", "td"])] for tr in rows]
    cells = [r for r in cells if r]
    if not cells:
        return []
    lines = ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * len(cells[0])]
    return lines + ["| " + " | ".join(r) + " |" for r in cells[1:]]
