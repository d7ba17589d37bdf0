"""`cohere-deprecations` on Cohere's deprecations page and its models page. Every asserted row was
checked by hand against the fixture (the line is quoted beside it)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from connectors import cohere_deprecations
from connectors._markdown import as_markdown
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import ParseResult
from tests.connectors.provider_pages import CAPTURED, URL, by_id, facts, html_page, row
from tests.scenarios import fixture

HISTORY = "cohere-deprecations/deprecation_history_md.md"
MODELS = "cohere-deprecations/models_overview_status_column_md.md"
EMBED_ALTERNATIVES = ["embed-english-v3.0", "embed-multilingual-v3.0", "embed-v4.0"]
CHAT_ALTERNATIVES = ["command-r7b-12-2024", "command-a-03-2025", "command-a-reasoning-08-2025"]
COMMAND_REPLACEMENTS = ["command-r-08-2024", "command-r-plus-08-2024", "command-a-03-2025"]


def parse(body: bytes, fetched: datetime | None = CAPTURED) -> ParseResult:
    return cohere_deprecations.parse(body, url=URL, fetched_at=fetched)


def test_the_deprecation_history() -> None:
    result = parse(fixture(HISTORY))
    events = by_id(result)
    assert result.document == "deprecations"
    assert result.items_seen == 11  # 9 models named in the notices + the 2 rows of the Rerank v2.0 table
    assert sorted(events) == sorted([
        "embed-english-v2.0", "embed-english-light-v2.0", "embed-multilingual-v2.0", "c4ai-aya-expanse-8b",
        "c4ai-aya-vision-8b", "command-r-03-2024", "command-r-plus-04-2024", "command-light", "command",
        "rerank-english-v2.0", "rerank-multilingual-v2.0"])
    assert all(e.provider == "cohere" and e.kind == "deprecation" for e in events.values())
    # "Effective April 4th, 2026, the following models will be retired:" + "* `embed-english-v2.0`";
    # "* Embedding tasks alternatives:" over `embed-english-v3.0`, `embed-multilingual-v3.0`, `embed-v4.0`
    assert row(events["embed-english-v2.0"]) == ("2026-04-04", "day", False, ", ".join(EMBED_ALTERNATIVES),
                                                 EMBED_ALTERNATIVES, "retired")
    assert events["embed-english-v2.0"].published_at == datetime(2026, 4, 4, tzinfo=UTC)  # "### 2026-04-04: …"
    # "* `c4ai-aya-vision-8b`": no alternatives group shares its family, the chat group is nobody else's
    assert row(events["c4ai-aya-vision-8b"]) == ("2026-04-04", "day", False, ", ".join(CHAT_ALTERNATIVES),
                                                 CHAT_ALTERNATIVES, "retired")
    # "Effective September 15, 2025, the following deprecations will roll out." / "Deprecated Models:" /
    # "* `command-r-03-2024`  (and the alias `command-r`)": deprecated (closed to new customers), no shutdown day
    command_r = events["command-r-03-2024"]
    assert row(command_r) == (None, None, False, ", ".join(COMMAND_REPLACEMENTS), COMMAND_REPLACEMENTS,
                              "deprecated")
    assert command_r.models == ["command-r-03-2024", "command-r"]
    assert command_r.extra["deprecated_on"] == "2025-09-15"
    assert command_r.severity == "notice" and "no shutdown date" in command_r.title
    assert events["command-r-plus-04-2024"].models == ["command-r-plus-04-2024", "command-r-plus"]
    assert events["command"].models == ["command"]
    # | 2025-04-30 | `rerank-english-v2.0` | \$1.00 / 1K searches | `rerank-v3.5` | under "### 2024-12-02: Rerank v2.0"
    assert row(events["rerank-english-v2.0"]) == ("2025-04-30", "day", False, "rerank-v3.5", ["rerank-v3.5"],
                                                  "retired")
    assert events["rerank-english-v2.0"].published_at == datetime(2024, 12, 2, tzinfo=UTC)


def test_what_the_history_does_not_retire() -> None:
    events = by_id(parse(fixture(HISTORY)))
    # replacements and the model family named in prose ("the deprecation of the Rerank-v2.0 model family")
    assert not {"embed-v4.0", "command-a-03-2025", "rerank-v3.5", "Rerank-v2.0", "rerank-v2.0"} & set(events)
    # fine-tuning ("we will sunset all models fine-tuned with Command-R-03-2024" on March 08, 2025) is not the model
    assert events["command-r-03-2024"].deadline is None
    # endpoints and features ("`/v1/classify`", "Slack App integration"); `summarize` is no model id
    assert not [m for m in events if m.startswith("/") or m in ("summarize", "classify", "rerank")]


def test_a_retirement_still_ahead_is_deprecated() -> None:
    events = by_id(parse(fixture(HISTORY), fetched=datetime(2026, 3, 1, tzinfo=UTC)))
    assert events["embed-english-v2.0"].status == "deprecated"
    assert events["embed-english-v2.0"].severity == "warning"
    assert by_id(parse(fixture(HISTORY), fetched=None))["c4ai-aya-expanse-8b"].status == "deprecated"


def test_the_models_page_status_column() -> None:
    result = parse(fixture(MODELS))
    events = by_id(result)
    assert result.document == "models"
    assert result.items_seen == 23  # rows of the three tables with a Status column (Command, Audio, Aya)
    assert sorted(events) == sorted(["command-r-03-2024", "command-r-plus-04-2024", "command-light", "command",
                                     "c4ai-aya-expanse-8b", "c4ai-aya-vision-8b"])
    # | `command-r-03-2024` | Deprecated Sept 15, 2025 | … and | `command-r` | … | Alias for `command-r-03-2024` |
    assert row(events["command-r-03-2024"]) == (None, None, False, None, [], "deprecated")
    assert events["command-r-03-2024"].extra["deprecated_on"] == "2025-09-15"
    assert events["command-r-03-2024"].models == ["command-r-03-2024", "command-r"]
    assert events["command-r-plus-04-2024"].models == ["command-r-plus-04-2024", "command-r-plus"]
    # | `c4ai-aya-expanse-8b`  | Retired Apr 4, 2026 |
    assert row(events["c4ai-aya-expanse-8b"]) == ("2026-04-04", "day", False, None, [], "retired")
    # live models and alias rows are no events of their own
    assert not {"command-r", "command-r-plus", "command-a-03-2025", "tiny-aya-global"} & set(events)


@pytest.mark.parametrize("path", [HISTORY, MODELS])
def test_the_page_served_as_html_gives_the_same_events(path: str) -> None:
    assert facts(parse(html_page(fixture(path)))) == facts(parse(fixture(path)))


def test_a_history_without_dated_entries_is_a_layout_change() -> None:
    # derived from the real page: the "### 2026-04-04: " dates taken off the headings
    undated = re.sub(rb"(?m)^(#+ )\d{4}-\d{2}-\d{2}: ", rb"\1", fixture(HISTORY))
    with pytest.raises(LayoutChanged, match="Deprecation History"):
        parse(undated)


def test_a_table_whose_headers_no_longer_say_shutdown_is_a_layout_change() -> None:
    # derived from the real page: the Rerank table's headers renamed to nonsense
    renamed = fixture(HISTORY).replace(b"| Shutdown Date | Deprecated Model ", b"| Frobnitz      | Wibble          ")
    assert renamed != fixture(HISTORY)
    with pytest.raises(LayoutChanged, match=r"2024-12-02: Rerank v2\.0"):
        parse(renamed)


def test_a_markdown_page_is_read_as_it_is() -> None:
    page = fixture(HISTORY).decode()
    assert as_markdown(page) == page  # Markdown comes back untouched
