"""A retiring model still called after its owner resolved the impact: the impact reopens, saying how
much ("still called: 3,100 requests yesterday"). A person's "resolved" means the calls stopped; the
usage API says whether they did. Only complete days after the day it was resolved count (calls earlier
that day may be from before the fix). The session is given; the caller commits."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from watcher.amounts import count
from watcher.inventory.catalog import Catalog
from watcher.inventory.impacts import BY_PERSON, DEPRECATION
from watcher.inventory.usage import same_model
from watcher.storage.tables import Event, Impact
from watcher.storage.tables_spend import SpendDay

REOPENED_BY = "watcher"


def _amount(rows: list[SpendDay]) -> str:
    requests = [r.requests for r in rows if r.requests is not None]
    if requests and sum(requests):
        return count(sum(requests), "requests")
    return count(sum((r.input_tokens or 0) + (r.output_tokens or 0) for r in rows), "tokens")


def _when(day: date, today: date) -> str:
    return "yesterday" if (today - day).days == 1 else f"on {day.isoformat()}"


def reopen(session: Session, *, platform: str, rows: list[SpendDay], catalog: Catalog, now: datetime,
           today: date) -> list[Impact]:
    """Reopen the deprecation impacts on `platform` resolved by a person whose model `rows` (one
    source's stored days) show calls on a complete day after the resolution."""
    resolved = session.exec(select(Impact).where(Impact.group_key == DEPRECATION, Impact.state == "resolved",
                                                 Impact.resolved_by == BY_PERSON, Impact.platform == platform)).all()
    if not resolved:
        return []
    events = {e.id: e for e in session.exec(select(Event).where(col(Event.id).in_({i.event_id for i in resolved})))}
    called: dict[date, dict[str, list[SpendDay]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if row.complete and row.model and ((row.requests or 0) or (row.input_tokens or 0) or (row.output_tokens or 0)):
            called[row.day][row.model].append(row)
    reopened = []
    for impact in resolved:
        since = (impact.state_at or impact.updated_at or now).date()
        ids = _ids(impact, events.get(impact.event_id))
        for day in sorted((d for d in called if d > since), reverse=True):
            hits = [r for model, found in called[day].items() for r in found
                    if any(same_model(platform, listed, model, catalog) for listed in ids)]
            if hits:
                impact.state, impact.resolved_by, impact.resolved_reason = "open", None, None
                impact.state_by, impact.state_at, impact.updated_at = REOPENED_BY, now, now
                impact.note = f"still called: {_amount(hits)} {_when(day, today)}"
                session.add(impact)
                reopened.append(impact)
                break
    return reopened


def _ids(impact: Impact, event: Event | None) -> list[str]:
    """The use's model and the ids the deprecation lists (its related events' too)."""
    found: list[Any] = [impact.model]
    if event is not None:
        found += [event.external_id, *event.models]
    found += [r.get("model") for r in impact.related if isinstance(r, dict)]
    return [i for i in dict.fromkeys(found) if isinstance(i, str) and i]
