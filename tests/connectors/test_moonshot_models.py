"""`moonshot-models` on the Kimi model list. Every asserted row was checked by hand against the fixture
(the line is quoted beside it)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from connectors import moonshot_models
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import ParseResult
from tests.connectors.provider_pages import CAPTURED, URL, by_id, facts, html_page, row
from tests.scenarios import fixture

PAGE = "moonshot-models/model_list_deprecated_section_md.md"
MOONSHOT_V1 = ["moonshot-v1-8k", "moonshot-v1-32k", "moonshot-v1-128k", "moonshot-v1-8k-vision-preview",
               "moonshot-v1-32k-vision-preview", "moonshot-v1-128k-vision-preview"]
KIMI_K2 = ["kimi-k2-0905-preview", "kimi-k2-0711-preview", "kimi-k2-turbo-preview", "kimi-k2-thinking",
           "kimi-k2-thinking-turbo"]


def parse(body: bytes, fetched: datetime | None = CAPTURED) -> ParseResult:
    return moonshot_models.parse(body, url=URL, fetched_at=fetched)


def test_the_model_list() -> None:
    result = parse(fixture(PAGE))
    events = by_id(result)
    assert result.items_seen == 16  # rows of the three model tables
    assert sorted(events) == sorted(["kimi-k2.5", *MOONSHOT_V1, *KIMI_K2, "kimi-latest", "kimi-thinking-preview"])
    assert all(e.provider == "moonshot" and e.kind == "deprecation" for e in events.values())
    # <Note> "`kimi-k2.5` and the `moonshot-v1` series are no longer available to newly registered users (full
    # platform sunset on August 31). Please switch to a newer model as soon as possible."
    for model in ["kimi-k2.5", *MOONSHOT_V1]:
        assert row(events[model]) == ("2026-08-31", "day", False, None, [], "deprecated")
        assert events[model].extra["milestone"] == "no longer available to newly registered users"
    # "> The `kimi-k2` series models were officially discontinued on **May 25, 2026** … Please use the latest
    # Kimi model [kimi-k3](/docs/guide/kimi-k3-quickstart)", over the rows | `kimi-k2-0905-preview` | Deprecated |
    for model in KIMI_K2:
        assert row(events[model]) == ("2026-05-25", "day", False, "kimi-k3", ["kimi-k3"], "retired")
    # "> `kimi-latest` was officially discontinued on **January 28, 2026** …"
    assert row(events["kimi-latest"]) == ("2026-01-28", "day", False, "kimi-k3", ["kimi-k3"], "retired")
    # "> `kimi-thinking-preview` was officially discontinued on **November 11, 2025** … [kimi-k3](…)"
    assert row(events["kimi-thinking-preview"]) == ("2025-11-11", "day", False, "kimi-k3", ["kimi-k3"], "retired")


def test_live_models_and_series_names_are_not_events() -> None:
    events = by_id(parse(fixture(PAGE)))
    # `kimi-k2.5` is in the note, but "the `kimi-k2` series" is the Deprecated Models rows, not kimi-k2.5/k2.6
    assert events["kimi-k2.5"].deadline == "2026-08-31"
    assert not {"kimi-k3", "kimi-k2.6", "kimi-k2.7-code", "kimi-k2.7-code-highspeed", "kimi-k2", "moonshot-v1"} & set(
        events)


def test_the_sunset_year_comes_from_the_page_or_the_fetch_day() -> None:
    assert by_id(parse(fixture(PAGE), fetched=None))["moonshot-v1-8k"].deadline == "2026-08-31"
    after = by_id(parse(fixture(PAGE), fetched=datetime(2026, 9, 5, tzinfo=UTC)))["moonshot-v1-8k"]
    assert (after.deadline, after.status) == ("2026-08-31", "retired")


def test_a_deprecated_row_no_sentence_dates_is_still_a_deprecation() -> None:
    # derived from the real page: the quote about the `kimi-k2` series removed
    page = re.sub(r"(?m)^> The `kimi-k2` series.*\n", "", fixture(PAGE).decode())
    assert page != fixture(PAGE).decode()
    events = by_id(parse(page.encode()))
    for model in KIMI_K2:
        assert row(events[model]) == (None, None, False, None, [], "deprecated")
    assert events["kimi-latest"].deadline == "2026-01-28"


def test_the_page_served_as_html_gives_the_same_events() -> None:
    assert facts(parse(html_page(fixture(PAGE)))) == facts(parse(fixture(PAGE)))


def test_a_list_without_model_tables_is_a_layout_change() -> None:
    # derived from the real page: every table removed
    page = re.sub(r"(?m)^\|.*\n", "", fixture(PAGE).decode())
    with pytest.raises(LayoutChanged, match="model table"):
        parse(page.encode())
