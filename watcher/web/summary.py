"""The dashboard header's numbers, and the filters they share with the JSON API, so that a number on
the page is exactly what the API's filter returns: overdue deadlines still in use, deadlines due
within 30 days, open incidents touching the inventory, failing or stale sources, active silences.

`GET /api/summary` answers the same numbers, each with the API query that lists what it counts and
the dashboard page that shows it. The filter functions here are pure (rows in, rows out); `header`
and the handler read the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, or_
from sqlmodel.sql.expression import Select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connectors.contract.events import TERMINAL_STATUSES
from watcher.ingest.health import source_report
from watcher.inventory.deadlines import SHOWN_KINDS, deadline_rows
from watcher.inventory.impacts import impact_rows
from watcher.notify import silences
from watcher.storage.engine import session
from watcher.storage.tables import Event, Impact
from watcher.web.context import daemon_of
from watcher.web.dashboard_auth import guard

if TYPE_CHECKING:
    from watcher.config import Config

DUE_SOON_DAYS = 30
# A source in one of these states is not telling us what happens: the dashboard is (partly) blind.
TROUBLE = frozenset({"failing", "broken", "suspicious", "stale"})


def deadlines(events: Iterable[Any], *, today: date, impacts: Iterable[dict[str, Any]], affected: bool = False,
              within: int | None = None, overdue: bool = False, include_past: bool = False) -> list[dict[str, Any]]:
    """`deadline_rows` with the API's filters: `affected` only those touching a use, `within` days
    from today (not past ones), `overdue` only past ones (still listed: in use when `affected`)."""
    rows = deadline_rows(events, today=today, impacts=impacts, affected_only=affected, include_past=True)
    return pick(rows, within=within, overdue=overdue, include_past=include_past)


def pick(rows: Iterable[dict[str, Any]], *, within: int | None = None, overdue: bool = False,
         include_past: bool = False) -> list[dict[str, Any]]:
    """Of deadline rows listed with the past ones: those `within` days from today (none past), only
    the past ones (`overdue`), or the upcoming ones unless `include_past`. One function for the API,
    the header and the pages, so that they count alike."""
    if overdue:
        return [r for r in rows if r["days_left"] < 0]
    if within is not None:
        return [r for r in rows if 0 <= r["days_left"] <= within]
    return list(rows) if include_past else [r for r in rows if r["days_left"] >= 0]


def incident_impacts(impacts: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The impacts of incidents (an unresolved impact: the incident is not over)."""
    return [i for i in impacts if i["event_kind"] == "incident"]


