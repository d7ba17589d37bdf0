"""`together-deprecations` on two captures of Together AI's deprecations page (both trimmed, see
fixtures/SOURCES.md): the 2026 one with its "Active Model Redirects" table, the 2025 one with a
"Planned Deprecations" table. Rows checked by hand, e.g.
"| 2026-03-06   | `moonshotai/Kimi-K2-Instruct-0905`                  | No   …|",
"| `zai-org/GLM-4.6` | `zai-org/GLM-4.7` | Same architecture, targeted improvements |" (padding cut),
"| 2025-06-19               | qwen-qwen2-5-14b-instruct-lora | meta-llama/Meta-Llama-3.1-8B-Instruct-lora |"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors import together_deprecations as together
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, ParseResult
from tests.scenarios import fixture

NEW = "together-deprecations/deprecations_redirects_2026_trimmed.md"
OLD = "together-deprecations/deprecations_planned_2025_trimmed.md"
FETCHED = datetime(2026, 3, 1, tzinfo=UTC)


def parse(body: bytes, fetched: datetime = FETCHED) -> ParseResult:
    return together.parse(body, url="https://docs.together.ai/docs/deprecations", fetched_at=fetched)


def events(result: ParseResult) -> dict[str, EventDraft]:
    return {d.external_id: d for d in result.drafts}


def row(draft: EventDraft) -> tuple[object, ...]:
    return (draft.deadline, draft.deadline_precision, draft.deadline_earliest, draft.replacement, draft.status)


def test_history_rows_are_removals_on_their_day() -> None:
    result = parse(fixture(NEW))
    found = events(result)
    # 54 history rows (trimmed copy) + 6 redirects; the policy table ("Deprecation Notice") is no lifecycle table
    assert result.items_seen == 60 and len(found) == 60
    assert all(d.provider == "together" and d.kind == "deprecation" for d in result.drafts)
    assert row(found["moonshotai/Kimi-K2-Instruct-0905"]) == ("2026-03-06", "day", False, None, "deprecated")
    assert found["moonshotai/Kimi-K2-Instruct-0905"].extra["dedicated_endpoint"] == "No"
    assert row(found["Qwen/Qwen3-235B-A22B-fp8-tput"]) == ("2026-02-06", "day", False, None, "retired")
    assert found["Qwen/Qwen3-235B-A22B-fp8-tput"].extra["dedicated_endpoint"] == "Yes"
    assert found["perplexity-ai/r1-1776"].extra["dedicated_endpoint"] == "No (coming soon!)"
    # "| 2025-07-25 | `arcee-ai/caller` |" sits between rows of 2025-11-19 and 2025-11-17: its own date counts
    assert found["arcee-ai/caller"].deadline == "2025-07-25"
    # an underscore is part of the id, not Markdown emphasis
    assert "arcee_ai/arcee-spotlight" in found and "arceeai/arcee-spotlight" not in found
    assert {"Model Type", "Preview Model", "Serverless Endpoint"}.isdisjoint(found)


def test_redirected_models_are_told_without_a_deadline() -> None:
    found = events(parse(fixture(NEW)))
    redirects = {m: (d.replacement, d.extra.get("redirected_to")) for m, d in found.items() if d.deadline is None}
    assert redirects == {
        "mistralai/Mistral-7B-Instruct-v0.3": ("mistralai/Ministral-3-14B-Instruct-2512",) * 2,
        "zai-org/GLM-4.6": ("zai-org/GLM-4.7",) * 2,
        "Kimi-K2": ("Kimi-K2-0905",) * 2,
        "DeepSeek-V3": ("DeepSeek-V3.1",) * 2,
        "DeepSeek-V3-0324": ("DeepSeek-V3.1",) * 2,
        "DeepSeek-R1": ("DeepSeek-R1-0528",) * 2,
    }
    glm = found["zai-org/GLM-4.6"]
    assert (glm.status, glm.severity, glm.extra["replacement_models"]) == ("deprecated", "notice", ["zai-org/GLM-4.7"])
    assert "already served by zai-org/GLM-4.7" in glm.summary
    # the redirect targets are not deprecated
    assert "zai-org/GLM-4.7" not in found and "DeepSeek-V3.1" not in found


def test_planned_deprecations_carry_the_recommended_replacement() -> None:
    result = parse(fixture(OLD), datetime(2025, 6, 1, tzinfo=UTC))
    found = events(result)
    # 1 planned + 55 history rows (trimmed copy), plus the 3 policy rows read
    assert result.items_seen == 56 and len(found) == 56
    planned = found["qwen-qwen2-5-14b-instruct-lora"]
    assert row(planned) == ("2025-06-19", "day", False, "meta-llama/Meta-Llama-3.1-8B-Instruct-lora", "deprecated")
    assert planned.extra["replacement_models"] == ["meta-llama/Meta-Llama-3.1-8B-Instruct-lora"]
    assert row(found["Qwen/Qwen2-VL-72B-Instruct"]) == ("2025-08-28", "day", False, None, "deprecated")
    assert row(found["mistralai/Mistral-7B-v0.1"]) == ("2025-03-27", "day", False, None, "retired")
    assert found["SG161222/Realistic_Vision_V3.0_VAE"].deadline == "2024-08-22"
    # "[Yes](https://api.together.xyz/models/…#dedicated_endpoints)" reads as "Yes"
    assert found["teknium/OpenHermes-2p5-Mistral-7B"].extra["dedicated_endpoint"] == "Yes"
    assert "meta-llama/Meta-Llama-3.1-8B-Instruct-lora" not in found  # named only as a replacement


def test_renamed_or_removed_tables_are_a_layout_change() -> None:
    # Derived from the real page: every table header renamed to nonsense; then every table row removed.
    lines = fixture(NEW).decode().splitlines()
    headers = {i for i, line in enumerate(lines) if line.startswith("|") and i + 1 < len(lines)
               and lines[i + 1].startswith("| :")}
    nonsense = [("| X | Y | Z |" if i in headers else line) for i, line in enumerate(lines)]
    with pytest.raises(LayoutChanged):
        parse("\n".join(nonsense).encode())
    with pytest.raises(LayoutChanged):
        parse("\n".join(line for line in lines if not line.startswith("|")).encode())
