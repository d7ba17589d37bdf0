"""Every registered connector, fed hostile input: it returns a result or raises a SourceError,
never anything else, so a provider's bad day is a source state and never a crash."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors import POLLED
from connectors.contract.errors import SourceError
from connectors.contract.events import SEVERITIES, ParseResult
from tests.scenarios import FIXTURES

HOSTILE = [
    b"", b"   ", b"\x00\xff\xfe\x00garbage", b"null", b"0", b"[]", b"{}", b"[null]", b"[1, 2]",
    b'{"incidents": "none"}', b'{"incidents": [null]}', b"<html><body>Down for maintenance</body></html>",
    b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>', b"\xef\xbb\xbf{",
]
FIXTURE_FILES = sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.name != "SOURCES.md")


def check(result: ParseResult | SourceError) -> None:
    """A result's drafts are well formed; an error says what went wrong and how to class it."""
    if isinstance(result, SourceError):
        assert str(result) and result.category in ("parse", "layout_changed")
        return
    assert result.items_seen >= len(result.drafts)  # drafts come from items, never from nothing
    for draft in result.drafts:
        assert draft.external_id and draft.title
        assert draft.severity in SEVERITIES
        for moment in (draft.published_at, draft.updated_at, draft.starts_at, draft.ends_at):
            assert moment is None or moment.tzinfo is not None


def outcome(kind: str, body: bytes) -> ParseResult | SourceError:
    try:
        return POLLED[kind].parse(body, url="https://example.test/x", fetched_at=datetime.now(UTC))
    except SourceError as exc:
        return exc


@pytest.mark.parametrize("kind", sorted(POLLED))
@pytest.mark.parametrize("body", HOSTILE)
def test_hostile_bodies_are_results_or_source_errors(kind: str, body: bytes) -> None:
    check(outcome(kind, body))


@pytest.mark.parametrize("kind", sorted(POLLED))
@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_every_fixture_truncated_or_foreign_is_handled(kind: str, path) -> None:
    body = path.read_bytes()
    for sample in (body, body[: len(body) // 2], body[: len(body) // 3]):
        check(outcome(kind, sample))


@pytest.mark.parametrize("kind", sorted(POLLED))
def test_every_connector_names_its_documents(kind: str) -> None:
    documents = POLLED[kind].documents("https://status.example.com")
    assert documents and documents[0].required
    assert all(d.url.startswith("https://status.example.com") for d in documents)