def troubled(sources: Mapping[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Enabled sources that fail, are broken, look suspicious or have not been read for too long."""
    return {name: s for name, s in sources.items() if s["enabled"] and s["health"] in TROUBLE}


def blind_since(sources: Mapping[str, dict[str, Any]]) -> str | None:
    """The oldest last good read among troubled sources (ISO), or None when one never succeeded."""
    times = [s["last_ok_at"] for s in sources.values()]
    if not times or any(t is None for t in times):
        return None
    return str(min(times))


def header(*, affected: list[dict[str, Any]], impacts: list[dict[str, Any]], sources: Mapping[str, dict[str, Any]],
           silences: int) -> dict[str, dict[str, Any]]:
    """Each number with the API query that lists what it counts (`counts`: rows, or distinct
    event_key for incidents) and the dashboard page that shows it. `affected`: the deadline rows
    that touch a use, past ones included (`deadlines(..., affected=True, include_past=True)`)."""
    overdue = pick(affected, overdue=True)
    soon = pick(affected, within=DUE_SOON_DAYS)
    incidents = {i["event_key"] for i in incident_impacts(impacts)}
    return {
        "overdue_in_use": {"count": len(overdue), "label": "overdue and still in use",
                           "api": "/api/deadlines?affected=1&overdue=1", "counts": "rows",
                           "page": "/deadlines?when=overdue"},
        "due_soon": {"count": len(soon), "label": f"due within {DUE_SOON_DAYS} days",
                     "api": f"/api/deadlines?affected=1&within={DUE_SOON_DAYS}", "counts": "rows",
                     "page": f"/deadlines?when={DUE_SOON_DAYS}d"},
        "incidents": {"count": len(incidents), "label": "open incidents touching us",
                      "api": "/api/impacts?kind=incident", "counts": "distinct event_key",
                      "page": "/impacts?kind=incident"},
        "sources_in_trouble": {"count": len(troubled(sources)), "label": "sources failing or stale",
                               "api": "/api/sources?trouble=1", "counts": "keys", "page": "/sources"},
        "silences": {"count": silences, "label": "active silences", "api": "/api/silences", "counts": "rows",
                     "page": "/silences"},
    }


@dataclass(frozen=True)
class Dated:
    """A dated event without its JSON columns: what `deadline_rows` needs to decide whether and when a
    deadline is listed (the sources and claims it reports are empty). For counting and ordering many;
    the rows shown are read again whole (`deadline_events(db, ids=...)`)."""

    id: int
    provider: str
    kind: str
    external_id: str
    title: str
    status: str | None
    severity: str
    deadline: str
    deadline_earliest: bool
    deadline_precision: str | None
    replacement: str | None
    url: str | None
    source: str
    provenance: dict[str, Any] = field(default_factory=dict)
    models: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


_DATED = (col(Event.id), col(Event.provider), col(Event.kind), col(Event.external_id), col(Event.title),
          col(Event.status), col(Event.severity), col(Event.deadline), col(Event.deadline_earliest),
          col(Event.deadline_precision), col(Event.replacement), col(Event.url), col(Event.source))


def dated_events(db: Session) -> list[Dated]:
    """Every dated deprecation and lifecycle event, without its JSON columns (see `Dated`)."""
    query = select(*_DATED).where(col(Event.kind).in_(SHOWN_KINDS), col(Event.deadline).is_not(None))
    return [Dated(*cast("tuple[Any, ...]", row)) for row in db.connection().execute(query).all()]


def deadline_events(db: Session, ids: Iterable[int] | None = None) -> list[Any]:
    """The columns of dated deprecation and lifecycle events that deadline rows read (only `ids`)."""
    # `Select` is what sqlmodel's `select` builds from several columns; its overloads stop at four.
    query: Select[*tuple[Any, ...]] = Select(*_DATED, col(Event.provenance), col(Event.models), col(Event.extra))
    query = query.where(col(Event.kind).in_(SHOWN_KINDS), col(Event.deadline).is_not(None))
    if ids is not None:
        query = query.where(col(Event.id).in_(list(ids)))
    # SQLAlchemy `Row`s, read by column name here and by deadline_rows (typed for whole Events): Any.
    return list(db.exec(query).all())


def with_related(db: Session, impacts: list[dict[str, Any]], event_ids: Iterable[int]) -> list[dict[str, Any]]:
    """The impacts of these events, each with its `related` claims (what `deadline_rows` weighs a
    third party's date against)."""
    wanted = set(event_ids)
    chosen = [i for i in impacts if i["event_id"] in wanted]
    if not chosen:
        return []
    related: dict[int, Any] = dict(db.connection().execute(select(col(Impact.id), col(Impact.related)).where(
        col(Impact.id).in_([i["id"] for i in chosen]))).all())
    return [{**i, "related": related.get(i["id"]) or []} for i in chosen]


def open_incidents(db: Session) -> list[Any]:
    """Incidents not over (id, provider, title, status, severity), newest first."""
    query: Select[*tuple[Any, ...]] = Select(
        col(Event.id), col(Event.provider), col(Event.title), col(Event.status), col(Event.severity))
    return list(db.exec(query.where(Event.kind == "incident", or_(
        col(Event.status).is_(None), col(Event.status).not_in(TERMINAL_STATUSES))).order_by(col(Event.id).desc())))


def read(engine: Engine, config: Config, now: datetime, today: date) -> dict[str, dict[str, Any]]:
    """The header's numbers, read from the database."""
    sources = source_report(engine, config)
    with session(engine) as db:
        impacts = impact_rows(db, related=False)
        affected = deadlines(dated_events(db), today=today, impacts=impacts, affected=True, include_past=True)
        active = len(silences.active(db, now))
    return header(affected=affected, impacts=impacts, sources=sources, silences=active)


async def api_summary(request: Request) -> Response:
    """GET /api/summary: the dashboard header's numbers."""
    if (refused := guard(request)) is not None:
        return refused
    daemon = daemon_of(request)
    now = daemon.clock()
    numbers = await asyncio.to_thread(read, daemon.engine, daemon.config, now, daemon.today(now))
    return JSONResponse(numbers)
