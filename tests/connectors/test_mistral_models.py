"""`mistral-models` on Mistral's models overview page. Every asserted row was checked by hand against
the fixture's "Deprecated & retired models" table (the line is quoted beside it)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors import mistral_models
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import ParseResult
from tests.connectors.provider_pages import CAPTURED, URL, by_id, facts, html_page, row
from tests.scenarios import fixture

PAGE = "mistral-models/models_overview_deprecated_table.md"


def parse(body: bytes, fetched: datetime | None = CAPTURED) -> ParseResult:
    return mistral_models.parse(body, url=URL, fetched_at=fetched)


def test_the_deprecated_and_retired_table() -> None:
    result = parse(fixture(PAGE))
    events = by_id(result)
    # 45 rows; 3 have no API id (Mathstral 7B, Mistral Next, Mistral 7B 0.1); two ids are listed twice
    assert result.items_seen == 42 and len(events) == 40
    assert all(e.provider == "mistral" and e.kind == "deprecation" for e in events.values())
    # | [Mistral Large 2.1 ↗](/models/mistral-large-2-1-24-11) | 24.11 | mistral-large-2411 | 2/27/2026 | 5/31/2026 |
    #   [Mistral Medium 3.5](/models/mistral-medium-3-5-26-04) |
    large = events["mistral-large-2411"]
    assert row(large) == ("2026-05-31", "day", False, "Mistral Medium 3.5", [], "retired")
    assert large.extra["deprecated_on"] == "2026-02-27"
    assert (large.extra["display_name"], large.extra["version"]) == ("Mistral Large 2.1", "24.11")
    assert large.models == ["mistral-large-2411"]
    # | [Mistral Medium 3.1 ↗](…) | 25.08 | mistral-medium-2508 | 5/22/2026 | 8/31/2026 | [Mistral Medium 3.5](…) |
    assert row(events["mistral-medium-2508"]) == ("2026-08-31", "day", False, "Mistral Medium 3.5", [], "deprecated")
    assert events["mistral-medium-2508"].severity == "warning"
    # | [Codestral Mamba 7B ↗](…) | 0.1 | open-codestral-mamba | 6/6/2025 | 6/6/2025 |
    #   [Codestral](/models/codestral-25-08) |
    mamba = events["open-codestral-mamba"]
    assert row(mamba) == ("2025-06-06", "day", False, "Codestral", [], "retired")  # a display name is no id
    assert mamba.extra["deprecated_on"] == "2025-06-06"
    # the first of two rows wins: | [Voxtral Mini Transcribe ↗](…) | 25.07 | voxtral-mini-2507 | 2/27/2026 | 5/31/2026 |
    assert events["voxtral-mini-2507"].extra["display_name"] == "Voxtral Mini Transcribe"
    assert events["voxtral-mini-2507"].deadline == "2026-05-31"
    # | [Mistral 7B ↗](/models/mistral-7b-0-3) | 0.3 | open-mistral-7b | 11/30/2024 | 3/30/2025 |
    assert (events["open-mistral-7b"].deadline, events["open-mistral-7b"].extra["version"]) == ("2025-03-30", "0.3")


def test_what_the_table_does_not_retire() -> None:
    events = by_id(parse(fixture(PAGE)))
    # display names, rows without an API id, and the alternatives (live models) are no events
    assert not [m for m in events if " " in m or m[0].isupper()]
    assert not {"mistral-medium-3-5-26-04", "ministral-3-8b-25-12", "Mathstral 7B", "Mistral Next"} & set(events)


def test_status_follows_the_fetch_day() -> None:
    before = by_id(parse(fixture(PAGE), fetched=datetime(2026, 5, 1, tzinfo=UTC)))
    assert before["mistral-large-2411"].status == "deprecated"
    assert before["mistral-large-2407"].status == "retired"  # retirement 3/30/2025


def test_an_alternative_becomes_an_id_only_through_the_page() -> None:
    # derived from the real page: Mistral Medium 3.1's alternative linked to the page of a model the
    # table gives an API id for (Mistral Medium 3, mistral-medium-2505), and Devstral Small 2's written
    # without a link, once as a name one row has ("Devstral 2") and once as a name two rows have
    lines = fixture(PAGE).decode().splitlines()
    for index, line in enumerate(lines):
        if "| mistral-medium-2508 " in line:
            lines[index] = line.replace("[Mistral Medium 3.5](/models/mistral-medium-3-5-26-04)",
                                        "[Mistral Medium 3](/models/mistral-medium-3-25-05)")
        if "| labs-devstral-small-2512 " in line:
            lines[index] = line.replace("[Mistral Medium 3.5](/models/mistral-medium-3-5-26-04)", "Devstral 2")
        if "| magistral-medium-2509 " in line:
            lines[index] = line.replace("[Mistral Medium 3.5](/models/mistral-medium-3-5-26-04)", "Codestral")
    events = by_id(parse("\n".join(lines).encode()))
    assert events["mistral-medium-2508"].extra["replacement_models"] == ["mistral-medium-2505"]
    assert events["labs-devstral-small-2512"].extra["replacement_models"] == ["devstral-2512"]
    assert events["magistral-medium-2509"].extra["replacement_models"] == []  # codestral-2501 or codestral-2405?


def test_the_page_served_as_html_gives_the_same_events() -> None:
    assert facts(parse(html_page(fixture(PAGE)))) == facts(parse(fixture(PAGE)))


def test_date_headers_renamed_to_nonsense_are_a_layout_change() -> None:
    # derived from the real page: "Deprecation" and "Retirement" renamed
    renamed = fixture(PAGE).replace(b"| Deprecation | Retirement |", b"| Frobnitz    | Wibble     |", 1)
    assert renamed != fixture(PAGE)
    with pytest.raises(LayoutChanged, match="lifecycle date column"):
        parse(renamed)


def test_the_display_name_header_renamed_gives_the_same_events() -> None:
    # derived from the real page: the display-name column's "Model" header renamed; the ids are under "API"
    renamed = fixture(PAGE).replace(b"| Model ", b"| Thing ", 1)
    assert renamed != fixture(PAGE)
    assert {k: v[:6] for k, v in facts(parse(renamed)).items()} == {
        k: v[:6] for k, v in facts(parse(fixture(PAGE))).items()}


def test_the_table_removed_is_a_layout_change() -> None:
    page = fixture(PAGE).decode()
    without = page[: page.index("| Model ")]  # derived from the real page: cut before the table
    with pytest.raises(LayoutChanged, match="lifecycle date column"):
        parse(without.encode())
