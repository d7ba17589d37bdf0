"""HTML pages as the Markdown the prose readers understand.

Providers publish the same notice page as Markdown (a `.md` variant, a docs mirror) or as HTML.
The prose readers (`_prose_reader`, the provider layers over it) read Markdown structure: `#`
headings, `*` list items indented by nesting depth, `code` spans, `**bold**`, `[links](href)`, `|`
tables and dated `<Update label=…>` blocks. `as_markdown` turns an HTML page into that shape and hands
Markdown back unchanged, so a connector reads both with one code path. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from lxml import etree  # type: ignore[import-untyped]  # lxml ships no type information

from connectors._dom import HIDDEN, Node, document, is_element
from connectors._dom import text as dom_text

# Block elements of a real HTML page; MDX components (<Note>, <Update>) in a `.md` page are not HTML.
_HTML = re.compile(r"<(?:p|h[1-6]|li|table|article|section|div|body)[\s>]")
_DROP = frozenset({"script", "style", "nav", "header", "footer", "button", "svg", "noscript", "template"})
_UNSEEN = HIDDEN | _DROP  # what an element's plain text (code, pre, labels) leaves out
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_LISTS = ("ul", "ol")
_BLOCKS = frozenset({*_HEADINGS, *_LISTS, "p", "table", "pre", "blockquote", "div", "section", "article", "main",
                     "aside", "details", "summary", "li", "dl", "dt", "dd", "hr", "figure", "body", "html", "update"})
_SPACES = re.compile(r"\s+")
_ASCII_SPACES = " \n\t\x0c\r"
_KEEP_SPACES = ("pre", "textarea")
_DOCTYPE = re.compile(r"<!doctype", re.I)

Content = str | Node  # a run of text, or an element


def is_html(text: str) -> bool:
    return bool(_HTML.search(text))


def as_markdown(text: str) -> str:
    """`text` itself when it is not HTML; else its article (or body) rendered as Markdown. Navigation,
    headers, footers, buttons, scripts and the like are left out, as if they were not there."""
    if not is_html(text):
        return text
    root = document(text)
    main = next((found for tag in ("article", "main", "body") if (found := _first(root, tag)) is not None), None)
    out: list[str] = []
    _blocks(_content(main) if main is not None else _top_level(root, text), out, 0)
    return "\n".join(out).strip() + "\n"


def _shown(node: Node) -> bool:
    return next(node.iterancestors(*_DROP), None) is None


def _first(root: Node | None, tag: str) -> Node | None:
    if root is None:
        return None
    return next((node for node in root.iter(tag) if _shown(node)), None)


def _top_level(root: Node | None, text: str) -> list[Content]:
    """A page with no article, main or body: its top-level nodes, the doctype's text first (as the
    whole document read as a block)."""
    if root is None:  # no element at all: lxml's tree keeps nothing, its parser still tells the rest
        parser = etree.HTMLParser(target=_Declarations(), recover=True)
        parser.feed(text)
        return list(parser.close())
    info = root.getroottree().docinfo
    doctype = [_doctype(info.root_name, info.public_id, info.system_url)] if _DOCTYPE.search(text) else []
    before = [_string(node) for node in reversed(list(root.itersiblings(preceding=True)))]
    return [*doctype, *before, root, *(_string(node) for node in root.itersiblings())]


class _Declarations:
    """The comments, doctype and instructions of a text without elements, as runs of text (lxml's
    parser target interface)."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def comment(self, text: str) -> None:
        self.found.append(_spaces(text, None))

    def doctype(self, name: str | None, public: str | None, system: str | None) -> None:
        self.found.append(_doctype(name, public, system))

    def pi(self, target: str, data: str | None) -> None:
        self.found.append(f"{target} {data or ''}")

    def data(self, data: str) -> None:
        self.found.append(_spaces(data, None))

    def start(self, tag: str, attributes: object) -> None:
        """No element reaches here (the tree would have a root)."""

    def end(self, tag: str) -> None:
        """As `start`."""

    def close(self) -> list[str]:
        return self.found


def _doctype(name: str | None, public: str | None, system: str | None) -> str:
    value = name or ""
    if public is not None:
        return value + f' PUBLIC "{public}"' + (f' "{system}"' if system is not None else "")
    return value + (f' SYSTEM "{system}"' if system is not None else "")


def _string(node: Node, parent: Node | None = None) -> str:
    """A comment or processing instruction as the run of text it is read as."""
    if hasattr(node, "target"):  # a processing instruction
        return _spaces(f"{node.target} {node.text or ''}", parent)
    return _spaces(node.text or "", parent)


