"""`cerebras-deprecations` on Cerebras inference's deprecations page. Every asserted row was checked by
hand against the fixture (the block is quoted beside it)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from connectors import cerebras_deprecations
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import ParseResult
from tests.connectors.provider_pages import CAPTURED, URL, by_id, facts, html_page, row
from tests.scenarios import fixture

PAGE = "cerebras-deprecations/update_blocks_md.md"


def parse(body: bytes, fetched: datetime | None = CAPTURED) -> ParseResult:
    return cerebras_deprecations.parse(body, url=URL, fetched_at=fetched)


def test_the_update_blocks() -> None:
    result = parse(fixture(PAGE))
    events = by_id(result)
    assert result.items_seen == 13 and result.may_be_empty  # 12 <Update> blocks naming 13 models
    assert sorted(events) == sorted([
        "zai-glm-4.7", "llama3.1-8b", "qwen-3-235b-a22b-instruct-2507", "qwen-3-32b", "llama-3.3-70b",
        "zai-glm-4.6", "qwen-3-235b-a22b-thinking-2507", "qwen-3-coder-480b", "llama-4-scout-17b-16e-instruct",
        "llama-4-maverick-17b-128e-instruct", "deepseek-r1-distill-llama-70b", "qwen-3-235b-a22b", "llama3.1-70b"])
    assert all(e.provider == "cerebras" and e.kind == "deprecation" for e in events.values())
    # <Update label="2026-05-27"> **Deprecated `llama3.1-8b` and `qwen-3-235b-a22b-instruct-2507`**
    #   We recommend migrating to [GPT OSS 120B](/models/openai-oss).   (the slug is no id the page writes)
    assert row(events["llama3.1-8b"]) == ("2026-05-27", "day", False, "GPT OSS 120B", [], "retired")
    assert events["llama3.1-8b"].published_at == datetime(2026, 5, 27, tzinfo=UTC)
    # <Update label="2025-08-12"> **Deprecated `deepseek-r1-distill-llama-70b`** … [Qwen 3 32B](/models/qwen-3-32b)
    #   (the page writes `qwen-3-32b` itself, in the 2026-02-16 block)
    assert row(events["deepseek-r1-distill-llama-70b"]) == ("2025-08-12", "day", False, "Qwen 3 32B", ["qwen-3-32b"],
                                                            "retired")
    # <Update label="2026-01-20"> **Deprecated `zai-glm-4.6`** … [Z.ai GLM 4.7](/models/zai-glm-47)
    assert row(events["zai-glm-4.6"]) == ("2026-01-20", "day", False, "Z.ai GLM 4.7", [], "retired")
    # <Update label="2025-01-17"> The `llama3.1-70b` model has been deprecated. We recommend transitioning to
    #   `llama-3.3-70b`, a more powerful model released by Meta.
    assert row(events["llama3.1-70b"]) == ("2025-01-17", "day", False, "llama-3.3-70b", ["llama-3.3-70b"],
                                           "retired")
    # <Update label="2025-11-03"> … [GPT OSS 120B](/models/openai-oss) or [Llama 3.3 70B](/models/llama-33-70b).
    assert events["llama-4-scout-17b-16e-instruct"].replacement == "GPT OSS 120B or Llama 3.3 70B"


def test_a_parameter_deprecation_is_not_a_model_retirement() -> None:
    events = by_id(parse(fixture(PAGE)))
    # <Update label="2026-03-24"> **Deprecating `disable_reasoning` parameter for `zai-glm-4.7`** … after
    # **July 21, 2026**: zai-glm-4.7's event is its own deprecation of 2026-08-17, not the parameter's day
    assert events["zai-glm-4.7"].deadline == "2026-08-17"
    assert not {"disable_reasoning", "reasoning_effort", "gpt-oss-120b", "openai-oss"} & set(events)


def test_a_block_dated_after_the_fetch_is_still_deprecated() -> None:
    events = by_id(parse(fixture(PAGE), fetched=datetime(2026, 8, 1, tzinfo=UTC)))
    assert events["zai-glm-4.7"].status == "deprecated" and events["zai-glm-4.7"].severity == "warning"
    assert events["llama3.1-8b"].status == "retired"


def test_the_page_served_as_html_gives_the_same_events() -> None:
    assert facts(parse(html_page(fixture(PAGE)))) == facts(parse(fixture(PAGE)))


def test_a_page_without_dated_blocks_is_a_layout_change() -> None:
    # derived from the real page: the <Update label=…> components renamed
    renamed = fixture(PAGE).replace(b"<Update label=", b"<Entry name=").replace(b"</Update>", b"</Entry>")
    with pytest.raises(LayoutChanged, match="Update"):
        parse(renamed)


def test_the_page_as_mintlify_renders_its_update_blocks_gives_the_same_events() -> None:
    # derived from the real page: each <Update label="X"> block rendered the way Mintlify serves it, a
    # `data-component-part="update"` block holding an `update-label` and an `update-content` part
    html = html_page(fixture(PAGE)).decode()
    html = re.sub(r'<update label="([^"]*)">', r'<div class="update-container" data-component-part="update">'
                  r'<div data-component-part="update-label">\1</div><div data-component-part="update-content">',
                  html, flags=re.I)
    html = re.sub(r"</update>", "</div></div>", html, flags=re.I)
    assert 'data-component-part="update-label">2026-05-27<' in html
    assert facts(parse(html.encode())) == facts(parse(fixture(PAGE)))
