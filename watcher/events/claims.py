"""What a deprecation's date is worth: given by the provider itself (confirmed), or only by a third
party (LiteLLM's model map), and which of several deprecations of one model speaks for a use.
Pure: stored events in, verdicts out.

A provider's own page or notice always wins; a third party's date is shown as such, never louder
than `notice`, and held back entirely when the provider lists the model as live or gives another
date (like an Alertmanager inhibition).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

# The status of a live model's floor (kind `lifecycle`) once the provider has deprecated the model
# (set by watcher/events/store.py): no longer the provider's word that the model is live.
SUPERSEDED = "superseded"


class Claimed(Protocol):
    id: int | None
    provider: str
    kind: str
    external_id: str
    status: str | None
    deadline: str | None
    deadline_earliest: bool
    provenance: dict[str, Any]
    extra: dict[str, Any]


def _official(event: Claimed) -> list[dict[str, Any]]:
    if not event.provenance:  # stored before provenance was kept: as official as its source
        return [] if event.extra.get("third_party") else [{"deadline": event.deadline, "status": event.status}]
    return [claim for claim in event.provenance.values() if not claim.get("third_party")]


def confirmed(event: Claimed) -> bool:
    """True when a provider's own source gives this event's date."""
    return bool(event.deadline) and any(c.get("deadline") == event.deadline for c in _official(event))


def publisher(event: Claimed) -> str:
    """Who a third-party date comes from, for the label people read."""
    return str(event.extra.get("publisher") or ", ".join(
        sorted(name for name, c in event.provenance.items() if c.get("third_party"))) or "a third party")


def label(event: Claimed) -> str | None:
    """What every output says beside a date only a third party gives, or None for the provider's own."""
    if not event.deadline or confirmed(event):
        return None
    return f"per {publisher(event)}, not on {event.provider}'s own page"


def rank(event: Claimed) -> tuple[int, str, int]:
    """Sort key: a confirmed date first, then a third party's date, then no date; the earliest first."""
    tier = 0 if confirmed(event) else (1 if event.deadline else 2)
    return (tier, event.deadline or "9999-12-31", event.id or 0)


def summary(event: Claimed) -> dict[str, Any]:
    return {"event_id": event.id, "kind": event.kind, "platform": event.provider, "model": event.external_id,
            "deadline": event.deadline, "deadline_earliest": event.deadline_earliest, "status": event.status,
            "confirmed": confirmed(event), "third_party": bool(event.deadline) and not confirmed(event),
            "publisher": publisher(event) if event.deadline and not confirmed(event) else None}


def pick(events: Sequence[Claimed]) -> tuple[Claimed, list[dict[str, Any]]]:
    """The deprecation whose date counts for a use, and a summary of every other one (lifecycle
    floors included) to show beside it."""
    deprecations = sorted((e for e in events if e.kind == "deprecation"), key=rank)
    winner = deprecations[0]
    return winner, [summary(e) for e in sorted(events, key=rank) if e is not winner]


def contradiction(winner: Claimed, related: Iterable[dict[str, Any]]) -> str | None:
    """Why a third party's date is held back, or None when it stands (or is the provider's own)."""
    if not winner.deadline or confirmed(winner):
        return None
    for claim in _official(winner):
        if claim.get("deadline") and claim["deadline"] != winner.deadline:
            return f"{winner.provider}'s page says {claim['deadline']}"
        if (claim.get("status") or "").lower() in ("active", "available", "live", "ga"):
            return f"{winner.provider}'s page lists {winner.external_id} as {claim['status']}"
    for other in related:
        if other.get("confirmed") and other.get("kind") == "lifecycle" and other.get("status") != SUPERSEDED:
            floor = f", not sooner than {other['deadline']}" if other.get("deadline") else ""
            return f"{other['platform']}'s page lists {other['model']} as live{floor}"
        if other.get("confirmed") and other.get("deadline") and other["deadline"] != winner.deadline:
            return f"{other['platform']}'s page says {other['deadline']} for {other['model']}"
    return None
