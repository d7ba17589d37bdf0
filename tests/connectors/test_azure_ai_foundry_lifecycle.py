"""`azure-ai-foundry-lifecycle` on three versions of the Foundry Models deprecation page: the saved Learn
HTML (Oct 2025), its Markdown source of Feb 2026, and a trimmed May 2025 source that still carried
Azure OpenAI tables. Display names resolve to the same Foundry id in every version, from a model
catalog link when the row has one, else by the page's naming rule.

Rows checked by hand, e.g. (HTML) "Command R | February 24, 2025 | March 25, 2025 | June 30, 2025 |
Cohere Command R 08-2024" with the name linked to ai.azure.com/explore/models/Cohere-command-r/…;
(2026 source) "| Command R | June 30, 2025 | [Cohere Command R 08-2024](…) |" without a link."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors import azure_ai_foundry_lifecycle as foundry
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, ParseResult
from tests.scenarios import fixture

HTML = "azure-ai-foundry-lifecycle/model_lifecycle_retirement_2025-10.html"
MD_2026 = "azure-ai-foundry-lifecycle/model_lifecycle_retirement_2026-02.md"
MD_2025 = "azure-ai-foundry-lifecycle/model_lifecycle_retirement_2025-05_trimmed.md"
FETCHED = datetime(2026, 1, 20, tzinfo=UTC)


def parse(path: str, fetched: datetime | None = FETCHED) -> ParseResult:
    return foundry.parse(fixture(path), url="https://learn.microsoft.com/x", fetched_at=fetched)


def events(path: str, fetched: datetime | None = FETCHED) -> dict[str, EventDraft]:
    return {d.external_id: d for d in parse(path, fetched).drafts}


def row(draft: EventDraft) -> tuple[object, ...]:
    return (draft.deadline, draft.deadline_precision, draft.deadline_earliest, draft.replacement, draft.status)


@pytest.mark.parametrize(("path", "rows"), [(HTML, 35), (MD_2026, 39), (MD_2025, 18)])
def test_every_provider_row_is_an_event_of_the_azure_ai_platform(path: str, rows: int) -> None:
    result = parse(path)
    assert result.items_seen == rows and len(result.drafts) == rows
    assert {(d.provider, d.kind) for d in result.drafts} == {("azure-ai", "deprecation")}


@pytest.mark.parametrize("path", [HTML, MD_2026, MD_2025])
def test_display_names_resolve_to_the_same_foundry_ids_in_every_version(path: str) -> None:
    found = events(path)
    command_r, plus, jamba = found["Cohere-command-r"], found["Cohere-command-r-plus"], found["AI21-jamba-instruct"]
    assert (command_r.extra["display_name"], plus.extra["display_name"]) == ("Command R", "Command R+")
    assert jamba.extra["display_name"] == "Jamba Instruct"
    assert jamba.extra["id_from"] == "provider prefix + name (the page's naming rule)"
    assert row(command_r) == ("2025-06-30", "day", False, "Cohere Command R 08-2024", "retired")
    assert command_r.extra["replacement_models"] == ["Cohere-command-r-08-2024"]
    assert plus.extra["replacement_models"] == ["Cohere-command-r-plus-08-2024"]
    assert jamba.deadline == "2025-03-01"
    assert "Command R" not in found and "Jamba Instruct" not in found
    # ids the page writes keep the page's spelling (the HTML links Mistral-Large-2407, the cell says Mistral-large-2407)
    assert found["Mistral-large-2407"].extra["id_from"] == "page"


def test_the_html_links_give_the_ids_and_the_dates_give_the_stage() -> None:
    found = events(HTML)
    assert found["Cohere-command-r"].extra["id_from"] == "model catalog link"
    jais = found["jais-30b-chat"]
    assert row(jais) == ("2026-01-30", "day", False, None, "deprecated")
    assert (jais.extra["legacy_on"], jais.extra["deprecated_on"], jais.extra["stage"]) == \
        ("2025-09-30", "2025-10-31", "deprecated")
    bria = found["Bria-2.3-Fast"]  # "N/A" legacy date
    assert (bria.extra["legacy_on"], bria.extra["deprecated_on"], bria.deadline) == (None, "2025-08-31", "2025-10-31")
    # "Cohere-rerank-v3.5" is named only as a replacement; "Phi-4" inside "Phi-4-mini-instruct" is not a second one
    assert found["Cohere-rerank-v3-english"].extra["replacement_models"] == ["Cohere-rerank-v3.5"]
    assert found["Phi-3.5-MoE-instruct"].extra["replacement_models"] == ["Phi-4-mini-instruct"]
    assert "Cohere-rerank-v3.5" not in found and "Phi-4" not in found


def test_the_2026_source_has_upcoming_and_retired_sections() -> None:
    found = events(MD_2026)
    rerank = found["Cohere-rerank-v3.5"]
    assert row(rerank) == ("2026-05-14", "day", False, "Cohere-rerank-v4.0-pro, Cohere-rerank-v4.0-fast", "deprecated")
    assert rerank.extra["replacement_models"] == ["Cohere-rerank-v4.0-pro", "Cohere-rerank-v4.0-fast"]
    assert rerank.extra["stage"] == "legacy"  # legacy since January 14, deprecated from February 14
    assert events(MD_2026, datetime(2026, 3, 1, tzinfo=UTC))["Cohere-rerank-v3.5"].extra["stage"] == "deprecated"
    mai = found["MAI-DS-R1"]
    assert mai.replacement == "Any DeepSeek model available in the Model catalog"
    assert mai.extra["replacement_models"] == []
    # under "Retired Foundry Models" the page says they are retired, whatever the date
    assert events(MD_2026, None)["jais-30b-chat"].status == "retired"
    assert events(MD_2026, None)["Cohere-rerank-v3.5"].status == "deprecated"
    assert found["Mistral-Nemo"].extra["replacement_models"] == ["Mistral-small-2503"]


def test_azure_openai_tables_of_the_older_page_are_left_to_their_own_connector() -> None:
    found = events(MD_2025)
    assert not [m for m in found if m.startswith(("gpt", "dall-e", "babbage", "davinci", "computer-use"))]
    jamba = found["AI21-jamba-instruct"]  # replacements written as two links separated by <br>
    assert jamba.extra["replacement_models"] == ["AI21-Jamba-1.5-Large", "AI21-Jamba-1.5-Mini"]
    # the link text says "Cohere-rerank-v3.5-english", the catalog id it links is Cohere-rerank-v3.5
    assert found["Cohere-rerank-v3-english"].extra["replacement_models"] == ["Cohere-rerank-v3.5"]


def test_renamed_headers_or_no_tables_are_a_layout_change() -> None:
    # Derived from the 2026 source: every header row renamed to nonsense, then every table removed.
    lines = fixture(MD_2026).decode().splitlines()
    nonsense = ["| A | B | C |" if line.startswith("| Model |") else line for line in lines]
    with pytest.raises(LayoutChanged):
        foundry.parse("\n".join(nonsense).encode(), url="u", fetched_at=FETCHED)
    with pytest.raises(LayoutChanged):
        foundry.parse("\n".join(line for line in lines if not line.startswith("|")).encode(), url="u")
