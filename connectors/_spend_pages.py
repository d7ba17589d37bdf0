"""What the OpenAI and Anthropic cost and usage pages share: the page envelope (`data`, `has_more`,
`next_page`), UTC day buckets and whether a day was over when read, and the sums per (model, project)
that one day's results add up to. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from connectors import _json
from connectors.contract.errors import LayoutChanged
from connectors.contract.spend import MICROS, SpendBucket

DAY = timedelta(days=1)
# Beyond these a figure is garbage, not spend: it would not even fit the database's 64-bit integers.
LARGEST = Decimal(10) ** 12  # currency units in one result
MOST = 2**53  # tokens or requests in one result


def envelope(body: bytes, what: str) -> tuple[list[Any], str | None]:
    """The page's time buckets and the next page's cursor; a page without them is a changed layout."""
    page = _json.load(body)
    if not isinstance(page, dict) or not isinstance(page.get("data"), list):
        raise LayoutChanged(f"layout changed: the {what} page has no `data` list of time buckets")
    cursor = page.get("next_page")
    if page.get("has_more") is True:
        if not isinstance(cursor, str) or not cursor:
            raise LayoutChanged(f"layout changed: the {what} page says `has_more` but gives no `next_page`")
        return page["data"], cursor
    return page["data"], None


def query(base: str, path: str, params: Iterable[tuple[str, str | int]], page: str | None) -> str:
    """`base` + `path` and its query; lists repeat their key with brackets (`group_by[]=model`), as the
    providers' own SDKs send them."""
    pairs = [*params, *([("page", page)] if page else [])]
    return f"{base.rstrip('/')}{path}?{urlencode(pairs)}"


def utc_midnight(moment: datetime) -> bool:
    return (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0)


def day_of(start: datetime, end: datetime, fetched_at: datetime | None) -> tuple[date, bool]:
    """The UTC day a bucket belongs to, and whether it is all of that day, over when read (a bucket
    that starts mid-day, or ends at the moment of the request, holds part of a day)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    whole = utc_midnight(start) and end - start == DAY
    return start.date(), whole and (fetched_at is None or end <= fetched_at)


def micros(amount: Decimal) -> int:
    return int((amount * MICROS).to_integral_value())


def decimal(value: Any, what: str) -> Decimal:
    """A number the provider gives as a JSON number or a decimal string."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise LayoutChanged(f"layout changed: {what} is {value!r}, not a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise LayoutChanged(f"layout changed: {what} is {value!r}, not a number") from None
    if not number.is_finite() or abs(number) >= LARGEST:
        raise LayoutChanged(f"layout changed: {what} is {value!r}, not an amount")
    return number


def count(value: Any) -> int:
    """A token or request count; absent or null counts nothing."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < MOST:
        raise LayoutChanged(f"layout changed: a count is {value!r}, not a whole number of tokens or requests")
    return value


def label(value: Any) -> str:
    """A model, project or workspace id; null (not grouped, the default workspace) is ""."""
    return value.strip() if isinstance(value, str) else ""


@dataclass
class _Sum:
    cost: Decimal | None = None
    currency: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    requests: int | None = None


@dataclass
class Day:
    """One bucket's results summed per (model, project)."""

    day: date
    complete: bool
    sums: dict[tuple[str, str], _Sum] = field(default_factory=dict)

    def cost(self, model: str, project: str, amount: Decimal, currency: str) -> None:
        entry = self.sums.setdefault((model, project), _Sum())
        if entry.currency not in (None, currency):
            raise LayoutChanged(f"layout changed: {self.day} mixes {entry.currency} and {currency} for "
                                f"{model or 'charges without a model'}")
        entry.cost, entry.currency = (entry.cost or Decimal(0)) + amount, currency

    def usage(self, model: str, project: str, *, input_tokens: int, output_tokens: int,
              requests: int | None) -> None:
        entry = self.sums.setdefault((model, project), _Sum())
        entry.input_tokens = (entry.input_tokens or 0) + input_tokens
        entry.output_tokens = (entry.output_tokens or 0) + output_tokens
        if requests is not None:
            entry.requests = (entry.requests or 0) + requests

    def buckets(self) -> list[SpendBucket]:
        return [SpendBucket(day=self.day, complete=self.complete, model=model, project=project,
                            cost_micros=None if s.cost is None else micros(s.cost), currency=s.currency,
                            input_tokens=s.input_tokens, output_tokens=s.output_tokens, requests=s.requests)
                for (model, project), s in sorted(self.sums.items())]
