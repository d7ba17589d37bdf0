"""The deprecation connectors on captures they were not tuned on, read for what each page means: page
notes that make every date a floor, live models' floors kept as `lifecycle` events (never as
deprecations), a model listed twice (the later announcement speaks, the other kept as history), and
what is not an event. Every asserted row was checked by hand against the page text."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors import POLLED
from connectors._deprecation import replacement_models
from connectors.contract.events import EventDraft, ParseResult
from tests.scenarios import fixture

# When each capture was taken (its provenance), so that "already past" reads as the page meant it.
AUG_2026 = datetime(2026, 8, 21, tzinfo=UTC)
NOV_2025 = datetime(2025, 11, 13, tzinfo=UTC)


def parse(kind: str, path: str, fetched_at: datetime = AUG_2026) -> ParseResult:
    return POLLED[kind].parse(fixture(path), url="https://example.test/page", fetched_at=fetched_at)


def by_id(result: ParseResult, kind: str = "deprecation") -> dict[str, EventDraft]:
    return {d.external_id: d for d in result.drafts if d.kind == kind}


def row(draft: EventDraft) -> tuple:
    return (draft.deadline, draft.deadline_precision, draft.deadline_earliest, draft.replacement, draft.status)


def test_gemini_markdown_copy_every_date_is_a_floor() -> None:
    result = parse("gemini-deprecations", "gemini-deprecations/peer_deprecations_md.md")
    events = by_id(result)
    # 65 model rows; the "Preview models" rows of the Markdown copy label groups, they are no models
    assert result.items_seen == 65 and len(result.drafts) == len(events) == 46
    assert "Preview models" not in events
    # "The shutdown dates listed in the table indicate the earliest possible dates…": every dated row
    dated = [d for d in events.values() if d.deadline]
    assert len(dated) == 42 and all(d.deadline_earliest for d in dated)
    assert row(events["gemini-3.1-flash-lite"]) == ("2027-05-07", "day", True, "gemini-3.5-flash-lite", "deprecated")
    assert "earliest shutdown dates" in events["gemini-3.1-flash-lite"].extra["page_note"]
    assert events["gemini-3.1-flash-lite"].severity == "notice"  # a floor, not yet a firm date
    assert row(events["gemini-embedding-001"]) == ("2028-05-14", "day", True, "gemini-embedding-2", "deprecated")
    # the gray marks of shut-down rows are lost in the copy: a past floor is not called retired
    assert row(events["gemini-2.0-flash"]) == ("2026-06-01", "day", True, "gemini-3.6-flash", "deprecated")
    # below a divider row, the group is kept
    assert events["gemini-3-pro-preview"].extra["group"] == "Preview models"
    assert events["gemini-3.1-flash-lite"].extra["group"] is None
    # dateless but told to move
    assert row(events["gemini-2.5-flash-preview-tts"]) == (None, None, False, "gemini-3.1-flash-tts-preview",
                                                           "deprecated")
    # the Veo replacement names one id and a sentence
    assert events["veo-3.0-generate-001"].extra["replacement_models"] == ["veo-3.1-generate-preview"]
    # "No shutdown date announced" and no replacement: not deprecated
    for live in ("gemini-3.7-flash", "gemini-2.5-pro", "gemini-3.1-pro-preview", "lyria-realtime-exp",
                 "gemini-embedding-2"):
        assert live not in events


def test_vertex_page_note_and_floors() -> None:
    result = parse("vertex-model-versions", "vertex-model-versions/peer_model_versions_md.md")
    events, floors = by_id(result), by_id(result, "lifecycle")
    assert result.items_seen == 41 and (len(events), len(floors)) == (29, 8)
    # "… won't be moved to an earlier date than what is listed": every listed retirement date is a floor
    assert row(events["gemini-2.5-pro"]) == ("2026-10-20", "day", True, "Gemini 3.5 Flash", "deprecated")
    assert row(events["gemini-live-2.5-flash-native-audio"]) == ("2026-12-13", "day", True, None, "deprecated")
    assert row(events["text-embedding-005"]) == ("2027-04-01", "day", True, None, "deprecated")
    assert "earlier date than what is listed" in events["text-embedding-005"].extra["page_note"]
    # "… or later" / "No sooner than …" with no replacement: a live model's floor, never a deprecation
    assert row(floors["gemini-3.5-flash"]) == ("2027-05-19", "day", True, None, "active")
    assert row(floors["gemini-embedding-001"]) == ("2028-05-20", "day", True, None, "active")
    assert row(floors["veo-3.1-generate-001"]) == ("2026-11-17", "day", True, None, "active")
    assert floors["veo-3.1-generate-001"].severity == "info" and not set(floors) & set(events)
    # the Retired models table speaks of models gone, not of available ones: its dates stay firm
    assert row(events["gemini-2.0-flash"]) == ("2026-06-01", "day", False, "gemini-3.1-flash-lite", "retired")
    assert row(events["textembedding-gecko@003"]) == ("2025-05-24", "day", False, "gemini-embedding-001", "retired")
    assert events["gemini-2.0-flash"].extra["page_note"] is None
    # no date, or "No retirement date announced": nothing
    for live in ("gemini-embedding-2", "gemini-3.7-flash", "gemini-3.6-flash", "gemini-3.1-flash-lite-image"):
        assert live not in events and live not in floors


def test_anthropic_floors_notes_and_retired_models() -> None:
    result = parse("anthropic-deprecations", "anthropic-deprecations/peer_model_deprecations_md.md")
    events, floors = by_id(result), by_id(result, "lifecycle")
    assert result.items_seen == 35 and (len(events), len(floors)) == (20, 10)
    # "Active … Not sooner than February 5, 2027": the model's guaranteed floor
    assert row(floors["claude-opus-4-6"]) == ("2027-02-05", "day", True, None, "active")
    assert row(floors["claude-opus-5"]) == ("2027-07-24", "day", True, None, "active")
    assert not set(floors) & set(events)
    # "Retired" in the status table, with the history table's replacement and announcement
    opus = events["claude-opus-4-1-20250805"]
    assert row(opus) == ("2026-08-05", "day", False, "claude-opus-4-8", "retired")
    assert opus.published_at == datetime(2026, 6, 5, tzinfo=UTC)
    assert opus.extra["deprecated_on"] == "2026-06-05"
    # only in the history: retired (the status table no longer lists it)
    assert row(events["claude-3-opus-20240229"]) == ("2026-01-05", "day", False, "claude-opus-4-8", "retired")
    # a note deprecates a model that no table lists: a deprecation with no date yet
    assert row(events["claude-mythos-preview"]) == (None, None, False, "claude-mythos-5", "deprecated")
    assert "claude-mythos-5" not in events  # named only as the replacement
    # the API parameter table deprecates parameters, not models
    assert "temperature" not in events


def test_openai_later_announcement_speaks() -> None:
    result = parse("openai-deprecations", "openai-deprecations/peer_deprecations_complete_md.md")
    events = by_id(result)
    assert result.items_seen == 150 and len(events) == 139
    # listed on 2025-09-26 (shut down 2026-03-26) and again on 2026-04-22 (October 23, 2026)
    gpt4 = events["gpt-4-1106-preview"]
    assert row(gpt4) == ("2026-10-23", "day", False, "gpt-5.6-sol", "deprecated")
    assert gpt4.published_at == datetime(2026, 4, 22, tzinfo=UTC)
    assert gpt4.extra["earlier_announcements"] == [{
        "announced": "2025-09-26", "deadline": "2026-03-26", "deadline_earliest": False,
        "table": "2025-09-26: Legacy GPT model snapshots (March 2026 shutdown)"}]
    # "at earliest 2024-06-13" (2023-06-13) gave way to the 2025-09-26 announcement
    assert row(events["gpt-4-0314"]) == ("2026-03-26", "day", False, "gpt-5 or gpt-4.1", "retired")
    assert events["gpt-4-0314"].extra["earlier_announcements"][0]["deadline_earliest"] is True
    # code-davinci-002: 2023-03-20 (2023-03-23), then 2023-07-06 under "#### Base GPT models" (2024-01-04)
    davinci = events["code-davinci-002"]
    assert (davinci.deadline, davinci.published_at) == ("2024-01-04", datetime(2023, 7, 6, tzinfo=UTC))
    assert [a["announced"] for a in davinci.extra["earlier_announcements"]] == ["2023-03-20"]
    # a sub-heading shares its section's announcement date
    assert events["text-ada-001"].published_at == datetime(2023, 7, 6, tzinfo=UTC)
    # ids inside code spans that are no models ("reasoning.mode: pro") are no replacement ids
    assert events["o3-pro-2025-06-10"].extra["replacement_models"] == ["gpt-5.6-sol"]
    # fine-tuning training on a model is not the model: babbage-002 keeps its own 2026-09-28
    training = events["New fine-tuning training on babbage-002"]
    assert (training.deadline, training.models, training.status) == ("2024-10-28", [], "retired")
    assert row(events["babbage-002"]) == ("2026-09-28", "day", False, "gpt-5.6-terra", "deprecated")
    # endpoints under a "System" column: deprecations of no model
    assert (events["/v1/fine-tunes"].deadline, events["/v1/fine-tunes"].models) == ("2024-01-04", [])
    # "Date | Update" tables: the "Deprecation announced" row is the announcement, not a deadline
    policy = [d for d in result.drafts if d.external_id.startswith("policy:")]
    assert sorted(d.deadline for d in policy) == ["2026-05-07", "2026-07-02", "2026-10-31", "2026-11-30",
                                                  "2026-11-30", "2026-11-30", "2027-01-06"]
    evals = [d for d in policy if d.extra["announcement"] == "2026-06-03: Evals platform"]
    assert {d.deadline for d in evals} == {"2026-10-31", "2026-11-30"}
    assert all(d.published_at == datetime(2026, 6, 3, tzinfo=UTC) for d in evals)
    # the fine-tuning update has no dated heading: its prose says "On May 7th, 2026, we notified…"
    tuning = [d for d in policy if "fine-tuning" in d.extra["announcement"]]
    assert len(tuning) == 3 and all(d.published_at == datetime(2026, 5, 7, tzinfo=UTC) for d in tuning)


def test_openai_older_html_page() -> None:
    result = parse("openai-deprecations", "openai-deprecations/platform_page_2025_html.html", NOV_2025)
    events = by_id(result)
    assert result.items_seen == 76 and len(events) == 69
    assert row(events["gpt-4-0314"]) == ("2026-03-26", "day", False, "gpt-5 or gpt-4.1", "deprecated")
    assert events["gpt-4-0314"].extra["earlier_announcements"][0]["announced"] == "2023-06-13"
    assert row(events["gpt-4o-realtime-preview"]) == ("2026-02-27", "day", False, "gpt-realtime", "deprecated")
    assert events["text-davinci-003"].published_at == datetime(2023, 7, 6, tzinfo=UTC)
    assert events["New fine-tuning training on davinci-002"].models == []
    assert row(events["davinci-002"])[:2] == ("2026-09-28", "day")


def test_groq_announcements_in_prose_decide_a_model_listed_twice() -> None:
    result = parse("groq-deprecations", "groq-deprecations/peer_deprecations_complete_md.md")
    events = by_id(result)
    assert result.items_seen == 37 and len(events) == 36
    # listed under "April 14, 2025" (announced April 7) and "March 24, 2025" (announced March 17)
    specdec = events["deepseek-r1-distill-llama-70b-specdec"]
    assert row(specdec) == ("2025-04-14", "day", False,
                            "deepseek-r1-distill-llama-70b deepseek-r1-distill-qwen-32b", "deprecated")
    assert specdec.published_at == datetime(2025, 4, 7, tzinfo=UTC)
    assert specdec.extra["earlier_announcements"] == [{
        "announced": "2025-03-17", "deadline": "2025-03-24", "deadline_earliest": False,
        "table": "March 24, 2025: DeepSeek R1 Distill Llama 70B (Speculative Decoding)"}]
    # the heading is the shutdown day; the announcement is in the prose
    assert events["llama-3.1-8b-instant"].published_at == datetime(2026, 6, 17, tzinfo=UTC)
    assert events["mistral-saba-24b"].published_at is None  # "we are announcing", no day given
    # ids side by side where the page lost its separators, qualifiers in brackets left out
    assert specdec.extra["replacement_models"] == ["deepseek-r1-distill-llama-70b", "deepseek-r1-distill-qwen-32b"]
    assert events["llama-3.2-90b-text-preview"].extra["replacement_models"] == [
        "llama-3.2-90b-vision-preview", "llama-3.1-70b-versatile"]
    assert "openai/gpt-oss-120b" not in events


def test_bedrock_older_html_floors_legacy_and_eol() -> None:
    result = parse("bedrock-lifecycle", "bedrock-lifecycle/model_lifecycle_active_legacy_eol.html", NOV_2025)
    events, floors = by_id(result), by_id(result, "lifecycle")
    # 55 Active rows, 6 Legacy, 29 EOL
    assert result.items_seen == 90 and (len(events), len(floors)) == (31, 47)
    # the Active table's "No sooner than" cell has no header of its own: it is the model's floor
    assert row(floors["anthropic.claude-sonnet-4-5-20250929-v1:0"]) == ("2026-09-29", "day", True, None, "active")
    assert row(floors["stability.sd3-large-v1:0"]) == ("2025-09-04", "day", True, None, "active")
    assert "amazon.rerank-v1:0" not in floors  # no floor given
    # a Legacy model named by its display name gets the id the Active table gives that name
    sonnet = events["anthropic.claude-3-7-sonnet-20250219-v1:0"]
    assert row(sonnet) == ("2026-04-28", "day", False, "anthropic.claude-sonnet-4-5-20250929-v1:0", "legacy")
    assert sonnet.extra["model_name"] == "Claude 3.7 Sonnet"
    assert "anthropic.claude-3-7-sonnet-20250219-v1:0" not in floors  # the Legacy listing speaks
    assert events["anthropic.claude-opus-4-20250514-v1:0"].extra["model_name"] == "Claude Opus 4"  # "4.0" there
    v1 = events["anthropic.claude-3-5-sonnet-20240620-v1:0"]
    assert v1.regions == ["eu-central-1", "eu-central-2", "eu-west-1", "eu-west-3", "us-east-1", "us-east-2",
                          "us-west-2"]
    # the End-of-Life table lists models gone
    assert row(events["Claude 3 Opus"]) == ("2026-01-15", "day", False,
                                            "anthropic.claude-opus-4-1-20250805-v1:0, "
                                            "anthropic.claude-sonnet-4-5-20250929-v1:0", "legacy")
    assert row(events["Cohere Command"])[4] == "retired"
    assert events["Cohere Command"].extra["replacement_models"] == ["cohere.command-r-v1:0",
                                                                   "cohere.command-r-plus-v1:0"]
    # one model, two regions, two days: the first listed speaks, the other is kept
    j2 = events["Ai21 J2 Mid-v1"]
    assert (j2.deadline, j2.regions) == ("2024-10-04", ["us-east-1", "us-west-2"])
    assert j2.extra["earlier_announcements"][0]["deadline"] == "2025-03-12"


def test_azure_preview_floors_at_capture_time_and_after() -> None:
    path = "azure-openai-retirements/retirement_tables_md.md"
    # the page is dated 2025-12-16; read in January 2026 every "No earlier than" is still ahead
    early = parse("azure-openai-retirements", path, datetime(2026, 1, 10, tzinfo=UTC))
    events, floors = by_id(early), by_id(early, "lifecycle")
    assert (len(events), len(floors)) == (35, 17)
    assert row(floors["computer-use-preview:2025-03-11"]) == ("2026-04-14", "day", True, None, "active")
    assert floors["computer-use-preview:2025-03-11"].extra["lifecycle_status"] == "preview"
    assert row(floors["gpt-5.2:2025-12-11"]) == ("2027-05-12", "day", True, None, "active")
    # read in March 2026: the five audio Preview models are past February 28 and may go any day
    later = parse("azure-openai-retirements", path, datetime(2026, 3, 10, tzinfo=UTC))
    events, floors = by_id(later), by_id(later, "lifecycle")
    assert (len(events), len(floors)) == (40, 12)
    assert row(events["gpt-4o-mini-tts:2025-03-20"]) == ("2026-02-28", "day", True, None, "deprecated")
    assert "computer-use-preview:2025-03-11" in floors  # April 14 is still ahead
    # Generally Available past its floor stays a floor until Azure sets a date
    ga = parse("azure-openai-retirements", path, datetime(2026, 11, 26, tzinfo=UTC))
    assert "text-embedding-3-large:1" in by_id(ga, "lifecycle") and "text-embedding-3-large:1" not in by_id(ga)
    # tts, tts-hd, whisper: only a "no new customers" floor, no retirement date: nothing
    assert not {"tts:001", "tts-hd:001", "whisper:001"} & {d.external_id for d in ga.drafts}


def test_replacement_ids_by_meaning() -> None:
    assert replacement_models("`gpt-5.6-sol` (`reasoning.mode: pro`)", ["gpt-5.6-sol", "reasoning.mode: pro"]) \
        == ["gpt-5.6-sol"]
    assert replacement_models("gpt-5 or gpt-4.1*", ["gpt-5", "gpt-4.1*"]) == ["gpt-5", "gpt-4.1"]
    assert replacement_models("ai21.jamba-instruct-v1:0 in US East (N. Virginia)") == ["ai21.jamba-instruct-v1:0"]
    assert replacement_models("a, b, and c-1") == ["a", "b", "c-1"]
    assert replacement_models("Gemini 3.5 Flash-Lite or Gemini 3.1 Flash-Lite") == []
