"""The outbox: notifications planned from impacts and written as rows with a dedup key (never sent
twice), then drained by a sender with retries (Retry-After honoured, 5xx retried, other 4xx
failed with the reason). At least once against crashes; never duplicated by restarts."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import or_
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from watcher import messages
from watcher.config import Config
from watcher.escalation import GroupState, due_step
from watcher.events import SEVERITIES, TERMINAL_STATUSES
from watcher.impacts import OVER
from watcher.storage import Event, EventRevision, Impact, Outbox, SlackThread

log = logging.getLogger("watcher.outbox")
_outbox = Outbox.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class SendResult:
    ok: bool
    ref: str | None = None  # Slack ts of the message
    retry_after: float | None = None  # retryable when not ok and not permanent
    permanent: bool = False
    error: str | None = None


class Sender(Protocol):
    def send(self, row: Outbox, thread_ref: str | None) -> SendResult: ...


def _impact_dict(impact: Impact) -> dict[str, Any]:
    return {"service": impact.service, "owner": impact.owner, "model": impact.model, "state": impact.state}


def _route(config: Config, impact: Impact) -> tuple[str, str]:
    if config.slack is None:
        return "console", "-"
    return "slack", impact.channel or config.slack.channel


def plan(session: Session, config: Config, *, now: datetime, today: date) -> int:
    """Write the notifications that are due; returns how many rows were added."""
    # An incident's impacts resolve when it ends; its thread still hears the resolution.
    impacts = session.exec(select(Impact).where(or_(Impact.state != "resolved", Impact.resolved_reason == OVER))).all()
    by_event: dict[int, dict[tuple[str, str], list[Impact]]] = defaultdict(lambda: defaultdict(list))
    for impact in impacts:
        by_event[impact.event_id][_route(config, impact)].append(impact)
    # Source alerts concern the watcher itself: they go to the on-call channel, with no impacts.
    on_call = ("slack", config.slack.channel) if config.slack else ("console", "-")
    for alert in session.exec(select(Event.id).where(Event.kind == "source", Event.baseline == False)).all():  # noqa: E712
        by_event[alert][on_call]
    if not by_event:
        return 0
    events = {e.id: e for e in session.exec(select(Event).where(col(Event.id).in_(list(by_event)))).all()}
    planned = {row for row in session.exec(select(Outbox.dedup_key).where(
        col(Outbox.thread_key).in_([_thread(e, c, t) for e in events.values() for c, t in by_event[e.id]])))}  # type: ignore[arg-type]
    rows: list[dict[str, Any]] = []
    for event_id, groups in by_event.items():
        event = events[event_id]
        for (channel, target), members in groups.items():
            if event.kind == "deprecation":
                rows.extend(_deprecation_rows(session, config, event, channel, target, members, planned, today))
            elif event.kind in ("incident", "maintenance", "source"):
                rows.extend(_incident_rows(session, config, event, channel, target, members, planned))
    for row in rows:
        row.update(state="pending", attempts=0, created_at=now, next_attempt_at=now)
    if rows:
        insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(_outbox).on_conflict_do_nothing(index_elements=["dedup_key"]), rows)
    return len(rows)


def _thread(event: Event, channel: str, target: str) -> str:
    return f"{event.kind}:{event.id}:{channel}:{target}"


def _deprecation_rows(session: Session, config: Config, event: Event, channel: str, target: str,
                      members: list[Impact], planned: set[str], today: date) -> list[dict[str, Any]]:
    if not event.deadline:
        return []
    thread = _thread(event, channel, target)
    sent = {key.removeprefix(thread + ":") for key in planned if key.startswith(thread + ":")}
    deadline = date.fromisoformat(event.deadline)
    first_seen = min(i.created_at for i in members if i.created_at).date()  # type: ignore[union-attr]
    state = GroupState(
        acknowledged=all(i.state == "acknowledged" for i in members),
        snoozed_until=min((i.snoozed_until.date() for i in members if i.state == "snoozed" and i.snoozed_until),
                          default=None) if all(i.state == "snoozed" for i in members) else None,
        moved_earlier_revision=_moved_earlier(session, event),
    )
    steps = [int(s // 86400) for s in config.escalation.steps]
    step = due_step(deadline, first_seen, steps, sent=sent, state=state, today=today,
                    acknowledged_within=int(config.escalation.acknowledged_steps_within // 86400))
    if step is None:
        return []
    days_left = (deadline - today).days
    message = messages.deprecation(event, [_impact_dict(i) for i in members], step_reason=step.reason,
                                   days_left=days_left, channel=target,
                                   mention=config.escalation.oncall if step.mention else None)
    return [{"dedup_key": f"{thread}:{step.key}", "channel": channel, "target": target, "thread_key": thread,
             "action": "post" if step.key == "announce" else "reply",
             "payload": {**message, "broadcast": step.broadcast, "severity": step.severity}}]


def _moved_earlier(session: Session, event: Event) -> int | None:
    revisions = session.exec(select(EventRevision).where(EventRevision.event_id == event.id)
                             .order_by(col(EventRevision.revision).desc())).all()
    for revision in revisions:
        if any(note.startswith("deadline moved earlier") for note in revision.changes.get("drift", [])):
            return revision.revision
    return None


def _incident_rows(session: Session, config: Config, event: Event, channel: str, target: str,
                   members: list[Impact], planned: set[str]) -> list[dict[str, Any]]:
    if event.kind != "source" and SEVERITIES.index(event.severity) < SEVERITIES.index(
            config.escalation.incident_severity):  # type: ignore[arg-type]
        return []
    thread = _thread(event, channel, target)
    impacts = [_impact_dict(i) for i in members]
    rows: list[dict[str, Any]] = []
    root = f"{thread}:root"
    if root not in planned:
        if (event.status or "").lower() in TERMINAL_STATUSES:
            return []  # over before anyone was told: the digest reports it
        rows.append({"dedup_key": root, "channel": channel, "target": target, "thread_key": thread, "action": "post",
                     "payload": {**messages.incident(event, impacts, channel=target), "revision": event.revision}})
        return rows
    for revision in session.exec(select(EventRevision).where(EventRevision.event_id == event.id,
                                                             EventRevision.revision > 1)).all():
        key = f"{thread}:r{revision.revision}"
        if key not in planned:
            rows.append({"dedup_key": key, "channel": channel, "target": target, "thread_key": thread,
                         "action": "reply", "payload": messages.incident_update(event, revision.revision,
                                                                                revision.changes)})
    resolved = f"{thread}:resolved"
    if (event.status or "").lower() in TERMINAL_STATUSES and resolved not in planned:
        rows.append({"dedup_key": resolved, "channel": channel, "target": target, "thread_key": thread,
                     "action": "update", "payload": messages.incident(event, impacts, channel=target)})
    return rows


def drain(session: Session, sender: Sender, *, now: datetime, limit: int = 50,
          backoff: Callable[[int], float] = lambda attempts: min(30 * 2 ** attempts, 3600)) -> int:
    """Send what is due, oldest first; returns how many were sent."""
    rows = session.exec(select(Outbox).where(Outbox.state == "pending", col(Outbox.next_attempt_at) <= now)
                        .order_by(col(Outbox.id)).limit(limit)).all()
    sent = 0
    for row in rows:
        thread = session.get(SlackThread, row.thread_key) if row.thread_key and row.action != "post" else None
        if row.action != "post" and row.channel == "slack" and thread is None:
            continue  # its thread's first message has not gone out yet
        result = sender.send(row, thread.ts if thread else None)
        row.attempts += 1
        if result.ok:
            row.state, row.sent_at, row.external_ref, row.error = "sent", now, result.ref, None
            if row.action == "post" and row.thread_key and result.ref:
                session.merge(SlackThread(thread_key=row.thread_key, channel=row.target, ts=result.ref))
            sent += 1
        elif result.permanent:
            row.state, row.error = "failed", result.error
            log.warning("notification failed: %s", result.error, extra={"dedup_key": row.dedup_key})
        else:
            row.error = result.error
            row.next_attempt_at = now + timedelta(seconds=result.retry_after or backoff(row.attempts))
        session.add(row)
        session.commit()  # one row at a time: a crash loses at most the row being sent
    return sent
