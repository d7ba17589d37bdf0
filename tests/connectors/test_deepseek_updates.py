"""`deepseek-updates` on DeepSeek's API change log. Every asserted row was checked by hand against the
fixture (the line is quoted beside it)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from connectors import deepseek_updates
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import ParseResult
from tests.connectors.provider_pages import CAPTURED, URL, by_id, facts, html_page, row
from tests.scenarios import fixture

LOG = "deepseek-updates/change_log_dated_entries.md"


def parse(body: bytes, fetched: datetime | None = CAPTURED) -> ParseResult:
    return deepseek_updates.parse(body, url=URL, fetched_at=fetched)


def test_the_change_log() -> None:
    result = parse(fixture(LOG))
    events = by_id(result)
    assert result.items_seen == 19 and result.may_be_empty  # 19 "## Date: …" entries
    assert sorted(events) == ["deepseek-chat", "deepseek-reasoner", "deepseek-v3.2-speciale"]
    # "## Date: 2026-04-24": "The two legacy API model names, `deepseek-chat` and `deepseek-reasoner`, will be
    # discontinued in three months (2026-07-24). During the current period, these two model names point to
    # the non-thinking mode and thinking mode of `deepseek-v4-flash`, respectively."
    for model in ("deepseek-chat", "deepseek-reasoner"):
        assert row(events[model]) == ("2026-07-24", "day", False, "deepseek-v4-flash", ["deepseek-v4-flash"],
                                      "retired")
        assert events[model].published_at == datetime(2026, 4, 24, tzinfo=UTC)
    # "## Date: 2025-12-01" / "### DeepSeek-V3.2-Speciale": "served via a temporary endpoint:
    # base\_url="<https://api.deepseek.com/v3.2%5Fspeciale%5Fexpires%5Fon%5F20251215>". … available until
    # Dec 15th, 2025, 15:59 (UTC Time)."
    speciale = events["deepseek-v3.2-speciale"]
    assert row(speciale) == ("2025-12-15", "day", False, None, [], "retired")
    assert speciale.published_at == datetime(2025, 12, 1, tzinfo=UTC)
    assert speciale.extra["base_url"] == "https://api.deepseek.com/v3.2_speciale_expires_on_20251215"
    assert (speciale.extra["deadline_time"], speciale.extra["time_zone"]) == ("15:59", "UTC")
    assert speciale.title.startswith("DeepSeek-V3.2-Speciale temporary endpoint")


def test_upgrades_behind_a_name_are_not_retirements() -> None:
    events = by_id(parse(fixture(LOG)))
    # "Both `deepseek-chat` and `deepseek-reasoner` have been upgraded to DeepSeek-V3.2." (and nine more),
    # "`deepseek-coder` & `deepseek-chat` Upgraded to DeepSeek V2.5 Model": only the 2026-07-24 notice speaks
    assert "deepseek-coder" not in events
    assert events["deepseek-chat"].deadline == "2026-07-24"
    assert events["deepseek-chat"].models == ["deepseek-chat"]
    # the new models named beside the notice are replacements, not retirements
    assert not {"deepseek-v4-pro", "deepseek-v4-flash"} & set(events)


def test_before_the_day_the_names_are_deprecated() -> None:
    events = by_id(parse(fixture(LOG), fetched=datetime(2026, 5, 1, tzinfo=UTC)))
    assert events["deepseek-chat"].status == "deprecated" and events["deepseek-chat"].severity == "warning"
    assert events["deepseek-v3.2-speciale"].status == "retired"


def test_the_page_served_as_html_gives_the_same_events() -> None:
    assert facts(parse(html_page(fixture(LOG)))) == facts(parse(fixture(LOG)))


def test_a_log_without_dated_entries_is_a_layout_change() -> None:
    # derived from the real page: the "## Date: 2026-04-24" headings lose their dates
    undated = re.sub(rb"(?m)^## Date: [\d-]+$", b"## Entry", fixture(LOG))
    assert undated != fixture(LOG)
    with pytest.raises(LayoutChanged, match="dated entries"):
        parse(undated)


def test_a_log_whose_entries_announce_no_retirement_is_an_empty_result() -> None:
    # derived from the real page: only the entries from 2024 (upgrades, features); a quiet log is normal
    page = fixture(LOG).decode()
    quiet = page[page.index("## Date: 2024-12-26"):]
    result = parse(quiet.encode())
    assert result.drafts == [] and result.may_be_empty and result.items_seen == 9
