"""Impacts kept in step with the events and the inventory: new matches open, matches whose entry
left the inventory resolve by themselves (with that reason), and come back if it returns. Billing
notices about one project or workspace (spend anomalies) are matched too: their impact is how the
planner finds the project's owner."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from connectors.contract.dates import isoformat
from connectors.contract.events import TERMINAL_STATUSES, EventKey
from watcher.events import claims
from watcher.inventory.catalog import Catalog
from watcher.inventory.matching import Verdict, match
from watcher.inventory.uses import Inventory, Use
from watcher.storage.tables import Event, Impact

# Incidents over for this long no longer produce impacts; deprecations always can.
INCIDENT_WINDOW = timedelta(days=7)
GONE = "resolved by itself: the inventory no longer contains this use"
OVER = "resolved by itself: the incident is over"
# What resolved an impact (`Impact.resolved_by`): the use left the inventory, the incident ended, or
# a person said so. Decisions read these; the sentences above are for people.
BY_INVENTORY, BY_INCIDENT, BY_PERSON = "inventory", "incident", "person"
DEPRECATION = "deprecation"  # the group of every deprecation of the model one use calls
EVENT = "event:"


def relevant_events(session: Session, now: datetime) -> list[Event]:
    events = session.exec(select(Event).where(col(Event.kind).in_(["deprecation", "lifecycle", "incident",
                                                                   "maintenance", "billing"]))).all()
    return [e for e in events if e.kind in ("deprecation", "lifecycle")
            or (e.status or "").lower() not in TERMINAL_STATUSES
            or (e.ends_at is not None and now - e.ends_at < INCIDENT_WINDOW)]


def _wanted(session: Session, inventory: Inventory, catalog: Catalog, now: datetime
            ) -> dict[tuple[str, str], tuple[Use, Verdict, Event, list[dict[str, Any]]]]:
    """(use key, group) -> the use, why, the event that speaks for it, and the others of its group.

    Every deprecation of the model a use calls (an alias and its dated snapshots, a third party's
    copy) is one impact: the earliest confirmed date speaks, the others are shown in it. A live
    model's floor (lifecycle) is shown beside a deprecation, never an impact of its own."""
    grouped: dict[str, list[tuple[Event, Use, Verdict]]] = defaultdict(list)
    wanted: dict[tuple[str, str], tuple[Use, Verdict, Event, list[dict[str, Any]]]] = {}
    for event, use, verdict in match(relevant_events(session, now), inventory.uses, catalog):
        if event.kind in ("deprecation", "lifecycle"):
            grouped[use.key].append((event, use, verdict))
        else:
            wanted[(use.key, f"{EVENT}{event.id}")] = (use, verdict, event, [])
    for use_key, hits in grouped.items():
        if not any(event.kind == "deprecation" for event, _, _ in hits):
            continue
        winner, related = claims.pick([event for event, _, _ in hits])
        # The hit whose event is the winner: the same object, typed as the `Event` it is.
        event, use, verdict = next(hit for hit in hits if hit[0] is winner)
        wanted[(use_key, DEPRECATION)] = (use, verdict, event, related)
    return wanted


def _group(impact: Impact) -> str:
    return impact.group_key or f"{EVENT}{impact.event_id}"


def _adopt_ungrouped(session: Session, rows: Sequence[Impact], wanted: dict[tuple[str, str], Any],
                     existing: dict[tuple[str, str], Impact]) -> None:
    """Impacts stored before grouping (one per event) become the group's one impact: the row of the
    deciding event, else the one people acted on; the others of the group are dropped."""
    for (use_key, group), (_, _, winner, related) in wanted.items():
        if group != DEPRECATION or (use_key, group) in existing:
            continue
        ids = {winner.id, *(r["event_id"] for r in related)}
        legacy = [i for i in rows if i.use_key == use_key and i.group_key is None and i.event_id in ids]
        if not legacy:
            continue
        keep = min(legacy, key=lambda i: (i.event_id != winner.id, i.state in ("open", "resolved"), i.id or 0))
        for impact in legacy:
            if impact is not keep:
                session.delete(impact)
        session.flush()  # before `keep` may take over the deciding event's (event, use) key
        existing[(use_key, group)] = keep


