"""The generic readers on every provider's deprecation fixture: `lifecycle-table` finds the rows by what
the headers mean, `lifecycle-prose` reads notices written as sentences, and a page whose headers are
renamed or whose table turns into prose still gives the same events, or a clear layout_changed.

Every asserted row was checked by hand against the fixture's text (the line is quoted in a comment)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from connectors import POLLED
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft
from connectors.contract.protocols import Hints
from tests.scenarios import fixture

TABLE = POLLED["lifecycle-table"]
PROSE = POLLED["lifecycle-prose"]
FETCHED = datetime(2026, 8, 21, tzinfo=UTC)


def table_events(path: str, *, platform: str = "p", fetched: datetime = FETCHED, **hints: str) -> dict[str, EventDraft]:
    result = TABLE.parse(fixture(path), url="https://example.test/page", fetched_at=fetched,
                         hints=Hints(provider=platform, **hints))
    assert result.items_seen >= len(result.drafts)
    return {d.external_id: d for d in result.drafts}


def prose_events(body: bytes, *, fetched: datetime = FETCHED) -> dict[str, EventDraft]:
    result = PROSE.parse(body, url="https://example.test/page", fetched_at=fetched, hints=Hints(provider="p"))
    return {d.external_id: d for d in result.drafts}


def row(event: EventDraft) -> tuple[object, ...]:
    return (event.kind, event.deadline, event.deadline_precision, event.deadline_earliest, event.status,
            event.extra.get("replacement_models"))


# (fixture, model, (kind, deadline, precision, earliest, status, replacement ids)); status as of FETCHED
TABLE_ROWS = [
    # | 2026-10-23 | `ft-babbage-002` | `gpt-5.4-mini` |
    ("openai-deprecations/deprecations_page_md.md", "ft-babbage-002",
     ("deprecation", "2026-10-23", "day", False, "deprecated", ["gpt-5.4-mini"])),
    # | `claude-opus-4-6` | Active | N/A | Not sooner than February 5, 2027 |
    ("anthropic-deprecations/model_deprecations_md.md", "claude-opus-4-6",
     ("lifecycle", "2027-02-05", "day", True, "active", None)),
    # | January 5, 2026 | `claude-3-opus-20240229` | `claude-opus-4-6` |
    ("anthropic-deprecations/model_deprecations_md.md", "claude-3-opus-20240229",
     ("deprecation", "2026-01-05", "day", False, "retired", ["claude-opus-4-6"])),
    # | llama-3.3-70b-versatile | 08/16/26 | openai/gpt-oss-120b or qwen/qwen3.6-27b |
    ("groq-deprecations/deprecations_md.md", "llama-3.3-70b-versatile",
     ("deprecation", "2026-08-16", "day", False, "retired", ["openai/gpt-oss-120b", "qwen/qwen3.6-27b"])),
    # | groq/compound | 09/21/26 | — |
    ("groq-deprecations/deprecations_md.md", "groq/compound",
     ("deprecation", "2026-09-21", "day", False, "deprecated", [])),
]


@pytest.mark.parametrize(("path", "model", "expected"), TABLE_ROWS, ids=lambda v: v if isinstance(v, str) else "")
def test_the_table_reader_finds_the_hand_checked_rows(path: str, model: str, expected: tuple[object, ...]) -> None:
    assert row(table_events(path)[model]) == expected


@pytest.mark.parametrize(("path", "minimum"), [
    ("openai-deprecations/deprecations_page_md.md", 60), ("anthropic-deprecations/model_deprecations_md.md", 20),
    ("gemini-deprecations/deprecations_article_body.html", 40), ("vertex-model-versions/model_versions_md.md", 30),
    ("azure-openai-retirements/retirement_tables_md.md", 40), ("bedrock-lifecycle/model_lifecycle_table_md.md", 10),
    ("groq-deprecations/deprecations_md.md", 10),
])
def test_the_table_reader_reads_every_page_with_a_lifecycle_table(path: str, minimum: int) -> None:
    events = table_events(path)
    assert len(events) >= minimum
    assert all(e.kind in ("deprecation", "lifecycle") and e.provider == "p" for e in events.values())
    assert all(e.kind == "deprecation" or e.deadline_earliest for e in events.values())  # floors only


def test_a_page_note_makes_every_date_of_its_table_a_floor() -> None:
    """The Gemini API page: "The shutdown dates listed in the table indicate the earliest possible dates
    on which a model might be retired"."""
    events = table_events("gemini-deprecations/deprecations_article_body.html")
    dated = [e for e in events.values() if e.deadline]
    assert len(dated) > 20 and all(e.deadline_earliest for e in dated)
    assert "earliest" in dated[0].extra["page_note"]
    # The same table without the note: firm dates again (the note is what made them floors).
    page = fixture("gemini-deprecations/deprecations_article_body.html").decode()
    without = re.sub(r"[^<>.]*earliest[^<>.]*\.?", "", page)  # every sentence that says "earliest"
    firm = TABLE.parse(without.encode(), url="https://x.test", fetched_at=FETCHED, hints=Hints(provider="p"))
    assert [d for d in firm.drafts if d.deadline] and not any(d.deadline_earliest for d in firm.drafts)


