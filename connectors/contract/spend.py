"""What a spend reader and the daemon agree on: a provider's organisation cost and usage APIs read one
response page at a time into daily buckets, with the cursor of the next page.

A reader is pure like any connector: it builds the URL of a page and the headers that carry the admin
key (no I/O: the daemon sends them through its one HTTP client), and turns a page's bytes into
`SpendPage`s. Amounts are kept as integer millionths of the currency unit, so that sums are exact on
every database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol

# Which figures an endpoint gives: "costs" own a bucket's amount and currency, "usage" its tokens and
# requests. Re-reading a day replaces only the figures of the endpoint read.
Figures = Literal["costs", "usage"]
MICROS = 1_000_000  # millionths of the currency unit in one unit


@dataclass(frozen=True)
class SpendBucket:
    """One UTC day of one model in one project (OpenAI) or workspace (Anthropic).

    `model` is "" for what no model names (a charge that is not for tokens, or an API that does not
    group by model) and `project` is "" when the API names none (the default workspace). `complete`:
    the bucket covers the whole day and the day was over when the page was read; only complete days
    are compared for anomalies."""

    day: date
    complete: bool
    model: str = ""
    project: str = ""
    cost_micros: int | None = None
    currency: str | None = None  # upper-case ISO 4217
    input_tokens: int | None = None
    output_tokens: int | None = None
    requests: int | None = None


@dataclass(frozen=True)
class SpendPage:
    """One response page: the days it covers (a day without spend too: re-reading it clears what was
    stored for it), its buckets, and the cursor of the next page (None on the last)."""

    days: tuple[date, ...]
    buckets: tuple[SpendBucket, ...]
    next_page: str | None


class PageParser(Protocol):
    """parse(body, *, fetched_at): one page; `fetched_at` decides which days were over when read."""

    def __call__(self, body: bytes, *, fetched_at: datetime | None = None) -> SpendPage: ...


@dataclass(frozen=True)
class Endpoint:
    figures: Figures
    # url(base, start, end, page): the page of [start, end) after cursor `page` (None: the first).
    url: Callable[[str, datetime, datetime, str | None], str]
    parse: PageParser


@dataclass(frozen=True)
class SpendReader:
    provider: str
    default_url: str  # the API's base URL, without a trailing slash
    # The request headers that carry the admin key (and the API version where the provider wants one).
    headers: Callable[[str], dict[str, str]]
    endpoints: tuple[Endpoint, ...]
