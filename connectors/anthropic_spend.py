"""Anthropic's Admin API cost report (`GET /v1/organizations/cost_report`, grouped by workspace and
description, which carries the model) and Messages usage report
(`GET /v1/organizations/usage_report/messages`, grouped by model and workspace), read with an admin key
(`x-api-key` and `anthropic-version`), one page at a time. Pure.

The cost report gives amounts "in lowest currency units (e.g. cents) as a decimal string": "123.78912"
in USD is $1.2378912. It reports USD only; another currency is a changed layout rather than a guess at
its minor unit. The usage report gives tokens (uncached, cache reads and cache writes are all input),
no request counts. A null `workspace_id` is the default workspace.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from connectors import _spend_pages as pages
from connectors._shapes import mapping, objects
from connectors.contract.dates import timestamp
from connectors.contract.errors import LayoutChanged
from connectors.contract.spend import Endpoint, SpendPage, SpendReader

API_VERSION = "2023-06-01"
LIMIT = 31  # daily buckets per page: the most both reports take
CENTS = Decimal(100)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def costs_url(base: str, start: datetime, end: datetime, page: str | None) -> str:
    return pages.query(base, "/organizations/cost_report", [
        ("starting_at", _rfc3339(start)), ("ending_at", _rfc3339(end)), ("bucket_width", "1d"),
        ("group_by[]", "workspace_id"), ("group_by[]", "description"), ("limit", LIMIT)], page)


def usage_url(base: str, start: datetime, end: datetime, page: str | None) -> str:
    return pages.query(base, "/organizations/usage_report/messages", [
        ("starting_at", _rfc3339(start)), ("ending_at", _rfc3339(end)), ("bucket_width", "1d"),
        ("group_by[]", "model"), ("group_by[]", "workspace_id"), ("limit", LIMIT)], page)


def _time(value: Any, what: str) -> datetime:
    moment = timestamp(value) if isinstance(value, str) else None
    if moment is None:
        raise LayoutChanged(f"layout changed: a bucket's {what} is {value!r}, not an RFC 3339 time")
    return moment


def _buckets(body: bytes, what: str, fetched_at: datetime | None
             ) -> tuple[list[pages.Day], list[list[dict[str, Any]]], str | None]:
    raw, cursor = pages.envelope(body, what)
    days, results = [], []
    for bucket in objects(raw):
        start, end = _time(bucket.get("starting_at"), "starting_at"), _time(bucket.get("ending_at"), "ending_at")
        if not isinstance(bucket.get("results"), list):
            raise LayoutChanged(f"layout changed: a {what} bucket has no `results` list")
        days.append(pages.Day(*pages.day_of(start, end, fetched_at)))
        results.append(objects(bucket["results"]))
    return days, results, cursor


def parse_costs(body: bytes, *, fetched_at: datetime | None = None) -> SpendPage:
    days, results, cursor = _buckets(body, "cost report", fetched_at)
    for day, rows in zip(days, results, strict=True):
        for row in rows:
            if "amount" not in row:
                raise LayoutChanged("layout changed: a cost report result has no `amount`")
            currency = str(row.get("currency") or "").strip().upper()
            if currency != "USD":
                raise LayoutChanged(f"layout changed: a cost in {currency or 'no currency'}; the cost report's "
                                    "amounts are read as USD cents")
            cents = pages.decimal(row["amount"], "a cost report amount")
            day.cost(pages.label(row.get("model")), pages.label(row.get("workspace_id")), cents / CENTS, currency)
    return SpendPage(tuple(d.day for d in days), tuple(b for d in days for b in d.buckets()), cursor)


def parse_usage(body: bytes, *, fetched_at: datetime | None = None) -> SpendPage:
    days, results, cursor = _buckets(body, "messages usage report", fetched_at)
    for day, rows in zip(days, results, strict=True):
        for row in rows:
            if "uncached_input_tokens" not in row and "output_tokens" not in row:
                raise LayoutChanged("layout changed: a messages usage result has no token counts")
            writes = mapping(row.get("cache_creation"))
            read = sum(pages.count(row.get(k)) for k in ("uncached_input_tokens", "cache_read_input_tokens"))
            written = sum(pages.count(v) for v in writes.values())
            day.usage(pages.label(row.get("model")), pages.label(row.get("workspace_id")),
                      input_tokens=read + written, output_tokens=pages.count(row.get("output_tokens")),
                      requests=None)
    return SpendPage(tuple(d.day for d in days), tuple(b for d in days for b in d.buckets()), cursor)


def headers(key: str) -> dict[str, str]:
    return {"x-api-key": key, "anthropic-version": API_VERSION}


READER = SpendReader(
    provider="anthropic",
    default_url="https://api.anthropic.com/v1",
    headers=headers,
    endpoints=(Endpoint("costs", costs_url, parse_costs), Endpoint("usage", usage_url, parse_usage)),
)
