"""What people do about impacts: acknowledge (who, plan, target date), snooze (until a date, at most
`[escalation] max_snooze` ahead), resolve. One entry point, `perform`, serves the CLI, the JSON API,
the dashboard and Slack's buttons, so that every interface selects, refuses and answers alike: a
snooze that was capped or refused says so and why, and nothing reports success with a date in the
past."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from connectors.contract.events import EventKey
from watcher.errors import WatcherError
from watcher.inventory.impacts import BY_PERSON
from watcher.storage.tables import Event, Impact
from watcher.text import plural

Action = Literal["ack", "snooze", "resolve"]
VERBS = {"ack": "acknowledged", "snooze": "snoozed", "resolve": "resolved"}


class ActionError(WatcherError):
    """A refusal, with the reason people read."""


class NothingSelected(ActionError):
    """No event or no open impact answers to what was given."""


@dataclass(frozen=True)
class Selector:
    """Which impacts: an event key (`provider/kind/external_id`) or `platform:model` as listings show
    them, optionally one service; or exactly the impacts a Slack message listed."""

    key: str | None = None
    service: str | None = None
    impact_ids: tuple[int, ...] = ()


@dataclass
class Outcome:
    action: Action
    changed: list[Impact] = field(default_factory=list)
    skipped: list[tuple[Impact, str]] = field(default_factory=list)
    until: date | None = None
    notes: list[str] = field(default_factory=list)

    def message(self, what: str) -> str:
        services = ", ".join(f"{i.service} ({i.owner})" for i in self.changed)
        text = f"{VERBS[self.action]} {plural(len(self.changed), 'impact')} of {what}"
        if self.until is not None:
            text += f" until {self.until.isoformat()}"
        text += f": {services}" if services else ""
        for impact, why in self.skipped:
            text += f"; {impact.service} left as it was ({why})"
        return text + "".join(f"; {note}" for note in self.notes)


def _event(session: Session, key: str) -> Event | None:
    try:
        wanted = EventKey.parse(key)
    except ValueError:
        return None
    return session.exec(select(Event).where(Event.provider == wanted.provider, Event.kind == wanted.kind,
                                            Event.external_id == wanted.external_id)).first()


def select_impacts(session: Session, selector: Selector) -> list[Impact]:
    open_ = select(Impact).where(Impact.state != "resolved")
    if selector.impact_ids:
        impacts = list(session.exec(open_.where(col(Impact.id).in_(selector.impact_ids))).all())
        if not impacts:
            raise NothingSelected("every impact this message lists is already resolved")
        return impacts
    key = (selector.key or "").strip()
    if "/" in key:
        event = _event(session, key)
        if event is None:
            raise NothingSelected(f"no event {key!r}; see `watcher impacts` for the keys")
        # An impact speaks for every deprecation of its model: the key of any of them selects it.
        impacts = [i for i in session.exec(open_).all()
                   if i.event_id == event.id or any(r.get("event_id") == event.id for r in i.related)]
    elif ":" in key:
        platform, _, model = key.partition(":")
        events = {e.id: e for e in session.exec(select(Event).where(Event.provider == platform,
                                                                    Event.external_id == model)).all()}
        impacts = [i for i in session.exec(open_).all()
                   if (i.platform == platform and i.model == model) or i.event_id in events
                   or any(r.get("event_id") in events for r in i.related)]
    else:
        raise ActionError(f"{key!r} is not a key: give provider/kind/external_id or platform:model "
                          "as `watcher impacts` shows them")
    if selector.service:
        impacts = [i for i in impacts if i.service == selector.service]
    if not impacts:
        raise NothingSelected(f"no open impact of {key}" + (f" on {selector.service}" if selector.service else ""))
    return impacts


def perform(session: Session, action: Action, selector: Selector, *, by: str, now: datetime, today: date,
            by_id: str | None = None, plan: str | None = None, target: date | None = None,
            until: date | None = None, note: str | None = None, max_snooze_days: int = 30) -> Outcome:
    """Apply one action; the caller commits. Refusals raise ActionError with the reason."""
    if not by.strip():
        raise ActionError("say who is acting (--by / by)")
    impacts = select_impacts(session, selector)
    outcome = Outcome(action)
    if action == "snooze":
        if until is None:
            raise ActionError("snooze needs a date to snooze until (YYYY-MM-DD)")
        if until <= today:
            raise ActionError(f"cannot snooze until {until.isoformat()}: that is not after today "
                              f"({today.isoformat()}); give a later date")
        latest = today + timedelta(days=max_snooze_days)
        if until > latest:
            outcome.notes.append(f"capped: {until.isoformat()} is more than {plural(max_snooze_days, 'day')} "
                                 "away ([escalation] max_snooze)")
            until = latest
        outcome.until = until
    if action == "ack" and target is not None and target < today:
        raise ActionError(f"the target date {target.isoformat()} is in the past; give the date the plan "
                          "will be done by")
    events = {e.id: e for e in session.exec(select(Event).where(col(Event.id).in_({i.event_id for i in impacts})))}
    for impact in impacts:
        if action == "snooze" and impact.state == "acknowledged":
            outcome.skipped.append((impact, f"acknowledged by {impact.state_by}; acknowledged means quiet already"))
            continue
        event = events[impact.event_id]
        impact.state_by, impact.state_by_id, impact.state_at, impact.updated_at = by, by_id, now, now
        impact.state_revision, impact.state_deadline = event.revision, event.deadline
        impact.state_replacement = event.replacement
        if action == "ack":
            impact.state, impact.snoozed_until = "acknowledged", None
            impact.plan, impact.target_date = plan or None, target.isoformat() if target else None
            impact.note = f"{plan or ''} (target {target.isoformat()})".strip() if target else (plan or None)
        elif action == "snooze":
            assert until is not None
            impact.state, impact.snoozed_until = "snoozed", datetime.combine(until, time(), tzinfo=UTC)
        else:
            impact.state, impact.resolved_by = "resolved", BY_PERSON
            impact.resolved_reason = f"resolved by {by}" + (f": {note}" if note else "")
        session.add(impact)
        outcome.changed.append(impact)
    return outcome


def perform_committed(engine: Engine, action: Action, selector: Selector, *, by: str, now: datetime, today: date,
                      **details: Any) -> Outcome:
    """`perform` in a transaction of its own, committed (the daemon's API, dashboard and Slack actions)."""
    with Session(engine, expire_on_commit=False) as db:
        outcome = perform(db, action, selector, by=by, now=now, today=today, **details)
        db.commit()
    return outcome