def _spaces(value: str, parent: Node | None) -> str:
    """A run of nothing but spaces (or an empty comment) reads as one space, or as one line break when
    it holds one; in a <pre> or <textarea> it stays as it is."""
    if value.strip(_ASCII_SPACES) or (parent is not None and (
            parent.tag in _KEEP_SPACES or next(parent.iterancestors(*_KEEP_SPACES), None) is not None)):
        return value
    return "\n" if "\n" in value else " "


def _content(node: Node) -> Iterator[Content]:
    """What `node` holds, in order, left-out elements gone: runs of text (comments read as text) and
    elements. (A run of spaces is kept as it is: every line folds its spaces.)"""
    if node.text:
        yield node.text
    for child in node:
        if not is_element(child):
            yield _string(child, node)
        elif child.tag not in _DROP:
            yield child
        if child.tail:
            yield child.tail


def _inline(node: Content) -> str:
    """A run of inline content with its code spans, emphasis and links kept as Markdown."""
    if isinstance(node, str):
        return node
    tag = node.tag
    if tag == "code":
        return f"`{dom_text(node, hidden=_UNSEEN)}`"
    if tag == "br":
        return " "
    # `_content`, inlined: a page is mostly inline elements, and this runs once for each
    parts = [node.text] if node.text else []
    for child in node:
        if not isinstance(child.tag, str):
            parts.append(_string(child, node))
        elif child.tag not in _DROP:
            parts.append(_inline(child))
        if child.tail:
            parts.append(child.tail)
    inner = "".join(parts)
    if tag in ("strong", "b") and inner.strip():
        return f"**{inner.strip()}**"
    if tag == "a" and inner.strip():
        return f"[{inner.strip()}]({node.get('href') or ''})"
    if tag in _BLOCKS:
        return f" {inner} "
    return inner


def _fold(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _blocks(content: Iterable[Content], out: list[str], depth: int) -> None:
    run: list[str] = []  # inline content met directly inside a container

    def flush() -> None:
        line = _fold("".join(run))
        run.clear()
        if line:
            out.extend([line, ""])

    for child in content:
        if isinstance(child, str):
            run.append(child)
            continue
        if child.tag not in _BLOCKS:
            run.append(_inline(child))
            continue
        flush()
        if (label := _update_label(child)) is not None:
            out.append(f'<Update label="{label}">')
            _blocks(_content(child), out, depth)
            out.extend(["</Update>", ""])
        elif child.get("data-component-part") == "update-label":
            continue  # said by the <Update label=…> line
        elif child.tag in _HEADINGS:
            out.extend(["#" * _HEADINGS[child.tag] + " " + _fold(_inline(child)), ""])
        elif child.tag in _LISTS:
            _list(child, out, depth)
            out.append("")
        elif child.tag == "table":
            out.extend([*_table(child), ""])
        elif child.tag == "pre":
            out.extend(["```", dom_text(child, hidden=_UNSEEN).rstrip("\n"), "```", ""])
        elif child.tag == "blockquote":
            quoted: list[str] = []
            _blocks(_content(child), quoted, 0)
            out.extend([f"> {line}".rstrip() for line in quoted] + [""])
        elif child.tag == "p":
            out.extend([_fold(_inline(child)), ""])
        else:
            _blocks(_content(child), out, depth)
    flush()


def _update_label(node: Node) -> str | None:
    """A dated changelog block, as MDX writes it (`<Update label=…>`) or as Mintlify renders it (a
    `data-component-part="update"` block holding an `update-label`)."""
    if node.tag == "update" and node.get("label"):
        return str(node.get("label"))
    if node.get("data-component-part") != "update":
        return None
    label = next((found for found in node.iterdescendants()
                  if is_element(found) and found.get("data-component-part") == "update-label" and _shown(found)),
                 None)
    return _fold(dom_text(label, " ", _UNSEEN)) if label is not None else None


def _list(node: Node, out: list[str], depth: int) -> None:
    for item in node.iterchildren("li"):
        text = _fold("".join(_inline(c) for c in _content(item) if isinstance(c, str) or c.tag not in _LISTS))
        out.append("  " * depth + "* " + text)
        for nested in item.iterchildren(*_LISTS):
            _list(nested, out, depth + 1)


def _table(node: Node) -> list[str]:
    whole = next(node.iter(*_DROP), None) is None  # nothing left out inside: no cell needs a look up
    rows = [tr for tr in node.iter("tr") if next(tr.iterancestors("table")) is node and (whole or _shown(tr))]
    cells = [[_fold(_inline(c)).replace("|", "\\|") for c in tr.iter("th", "td") if whole or _shown(c)]
             for tr in rows]
    cells = [r for r in cells if r]
    if not cells:
        return []
    lines = ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * len(cells[0])]
    return lines + ["| " + " | ".join(r) + " |" for r in cells[1:]]
