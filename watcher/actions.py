"""What people do about impacts: acknowledge (who, plan, target date), snooze (never past the
deadline), resolve. The same functions serve the CLI, the JSON API and Slack buttons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlmodel import Session, select

from watcher.errors import WatcherError
from watcher.storage import Event, Impact


class ActionError(WatcherError):
    pass


@dataclass(frozen=True)
class Selector:
    event_key: str  # provider/kind/external_id
    service: str | None = None
    channel: str | None = None


def _select(session: Session, selector: Selector) -> tuple[Event, list[Impact]]:
    provider, _, rest = selector.event_key.partition("/")
    kind, _, external_id = rest.partition("/")
    event = session.exec(select(Event).where(Event.provider == provider, Event.kind == kind,
                                             Event.external_id == external_id)).first()
    if event is None:
        raise ActionError(f"no event {selector.event_key!r}; see `watcher impacts` for the keys")
    query = select(Impact).where(Impact.event_id == event.id, Impact.state != "resolved")
    if selector.service:
        query = query.where(Impact.service == selector.service)
    impacts = [i for i in session.exec(query).all()
               if selector.channel is None or (i.channel or "") in (selector.channel, "")]
    if not impacts:
        raise ActionError(f"no open impact of {selector.event_key}" + (f" on {selector.service}" if selector.service
                                                                       else ""))
    return event, impacts


def acknowledge(session: Session, selector: Selector, *, by: str, plan: str | None = None,
                target: date | None = None, now: datetime) -> int:
    _, impacts = _select(session, selector)
    note = plan or ""
    if target:
        note = f"{note} (target {target.isoformat()})".strip()
    for impact in impacts:
        impact.state, impact.state_by, impact.note, impact.updated_at = "acknowledged", by, note or None, now
        session.add(impact)
    return len(impacts)


def snooze(session: Session, selector: Selector, *, until: date, by: str, now: datetime) -> tuple[int, date]:
    event, impacts = _select(session, selector)
    if event.deadline and until > date.fromisoformat(event.deadline):
        until = date.fromisoformat(event.deadline)  # never past the deadline
    for impact in impacts:
        impact.state, impact.state_by, impact.updated_at = "snoozed", by, now
        impact.snoozed_until = datetime.combine(until, time(), tzinfo=UTC)
        session.add(impact)
    return len(impacts), until


def resolve(session: Session, selector: Selector, *, by: str, note: str | None, now: datetime) -> int:
    _, impacts = _select(session, selector)
    for impact in impacts:
        impact.state, impact.state_by, impact.updated_at = "resolved", by, now
        impact.resolved_reason = f"resolved by {by}" + (f": {note}" if note else "")
        session.add(impact)
    return len(impacts)
