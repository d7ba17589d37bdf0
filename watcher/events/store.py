"""Drafts in, events and revisions out: upsert by key, revisions only for real change.

A live model's floor (kind `lifecycle`) and its deprecation have different keys. When a provider's
own source first deprecates a model that had a floor, the deprecation's revision carries the drift
from that floor ("retirement date became firm: …") and the floor is closed as `superseded`.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlmodel import Session, col, select

from connectors.contract.dates import isoformat
from connectors.contract.events import REVISION_FIELDS, TERMINAL_STATUSES, EventDraft, EventKey
from watcher.cluster import jobs
from watcher.events import drift
from watcher.events.claims import SUPERSEDED
from watcher.storage.tables import Event, EventRevision

DRAFT_FIELDS = tuple(f.name for f in dataclasses.fields(EventDraft))


@dataclass(frozen=True)
class Change:
    """One thing the notifiers may tell: a new event, or a new revision of a known one."""

    action: Literal["new", "revised"]
    event: dict[str, Any]
    changes: dict[str, Any] = field(default_factory=dict)
    baseline: bool = False


def event_values(event: Event) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ("provider", "kind", "external_id", *REVISION_FIELDS, "published_at", "updated_at"):
        value = getattr(event, name)
        values[name] = isoformat(value) if isinstance(value, datetime) else value
    return values


def draft_of(event: Event) -> EventDraft:
    return EventDraft(**{name: copy.copy(getattr(event, name)) for name in DRAFT_FIELDS})


def event_json(event: Event) -> dict[str, Any]:
    """The Event JSON, plus where it came from and its revision."""
    values = draft_of(event).to_json()
    values.update(
        id=event.id, source=event.source, revision=event.revision, baseline=event.baseline,
        provenance=event.provenance,
        first_seen_at=isoformat(event.first_seen_at), last_seen_at=isoformat(event.last_seen_at),
    )
    return values


def _diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in REVISION_FIELDS:
        if old.get(name) == new.get(name):
            continue
        if name == "updates":
            known = {(u.get("at"), u.get("status")) for u in old.get(name) or []}
            added = [u for u in new.get(name) or [] if (u.get("at"), u.get("status")) not in known]
            changes[name] = {"added": added, "count": len(new.get(name) or [])}
        else:
            changes[name] = {"from": old.get(name), "to": new.get(name)}
    return changes


def apply_drafts(
    session: Session,
    *,
    source: str,
    provider: str,
    drafts: Iterable[EventDraft],
    complete_kinds: Iterable[str] = (),
    first_poll: bool = False,
    now: datetime,
) -> list[Change]:
    """Store what one source reported in one cycle; the caller commits.

    `first_poll`: the source has never been read before, so what is already over is history,
    stored as baseline and not announced.
    """
    results: list[Change] = []
    seen_keys: set[tuple[str, str, str]] = set()
    drafts = list(drafts)
    # Two sources of one provider (its status page and its feed), read by two replicas or two database
    # threads at once, may report the same event: they store it one after the other, the second as a
    # revision, rather than both inserting it. Locks taken in name order: two providers never deadlock.
    for name in sorted({draft.provider or provider for draft in drafts}):
        jobs.serialised(session, f"events:{name}")
    for draft in drafts:
        draft.provider = draft.provider or provider
        if draft.key in seen_keys:
            continue
        seen_keys.add(draft.key)
        results.extend(_upsert(session, draft, source=source, first_poll=first_poll, now=now))
    kinds = set(complete_kinds)
    if kinds:
        results.extend(_close_vanished(session, source=source, provider=provider, kinds=kinds,
                                       listed=seen_keys, now=now))
    return results


def _is_history(draft: EventDraft, now: datetime) -> bool:
    """Already over when first seen: a resolved incident, a changelog entry, a model long retired."""
    if draft.is_terminal or draft.kind == "changelog":
        return True
    return draft.kind == "deprecation" and (draft.status == "retired" or (
        draft.deadline is not None and draft.deadline < now.date().isoformat()))


def _find(session: Session, key: tuple[str, str, str]) -> Event | None:
    provider, kind, external_id = key
    return session.exec(
        select(Event).where(Event.provider == provider, Event.kind == kind, Event.external_id == external_id)
    ).first()


def _upsert(session: Session, draft: EventDraft, *, source: str, first_poll: bool,
            now: datetime) -> list[Change]:
    new_values = draft.field_values()
    digest = draft.content_hash()
    event = _find(session, draft.key)
    floor = _live_floor(session, draft)
    if event is None:
        baseline = first_poll and _is_history(draft, now)
        event = Event(
            **{name: getattr(draft, name) for name in DRAFT_FIELDS}, source=source, revision=1,
            content_hash=digest, source_hashes={source: digest}, baseline=baseline,
            first_seen_at=now, last_seen_at=now, provenance={},
        )
        created: dict[str, Any] = {"created": True}
        if floor is not None:
            created.update(_from_floor(floor, new_values))
            event.severity = drift.severity_after(event_values(floor)["severity"], draft.severity,
                                                  created.get("deadline_delta_days"))
        _record_provenance(event, draft, source=source, now=now)
        session.add(event)
        session.flush()
        assert event.id is not None, "flushed: the database gave the event its id"
        session.add(EventRevision(event_id=event.id, revision=1, source=source, changed_at=now,
                                  changes=created, content_hash=digest))
        new = Change("new", event_json(event), changes=created if floor is not None else {}, baseline=baseline)
        return [new, *([_supersede(session, floor, event, source=source, now=now)] if floor is not None else [])]

    event.last_seen_at = now
    if event.source_hashes.get(source) == digest and floor is None:
        return []
    event.source_hashes = {**event.source_hashes, source: digest}
    _record_provenance(event, draft, source=source, now=now)
    if draft.updated_at and event.updated_at and draft.updated_at < event.updated_at:
        return []  # an older view (a lagging feed or cache) never rolls an event back
    if draft.extra.get("third_party") and _has_official_source(event, besides=source):
        return []  # a third party's copy is kept as provenance; it never overrules the provider
    old_values = event_values(event)
    changes = _diff(old_values, new_values)
    if not changes and floor is None:
        return []
    for name, value in ((n, getattr(draft, n)) for n in (*REVISION_FIELDS, "updated_at")):
        setattr(event, name, value)
    event.extra = {**event.extra, **draft.extra}
    if event.kind == "deprecation":
        notes = drift.describe(old_values, new_values) if changes else []
        if floor is not None:  # a third party's deprecation that the provider now confirms
            firmed = _from_floor(floor, new_values)
            notes = [*firmed["drift"], *notes]
            changes.update({k: v for k, v in firmed.items() if k in ("supersedes", "became_firm")})
        if notes:
            changes["drift"] = notes  # for people; decisions read the numbers below
        delta = drift.delta_days(old_values, new_values)
        if delta is not None:
            changes["deadline_delta_days"] = delta
        if drift.became_firm(old_values, new_values):
            changes["became_firm"] = True
        severity = drift.severity_after(old_values["severity"], draft.severity, delta)
        if severity != event.severity:
            event.severity = severity
            changes["severity"] = {"from": old_values["severity"], "to": severity}
    revised = _revise(session, event, changes, source=source, digest=digest, now=now)
    return [revised, *([_supersede(session, floor, event, source=source, now=now)] if floor is not None else [])]


def _live_floor(session: Session, draft: EventDraft) -> Event | None:
    """The live-model floor that a provider's own deprecation of the same model replaces; a third
    party's date never does (the floor is how its date is shown to be wrong)."""
    if draft.kind != "deprecation" or draft.extra.get("third_party"):
        return None
    floor = _find(session, (draft.provider, "lifecycle", draft.external_id))
    return floor if floor is not None and floor.status != SUPERSEDED else None


