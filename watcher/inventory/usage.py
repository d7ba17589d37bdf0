"""Usage the inventory does not know: a model with spend, tokens or requests in the last days, on a
platform a `[[spend]]` source reads, that no `[[uses]]` entry lists. Pure.

The usage APIs name the model the provider ran (`gpt-4o-2024-08-06`), the inventory the id the code
calls (`gpt-4o`). A use lists a model when the ids are equal, when the catalog says the use's alias
points to it (or it to the use's id), when both are the same model in another form, or when it is a
dated snapshot (`-2024-08-06`, `-20240806`, `-0613`) of an alias whose snapshot the catalog does not
know (the alias may well run it). An alias the catalog does know points to one snapshot: another
snapshot of the family is not listed (`gpt-4o-2024-05-13` beside a `gpt-4o` that points to
`gpt-4o-2024-08-06`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from watcher.amounts import count, money
from watcher.inventory.catalog import Catalog
from watcher.inventory.uses import Use

WINDOW_DAYS = 7
_DATED = re.compile(r"^(?P<base>.+?)-(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4})$")


def same_model(platform: str, listed: str, ran: str, catalog: Catalog) -> bool:
    """Whether `ran` (as a usage API names it) is what code calling `listed` runs."""
    if listed == ran:
        return True
    pointer = catalog.snapshot(platform, listed)
    if pointer == ran or catalog.snapshot(platform, ran) == listed:
        return True
    if catalog.canonical(platform, listed) == catalog.canonical(platform, ran):
        return True
    dated = _DATED.match(ran)
    return pointer is None and dated is not None and dated.group("base") == listed


@dataclass(frozen=True)
class Used:
    """A model's usage over the window, in one project or workspace of one source."""

    source: str
    platform: str
    model: str
    project: str
    tokens: int
    requests: int | None
    cost_micros: int | None
    currency: str | None

    def amount(self) -> str:
        if self.tokens:
            return count(self.tokens, "tokens")
        if self.requests:
            return count(self.requests, "requests")
        return money(self.cost_micros or 0, self.currency or "USD")

    def where(self) -> str:
        noun = "workspace" if self.platform == "anthropic" else "project"
        return f"{noun} {self.project}" if self.project else f"the default {noun}"

    def finding(self) -> str:
        return f"{self.model}: {self.amount()} in {self.where()}, not in the inventory"


class UsageRow(Protocol):
    """What `summed` reads of a stored row (a `SpendDay` qualifies)."""

    @property
    def source(self) -> str: ...
    @property
    def provider(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def project(self) -> str: ...
    @property
    def input_tokens(self) -> int | None: ...
    @property
    def output_tokens(self) -> int | None: ...
    @property
    def requests(self) -> int | None: ...
    @property
    def cost_micros(self) -> int | None: ...
    @property
    def currency(self) -> str | None: ...


def summed(rows: Iterable[UsageRow]) -> list[Used]:
    """Per (source, model, project): the window's tokens, requests and cost; rows without a model skipped."""
    found: dict[tuple[str, str, str, str], Used] = {}
    for r in rows:
        if not r.model:
            continue
        key = (r.source, r.provider, r.model, r.project)
        was = found.get(key) or Used(r.source, r.provider, r.model, r.project, 0, None, None, None)
        found[key] = Used(
            was.source, was.platform, was.model, was.project,
            tokens=was.tokens + (r.input_tokens or 0) + (r.output_tokens or 0),
            requests=was.requests if r.requests is None else (was.requests or 0) + r.requests,
            cost_micros=was.cost_micros if r.cost_micros is None else (was.cost_micros or 0) + r.cost_micros,
            currency=r.currency if r.cost_micros is not None else was.currency)
    return [u for u in found.values() if u.tokens or u.requests or u.cost_micros]


def unlisted(used: Iterable[Used], uses: Iterable[Use], catalog: Catalog) -> list[Used]:
    """The usage no use lists, most tokens (then requests, then spend) first."""
    by_platform: dict[str, list[Use]] = defaultdict(list)
    for use in uses:
        by_platform[use.platform].append(use)
    found = [u for u in used if not any(same_model(u.platform, use.model, u.model, catalog)
                                        for use in by_platform[u.platform])]
    return sorted(found, key=lambda u: (-u.tokens, -(u.requests or 0), -(u.cost_micros or 0), u.model))


def window_start(today: date) -> date:
    return today - timedelta(days=WINDOW_DAYS)
