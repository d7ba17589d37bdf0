"""A page is read once per parse (`connectors/_memo.py`): the second reader of the very same text object
gets the first one's answer; any other text object, equal or not, is read anew."""

from __future__ import annotations

from connectors._dom import document
from connectors._memo import last_text
from connectors._tables import tables

PAGE = "# Models\n\n| Model | Shutdown date |\n|---|---|\n| `gpt-x` | 2026-01-01 |\n"


def test_only_the_very_same_text_object_is_served_from_memory() -> None:
    reads: list[str] = []

    @last_text
    def read(text: str) -> int:
        reads.append(text)
        return len(reads)

    first = "".join(["a", "b"])
    equal = "".join(["a", "b"])  # equal, another object: a fresh decode of the same bytes
    assert first == equal and first is not equal
    assert [read(first), read(first), read(equal), read(first), read("c"), read("c")] == [1, 1, 2, 3, 4, 4]


def test_the_readers_of_one_page_share_its_tables_but_not_the_list() -> None:
    text = "".join(PAGE)
    found, again = tables(text), tables(text)
    assert found == again and found is not again  # a caller's list is its own
    assert found[0] is again[0]  # the Tables are shared: read, never changed
    fresh = tables(PAGE.encode().decode())
    assert fresh == found and fresh[0] is not found[0]
    assert found[0].rows[0].codes == [["gpt-x"], []]


def test_one_html_page_is_parsed_once() -> None:
    html = "<table><tr><th>Model</th></tr><tr><td><code>a</code></td></tr></table>"
    page = html.encode().decode()
    assert document(page) is document(page)
    assert document(html.encode().decode()) is not document(page)
