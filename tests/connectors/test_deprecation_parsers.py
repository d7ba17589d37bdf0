"""Every deprecation page and changelog fixture through its parser: counts and hand-checked rows
(model, deadline, precision, earliest flag, replacement, status)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors import POLLED
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, ParseResult
from tests.scenarios import fixture

NOW = datetime(2026, 11, 26, tzinfo=UTC)


def parse(kind: str, path: str) -> ParseResult:
    return POLLED[kind].parse(fixture(path), url="https://example.test/page", fetched_at=NOW)


def by_id(result: ParseResult, kind: str = "deprecation") -> dict[str, EventDraft]:
    return {d.external_id: d for d in result.drafts if d.kind == kind}


def row(draft: EventDraft) -> tuple:
    return (draft.deadline, draft.deadline_precision, draft.deadline_earliest, draft.replacement, draft.status)


def test_openai_deprecations() -> None:
    result = parse("openai-deprecations", "openai-deprecations/deprecations_page_md.md")
    events = by_id(result)
    # gpt-4-1106-preview is in two announcements; the newer one (listed first) wins
    assert result.items_seen == 67 and len(events) == 66
    assert events["gpt-4-1106-preview"].deadline == "2026-10-23"
    assert all(d.provider == "openai" and d.kind == "deprecation" for d in result.drafts)
    assert row(events["gpt-image-1-mini"]) == ("2026-12-01", "day", False, "gpt-image-2", "deprecated")
    # alias lists in one cell, escaped pipe or "(including ...)"
    assert events["gpt-4-0613"].models == ["gpt-4-0613", "gpt-4", "gpt-4-0613-completions", "gpt-4-completions"]
    assert events["computer-use-preview-2025-03-11"].models == ["computer-use-preview-2025-03-11",
                                                               "computer-use-preview"]
    assert events["gpt-4-0125-preview"].models == ["gpt-4-0125-preview", "gpt-4-turbo-preview",
                                                  "gpt-4-turbo-preview-completions"]
    # U+2011 hyphens inside the date; "a or b" replacement; the announcement date from the heading
    assert row(events["gpt-4-0314"]) == ("2026-03-26", "day", False, "gpt-5 or gpt-4.1", "deprecated")
    assert events["gpt-4-0314"].extra["replacement_models"] == ["gpt-5", "gpt-4.1"]
    assert events["gpt-4-0314"].published_at == datetime(2025, 9, 26, tzinfo=UTC)
    # "Model snapshot / Substitute model" and "... base model" variants
    assert events["gpt-4o-mini-tts-2025-03-20"].replacement == "gpt-4o-mini-tts-2025-12-15"
    assert row(events["ft-gpt-4"]) == ("2026-10-23", "day", False, "gpt-5.5", "deprecated")
    # unquoted ids and systems that are not models
    assert events["gpt-4o-realtime-preview-2024-10-01"].status == "retired"  # under "Past deprecations"
    assert events["Assistants API"].models == [] and events["Assistants API"].deadline == "2026-08-26"
    assert events["sora-2"].replacement is None  # "---"
    # "Date | Update" policy rows: deprecations of no model
    policy = [d for d in result.drafts if d.external_id.startswith("policy:")]
    assert sorted(d.deadline for d in policy) == ["2026-05-07", "2026-07-02", "2027-01-06"]
    assert all(d.models == [] for d in policy)
    # a model named only as a replacement is not deprecated
    assert "gpt-5.5" not in events and "gpt-image-2" not in events


def test_anthropic_deprecations() -> None:
    result = parse("anthropic-deprecations", "anthropic-deprecations/model_deprecations_md.md")
    events = by_id(result)
    assert result.items_seen == 26 and len(events) == 15
    assert all(d.provider == "anthropic" for d in result.drafts)
    # Active models with "Not sooner than" dates are lifecycle information, not deprecations
    assert "claude-opus-4-6" not in events and "claude-sonnet-4-5-20250929" not in events
    # ... kept as the provider's word that the model is live, with its floor
    floors = by_id(result, "lifecycle")
    assert row(floors["claude-sonnet-4-5-20250929"]) == ("2026-09-29", "day", True, None, "active")
    assert floors["claude-sonnet-4-5-20250929"].severity == "info"
    assert len(floors) == 9 and not set(floors) & set(events)
    assert row(events["claude-3-7-sonnet-20250219"]) == ("2026-02-19", "day", False, "claude-opus-4-6", "deprecated")
    assert events["claude-3-7-sonnet-20250219"].published_at == datetime(2025, 10, 28, tzinfo=UTC)
    assert events["claude-3-5-haiku-20241022"].replacement == "claude-haiku-4-5-20251001"
    # gone from the status table: retired
    assert row(events["claude-3-5-sonnet-20240620"]) == ("2025-10-28", "day", False, "claude-opus-4-6", "retired")
    assert row(events["claude-instant-1.2"])[:2] == ("2024-11-06", "day")
    assert "claude-haiku-4-5-20251001" not in events


def test_gemini_deprecations() -> None:
    result = parse("gemini-deprecations", "gemini-deprecations/deprecations_article_body.html")
    events = by_id(result)
    assert result.items_seen == 65 and len(events) == 46
    assert all(d.provider == "gemini" for d in result.drafts)
    # the page says its shutdown dates "indicate the earliest possible dates": every date is a floor
    assert row(events["gemini-3.1-flash-lite"]) == ("2027-05-07", "day", True, "gemini-3.5-flash-lite", "deprecated")
    # shut down rows are marked only by class="row-gray"
    assert row(events["gemini-2.0-flash"]) == ("2026-06-01", "day", True, "gemini-3.6-flash", "retired")
    # dateless but told to move: a deprecation without a deadline
    assert row(events["gemini-3-flash-preview"]) == (None, None, False, "gemini-3.6-flash", "deprecated")
    assert events["gemini-3-pro-preview"].extra["group"] == "Preview models"  # below a colspan divider
    # "No shutdown date announced" with no replacement: not deprecated
    assert "gemini-2.5-pro" not in events and "gemini-3.7-flash" not in events


def test_vertex_model_versions() -> None:
    result = parse("vertex-model-versions", "vertex-model-versions/model_versions_md.md")
    events = by_id(result)
    assert result.items_seen == 42 and len(events) == 28
    assert all(d.provider == "vertex" for d in result.drafts)
    # "they won't be moved to an earlier date than what is listed": the available models' dates are floors
    assert row(events["gemini-2.5-pro"]) == ("2026-10-20", "day", True, "Gemini 3.5 Flash", "deprecated")
    assert row(events["multimodalembedding@001"]) == ("2027-04-01", "day", True, None, "deprecated")
    assert row(events["textembedding-gecko@003"]) == ("2025-05-24", "day", False, "gemini-embedding-001", "retired")
    assert row(events["text-bison"])[4] == "retired"
    # "... or later" and "No sooner than" without a replacement: availability promises, not deprecations
    assert "gemini-3.5-flash" not in events and "gemini-embedding-001" not in events
    assert "gemini-3.8-flash" not in events  # "No retirement date announced"


def test_azure_openai_retirement_tables() -> None:
    result = parse("azure-openai-retirements", "azure-openai-retirements/retirement_tables_md.md")
    events = by_id(result)
    # read on 2026-11-26: the eight Preview models whose "No earlier than" day has passed may go any day
    assert result.items_seen == 55 and len(events) == 43
    assert all(d.provider == "azure-openai" for d in result.drafts)
    # one event per model version: a deployment names both
    assert row(events["gpt-4o:2024-05-13"]) == ("2026-03-31", "day", False, "gpt-5.1", "deprecated")
    assert row(events["gpt-4o:2024-11-20"]) == ("2026-06-05", "day", False, "gpt-5.1", "deprecated")
    assert events["gpt-4o:2024-11-20"].models == ["gpt-4o"]
    assert events["gpt-4o:2024-11-20"].extra["no_new_customers"] == "2025-11-20"
    assert row(events["gpt-image-1:2025-04-15"]) == ("2026-03-31", "day", True, "gpt-image-1-mini", "deprecated")
    assert row(events["computer-use-preview:2025-03-11"]) == ("2026-04-14", "day", True, None, "deprecated")
    assert "gpt-5.2:2025-12-11" not in events  # Generally Available, "No earlier than": a floor still
    assert "text-embedding-3-large:1" not in events


def test_azure_openai_models_json() -> None:
    result = parse("azure-openai-retirements", "azure-openai-retirements/openai_models_json_lifecycle.json")
    events = by_id(result)
    assert result.items_seen == 4 and set(events) == {"dall-e-3-3.0", "dall-e-2-2.0", "code-cushman-001",
                                                     "code-cushman-fine-tune-002"}
    assert row(events["dall-e-3-3.0"]) == ("2025-06-30", "day", False, None, "deprecated")
    assert events["code-cushman-001"].extra["fine_tune_retirement"] == "2024-06-14"
    assert events["dall-e-3-3.0"].extra["lifecycle_status"] == "preview"


def test_bedrock_lifecycle_bullets() -> None:
    result = parse("bedrock-lifecycle", "bedrock-lifecycle/model_lifecycle_bullets_md.md")
    events = by_id(result)
    assert result.items_seen == 23 and len(events) == 23
    assert all(d.provider == "bedrock" for d in result.drafts)
    jamba = events["ai21.jamba-1-5-large-v1:0"]
    assert (jamba.deadline, jamba.regions) == ("2026-11-26", ["us-east-1"])
    assert jamba.extra["region_dates"] == [{"regions": ["us-east-1"], "legacy": "2026-05-26",
                                            "extended_access": "2026-08-26", "eol": "2026-11-26"}]
    # per-region rows with different dates: the deadline is the first one
    sonnet = events["anthropic.claude-3-5-sonnet-20240620-v1:0"]
    assert sonnet.deadline == "2026-06-01"
    assert sorted(g["eol"] for g in sonnet.extra["region_dates"]) == ["2026-06-01", "2026-07-30", "2026-07-30"]
    assert "eu-central-2" in sonnet.regions and "us-gov-west-1" in sonnet.regions
    assert events["amazon.nova-canvas-v1:0"].extra["region_dates"][0]["extended_access"] is None  # "—"


def test_bedrock_lifecycle_table() -> None:
    events = by_id(parse("bedrock-lifecycle", "bedrock-lifecycle/model_lifecycle_table_md.md"))
    assert len(events) == 13
    assert events["anthropic.claude-opus-4-1-20250805-v1:0"].deadline == "2027-01-08"
    assert events["amazon.nova-canvas-v1:0"].regions == ["ap-northeast-1", "eu-west-1", "us-east-1"]


def test_groq_deprecations() -> None:
    result = parse("groq-deprecations", "groq-deprecations/deprecations_md.md")
    events = by_id(result)
    assert result.items_seen == 12 and len(events) == 12
    assert row(events["groq/compound"]) == ("2026-09-21", "day", False, None, "deprecated")  # "—"
    assert row(events["llama-3.3-70b-versatile"]) == ("2026-08-16", "day", False,
                                                      "openai/gpt-oss-120b or qwen/qwen3.6-27b", "deprecated")
    assert events["llama-3.3-70b-versatile"].extra["replacement_models"] == ["openai/gpt-oss-120b",
                                                                              "qwen/qwen3.6-27b"]
    assert events["playai-tts"].deadline == "2025-12-31"
    assert "openai/gpt-oss-120b" not in events


def test_litellm_model_map() -> None:
    result = parse("litellm-model-map", "litellm-model-map/deprecation_dates_scoped.json")
    assert result.items_seen == 856 and len(result.drafts) == 586
    events = {(d.provider, d.external_id): d for d in result.drafts}
    assert all(d.extra["third_party"] for d in result.drafts)
    # provider-qualified keys: platform from the provider, regions and sizes taken off the key
    gpt5 = events[("azure-openai", "gpt-5-2025-08-07")]
    assert (gpt5.deadline, gpt5.regions) == ("2027-02-09", ["eu", "us"])
    assert gpt5.extra["litellm_keys"] == ["azure/eu/gpt-5-2025-08-07", "azure/gpt-5-2025-08-07",
                                          "azure/us/gpt-5-2025-08-07"]
    canvas = events[("bedrock", "amazon.nova-canvas-v1:0")]
    assert canvas.deadline == "2026-09-30"
    assert "1024-x-1024/50-steps/bedrock/amazon.nova-canvas-v1:0" in canvas.extra["litellm_keys"]
    assert events[("vertex", "claude-3-5-sonnet")].deadline == "2026-02-19"
    assert events[("openai", "gpt-image-1.5-2025-12-16")].deadline == "2026-12-01"
    assert ("fireworks", "kimi-k2p6") in events


def test_openai_changelog() -> None:
    result = parse("openai-changelog", "openai-changelog/changelog_md_duplicate_days.md")
    assert result.items_seen == 6
    entries = result.drafts
    assert [d.published_at.date().isoformat() for d in entries] == [
        "2026-09-10", "2026-09-10", "2026-09-02", "2026-09-01", "2026-08-26", "2026-08-21"]
    assert len({d.external_id for d in entries}) == 6  # two entries on Sep 10 stay two events
    assert all(d.kind == "changelog" for d in entries)
    assert entries[1].models == ["gpt-live-1"]
    assert entries[4].models[:4] == ["whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe",
                                     "gpt-4o-transcribe-diarize"]
    assert entries[3].models == [] and entries[3].title == "Connections to api.openai.com can now use IPv6."


def test_anthropic_release_notes_feed_lists_models() -> None:
    result = POLLED["feed"].parse(fixture("feed/anthropic_release_notes_changelog.xml"), url="u", fetched_at=NOW)
    first, second = result.drafts
    assert first.models == ["claude-sonnet-4-5-20250929"]
    assert second.models == []  # cache-diagnosis-2026-04-07 is a beta header, not a model


@pytest.mark.parametrize("kind, body, column", [
    ("openai-deprecations", b"# Deprecations\n\nNothing here any more.\n", "date"),
    ("anthropic-deprecations", b"| Model | State |\n|---|---|\n| a | b |\n", "retirement date"),
    ("gemini-deprecations", b"<html><body><p>moved</p></body></html>", "shutdown date"),
    ("vertex-model-versions", b"## Models\n\nSee the new page.\n", "retirement date"),
    ("azure-openai-retirements", b"# Retirements\n", "retirement date"),
    ("groq-deprecations", b"| Model | Date |\n|--|--|\n| x | y |\n", "shutdown date"),
])
def test_a_page_without_its_table_is_layout_changed(kind: str, body: bytes, column: str) -> None:
    with pytest.raises(LayoutChanged, match=f"no table with a '{column}' column"):
        POLLED[kind].parse(body, url="u", fetched_at=NOW)


@pytest.mark.parametrize("kind, body", [
    ("bedrock-lifecycle", b"# Model lifecycle\n\nAll models are active.\n"),
    ("litellm-model-map", b'{"gpt-4": {"mode": "chat"}, "gpt-4o": {"mode": "chat"}}'),
    ("openai-changelog", b"# Changelog\n\nNo entries.\n"),
    ("azure-openai-retirements", b'{"object": "list"}'),
])
def test_other_layout_changes(kind: str, body: bytes) -> None:
    with pytest.raises(LayoutChanged):
        POLLED[kind].parse(body, url="u", fetched_at=NOW)
