"""Deadlines from the stored deprecation events: sorted, with days left, the sources that give each
date and whether the provider itself confirms it; and whether the deprecation data is fresh enough
to gate a build on. Pure: the events, impacts, source states and the date come in as arguments."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from connectors import POLLED
from connectors.contract.dates import isoformat
from connectors.contract.events import EventKey
from watcher.config import SourceConfig
from watcher.events import claims
from watcher.events.claims import SUPERSEDED
from watcher.storage.tables import Event
from watcher.text import days_left_phrase

# The [[sources]] kinds that read model lifecycle notices (LiteLLM's map too: a third party's copy).
DEPRECATION_KINDS = frozenset(kind for kind, connector in POLLED.items() if connector.lifecycle)

# What a deadline listing shows: deprecations, and live models' floors beside them.
SHOWN_KINDS = ("deprecation", "lifecycle")


def deadline_rows(events: Iterable[Event], *, today: date, within_days: float | None = None,
                  include_past: bool = False, impacts: Iterable[dict[str, Any]] = (),
                  affected_only: bool = False) -> list[dict[str, Any]]:
    """One row per dated deprecation, soonest first; and per live model's floor (a `lifecycle`
    event, not one a deprecation has superseded), shown as "not before <date>" with `floor` true. A
    floor is never an impact, so never a deadline anyone is told about.

    `affected_only`: only deadlines that touch the inventory (an `impacts` row names the event).
    """
    impacts = list(impacts)
    affected = _affected_by_event(impacts)
    related: dict[str, list[dict[str, Any]]] = {}
    for impact in impacts:
        related.setdefault(impact["event_key"], []).extend(impact.get("related") or [])
    rows = []
    for event in events:
        if event.kind not in SHOWN_KINDS or not event.deadline or event.status == SUPERSEDED:
            continue
        days_left = (date.fromisoformat(event.deadline) - today).days
        if days_left < 0 and not include_past:
            continue
        if within_days is not None and days_left > within_days:
            continue
        key = str(EventKey.of(event))
        hits = affected.get(key, [])
        if affected_only and not hits:
            continue
        rows.append(_row(event, days_left, hits, related.get(key, [])))
    rows.sort(key=lambda r: (r["deadline"], r["platform"], r["model"]))
    return rows


def _affected_by_event(impacts: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    affected: dict[str, list[dict[str, Any]]] = {}
    for impact in impacts:
        affected.setdefault(impact["event_key"], []).append(
            {k: impact[k] for k in ("service", "owner", "environment", "state", "state_by", "reason")})
    return affected


def _row(event: Event, days_left: int, affected: list[dict[str, Any]],
         related: list[dict[str, Any]]) -> dict[str, Any]:
    sources = [
        {"source": name, "deadline": claim.get("deadline"), "first_seen_at": claim.get("first_seen_at"),
         "third_party": claim.get("third_party", False)}
        for name, claim in sorted(event.provenance.items())
    ]
    return {
        "kind": event.kind,
        # A live model's guaranteed floor: "not before", never escalated.
        "floor": event.kind == "lifecycle",
        "deadline": event.deadline,
        "days_left": days_left,
        "deadline_precision": event.deadline_precision,
        "deadline_earliest": event.deadline_earliest,
        "platform": event.provider,
        "model": event.external_id,
        "models": list(event.models),
        "replacement": event.replacement,
        "status": event.status,
        "severity": event.severity,
        "title": event.title,
        "url": event.url,
        "sources": sources,
        "conflicting_dates": len({s["deadline"] for s in sources}) > 1,
        # A provider's own page giving this very date; a third party's copy alone can be wrong or stale.
        "confirmed": claims.confirmed(event),
        "third_party_sources": [s["source"] for s in sources if s["third_party"]],
        "third_party_label": claims.label(event),
        # A third party's date that the provider contradicts: shown, never escalated.
        "held_back": claims.contradiction(event, related),
        "affected": affected,
    }


def format_row(row: dict[str, Any]) -> str:
    when = row["deadline"][:7] if row["deadline_precision"] == "month" else row["deadline"]
    if row.get("floor"):
        when = f"not before {when}"
    elif row["deadline_earliest"]:
        when = f">={when}"
    sources = ", ".join(s["source"] + (f" says {s['deadline']}" if row["conflicting_dates"] else "")
                        for s in row["sources"])
    replacement = f" -> {row['replacement']}" if row["replacement"] else ""
    notes = "".join(f"  {note}" for note in _notes(row))
    services = "; ".join(f"{a['service']} ({a['owner']}, {a['state']})" for a in row["affected"])
    hits = f"  affects: {services}" if services else ""
    return (f"{when:12} {row['days_left']:>5}d  {row['platform']:13} {row['model']}{replacement}  [{sources}]"
            f"{notes}{hits}")


def _notes(row: dict[str, Any]) -> list[str]:
    if row.get("floor"):
        return [f"(live, {row['status'] or 'active'}: no retirement before this date)"]
    notes = []
    if row["days_left"] < 0:
        notes.append(days_left_phrase(row["days_left"]))
    if row["third_party_label"]:
        notes.append(f"({row['third_party_label']})")
    if row.get("held_back"):
        notes.append(f"(held back: {row['held_back']})")
    return notes


def stale_sources(sources: Iterable[SourceConfig], last_ok: Mapping[str, datetime | None], *,
                  now: datetime) -> list[str]:
    """Why the deprecation data cannot be trusted to be current: each enabled deprecation source that
    has not been read successfully within two of its intervals (one late poll is not yet a problem)."""
    reasons = []
    for source in sources:
        if not source.enabled or source.kind not in DEPRECATION_KINDS:
            continue
        ok_at = last_ok.get(source.name)
        if ok_at is None:
            reasons.append(f"source {source.name} ({source.kind}) has never been read successfully")
        elif now - ok_at > timedelta(seconds=2 * source.interval):
            reasons.append(f"source {source.name} ({source.kind}) last read successfully at {isoformat(ok_at)}, "
                           f"more than two intervals ({_interval(2 * source.interval)}) ago")
    return reasons


def _interval(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"
