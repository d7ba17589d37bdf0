"""Drift of a deprecation: what a change to its date, replacement or status means, in words.

Pure: the old and new field values in, sentences and a severity out. A date that moves earlier
is never silent: it raises the severity and says by how many days. A floor ("not before") that the
provider replaces by a firm date "became firm", whether on the same event or when a live model's
lifecycle floor gives way to its deprecation (watcher/events/store.py).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from connectors.contract.events import SEVERITIES, Severity, max_severity


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def became_firm(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """A floor ("not before") replaced by a firm date: the provider has now set the day."""
    return bool(old.get("deadline_earliest") and _day(old.get("deadline")) and not new.get("deadline_earliest")
                and _day(new.get("deadline")))


def describe(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What changed, in words. `old` may be a live model's floor (kind `lifecycle`) that the
    provider has now turned into a deprecation (kind `deprecation`)."""
    notes = []
    before, after = _day(old.get("deadline")), _day(new.get("deadline"))
    if before and after and became_firm(old, new):
        notes.append(f"retirement date became firm: {after} (was: not before {before})")
        if after < before:
            notes.append(f"that is {(before - after).days} days before the date given as the earliest")
    elif old.get("kind") == "lifecycle" and new.get("kind") == "deprecation":
        when = (f"not before {after}" if new.get("deadline_earliest") else f"on {after}") if after \
            else "with no date announced yet"
        notes.append(f"deprecated: retirement {when} (was: live, not before {before})")
    elif before and after and before != after:
        days = (after - before).days
        direction = "earlier" if days < 0 else "later"
        notes.append(f"deadline moved {direction} by {abs(days)} days ({before} -> {after})")
    elif before and not after:
        notes.append(f"deadline withdrawn (was {before})")
    elif after and not before:
        notes.append(f"deadline announced: {after}")
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
