"""The spend readers on every recorded page (tests/fixtures/openai-spend, anthropic-spend): daily
buckets per (model, project), amounts in millionths, the next page's cursor, which days were over when
read, and the pages whose layout is not the documented one."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors import SPEND, anthropic_spend, openai_spend
from connectors.contract.errors import LayoutChanged, ParseError, SourceError
from connectors.contract.spend import SpendBucket
from tests.connectors.test_properties import mutate
from tests.scenarios import FIXTURES, fixture, load

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)


def page(data: list[Any], *, has_more: bool = False, next_page: str | None = None) -> bytes:
    """The documented page envelope (`object`, `data`, `has_more`, `next_page`) around recorded buckets."""
    return json.dumps({"object": "page", "data": data, "has_more": has_more, "next_page": next_page}).encode()


def test_openai_costs_reference_page() -> None:
    read = openai_spend.parse_costs(fixture("openai-spend/costs_reference_example.json"), fetched_at=NOW)
    assert read.days == (date(2024, 11, 1),)
    assert read.buckets == (SpendBucket(day=date(2024, 11, 1), complete=True, cost_micros=60_000, currency="USD"),)
    assert read.next_page is None


def test_openai_usage_reference_page_names_the_next_page() -> None:
    read = openai_spend.parse_usage(fixture("openai-spend/usage_completions_reference_example.json"), fetched_at=NOW)
    assert read.buckets == (SpendBucket(day=date(2024, 11, 1), complete=True, input_tokens=1000, output_tokens=500,
                                        requests=5),)
    assert read.next_page == "page_AAAAAGdGxdEiJdKOAAAAAGcqsYA="


def test_openai_reference_results_keep_project_and_model() -> None:
    """OpenAI's example objects, each put in a bucket of the documented page (1730419200 = 2024-11-01)."""
    bucket = {"object": "bucket", "start_time": 1730419200, "end_time": 1730505600}
    costs = openai_spend.parse_costs(page([{**bucket, "results": [load("openai-spend/costs_result_reference_example"
                                                                     ".json")]}]), fetched_at=NOW)
    # the line item `input_tokens` names no model: a charge of the project without one
    assert costs.buckets == (SpendBucket(day=date(2024, 11, 1), complete=True, project="proj_abc", cost_micros=60_000,
                                         currency="USD"),)
    usage = openai_spend.parse_usage(page([{**bucket, "results": [load(
        "openai-spend/usage_completions_result_reference_example.json")]}]), fetched_at=NOW)
    assert usage.buckets == (SpendBucket(day=date(2024, 11, 1), complete=True, model="gpt-4o-mini-2024-07-18",
                                         project="proj_abc", input_tokens=5000, output_tokens=1000, requests=5),)


def test_a_line_item_that_names_a_model_puts_the_cost_on_it() -> None:
    bucket = {"object": "bucket", "start_time": 1730419200, "end_time": 1730505600, "results": [
        {"object": "organization.costs.result", "amount": {"value": 0.5, "currency": "usd"},
         "line_item": "gpt-4o-2024-08-06, input", "project_id": "proj_abc"},
        {"object": "organization.costs.result", "amount": {"value": "1.25", "currency": "usd"},
         "line_item": "gpt-4o-2024-08-06, output", "project_id": "proj_abc"},
        {"object": "organization.costs.result", "amount": {"value": 2, "currency": "usd"},
         "line_item": "web search tool calls", "project_id": "proj_abc"}]}
    read = openai_spend.parse_costs(page([bucket]), fetched_at=NOW)
    assert [(b.model, b.cost_micros) for b in read.buckets] == [("", 2_000_000), ("gpt-4o-2024-08-06", 1_750_000)]


def test_openai_cookbook_month_partial_days_and_empty_days() -> None:
    """A real organisation's month of daily buckets: the first starts at 17:31 (the query's start),
    the last ends at the moment of the request; five days had no calls."""
    recorded = load("openai-spend/usage_completions_cookbook_30_days.json")
    asked_at = datetime.fromtimestamp(1739208663, UTC)
    read = openai_spend.parse_usage(page(recorded), fetched_at=asked_at)
    assert len(read.days) == 31 and read.days[0] == date(2025, 1, 11) and read.days[-1] == date(2025, 2, 10)
    assert len(read.buckets) == 26
    assert sum(b.requests or 0 for b in read.buckets) == 19347
    partial = [b.day for b in read.buckets if not b.complete]
    assert partial == [date(2025, 1, 11), date(2025, 2, 10)]
    [busiest] = [b for b in read.buckets if b.day == date(2025, 1, 13)]
    assert (busiest.input_tokens, busiest.output_tokens, busiest.requests, busiest.complete) == (3718360, 97756,
                                                                                                  3053, True)
    assert date(2025, 1, 20) in read.days and date(2025, 1, 20) not in {b.day for b in read.buckets}
    # read a second before January 18 ended, that day is not over: it is not complete
    early = openai_spend.parse_usage(page(recorded[:8]), fetched_at=datetime.fromtimestamp(1737244799, UTC))
    assert [(b.day, b.complete) for b in early.buckets][-2:] == [(date(2025, 1, 17), True), (date(2025, 1, 18), False)]


