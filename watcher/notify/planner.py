"""What is due to be told, and to whom: writes outbox rows (a unique dedup key each, so nothing is
planned twice) from the impacts, the escalation ladder, silences and the events that concern the
whole organisation. Reads and writes the database; decisions come from the pure ladder, claims
and silences modules.

Routing (who hears): a use's own channel, else the on-call channel; the on-call channel also hears
critical incidents, incidents of a platform we use that no component ties to a use ("when in
doubt"), account, billing and security notices (a billing notice that names a project or workspace
a use lists goes to that use's channel instead), and the watcher's own alerts. Reminders due at the
same time for one channel are one message listing every use.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from connectors.contract.events import SEVERITIES, TERMINAL_STATUSES
from watcher.config import Config
from watcher.events import claims
from watcher.inventory.catalog import Catalog
from watcher.inventory.impacts import BY_INCIDENT, DEPRECATION
from watcher.inventory.uses import Use
from watcher.notify import messages, silences
from watcher.notify.escalation import ImpactState, due_step
from watcher.storage.engine import insert_ignore
from watcher.storage.tables import Event, EventRevision, Impact, Notice, Outbox, Silence

ORGANISATION = ("account", "billing", "security")  # about the whole organisation, not one service


@dataclass(frozen=True)
class Route:
    channel: str  # slack | console
    target: str  # a Slack channel, or "-"


@dataclass(frozen=True)
class Context:
    config: Config
    now: datetime
    today: date
    uses: tuple[Use, ...]
    hosts: dict[str, list[str]]
    silences: list[Silence]
    links: messages.Links

    @property
    def on_call(self) -> Route:
        slack = self.config.slack
        return Route("slack", slack.channel) if slack else Route("console", "-")

    def route(self, impact: Impact) -> Route:
        slack = self.config.slack
        return Route("slack", impact.channel or slack.channel) if slack else Route("console", "-")


def plan(session: Session, config: Config, *, now: datetime, today: date, uses: tuple[Use, ...] = (),
         catalog: Catalog | None = None) -> int:
    """Write the notifications that are due; returns how many rows were added. The caller commits."""
    context = Context(config, now, today, uses, catalog.hosts if catalog else {}, silences.active(session, now),
                      messages.Links(config.server.public_url))
    rows, notices = _reminders(session, context)
    incident_rows, incident_notices = _threads(session, context)
    rows += incident_rows
    notices += incident_notices
    for row in rows:
        row.setdefault("state", "pending")  # "suppressed": planned, held back by a silence, never sent
        row.setdefault("silence_id", None)  # one insert for all rows: every row names every column
        row.update(attempts=0, created_at=now, next_attempt_at=now)
    added = insert_ignore(session, Outbox, rows, ["dedup_key"])
    insert_ignore(session, Notice, notices, ["impact_id", "step"])
    return added


def _labels(impact: Impact, event: Event, severity: str, route: Route) -> dict[str, str | None]:
    return {"team": impact.owner, "service": impact.service, "platform": impact.platform, "model": impact.model,
            "kind": event.kind, "severity": severity, "provider": event.provider,
            "environment": impact.environment, "channel": route.target}


def _digest(parts: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()[:16]


# --- deadline reminders -------------------------------------------------------------------------

def _reminders(session: Session, context: Context) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    impacts = session.exec(select(Impact).where(Impact.group_key == DEPRECATION, Impact.state != "resolved")).all()
    if not impacts:
        return [], []
    # Stored rows: every id is set (the filter only tells mypy so).
    events = {e.id: e for e in session.exec(select(Event).where(col(Event.id).in_({i.event_id for i in impacts})))
              if e.id is not None}
    heard: dict[int, set[str]] = defaultdict(set)
    for impact_id, heard_step in session.exec(select(Notice.impact_id, Notice.step).where(
            col(Notice.impact_id).in_([i.id for i in impacts]))):
        heard[impact_id].add(heard_step)
    drift = _drift(session, list(events))
    policy = context.config.escalation.policy()
    due: dict[Route, list[messages.Item]] = defaultdict(list)
    notices: list[dict[str, Any]] = []
    for impact in impacts:
        event = events[impact.event_id]
        if not event.deadline:
            continue
        step = due_step(date.fromisoformat(event.deadline), _first_seen(impact), policy,
                        heard=heard[impact.id or 0], state=_state(impact, event, drift.get(event.id or 0, [])),
                        today=context.today)
        if step is None:
            continue
        route = context.route(impact)
        silence = silences.first_match(context.silences, _labels(impact, event, step.severity, route))
        if silence is not None:
            notices += [_notice(impact, key, context.now, silence=silence) for key in (step.key, *step.covers)]
            continue
        due[route].append(messages.Item(impact, event, step))
    rows: list[dict[str, Any]] = []
    for route, items in due.items():
        items.sort(key=lambda i: (i.step.days_left, i.impact.owner, i.impact.service))
        for start in range(0, len(items), messages.ITEMS_PER_MESSAGE):
            chunk = items[start:start + messages.ITEMS_PER_MESSAGE]
            key = (f"reminders:{route.channel}:{route.target}:{context.today.isoformat()}:"
                   f"{_digest([f'{i.impact.id}:{i.step.key}' for i in chunk])}")
            mention = context.config.escalation.oncall if any(i.step.mention for i in chunk) else None
            payload = messages.reminders(chunk, key=key, mention=mention, links=context.links, today=context.today)
            loudest = max(SEVERITIES.index(i.step.severity) for i in chunk)
            rows.append({"dedup_key": key, "channel": route.channel, "target": route.target, "thread_key": None,
                         "action": "post", "priority": loudest,
                         "payload": {**payload, "impact_ids": [i.impact.id for i in chunk],
                                     "severity": SEVERITIES[loudest]}})
            notices += [_notice(i.impact, step, context.now, outbox_key=key) for i in chunk
                        for step in (i.step.key, *i.step.covers)]
    return rows, notices


def _first_seen(impact: Impact) -> date:
    assert impact.created_at is not None
    return impact.created_at.date()


def _drift(session: Session, event_ids: list[int]) -> dict[int, list[EventRevision]]:
    """Revisions that moved a date or changed a replacement, per event, oldest first."""
    found: dict[int, list[EventRevision]] = defaultdict(list)
    for revision in session.exec(select(EventRevision).where(col(EventRevision.event_id).in_(event_ids),
                                                             EventRevision.revision > 1)
                                 .order_by(col(EventRevision.revision))):
        if {"deadline", "replacement"} & set(revision.changes):
            found[revision.event_id].append(revision)
    return found


def _state(impact: Impact, event: Event, revisions: list[EventRevision]) -> ImpactState:
    acknowledged = impact.state == "acknowledged"
    since = impact.state_revision or 0 if acknowledged else 0
    created = impact.created_at
    moved = replaced = None
    for revision in revisions:
        if revision.revision <= since or (created and revision.changed_at and revision.changed_at < created):
            continue  # told already by the acknowledgement, or older than this use's impact
        deadline = revision.changes.get("deadline") or {}
        before, after = deadline.get("from"), deadline.get("to")
        if before and after and after < before:
            moved = (revision.revision, before, after)
        if acknowledged and "replacement" in revision.changes:
            change = revision.changes["replacement"]
            replaced = (revision.revision, change.get("from") or "none", change.get("to") or "none")
    snoozed = impact.snoozed_until.date() if impact.state == "snoozed" and impact.snoozed_until else None
    return ImpactState(acknowledged=acknowledged, snoozed_until=snoozed,
                       target=date.fromisoformat(impact.target_date) if acknowledged and impact.target_date else None,
                       moved_earlier=moved, replacement_changed=replaced,
                       unconfirmed=not claims.confirmed(event),
                       held_back=claims.contradiction(event, impact.related) is not None)


def _notice(impact: Impact, step: str, now: datetime, *, outbox_key: str | None = None,
            silence: Silence | None = None) -> dict[str, Any]:
    return {"impact_id": impact.id, "step": step, "outbox_key": outbox_key,
            "state": "suppressed" if silence else "sent", "silence_id": silence.id if silence else None,
            "created_at": now}


# --- incidents, organisation-wide notices, the watcher's own alerts -----------------------------

def _threads(session: Session, context: Context) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    config = context.config
    threshold = SEVERITIES.index(config.escalation.incident_severity)
    # An incident that names what a use depends on is never held to a higher bar than the guess.
    named = min(SEVERITIES.index(config.escalation.named_incident_severity), threshold)
    impacts = session.exec(select(Impact).where(Impact.group_key == None)).all()  # noqa: E711
    touched = {impact.event_id for impact in impacts}
    by_event: dict[int, list[Impact]] = defaultdict(list)
    for impact in impacts:
        if impact.state != "resolved" or impact.resolved_by == BY_INCIDENT:
            by_event[impact.event_id].append(impact)  # an incident's thread still hears its end
    kinds = ["incident", "maintenance", "source", *ORGANISATION]
    candidates = session.exec(select(Event).where(col(Event.kind).in_(kinds), Event.baseline == False)).all()  # noqa: E712
    served = {p: [p, *context.hosts.get(p, [])] for p in {u.platform for u in context.uses}}
    routes: dict[int, dict[Route, tuple[list[Impact], str | None, list[str]]]] = {}
    notices: list[dict[str, Any]] = []
    held: list[dict[str, Any]] = []
    for event in candidates:
        level = SEVERITIES.index(event.severity)
        critical = event.severity == "critical"
        mention = config.escalation.oncall if critical else None
        if event.kind == "source":  # the watcher's own trouble: the on-call group hears the critical ones
            routes[event.id or 0] = {context.on_call: ([], mention, [])}
        elif event.kind in ORGANISATION:
            if level >= SEVERITIES.index("notice") and event.extra.get("escalate", True) is not False:
                silence = silences.first_match(context.silences, {
                    "kind": event.kind, "severity": event.severity, "provider": event.provider,
                    "platform": event.provider, "channel": context.on_call.target})
                if silence is None:  # a billing notice of one project goes to its owners (matching), else on-call
                    owned: dict[Route, tuple[list[Impact], str | None, list[str]]] = {}
                    for impact in by_event.get(event.id or 0, []) if event.kind == "billing" else []:
                        owned.setdefault(context.route(impact), ([], mention, []))[0].append(impact)
                    routes[event.id or 0] = owned or {context.on_call: ([], mention, [])}
                else:  # recorded as held back by that silence (the digest counts it), never sent
                    held.append({"dedup_key": f"held:{_thread(event, context.on_call)}:s{silence.id}",
                                 "channel": context.on_call.channel, "target": context.on_call.target,
                                 "thread_key": None, "action": "post", "priority": level, "state": "suppressed",
                                 "silence_id": silence.id, "payload": {"text": messages.escape(event.title)}})
        elif level >= min(threshold, named):
            # The blanket "any use of this platform" guess is held to the higher bar.
            members = [i for i in by_event.get(event.id or 0, [])
                       if level >= (threshold if i.rule == "provider" else named)]
            chosen: dict[Route, tuple[list[Impact], str | None, list[str]]] = {}
            for impact in members:
                route = context.route(impact)
                silence = silences.first_match(context.silences, _labels(impact, event, event.severity, route))
                if silence is not None:
                    notices.append(_notice(impact, f"incident-{event.id}", context.now, silence=silence))
                    continue
                chosen.setdefault(route, ([], None, []))[0].append(impact)
            if chosen and critical:
                everyone = {i.id: i for group in chosen.values() for i in group[0]}
                chosen[context.on_call] = (sorted(everyone.values(), key=lambda i: i.id or 0), mention, [])
            elif event.id not in touched and level >= threshold:
                possibly = sorted({f"{u.service} ({u.platform}:{u.model})" for u in context.uses
                                   if event.provider in served.get(u.platform, [])})
                if possibly:
                    chosen[context.on_call] = ([], mention, possibly)
            routes[event.id or 0] = chosen
    events = {e.id: e for e in candidates}
    rows: list[dict[str, Any]] = []
    planned = _planned_roots(session, [_thread(events[i], r) for i, rs in routes.items() for r in rs])
    for event_id, chosen in routes.items():
        for route, (members, mention, possibly) in chosen.items():
            rows += _thread_rows(session, context, events[event_id], route, members, mention, possibly, planned)
    return rows + held, notices


def _thread(event: Event, route: Route) -> str:
    return f"{event.kind}:{event.id}:{route.channel}:{route.target}"


def _planned_roots(session: Session, threads: list[str]) -> dict[str, dict[str, Any]]:
    """Every planned key of these threads, with the root's payload (which revision it showed)."""
    found: dict[str, dict[str, Any]] = {}
    for key, payload in session.exec(select(Outbox.dedup_key, col(Outbox.payload)).where(
            col(Outbox.thread_key).in_(threads))):
        found[key] = payload if key.endswith(":root") else {}
    return found


