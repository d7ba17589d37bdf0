"""OpenAI's organisation Costs API (`GET /v1/organization/costs`, grouped by project and line item)
and Usage API for completions (`GET /v1/organization/usage/completions`, grouped by model and
project), read with an admin key (`Authorization: Bearer`), one page at a time. Pure.

Costs are not grouped by model (the API offers project, line item and API key only): a cost is put on
a model when its line item names one before its first comma ("gpt-4o-2024-08-06, input"); any other
line item is a charge without a model. Buckets are Unix seconds; `results` (the documented name) or
`result` (older references) hold the results.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from connectors import _spend_pages as pages
from connectors._models import is_model_id
from connectors._shapes import mapping, objects
from connectors.contract.dates import timestamp
from connectors.contract.errors import LayoutChanged
from connectors.contract.spend import Endpoint, SpendPage, SpendReader

COSTS = "organization.costs.result"
COMPLETIONS = "organization.usage.completions.result"
LIMIT = 31  # days per page: the most the usage API takes for daily buckets


def _seconds(moment: datetime) -> int:
    return int(moment.astimezone(UTC).timestamp())


def costs_url(base: str, start: datetime, end: datetime, page: str | None) -> str:
    return pages.query(base, "/organization/costs", [
        ("start_time", _seconds(start)), ("end_time", _seconds(end)), ("bucket_width", "1d"),
        ("group_by[]", "project_id"), ("group_by[]", "line_item"), ("limit", LIMIT)], page)


def usage_url(base: str, start: datetime, end: datetime, page: str | None) -> str:
    return pages.query(base, "/organization/usage/completions", [
        ("start_time", _seconds(start)), ("end_time", _seconds(end)), ("bucket_width", "1d"),
        ("group_by[]", "model"), ("group_by[]", "project_id"), ("limit", LIMIT)], page)


def _time(value: Any, what: str) -> datetime:
    moment = timestamp(value) if isinstance(value, int) and not isinstance(value, bool) else None
    if moment is None:
        raise LayoutChanged(f"layout changed: a bucket's {what} is {value!r}, not Unix seconds")
    return moment


def _buckets(body: bytes, what: str, result_object: str, fetched_at: datetime | None
             ) -> tuple[list[pages.Day], list[list[dict[str, Any]]], str | None]:
    raw, cursor = pages.envelope(body, what)
    days, results = [], []
    for bucket in objects(raw):
        start, end = _time(bucket.get("start_time"), "start_time"), _time(bucket.get("end_time"), "end_time")
        found = bucket.get("results", bucket.get("result"))
        if not isinstance(found, list):
            raise LayoutChanged(f"layout changed: a {what} bucket has no `results` list")
        rows = objects(found)
        strangers = sorted({str(r.get("object")) for r in rows if r.get("object") not in (None, result_object)})
        if strangers:
            raise LayoutChanged(f"layout changed: the {what} page holds {', '.join(strangers)}, not {result_object}")
        days.append(pages.Day(*pages.day_of(start, end, fetched_at)))
        results.append(rows)
    return days, results, cursor


def _model(line_item: str) -> str:
    named = line_item.split(",", 1)[0].strip()
    return named if "," in line_item and is_model_id(named) else ""


def parse_costs(body: bytes, *, fetched_at: datetime | None = None) -> SpendPage:
    days, results, cursor = _buckets(body, "costs", COSTS, fetched_at)
    for day, rows in zip(days, results, strict=True):
        for row in rows:
            amount = mapping(row.get("amount"))
            if "value" not in amount:
                raise LayoutChanged("layout changed: a costs result has no `amount.value`")
            currency = amount.get("currency")
            if not isinstance(currency, str) or not currency.strip():
                raise LayoutChanged("layout changed: a costs result has no `amount.currency`")
            day.cost(_model(pages.label(row.get("line_item"))), pages.label(row.get("project_id")),
                     pages.decimal(amount["value"], "a costs amount"), currency.strip().upper())
    return SpendPage(tuple(d.day for d in days), tuple(b for d in days for b in d.buckets()), cursor)


def parse_usage(body: bytes, *, fetched_at: datetime | None = None) -> SpendPage:
    days, results, cursor = _buckets(body, "completions usage", COMPLETIONS, fetched_at)
    for day, rows in zip(days, results, strict=True):
        for row in rows:
            if "num_model_requests" not in row and "input_tokens" not in row:
                raise LayoutChanged("layout changed: a completions usage result has neither tokens nor requests")
            day.usage(pages.label(row.get("model")), pages.label(row.get("project_id")),
                      input_tokens=pages.count(row.get("input_tokens")),
                      output_tokens=pages.count(row.get("output_tokens")),
                      requests=pages.count(row.get("num_model_requests")))
    return SpendPage(tuple(d.day for d in days), tuple(b for d in days for b in d.buckets()), cursor)


def headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


READER = SpendReader(
    provider="openai",
    default_url="https://api.openai.com/v1",
    headers=headers,
    endpoints=(Endpoint("costs", costs_url, parse_costs), Endpoint("usage", usage_url, parse_usage)),
)
