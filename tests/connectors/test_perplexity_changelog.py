"""`perplexity-changelog` on the captured changelog: notices in "Deprecation"-tagged entries and one
retirement in a "Models" entry, year-less dates taking the label's year, code-span lists, a sentence
that continues the previous notice, and `google/…` ids of proxied models kept on the `perplexity`
platform. Rows checked by hand against the page, e.g.
"As of December 15, 2025, the `sonar-reasoning` model has been deprecated and removed from the API."
"Please note that as of May 14, several models and model name aliases will no longer be accessible."
"`google/gemini-2.5-pro` followed on April 1, along with `google/gemini-3-pro-preview`."."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors import perplexity_changelog as perplexity
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, ParseResult
from tests.scenarios import fixture

PAGE = "perplexity-changelog/perplexity__changelog.md"
FETCHED = datetime(2026, 8, 20, tzinfo=UTC)
LLAMA_31 = ["llama-3.1-sonar-small-128k-online", "llama-3.1-sonar-large-128k-online", "llama-3.1-sonar-small-128k-chat",
            "llama-3.1-sonar-large-128k-chat", "llama-3.1-70b-instruct", "llama-3.1-8b-instruct"]


def parse(body: bytes, fetched: datetime = FETCHED) -> ParseResult:
    return perplexity.parse(body, url="https://docs.perplexity.ai/docs/resources/changelog", fetched_at=fetched)


def events(fetched: datetime = FETCHED) -> dict[str, EventDraft]:
    return {d.external_id: d for d in parse(fixture(PAGE), fetched).drafts}


def row(draft: EventDraft) -> tuple[object, ...]:
    return (draft.deadline, draft.deadline_precision, draft.status, draft.replacement,
            draft.extra["replacement_models"])


def test_every_deprecated_model_and_nothing_else() -> None:
    result = parse(fixture(PAGE))
    assert result.items_seen == 47 and result.may_be_empty  # 47 <Update> entries
    assert sorted(d.external_id for d in result.drafts) == sorted([
        "google/gemini-3.1-flash-lite-preview", "google/gemini-2.5-flash", "google/gemini-2.5-pro",
        "google/gemini-3-pro-preview", "sonar-reasoning", "r1-1776", "llama-3.1-sonar-small-128k-online",
        "llama-3.1-sonar-large-128k-online", "llama-3.1-sonar-huge-128k-online", "llama-3-sonar-small-32k-online",
        "llama-3-sonar-large-32k-online", "llama-3-sonar-small-32k-chat", "llama-3-sonar-large-32k-chat",
        "llama-3-8b-instruct", "llama-3-70b-instruct", "mistral-7b-instruct", "mixtral-8x7b-instruct",
        "codellama-70b-instruct", "mixtral-8x22b-instruct", "pplx-7b-chat", "pplx-7b-online"])
    assert {(d.provider, d.kind) for d in result.drafts} == {("perplexity", "deprecation")}


def test_dated_notices() -> None:
    found = events()
    assert row(found["sonar-reasoning"]) == ("2025-12-15", "day", "retired", "sonar-reasoning-pro",
                                             ["sonar-reasoning-pro"])
    assert found["sonar-reasoning"].published_at == datetime(2025, 12, 1, tzinfo=UTC)  # label "December 2025"
    assert row(found["google/gemini-2.5-flash"]) == ("2026-03-20", "day", "retired", None, [])
    # "`google/gemini-2.5-pro` followed on April 1, along with `google/gemini-3-pro-preview`" (label March 2026)
    assert row(found["google/gemini-2.5-pro"]) == ("2026-04-01", "day", "retired", None, [])
    assert row(found["google/gemini-3-pro-preview"]) == ("2026-04-01", "day", "retired", None, [])
    # "as of August 1, 2025, R1-1776 will be removed" … "we recommend switching to `Sonar Pro Reasoning`"
    assert row(found["r1-1776"]) == ("2025-08-01", "day", "retired", "Sonar Pro Reasoning", [])
    assert row(events(datetime(2025, 7, 1, tzinfo=UTC))["r1-1776"])[2] == "deprecated"


def test_lists_of_names_take_the_entry_date() -> None:
    found = events()
    # Jan 2025: "as of February 22, 2025 … The following model names will no longer be available via API:"
    # then one code span per paragraph
    assert row(found["llama-3.1-sonar-huge-128k-online"]) == ("2025-02-22", "day", "retired", None, [])
    # Apr 2024: "as of May 14" without a year takes the label's year
    assert row(found["pplx-7b-online"]) == ("2024-05-14", "day", "retired", None, [])
    # Jul 2024: "effective 8/12/2024", and the Llama-3.1 ids listed under "We recommend switching to …:"
    assert row(found["llama-3-sonar-small-32k-chat"]) == ("2024-08-12", "day", "retired", ", ".join(LLAMA_31),
                                                          LLAMA_31)
    # listed in April 2024 (May 14) and again in July 2024: the later announcement speaks, the other is history
    mistral = found["mistral-7b-instruct"]
    assert mistral.deadline == "2024-08-12"
    assert [(h["announced"], h["deadline"]) for h in mistral.extra["earlier_announcements"]] == \
        [("2024-04-01", "2024-05-14")]


def test_a_retirement_in_an_untagged_entry_is_read() -> None:
    retired = events()["google/gemini-3.1-flash-lite-preview"]  # "**Retired: Gemini 3.1 Flash Lite Preview**"
    assert row(retired) == (None, None, "retired", "google/gemini-3.1-flash-lite", ["google/gemini-3.1-flash-lite"])
    assert retired.extra["tags"] == ["Agent API", "Models"]


def test_features_replacements_and_live_models_are_not_events() -> None:
    found = events()
    # "`strip_thinking` and `reasoning_effort` parameters were removed", "The `citations` field has been fully
    # deprecated and removed", "The **return\\_citations** parameter will no longer have any effect"
    assert {"strip_thinking", "reasoning_effort", "citations", "return_citations", "search_results"}.isdisjoint(found)
    # replacements, and models only announced (the Llama-3.1 *online* ones were retired later, in January 2025)
    assert {"sonar-reasoning-pro", "google/gemini-3.1-flash-lite", "sonar-pro", "openai/gpt-5.6-luna",
            "perplexity/deepseek-v4-flash-0731", "llama-3.1-sonar-small-128k-chat", "llama-3.1-70b-instruct",
            "llama-3.1-8b-instruct"}.isdisjoint(found)


def test_a_changelog_without_entries_is_a_layout_change() -> None:
    # Derived from the real page: the <Update> components removed, their text left.
    text = "\n".join(line for line in fixture(PAGE).decode().splitlines() if "<Update" not in line
                     and "</Update>" not in line)
    with pytest.raises(LayoutChanged):
        parse(text.encode())