def test_anthropic_cost_report_reference_page_in_cents() -> None:
    read = anthropic_spend.parse_costs(fixture("anthropic-spend/cost_report_reference_example.json"), fetched_at=NOW)
    # "123.78912" is in cents: $1.2378912
    assert read.buckets == (SpendBucket(day=date(2025, 8, 1), complete=True, model="claude-opus-4-6",
                                        project="wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ", cost_micros=1_237_891,
                                        currency="USD"),)
    assert read.next_page == "page_MjAyNS0wNS0xNFQwMDowMDowMFo="


def test_anthropic_usage_report_reference_page_counts_cache_tokens_as_input() -> None:
    read = anthropic_spend.parse_usage(fixture("anthropic-spend/usage_report_messages_reference_example.json"),
                                       fetched_at=NOW)
    # 1500 uncached + 200 cache reads + 1000 + 500 cache writes; the report counts no requests
    assert read.buckets == (SpendBucket(day=date(2025, 8, 1), complete=True, model="claude-opus-4-6",
                                        project="wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ", input_tokens=3200,
                                        output_tokens=500, requests=None),)
    assert read.next_page == "page_MjAyNS0wNS0xNFQwMDowMDowMFo="


def test_the_last_page_has_no_cursor_and_a_page_that_promises_more_must_give_one() -> None:
    recorded = load("anthropic-spend/cost_report_reference_example.json")
    last = anthropic_spend.parse_costs(json.dumps({**recorded, "has_more": False, "next_page": None}).encode())
    assert last.next_page is None and len(last.buckets) == 1
    with pytest.raises(LayoutChanged, match="gives no `next_page`"):
        anthropic_spend.parse_costs(json.dumps({**recorded, "next_page": None}).encode())


def test_a_bucket_ending_later_than_the_read_is_not_complete() -> None:
    read = anthropic_spend.parse_usage(fixture("anthropic-spend/usage_report_messages_reference_example.json"),
                                       fetched_at=datetime(2025, 8, 1, 18, tzinfo=UTC))
    assert [b.complete for b in read.buckets] == [False]


@pytest.mark.parametrize(("parse", "body", "error"), [
    (openai_spend.parse_costs, b"<html>maintenance</html>", ParseError),
    (openai_spend.parse_costs, b'{"object": "list", "items": []}', LayoutChanged),
    (openai_spend.parse_costs, page([{"object": "bucket", "start_time": 1730419200, "end_time": 1730505600}]),
     LayoutChanged),
    (openai_spend.parse_usage, fixture("openai-spend/costs_reference_example.json"), LayoutChanged),
    (openai_spend.parse_costs, fixture("openai-spend/usage_completions_reference_example.json"), LayoutChanged),
    (openai_spend.parse_costs, page([{"object": "bucket", "start_time": "yesterday", "end_time": 1730505600,
                                      "results": []}]), LayoutChanged),
    (openai_spend.parse_costs, page([{"object": "bucket", "start_time": 1730419200, "end_time": 1730505600,
                                      "results": [{"object": "organization.costs.result",
                                                   "amount": {"value": "a lot", "currency": "usd"}}]}]),
     LayoutChanged),
    (anthropic_spend.parse_costs, json.dumps({"data": [{"starting_at": "2025-08-01T00:00:00Z",
                                                        "ending_at": "2025-08-02T00:00:00Z", "results": [
                                                            {"amount": "100", "currency": "EUR"}]}]}).encode(),
     LayoutChanged),
    (anthropic_spend.parse_usage, json.dumps({"data": [{"starting_at": "2025-08-01", "ending_at": "later",
                                                        "results": []}]}).encode(), LayoutChanged),
    (anthropic_spend.parse_usage, fixture("anthropic-spend/cost_report_reference_example.json"), LayoutChanged),
])
def test_pages_that_are_not_the_documented_layout(parse: Any, body: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse(body)


def test_quiet_days_are_days_without_buckets() -> None:
    empty = [{"starting_at": "2025-08-01T00:00:00Z", "ending_at": "2025-08-02T00:00:00Z", "results": []}]
    read = anthropic_spend.parse_costs(json.dumps({"data": empty, "has_more": False}).encode(), fetched_at=NOW)
    assert (read.days, read.buckets, read.next_page) == ((date(2025, 8, 1),), (), None)


def test_urls_and_headers_as_the_providers_document_them() -> None:
    start, end = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 20, 9, tzinfo=UTC)
    openai, anthropic = SPEND["openai"], SPEND["anthropic"]
    assert [e.url(openai.default_url, start, end, None) for e in openai.endpoints] == [
        "https://api.openai.com/v1/organization/costs?start_time=1793491200&end_time=1795165200&bucket_width=1d"
        "&group_by%5B%5D=project_id&group_by%5B%5D=line_item&limit=31",
        "https://api.openai.com/v1/organization/usage/completions?start_time=1793491200&end_time=1795165200"
        "&bucket_width=1d&group_by%5B%5D=model&group_by%5B%5D=project_id&limit=31"]
    assert anthropic.endpoints[0].url(anthropic.default_url, start, end, "page_MjAy") == (
        "https://api.anthropic.com/v1/organizations/cost_report?starting_at=2026-11-01T00%3A00%3A00Z"
        "&ending_at=2026-11-20T09%3A00%3A00Z&bucket_width=1d&group_by%5B%5D=workspace_id"
        "&group_by%5B%5D=description&limit=31&page=page_MjAy")
    assert anthropic.endpoints[1].url("http://127.0.0.1:9/v1/", start, end, None).startswith(
        "http://127.0.0.1:9/v1/organizations/usage_report/messages?starting_at=")
    assert openai.headers("sk-admin-1") == {"Authorization": "Bearer sk-admin-1"}
    assert anthropic.headers("sk-ant-admin01-x") == {"x-api-key": "sk-ant-admin01-x", "anthropic-version": "2023-06-01"}
    assert [e.figures for e in openai.endpoints] == [e.figures for e in anthropic.endpoints] == ["costs", "usage"]


