"""`minimax-models` and `zai-releases`: release notes that mostly announce, read for the notices that end
something. The MiniMax release notes and both Z.ai pages carry no lifecycle notice at all (read in
full): their structure is recognised and nothing is made up. The MiniMax API overview carries one, the
"Music API Service Adjustment Notice":

    Starting August 20, 2026, the paid APIs (Music Generation and Lyrics Generation) will no longer be
    available to new users; existing paying users can continue to use the current API services. The free
    music generation APIs (Music-3.0-free, Music-2.6-free, music-cover-free) will be discontinued."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors import minimax_models, zai_releases
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import ParseResult
from tests.scenarios import fixture

FETCHED = datetime(2026, 8, 20, 12, tzinfo=UTC)  # the day the pages were captured


def minimax(path: str, fetched: datetime = FETCHED) -> ParseResult:
    return minimax_models.parse(fixture(f"minimax-models/{path}"), url="https://platform.minimax.io/docs/x.md",
                                fetched_at=fetched)


def test_minimax_release_notes_are_recognised_and_end_nothing() -> None:
    result = minimax("minimax__releases.md")
    # 22 dated headings, from "#### Jul. 31, 2026" down to "#### Jan. 15, 2025" (month-only "#### Apr. 2026" too)
    assert (result.items_seen, result.drafts, result.may_be_empty, result.document) == (22, [], True, "releases")


def test_minimax_overview_notice_discontinues_the_free_music_models() -> None:
    result = minimax("minimax__api-overview.md")
    # 17 models in the overview's model tables (8 LLM, MiniMax-H3, 6 speech, image-01, music-3.0)
    assert result.items_seen == 17 and result.may_be_empty and result.document == "api-overview"
    found = {d.external_id: d for d in result.drafts}
    # spelled as the page's tables spell the music family ("music-3.0"), not "Music-3.0-free"
    assert sorted(found) == ["music-2.6-free", "music-3.0-free", "music-cover-free"]
    for draft in found.values():
        assert (draft.provider, draft.deadline, draft.deadline_precision, draft.deadline_earliest, draft.status) == \
            ("minimax", "2026-08-20", "day", False, "deprecated")
        assert draft.extra["date_from"] == "the notice's opening sentence"
        assert draft.replacement == "MiniMax Audio or MiniMax Music 3 model on Hugging Face"
        assert draft.extra["replacement_models"] == []
    assert minimax("minimax__api-overview.md", datetime(2026, 8, 21, tzinfo=UTC)).drafts[0].status == "retired"


def test_minimax_new_users_only_and_listed_models_are_not_events() -> None:
    found = {d.external_id for d in minimax("minimax__api-overview.md").drafts}
    # the paid music API only closes to new users; the models in the tables are live
    assert not found & {"music-3.0", "MiniMax-M3", "MiniMax-M2", "speech-02-hd", "image-01", "MiniMax-H3"}


def test_minimax_documents_name_both_pages_from_the_site() -> None:
    docs = minimax_models.documents("https://platform.minimax.io")
    assert [(d.name, d.url) for d in docs] == [
        ("releases", "https://platform.minimax.io/docs/release-notes/models.md"),
        ("api-overview", "https://platform.minimax.io/docs/api-reference/api-overview.md")]
    page = "https://platform.minimax.io/docs/release-notes/models.md"
    assert [d.url for d in minimax_models.documents(page)] == [page]


def test_minimax_page_without_entries_or_model_tables_is_a_layout_change() -> None:
    # Derived from the real release notes: the dated headings turned into plain text.
    text = fixture("minimax-models/minimax__releases.md").decode().replace("#### ", "")
    with pytest.raises(LayoutChanged):
        minimax_models.parse(text.encode(), url="u", fetched_at=FETCHED)


def test_zai_release_notes_are_recognised_and_end_nothing() -> None:
    result = zai_releases.parse(fixture("zai-releases/z-ai__releases.md"), url="u", fetched_at=FETCHED)
    # 18 <Update label="YYYY-MM-DD"> blocks, GLM-5.3 (2026-08-18) down to CogVideoX-3 (2025-07-15)
    assert (result.items_seen, result.drafts, result.may_be_empty) == (18, [], True)


def test_zai_pricing_page_has_no_release_entries() -> None:
    # The pricing page lists prices only (no lifecycle words or dates): it is not a page this connector reads.
    with pytest.raises(LayoutChanged):
        zai_releases.parse(fixture("zai-releases/z-ai__pricing.md"), url="u", fetched_at=FETCHED)


def test_zai_release_notes_without_their_entries_are_a_layout_change() -> None:
    # Derived from the real page: the <Update> components stripped, their bodies left as loose text.
    text = fixture("zai-releases/z-ai__releases.md").decode()
    text = "\n".join(line for line in text.splitlines() if "Update" not in line)
    with pytest.raises(LayoutChanged):
        zai_releases.parse(text.encode(), url="u", fetched_at=FETCHED)