def _from_floor(floor: Event, new_values: dict[str, Any]) -> dict[str, Any]:
    """The drift from a live model's floor to its deprecation, in the shape of any date drift."""
    old_values = event_values(floor)
    found: dict[str, Any] = {"drift": drift.describe(old_values, new_values), "supersedes": str(EventKey.of(floor))}
    for name in ("deadline", "deadline_earliest"):
        if old_values[name] != new_values[name]:
            found[name] = {"from": old_values[name], "to": new_values[name]}
    delta = drift.delta_days(old_values, new_values)
    if delta is not None:
        found["deadline_delta_days"] = delta
    if drift.became_firm(old_values, new_values):
        found["became_firm"] = True
    return found


def _supersede(session: Session, floor: Event, by: Event, *, source: str, now: datetime) -> Change:
    """Close a live model's floor that a deprecation replaced. Its sources' last reports stay: the
    same floor read again changes nothing, so it does not come back."""
    changes: dict[str, Any] = {"status": {"from": floor.status, "to": SUPERSEDED},
                               "superseded_by": str(EventKey.of(by)),
                               "reason": f"{by.provider} now lists {by.external_id} as deprecated"}
    floor.status = SUPERSEDED
    return _revise(session, floor, changes, source=source, digest=floor.content_hash, now=now)