def test_renamed_headers_read_by_meaning_give_the_same_events() -> None:
    page = fixture("groq-deprecations/deprecations_md.md").decode()
    renamed = page.replace("Shutdown Date", "End of life").replace("Deprecated Model", "Model ID").replace(
        "Recommended Replacement Model ID", "Successor")
    assert renamed != page
    before = table_events("groq-deprecations/deprecations_md.md")
    after = TABLE.parse(renamed.encode(), url="https://example.test/page", fetched_at=FETCHED,
                        hints=Hints(provider="p"))
    assert {d.external_id: row(d) for d in after.drafts} == {k: row(v) for k, v in before.items()}


def test_headers_that_mean_nothing_are_a_layout_change_unless_hints_name_the_columns() -> None:
    page = fixture("groq-deprecations/deprecations_md.md").decode()
    opaque = page.replace("Shutdown Date", "Col B").replace("Deprecated Model", "Col A").replace(
        "Recommended Replacement Model ID", "Col C")
    with pytest.raises(LayoutChanged, match="model_column"):
        TABLE.parse(opaque.encode(), url="https://x.test", fetched_at=FETCHED, hints=Hints(provider="p"))
    hinted = TABLE.parse(opaque.encode(), url="https://x.test", fetched_at=FETCHED,
                         hints=Hints(provider="groq", model_column="Col A", date_column="Col B",
                                     replacement_column="Col C"))
    events = {d.external_id: d for d in hinted.drafts}
    assert events["qwen/qwen3.6-27b"].deadline == "2026-09-14"
    assert events["qwen/qwen3.6-27b"].replacement == "qwen/qwen3.8-27b"
    assert events["qwen/qwen3.6-27b"].provider == "groq"


def test_the_platform_hint_names_the_events_provider() -> None:
    result = TABLE.parse(fixture("groq-deprecations/deprecations_md.md"), url="https://x.test", fetched_at=FETCHED,
                         hints=Hints(provider="reseller", platform="groq"))
    assert {d.provider for d in result.drafts} == {"groq"}


def as_prose(path: str, date_column: str, model_column: str, replacement_column: str) -> bytes:
    """The fixture's tables rewritten as sentences, the way a changelog would announce the same rows."""
    page = fixture(path).decode()
    lines: list[str] = []
    header: list[str] = []
    for line in page.splitlines():
        if not line.startswith("|"):
            lines.append(line)
            header = []
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not header:
            header = cells
            continue
        if set("".join(cells)) <= set("-: "):
            continue
        cell = dict(zip(header, cells, strict=False))
        model, when = cell[model_column].strip("` "), cell[date_column]
        replacement = cell.get(replacement_column, "").strip("` ")
        sentence = f"`{model}` will be retired on {when}."
        if replacement and replacement not in ("—", "-"):
            sentence += f" Please migrate to `{replacement}`."
        lines += ["", sentence, ""]
    return "\n".join(lines).encode()


def test_a_table_turned_into_prose_gives_the_same_deadlines() -> None:
    prose = as_prose("groq-deprecations/deprecations_md.md", "Shutdown Date", "Deprecated Model",
                     "Recommended Replacement Model ID")
    with pytest.raises(LayoutChanged):
        TABLE.parse(prose, url="https://x.test", fetched_at=FETCHED, hints=Hints(provider="p"))
    from_table = table_events("groq-deprecations/deprecations_md.md")
    from_prose = prose_events(prose)
    assert set(from_prose) >= {m for m in from_table if "/" not in m or m.startswith(("qwen/", "groq/"))} - {
        m for m in from_table if not from_table[m].deadline}
    for model, event in from_prose.items():
        assert event.deadline == from_table[model].deadline, model
        assert event.status == from_table[model].status, model