def _thread_rows(session: Session, context: Context, event: Event, route: Route, members: list[Impact],
                 mention: str | None, possibly: list[str], planned: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    thread = _thread(event, route)
    root = f"{thread}:root"
    over = (event.status or "").lower() in TERMINAL_STATUSES
    priority = SEVERITIES.index(event.severity)
    base = {"channel": route.channel, "target": route.target, "thread_key": thread, "priority": priority}
    ids = [i.id for i in members]
    if root not in planned:
        if over:
            return []  # over before anyone was told: the digest reports it
        payload = messages.incident(event, members, key=root, mention=mention, links=context.links,
                                    possibly=possibly)
        return [{**base, "dedup_key": root, "action": "post",
                 "payload": {**payload, "revision": event.revision, "impact_ids": ids}}]
    shown = int(planned[root].get("revision") or 1)
    rows = []
    for revision in session.exec(select(EventRevision).where(EventRevision.event_id == event.id,
                                                             EventRevision.revision > shown)):
        key = f"{thread}:r{revision.revision}"
        if key not in planned:
            rows.append({**base, "dedup_key": key, "action": "reply",
                         "payload": messages.incident_update(event, revision.revision, revision.changes)})
    resolved = f"{thread}:resolved"
    if over and resolved not in planned:
        payload = messages.incident(event, members, key=root, mention=None, links=context.links, possibly=possibly)
        rows.append({**base, "dedup_key": resolved, "action": "update", "payload": payload})
    return rows