def refresh(session: Session, inventory: Inventory, catalog: Catalog, *, now: datetime) -> dict[str, int]:
    """Bring the impact table in line with events x inventory; the caller commits."""
    wanted = _wanted(session, inventory, catalog, now)
    rows = session.exec(select(Impact)).all()
    existing: dict[tuple[str, str], Impact] = {}
    for row in sorted(rows, key=lambda i: (i.state == "resolved", i.id or 0)):
        existing.setdefault((row.use_key, _group(row)), row)
    _adopt_ungrouped(session, rows, wanted, existing)
    counts = {"opened": 0, "reopened": 0, "resolved": 0}
    for key, (use, verdict, event, related) in wanted.items():
        impact = existing.get(key)
        fields: dict[str, Any] = {
            "service": use.service, "owner": use.owner, "platform": use.platform, "model": use.model,
            "environment": use.environment, "channel": use.channel, "rule": verdict.rule,
            "reason": verdict.reason, "event_id": event.id, "related": related,
            "group_key": key[1] if key[1] == DEPRECATION else None}
        if impact is None:
            session.add(Impact(use_key=use.key, state="open", created_at=now, updated_at=now, **fields))
            counts["opened"] += 1
            continue
        if impact.state == "resolved" and impact.resolved_by == BY_INVENTORY:
            impact.state, impact.resolved_reason, impact.resolved_by, impact.state_by = "open", None, None, None
            counts["reopened"] += 1
        changed = {k: v for k, v in fields.items() if getattr(impact, k) != v}
        if changed:
            for name, value in changed.items():
                setattr(impact, name, value)
            impact.updated_at = now
            session.add(impact)
    kept = {id(impact) for key, impact in existing.items() if key in wanted}
    in_use = {use.key for use in inventory.uses}
    over = {e.id for e in session.exec(select(Event).where(col(Event.kind).in_(["incident", "maintenance"]))).all()
            if (e.status or "").lower() in TERMINAL_STATUSES}
    for impact in rows:
        if impact not in session:  # dropped by the adoption above
            continue
        if impact.state == "resolved" or (id(impact) in kept and impact.event_id not in over):
            continue
        # Only two things end an impact by themselves: the use leaving the inventory, or the incident
        # ending. A deprecation that merely leaves its page stays.
        if impact.use_key not in in_use:
            by: str | None = BY_INVENTORY
        elif impact.event_id in over:
            by = BY_INCIDENT
        else:
            by = None
        if by is not None:
            impact.state, impact.resolved_by, impact.state_by = "resolved", by, "watcher"
            impact.resolved_reason = GONE if by == BY_INVENTORY else OVER
            impact.updated_at = now
            session.add(impact)
            counts["resolved"] += 1
    return counts


def impact_rows(session: Session, *, team: str | None = None, include_resolved: bool = False,
                related: bool = True) -> list[dict[str, Any]]:
    """Impacts with their event's key, title and deadline, soonest deadline first. `related=False`
    leaves out each impact's related claims (a JSON column: a page listing thousands of impacts reads
    them only for the rows it shows)."""
    # Columns, not entities, through the connection, as plain tuples: an event row carries its whole
    # history in JSON, which listing never needs, and ORM rows cost several times more for thousands.
    fields = {"service": Impact.service, "owner": Impact.owner, "platform": Impact.platform, "model": Impact.model,
              "environment": Impact.environment, "channel": Impact.channel, "title": Event.title,
              "deadline": Event.deadline, "replacement": Event.replacement, "state": Impact.state,
              "state_by": Impact.state_by, "note": Impact.note, "snoozed_until": Impact.snoozed_until,
              "reason": Impact.reason, "rule": Impact.rule, "resolved_reason": Impact.resolved_reason,
              "resolved_by": Impact.resolved_by, "id": Impact.id, "event_id": Impact.event_id, "plan": Impact.plan,
              "target_date": Impact.target_date, "event_kind": Event.kind, "provider": Event.provider,
              "external_id": Event.external_id, **({"related": Impact.related} if related else {})}
    query = select(*(col(column) for column in fields.values())).join(Event, col(Event.id) == Impact.event_id)
    if team:
        query = query.where(Impact.owner == team)
    if not include_resolved:
        query = query.where(Impact.state != "resolved")
    keys: dict[int, str] = {}  # an event's key, made once for all its impacts
    rows = []
    for values in session.connection().execute(query):  # rows unpack like tuples
        row = dict(zip(fields, values, strict=True))
        event = row["event_id"]
        if (key := keys.get(event)) is None:
            key = keys[event] = str(EventKey(row["provider"], row["event_kind"], row["external_id"]))
        row["event_key"] = key
        row["snoozed_until"] = isoformat(row["snoozed_until"])
        del row["provider"], row["external_id"]
        rows.append(row)
    rows.sort(key=lambda r: (r["deadline"] or "9999", r["owner"], r["service"], r["model"]))
    return rows