def test_the_prose_reader_reads_a_changelog_notice_with_its_date_in_the_next_sentence() -> None:
    """"Announced the deprecation of `whisper-1`, `gpt-4o-transcribe`, … These models will shut down on
    February 26, 2027. Migrate to `gpt-live-transcribe` or `gpt-transcribe`." (OpenAI changelog)"""
    events = prose_events(fixture("openai-changelog/changelog_md_duplicate_days.md"))
    assert set(events) >= {"whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe", "gpt-4o-transcribe-diarize"}
    whisper = events["whisper-1"]
    assert (whisper.deadline, whisper.status) == ("2027-02-26", "deprecated")
    assert whisper.extra["replacement_models"] == ["gpt-live-transcribe", "gpt-transcribe"]
    assert "gpt-live-transcribe" not in events  # a replacement is not an event


@pytest.mark.parametrize(("text", "expected"), [
    ("Effective May 15, 2026, the following models will be retired:\n\n* `grok-3`\n* `grok-4-0709`\n",
     {"grok-3": ("2026-05-15", None), "grok-4-0709": ("2026-05-15", None)}),
    ("`mistral-large-2407` will be deprecated on 2026-03-30; please migrate to `mistral-large-2411`.",
     {"mistral-large-2407": ("2026-03-30", "mistral-large-2411")}),
    ("We are retiring `command-r-03-2024` and `command-r-plus-04-2024` on September 15, 2026. "
     "Use `command-a-03-2025` instead.",
     {"command-r-03-2024": ("2026-09-15", "command-a-03-2025"),
      "command-r-plus-04-2024": ("2026-09-15", "command-a-03-2025")}),
])
def test_the_prose_reader_reads_the_usual_ways_of_saying_it(text: str, expected: dict[str, tuple[str, str]]) -> None:
    events = prose_events(text.encode(), fetched=datetime(2026, 1, 1, tzinfo=UTC))
    assert {m: (e.deadline, e.replacement) for m, e in events.items()} == expected


@pytest.mark.parametrize("text", [
    "Deprecating `disable_reasoning` parameter for `zai-glm-4.7`: it will no longer be supported after July 21, 2026.",
    "Fine-tuning for the `command-light` and `command` models is being retired.",
    "If you continue sending requests to a deprecated slug after May 15, you will be billed at `grok-4.3` pricing.",
    "We launched `gpt-5.5` today with a 1M context window.",
])
def test_the_prose_reader_does_not_make_events_of_what_is_not_a_model_retirement(text: str) -> None:
    assert prose_events(text.encode()) == {}


def test_a_reseller_table_of_display_names_and_slugs_is_read_by_its_slug_column() -> None:
    """Baseten: "| Model | Slug | Deprecation date | Recommended replacement |", where the deprecation
    date is the day the id stops answering (the page's own definition), and the replacement names its
    id in brackets: "DeepSeek V3.1 (deepseek-ai/DeepSeek-V3.1)"."""
    events = table_events("lifecycle-table/baseten_deprecation_planned_text_trimmed.md", platform="baseten",
                          fetched=datetime(2026, 4, 20, tzinfo=UTC))
    assert {m: row(e) for m, e in events.items()} == {
        "deepseek-ai/DeepSeek-V3-0324": ("deprecation", "2026-05-01", "day", False, "deprecated",
                                         ["deepseek-ai/DeepSeek-V3.1"]),
        "zai-org/GLM-4.6": ("deprecation", "2026-05-01", "day", False, "deprecated", ["zai-org/GLM-4.7"]),
    }


def test_a_page_that_says_nothing_is_planned_is_quiet_not_broken() -> None:
    """"## Planned deprecations / There are no planned deprecations at this time." (no table): zero
    events and no layout_changed; the same page without that sentence is a layout change."""
    result = TABLE.parse(fixture("lifecycle-table/baseten_deprecation_none_planned_md.md"), url="https://x.test",
                         fetched_at=FETCHED, hints=Hints(provider="baseten"))
    assert (result.drafts, result.items_seen, result.may_be_empty) == ([], 0, True)
    silent = fixture("lifecycle-table/baseten_deprecation_none_planned_md.md").replace(
        b"There are no planned deprecations at this time.", b"")
    with pytest.raises(LayoutChanged):
        TABLE.parse(silent, url="https://x.test", fetched_at=FETCHED, hints=Hints(provider="baseten"))
