"""Shared helpers of the provider connector tests: the parsed events in comparable form, and pages
derived in code from the real fixtures (never stored): the same page served as HTML, as the providers'
docs sites serve it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.contract.events import EventDraft, ParseResult

URL = "https://example.test/page"
# The day the fixtures were captured (2026-08-20/21): statuses are asserted as of then.
CAPTURED = datetime(2026, 8, 21, tzinfo=UTC)


def by_id(result: ParseResult) -> dict[str, EventDraft]:
    assert result.items_seen >= len(result.drafts)
    ids = [d.external_id for d in result.drafts]
    assert len(ids) == len(set(ids)), "one event per model"
    return {d.external_id: d for d in result.drafts}


def row(draft: EventDraft) -> tuple[Any, ...]:
    """(deadline, precision, earliest, replacement, replacement ids, status)."""
    return (draft.deadline, draft.deadline_precision, draft.deadline_earliest, draft.replacement,
            draft.extra.get("replacement_models"), draft.status)


def facts(result: ParseResult) -> dict[str, tuple[Any, ...]]:
    """What must not depend on how the page was served."""
    return {d.external_id: (*row(d), d.kind, tuple(d.models), d.published_at) for d in result.drafts}


def html_page(markdown: bytes) -> bytes:
    """The Markdown page rendered to HTML (CommonMark + tables, raw tags kept, as MDX components
    reach the browser), inside an article as the docs sites wrap their content."""
    markdown_it = pytest.importorskip("markdown_it")
    body = markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown.decode())
    return f"<!doctype html><html><body><nav>Docs</nav><article>{body}</article></body></html>".encode()
