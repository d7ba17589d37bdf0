"""`fireworks-changelog` on the captured changelog: serverless model deprecations with display names
resolved to `accounts/fireworks/models/<slug>` from the page's own links; feature deprecations (audio
inference, the Build SDK, document inlining) are no model events.

Rows checked by hand, e.g. "**DeepSeek V4 Flash** is deprecated from serverless. Migrate to
**[DeepSeek V4 Flash (0731)](https://app.fireworks.ai/models/fireworks/deepseek-v4-flash-0731)**." and
"* **GLM 4.7** — migrate to **[GLM 5.1](https://app.fireworks.ai/models/fireworks/glm-5p1)**" under
"Several legacy serverless models will be decommissioned on **May 14, 2026**"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors import fireworks_changelog as fireworks
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, ParseResult
from tests.scenarios import fixture

PAGE = "fireworks-changelog/fireworks__changelog.md"
FETCHED = datetime(2026, 8, 20, tzinfo=UTC)  # the capture's day
M = "accounts/fireworks/models/"


def parse(body: bytes, fetched: datetime = FETCHED) -> ParseResult:
    return fireworks.parse(body, url="https://docs.fireworks.ai/updates/changelog", fetched_at=fetched)


def events() -> dict[str, EventDraft]:
    return {d.external_id: d for d in parse(fixture(PAGE)).drafts}


def row(draft: EventDraft) -> tuple[object, ...]:
    return (draft.deadline, draft.deadline_precision, draft.deadline_earliest, draft.replacement, draft.status,
            draft.extra["replacement_models"])


def test_the_entries_and_the_deprecated_models() -> None:
    result = parse(fixture(PAGE))
    assert result.items_seen == 29 and result.may_be_empty  # 29 <Update label="…"> entries
    assert sorted(d.extra["display_name"] for d in result.drafts) == sorted([
        "DeepSeek V4 Flash", "Kimi K2.5", "Qwen 3.6 Plus", "MiniMax M2.5", "DeepSeek V3.1", "DeepSeek V3.2", "GLM 4.7",
        "GLM 5", "Qwen3 8B", "Qwen3 VL 30B A3B Thinking", "Qwen3 VL 30B A3B Instruct", "Llama 3.3 70B Instruct"])
    assert {(d.provider, d.kind, d.extra["scope"]) for d in result.drafts} == {("fireworks", "deprecation",
                                                                                "serverless")}


def test_a_deprecation_without_date_keeps_its_entry_day() -> None:
    flash = events()["DeepSeek V4 Flash"]
    assert row(flash) == (None, None, False, "DeepSeek V4 Flash (0731)", "deprecated", [M + "deepseek-v4-flash-0731"])
    assert flash.published_at == datetime(2026, 8, 14, tzinfo=UTC)
    # the page never links "DeepSeek V4 Flash" itself: the display name stays the id, and extra says so
    assert flash.extra["id_from"] == "display name: the page links no model page for it"
    assert events()["MiniMax M2.5"].extra["replacement_models"] == [M + "minimax-m2p7"]


def test_linked_names_get_their_fireworks_id_and_own_replacement() -> None:
    found = events()
    kimi, qwen = found[M + "kimi-k2p5"], found[M + "qwen3p6-plus"]
    assert row(kimi) == (None, None, False, "Kimi K2.6", "deprecated", [M + "kimi-k2p6"])
    assert row(qwen) == (None, None, False, "Qwen 3.7 Plus", "deprecated", [M + "qwen3p7-plus"])
    assert kimi.extra["id_from"] == "the page's link to the model"
    assert kimi.published_at == datetime(2026, 6, 26, tzinfo=UTC)


def test_the_may_14_list_is_dated_and_over() -> None:
    found = events()
    assert row(found["DeepSeek V3.1"]) == ("2026-05-14", "day", False, "Kimi K2.6 or GLM 5.1", "retired",
                                           [M + "kimi-k2p6", M + "glm-5p1"])
    # "DeepSeek V3.2" is unlinked in this entry but linked elsewhere on the page (deepseek-v3p2)
    assert found[M + "deepseek-v3p2"].deadline == "2026-05-14"
    assert row(found["Llama 3.3 70B Instruct"]) == ("2026-05-14", "day", False, "GPT-OSS 120B", "retired",
                                                    [M + "gpt-oss-120b"])
    before = {d.external_id: d for d in parse(fixture(PAGE), datetime(2026, 5, 1, tzinfo=UTC)).drafts}
    assert before["GLM 4.7"].status == "deprecated"


def test_features_and_replacements_are_not_events() -> None:
    found = events()
    names = {d.extra["display_name"] for d in found.values()}
    # "Audio inference and image generation are deprecated", "The Build SDK is being deprecated",
    # "Document Inlining has been deprecated … Use … like [Qwen2.5-VL 32B Instruct](…)"
    assert names.isdisjoint({"Audio inference", "Build SDK", "Document Inlining", "Qwen2.5-VL 32B Instruct"})
    assert M + "qwen2p5-vl-32b-instruct" not in found
    # replacements and models only announced as new
    assert {M + "kimi-k2p6", M + "glm-5p1", M + "minimax-m2p7", M + "glm-5p2", M + "minimax-m3"}.isdisjoint(found)
    assert "May 14, 2026" not in found and "Recommended migrations" not in names


def test_a_changelog_without_entries_is_a_layout_change() -> None:
    # Derived from the real page: the <Update> components removed, their text left.
    text = "\n".join(line for line in fixture(PAGE).decode().splitlines() if "Update" not in line)
    with pytest.raises(LayoutChanged):
        parse(text.encode())
