"""`xai-retirements` on xAI's May 15, 2026 retirement guide. Every asserted row was checked by hand
against the fixture (the line is quoted beside it)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from connectors import xai_retirements
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import ParseResult
from tests.connectors.provider_pages import CAPTURED, URL, by_id, facts, html_page, row
from tests.scenarios import fixture

GUIDE = "xai-retirements/may_15_retirement_guide_md.md"
RETIRED = ["grok-4-1-fast-reasoning", "grok-4-1-fast-non-reasoning", "grok-4-fast-reasoning",
           "grok-4-fast-non-reasoning", "grok-4-0709", "grok-code-fast-1", "grok-3", "grok-imagine-image-pro"]


def parse(body: bytes, fetched: datetime | None = CAPTURED) -> ParseResult:
    return xai_retirements.parse(body, url=URL, fetched_at=fetched)


def test_the_retirement_guide() -> None:
    result = parse(fixture(GUIDE))
    events = by_id(result)
    assert result.items_seen == 8 and sorted(events) == sorted(RETIRED)
    # "**Effective May 15, 2026 at 12:00 PM PT**, the following models will be retired from the xAI API:"
    assert all(e.provider == "xai" and e.deadline == "2026-05-15" and e.deadline_precision == "day"
               for e in events.values())
    assert all((e.extra["deadline_time"], e.extra["time_zone"]) == ("12:00 PM", "PT") for e in events.values())
    assert all(e.published_at is None for e in events.values())  # the heading's date is the retirement day
    # | `grok-code-fast-1` | `grok-build-0.1` |
    assert row(events["grok-code-fast-1"]) == ("2026-05-15", "day", False, "grok-build-0.1", ["grok-build-0.1"],
                                               "retired")
    # | `grok-3` | `grok-4.3` with `none` reasoning effort |
    assert row(events["grok-3"]) == ("2026-05-15", "day", False, "grok-4.3 with none reasoning effort",
                                     ["grok-4.3"], "retired")
    assert events["grok-3"].extra["redirect_target"] == "grok-4.3 with none reasoning effort"
    # | `grok-4-1-fast-reasoning` | `grok-4.3` with `low` reasoning effort |
    assert events["grok-4-1-fast-reasoning"].replacement == "grok-4.3 with low reasoning effort"
    # | `grok-imagine-image-pro` | `grok-imagine-image-quality` |
    assert events["grok-imagine-image-pro"].extra["replacement_models"] == ["grok-imagine-image-quality"]


def test_targets_and_parameters_are_not_retired() -> None:
    events = by_id(parse(fixture(GUIDE)))
    assert not {"grok-4.3", "grok-build-0.1", "grok-imagine-image-quality", "low", "none"} & set(events)


def test_before_the_day_the_models_are_deprecated() -> None:
    events = by_id(parse(fixture(GUIDE), fetched=datetime(2026, 5, 1, tzinfo=UTC)))
    assert {e.status for e in events.values()} == {"deprecated"}
    assert {e.severity for e in events.values()} == {"warning"}


def test_the_page_served_as_html_gives_the_same_events() -> None:
    assert facts(parse(html_page(fixture(GUIDE)))) == facts(parse(fixture(GUIDE)))


def test_without_the_table_the_prose_still_dates_every_model() -> None:
    # derived from the real page: the "Model being retired | Redirect target" table removed, then its
    # headers renamed to nonsense; the models and the day come from the prose either way
    page = fixture(GUIDE).decode()
    without = re.sub(r"(?m)^\|.*\|\n", "", page)
    renamed = page.replace("| Model being retired | Redirect target after May 15 |", "| Foo | Bar |")
    assert without != page and renamed != page
    for variant in (without, renamed):
        events = by_id(parse(variant.encode()))
        assert sorted(events) == sorted(RETIRED)
        assert {e.deadline for e in events.values()} == {"2026-05-15"}
        assert "redirect_target" not in events["grok-3"].extra


def test_a_guide_without_its_retirement_notice_is_a_layout_change() -> None:
    # derived from the real page: the paragraph that says what is retired, and when, removed
    page = fixture(GUIDE).decode()
    start = page.index("As we continue advancing Grok")
    without = page[:start] + page[page.index("> [!CAUTION]"):]
    without = re.sub(r"(?m)^\* `grok.*\n", "", without)
    with pytest.raises(LayoutChanged, match="retirement notice"):
        parse(without.encode())
