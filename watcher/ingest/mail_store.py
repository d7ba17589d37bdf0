"""The database side of a mailbox reader: which messages it has handled, storing what a batch of mail
says (events through `apply_drafts`, a `mail_message` row per message, in one transaction), the
mailbox's health on its `source_state` row with the same `failing` alert as any source, and which
platforms have sent authenticated mail (for `watcher coverage`).

A provider's deprecation mail revises the event its page made: the mail never blanks what the page
said (the link, a replacement named by id, the date) when it says nothing of it, and keeps the
event's earlier updates; the event's provenance entry for the mailbox lists which accounts were told
and by which mails. Runs on the database thread; the time is passed in."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, insert, select, update
from sqlmodel import Session, col
from sqlmodel import select as model_select

from connectors.contract.dates import isoformat
from connectors.contract.events import EventDraft
from connectors.provider_mail import MailRead
from watcher.cluster import jobs
from watcher.config.account import MailboxConfig
from watcher.events.store import Change, apply_drafts
from watcher.ingest import health
from watcher.storage.engine import session, table_of
from watcher.storage.tables import Event, SourceState, utc
from watcher.storage.tables_mail import MailMessage

log = logging.getLogger("watcher.ingest.mailbox")
_state = table_of(SourceState)
# Categories that do not heal by themselves: alerted at the first failure.
AT_ONCE = frozenset({"login", "folder", "tls"})


@dataclass(frozen=True)
class Item:
    """One message to record: what the connector made of it (None: refused or failed unread)."""

    uid: int  # on the IMAP server, in the mailbox's folder
    key: str
    content_hash: str | None
    received_at: datetime
    size: int
    read: MailRead | None
    outcome: str  # stored | ignored | refused | failed
    reason: str | None = None


def known(engine: Engine, mailbox: str, keys: Sequence[str]) -> set[str]:
    """The message keys of `keys` this mailbox has handled already."""
    found: set[str] = set()
    with session(engine) as db:
        for start in range(0, len(keys), 500):
            chunk = list(keys[start:start + 500])
            found.update(db.exec(model_select(MailMessage.message_id).where(
                MailMessage.mailbox == mailbox, col(MailMessage.message_id).in_(chunk))).all())
    return found


def store(engine: Engine, box: MailboxConfig, items: Iterable[Item], *, now: datetime) -> list[Change]:
    """Events and rows of a batch, committed together: a crash redoes the batch, never half of it."""
    changes: list[Change] = []
    batch = list(items)
    with session(engine) as db:
        # Every replica reads the mailbox: one stores a message, the next finds it handled.
        jobs.serialised(db, f"mailbox:{box.name}")
        handled = set(db.exec(model_select(MailMessage.message_id).where(
            MailMessage.mailbox == box.name, col(MailMessage.message_id).in_([i.key for i in batch]))).all())
        for item in batch:
            if item.key in handled:
                continue  # the same message twice in the folder (a copy, or the group and the original)
            handled.add(item.key)
            outcome, reason, keys = item.outcome, item.reason, []
            read = item.read
            if read is not None and read.drafts:
                try:
                    with db.begin_nested():
                        made = _apply(db, box, read, now=now)
                except Exception as exc:  # kept as failed, never retried in a loop
                    outcome, reason = "failed", f"{type(exc).__name__}: {exc}"
                    log.warning("provider mail could not be stored: %s", reason, extra={"source": box.name})
                else:
                    changes += made
                    keys = [f"{d.provider}/{d.kind}/{d.external_id}" for d in read.drafts]
            db.add(MailMessage(
                mailbox=box.name, message_id=item.key, content_hash=item.content_hash, received_at=item.received_at,
                sender=str(read.extra.get("from")) if read and read.extra.get("from") else None,
                subject=str(read.extra.get("subject"))[:500] if read and read.extra.get("subject") else None,
                platform=read.platform if read else None, authenticated=bool(read and read.authenticated),
                outcome=outcome, reason=reason or (read.why if read else None), size=item.size, event_keys=keys,
                handled_at=now))
        db.commit()
    return changes


def _apply(db: Session, box: MailboxConfig, read: MailRead, *, now: datetime) -> list[Change]:
    for draft in read.drafts:
        _keep_known(db, draft)
    made = apply_drafts(db, source=box.name, provider=read.platform or "", drafts=read.drafts, now=now)
    for draft in read.drafts:
        _note_told(db, box.name, draft, read)
    return made


def _find(db: Session, draft: EventDraft) -> Event | None:
    return db.exec(model_select(Event).where(Event.provider == draft.provider, Event.kind == draft.kind,
                                             Event.external_id == draft.external_id)).first()


def _keep_known(db: Session, draft: EventDraft) -> None:
    event = _find(db, draft) if draft.kind == "deprecation" else None
    if event is None:
        return
    draft.url = draft.url or event.url
    if event.replacement and not draft.extra.get("replacement_models"):
        draft.replacement = event.replacement  # "Claude Opus 4" in words never replaces an id the page gives
    if draft.deadline is None and event.deadline:
        draft.deadline, draft.deadline_earliest = event.deadline, event.deadline_earliest
        draft.deadline_precision = "month" if event.deadline_precision == "month" else "day"
    draft.updates = [*draft.updates, *(u for u in event.updates or [] if u not in draft.updates)]


def _note_told(db: Session, mailbox: str, draft: EventDraft, read: MailRead) -> None:
    event = _find(db, draft)
    if event is None:
        return
    entry = dict(event.provenance.get(mailbox) or {"first_seen_at": None})
    mail = {"message_id": read.key, "sent_at": isoformat(read.sent_at), "to": list(read.told),
            "trust": read.trust}
    entry["told"] = sorted({*entry.get("told", []), *read.told})
    entry["mails"] = [*[m for m in entry.get("mails", []) if m.get("message_id") != read.key], mail][-20:]
    event.provenance = {**event.provenance, mailbox: entry}
    db.add(event)


def ensure_state(engine: Engine, box: MailboxConfig) -> None:
    with engine.begin() as connection:
        if connection.execute(select(_state.c.name).where(_state.c.name == box.name)).first() is None:
            connection.execute(insert(_state).values(name=box.name, kind="mailbox", provider="mail", health="new",
                                                     consecutive_failures=0))


def succeeded(engine: Engine, box: MailboxConfig, *, now: datetime, items: int | None) -> list[Change]:
    """A sync went through: health ok, and the failing alert closed if one was open."""
    with session(engine) as db:
        failures = db.exec(model_select(SourceState.consecutive_failures).where(SourceState.name == box.name)).first()
        values: dict[str, object] = {"health": "ok", "last_ok_at": now, "last_checked_at": now,
                                     "consecutive_failures": 0, "next_check_at": now + timedelta(seconds=box.interval)}
        if items is not None:
            values["last_item_count"] = items
        db.connection().execute(update(_state).where(_state.c.name == box.name).values(**values))
        changes = health.record(db, subject=box.name, problem="failing", ok=True, title="", now=now, severity="info",
                                summary=f"read again after {failures} failed attempts") if failures else []
        db.commit()
    return changes


def failed(engine: Engine, box: MailboxConfig, category: str, message: str, *, now: datetime,
           alert_after: int) -> tuple[int, list[Change]]:
    """The failure on the mailbox's row; the alert when the failure is one that will not heal by itself
    (a refused login, a folder gone, a certificate) or has lasted `alert_after` attempts."""
    with session(engine) as db:
        row = db.exec(model_select(SourceState).where(SourceState.name == box.name)).one()
        failures = row.consecutive_failures + 1
        new_kind = row.last_error_category != category
        db.connection().execute(update(_state).where(_state.c.name == box.name).values(
            health="failing", consecutive_failures=failures, last_error=message, last_error_category=category,
            last_error_at=now, last_checked_at=now))
        changes: list[Change] = []
        if (category in AT_ONCE and new_kind) or failures == alert_after:
            changes = health.record(
                db, subject=box.name, problem="failing", ok=False, now=now, status="failing",
                severity="critical" if category in AT_ONCE else "warning",
                title=f"{box.name} is failing ({category})",
                summary=f"{message} ({failures} failed attempt{'s' if failures != 1 else ''} in a row): provider "
                        f"mail in {box.folder!r} on {box.host} is not being read")
        db.commit()
    return failures, changes


def authenticated_platforms(db: Session) -> dict[str, datetime]:
    """Platform -> when it last sent mail the receiving server authenticated (`watcher coverage`: the
    "account notices" surface of a platform is wired once it has)."""
    rows = db.exec(model_select(MailMessage.platform, func.max(MailMessage.received_at))
                   .where(col(MailMessage.authenticated).is_(True), col(MailMessage.platform).is_not(None))
                   .group_by(MailMessage.platform)).all()
    return {platform: stamp for platform, latest in rows if platform and (stamp := utc(latest)) is not None}
