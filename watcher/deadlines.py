"""Upcoming deadlines from the stored deprecation events: sorted, with days left and sources."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from watcher.storage import Event


def deadline_rows(events: Iterable[Event], *, today: date, within_days: float | None = None,
                  include_past: bool = False, impacts: Iterable[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    affected: dict[str, list[dict[str, Any]]] = {}
    for impact in impacts:
        affected.setdefault(impact["event_key"], []).append(
            {k: impact[k] for k in ("service", "owner", "environment", "state", "state_by", "reason")})
    rows = []
    for event in events:
        if event.kind != "deprecation" or not event.deadline:
            continue
        when = date.fromisoformat(event.deadline)
        days_left = (when - today).days
        if days_left < 0 and not include_past:
            continue
        if within_days is not None and days_left > within_days:
            continue
        sources = [
            {"source": name, "deadline": claim.get("deadline"), "first_seen_at": claim.get("first_seen_at"),
             "third_party": claim.get("third_party", False)}
            for name, claim in sorted(event.provenance.items())
        ]
        rows.append({
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
            "affected": affected.get(f"{event.provider}/{event.kind}/{event.external_id}", []),
        })
    rows.sort(key=lambda r: (r["deadline"], r["platform"], r["model"]))
    return rows


def format_row(row: dict[str, Any]) -> str:
    when = row["deadline"][:7] if row["deadline_precision"] == "month" else row["deadline"]
    if row["deadline_earliest"]:
        when = f">={when}"
    sources = ", ".join(s["source"] + (f" says {s['deadline']}" if row["conflicting_dates"] else "")
                        for s in row["sources"])
    replacement = f" -> {row['replacement']}" if row["replacement"] else ""
    services = "; ".join(f"{a['service']} ({a['owner']}, {a['state']})" for a in row["affected"])
    hits = f"  affects: {services}" if services else ""
    return f"{when:12} {row['days_left']:>5}d  {row['platform']:13} {row['model']}{replacement}  [{sources}]{hits}"
