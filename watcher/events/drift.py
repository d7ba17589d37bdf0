"""Drift of a deprecation: what a change to its date, replacement or status means, in words.

Pure: the old and new field values in, sentences and a severity out. A date that moves earlier
is never silent: it raises the severity and says by how many days.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from watcher.events.model import SEVERITIES, Severity, max_severity


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def describe(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    notes = []
    before, after = _day(old.get("deadline")), _day(new.get("deadline"))
    if before and after and before != after:
        days = (after - before).days
        direction = "earlier" if days < 0 else "later"
        notes.append(f"deadline moved {direction} by {abs(days)} days ({before} -> {after})")
    elif before and not after:
        notes.append(f"deadline withdrawn (was {before})")
    elif after and not before:
        notes.append(f"deadline announced: {after}")
    if old.get("deadline_earliest") and not new.get("deadline_earliest") and after:
        notes.append("deadline is now firm (no longer 'not before')")
    was, now = old.get("replacement") or "none", new.get("replacement") or "none"
    if was != now:
        notes.append(f"replacement changed from {was} to {now}")
    if new.get("status") == "retired" and old.get("status") != "retired":
        notes.append("marked retired")
    return notes


def delta_days(old: dict[str, Any], new: dict[str, Any]) -> int | None:
    """How many days the deadline moved (negative: earlier), or None when either side has no date."""
    before, after = _day(old.get("deadline")), _day(new.get("deadline"))
    return (after - before).days if before and after else None


def severity_after(current: Severity, proposed: Severity, delta: int | None) -> Severity:
    """A deadline pulled in is one step more severe than anything said before."""
    if delta is None or delta >= 0:
        return proposed
    highest = max_severity(current, proposed)
    return SEVERITIES[min(SEVERITIES.index(highest) + 1, len(SEVERITIES) - 1)]
