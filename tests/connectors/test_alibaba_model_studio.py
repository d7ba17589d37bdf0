"""`alibaba-model-studio` on Alibaba Cloud Model Studio's model retirement page. Every asserted row was
checked by hand against the fixture (the line is quoted beside it)."""

from __future__ import annotations

from datetime import datetime

import pytest

from connectors import alibaba_model_studio
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import ParseResult
from tests.connectors.provider_pages import CAPTURED, URL, by_id, facts, html_page, row
from tests.scenarios import fixture

PAGE = "alibaba-model-studio/model_retirement_tables.md"


def parse(body: bytes, fetched: datetime | None = CAPTURED) -> ParseResult:
    return alibaba_model_studio.parse(body, url=URL, fetched_at=fetched)


def test_the_retirement_tables() -> None:
    result = parse(fixture(PAGE))
    events = by_id(result)
    assert result.items_seen == 64 and len(events) == 64  # 5 + 42 + 1 + 8 + 8 rows, every id once
    assert all(e.provider == "alibaba" and e.kind == "deprecation" for e in events.values())
    # "Deprecation time" is the day API calls fail, so it is the deadline and no earlier milestone
    assert all(e.extra["deprecated_on"] is None for e in events.values())
    # "### **Scheduled for deprecation on October 10, 2026**", the mainline notice (…id=1950):
    # | Qwen-Max | qwen3-max | October 10, 2026, 00:00:00 | qwen3.7-max |
    qwen3_max = events["qwen3-max"]
    assert row(qwen3_max) == ("2026-10-10", "day", False, "qwen3.7-max", ["qwen3.7-max"], "deprecated")
    assert (qwen3_max.extra["deadline_time"], qwen3_max.extra["time_zone"]) == ("00:00:00", None)
    assert qwen3_max.extra["model_line"] == "mainline"
    assert qwen3_max.extra["announcement"] == "[Model Studio] Notice: Deprecation of Some Historical Mainline Models"
    assert qwen3_max.extra["announcement_url"] == "https://www.alibabacloud.com/zh/notice/detail?%5Fp%5Flc=1&id=1950"
    # the snapshot notice (…id=1949): | Qwen-Max | qwen3-max-2026-01-23 | October 10, 2026, 00:00:00 | qwen3.7-max |
    assert events["qwen3-max-2026-01-23"].extra["model_line"] == "snapshot"
    assert events["qwen3-max-2026-01-23"].extra["announcement_url"].endswith("id=1949")
    # | third-party model | MiniMax-M2.1 | October 10, 2026, 00:00:00 | qwen3.7-plus |
    assert row(events["MiniMax-M2.1"]) == ("2026-10-10", "day", False, "qwen3.7-plus", ["qwen3.7-plus"],
                                           "deprecated")
    # "### **Retires on May 30, 2026**": | rerank | gte-rerank | May 30, 2026, 00:00:00 | qwen3-rerank |
    rerank = events["gte-rerank"]
    assert row(rerank) == ("2026-05-30", "day", False, "qwen3-rerank", ["qwen3-rerank"], "retired")
    assert rerank.extra["announcement"] == "Notice on the Sunset of the GTE-RERANK model"
    # "### **Deprecated on August 20, 2025**": | text generation - Qwen - open source edition |
    #   qwen2-72b-instruct | August 20, 2025, 00:00:00 (UTC+08:00) | qwen-plus |
    qwen2 = events["qwen2-72b-instruct"]
    assert row(qwen2) == ("2025-08-20", "day", False, "qwen-plus", ["qwen-plus"], "retired")
    assert (qwen2.extra["deadline_time"], qwen2.extra["time_zone"]) == ("00:00:00", "UTC+08:00")
    assert qwen2.extra["announcement"] is None and qwen2.extra["model_line"] == "mainline"
    # "### **Deprecated on January 30, 2026**": | Qwen-Plus | qwen-plus-2024-11-27 | … | qwen-plus-2025-12-01 |
    assert events["qwen-plus-2024-11-27"].extra["model_line"] == "snapshot"


def test_replacements_and_categories_are_not_events() -> None:
    events = by_id(parse(fixture(PAGE)))
    assert not {"qwen3.7-max", "qwen3.7-plus", "qwen3.6-flash", "qwen-plus", "Qwen-Max", "rerank"} & set(events)


def test_without_a_fetch_day_the_headings_tell_what_is_gone() -> None:
    events = by_id(parse(fixture(PAGE), fetched=None))
    assert events["qwen-plus-2024-11-27"].status == "retired"  # "Deprecated on January 30, 2026"
    assert events["qwen1.5-7b-chat"].status == "retired"  # "Deprecated on August 20, 2025"
    assert events["qwen3-max"].status == "deprecated"  # "Scheduled for deprecation on October 10, 2026"
    assert events["gte-rerank"].status == "deprecated"  # "Retires on May 30, 2026": future tense


def test_the_page_served_as_html_gives_the_same_events() -> None:
    assert facts(parse(html_page(fixture(PAGE)))) == facts(parse(fixture(PAGE)))


def test_headers_renamed_to_nonsense_are_a_layout_change() -> None:
    # derived from the real page: "Deprecation time" renamed in every table
    renamed = fixture(PAGE).replace(b"**Deprecation time**", b"**Frobnitz**")
    assert renamed != fixture(PAGE)
    with pytest.raises(LayoutChanged, match="lifecycle date column"):
        parse(renamed)