def _record_provenance(event: Event, draft: EventDraft, *, source: str, now: datetime) -> None:
    """Which sources said it, when each first said it, and what each says now: conflicting dates
    stay side by side."""
    known = event.provenance.get(source, {})
    event.provenance = {**event.provenance, source: {
        "first_seen_at": known.get("first_seen_at") or isoformat(now),
        "changed_at": isoformat(now),
        "deadline": draft.deadline, "deadline_earliest": draft.deadline_earliest,
        "replacement": draft.replacement, "status": draft.status,
        "third_party": bool(draft.extra.get("third_party")),
    }}


def _has_official_source(event: Event, *, besides: str) -> bool:
    return any(not claim.get("third_party") for name, claim in event.provenance.items() if name != besides)


def _revise(session: Session, event: Event, changes: dict[str, Any], *, source: str, digest: str,
            now: datetime) -> Change:
    event.revision += 1
    event.content_hash = digest
    # History that changes is news again.
    event.baseline = False
    session.add(event)
    assert event.id is not None, "a stored event: read from the database or flushed"
    session.add(EventRevision(event_id=event.id, revision=event.revision, source=source, changed_at=now,
                              changes=changes, content_hash=digest))
    return Change("revised", event_json(event), changes=changes)


def _close_vanished(session: Session, *, source: str, provider: str, kinds: set[str],
                    listed: set[tuple[str, str, str]], now: datetime) -> list[Change]:
    """An active event that a complete list of active items no longer names has ended."""
    closed: list[Change] = []
    candidates = session.exec(
        select(Event).where(Event.provider == provider, col(Event.kind).in_(sorted(kinds)))
    ).all()
    for event in candidates:
        if (event.provider, event.kind, event.external_id) in listed or source not in event.source_hashes:
            continue
        if (event.status or "").lower() in TERMINAL_STATUSES:
            continue
        new_status = "completed" if event.kind == "maintenance" else "resolved"
        changes: dict[str, Any] = {
            "status": {"from": event.status, "to": new_status},
            "reason": f"no longer listed as active by source {source}",
        }
        if event.ends_at is None:
            changes["ends_at"] = {"from": None, "to": isoformat(now)}
            event.ends_at = now
        event.status = new_status
        # Forget this source's last report so that, should the item come back, it counts as news.
        event.source_hashes = {k: v for k, v in event.source_hashes.items() if k != source}
        closed.append(_revise(session, event, changes, source=source, digest=event.content_hash, now=now))
    return closed