SPEND_FIXTURES = sorted((FIXTURES / "openai-spend").glob("*.json")) + sorted(
    (FIXTURES / "anthropic-spend").glob("*.json"))
PARSERS = [openai_spend.parse_costs, openai_spend.parse_usage, anthropic_spend.parse_costs,
           anthropic_spend.parse_usage]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(parser=st.integers(0, len(PARSERS) - 1), index=st.integers(0, len(SPEND_FIXTURES) - 1), seed=st.integers())
def test_readers_on_mutated_pages_read_or_refuse(parser: int, index: int, seed: int) -> None:
    """A mutated page (bytes flipped, cut, values swapped for hostile ones) is read into buckets that
    fit the database, or refused as a parse error or a changed layout; never another exception."""
    body = mutate(SPEND_FIXTURES[index].read_bytes(), seed)
    try:
        read = PARSERS[parser](body, fetched_at=NOW)
    except SourceError as exc:
        assert str(exc) and exc.category in ("parse", "layout_changed")
        return
    assert set(read.days) >= {b.day for b in read.buckets}
    for bucket in read.buckets:
        figures = (bucket.cost_micros, bucket.input_tokens, bucket.output_tokens, bucket.requests)
        assert all(f is None or abs(f) < 2**63 for f in figures)


HOSTILE = [None, 10**40, -1, 1.5e308, "", "9" * 5000, True, [], {}, "NaN"]


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
@pytest.mark.parametrize(("parse", "name", "path"), [
    (openai_spend.parse_usage, "usage_completions_reference_example.json", ("start_time",)),
    (openai_spend.parse_usage, "usage_completions_reference_example.json", ("results", 0, "input_tokens")),
    (openai_spend.parse_usage, "usage_completions_reference_example.json", ("results", 0, "num_model_requests")),
    (openai_spend.parse_costs, "costs_reference_example.json", ("results", 0, "amount", "value")),
    (anthropic_spend.parse_costs, "cost_report_reference_example.json", ("results", 0, "amount")),
    (anthropic_spend.parse_costs, "cost_report_reference_example.json", ("ending_at",)),
    (anthropic_spend.parse_usage, "usage_report_messages_reference_example.json",
     ("results", 0, "cache_creation", "ephemeral_1h_input_tokens")),
], ids=lambda v: "/".join(map(str, v)) if isinstance(v, tuple) else getattr(v, "__qualname__", str(v)))
def test_hostile_figures_are_refused_or_read_into_what_fits(parse: Any, name: str, path: tuple[Any, ...],
                                                            value: Any) -> None:
    kind = "openai-spend" if parse in (openai_spend.parse_costs, openai_spend.parse_usage) else "anthropic-spend"
    page_ = load(f"{kind}/{name}")
    target = page_["data"][0]
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    try:
        read = parse(json.dumps(page_).encode(), fetched_at=NOW)
    except SourceError as exc:
        assert exc.category == "layout_changed"
        return
    for bucket in read.buckets:
        figures = (bucket.cost_micros, bucket.input_tokens, bucket.output_tokens, bucket.requests)
        assert all(f is None or abs(f) < 2**63 for f in figures), bucket
    # only an absent count (none counted) and -1 (a credit of one unit, or a second before 1970) are read
    assert value in (None, -1)
