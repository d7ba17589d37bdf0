"""Source health as events of kind `source`, sent to the on-call channel like any other news: a
source failing several polls in a row (at once when its page is broken or suspiciously empty), a
feed gone stale, a webhook silent too long, a page that moved. Recovery is said once."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from watcher.events import EventDraft, Severity
from watcher.pipeline import Change, apply_drafts
from watcher.storage import Event

PROVIDER = "watcher"
OPEN = "open"


def record(session: Session, *, subject: str, problem: str, ok: bool, title: str, summary: str,
           severity: Severity, now: datetime, url: str | None = None, status: str | None = None) -> list[Change]:
    """Open (or update) the `problem` alert of `subject`, or close it when `ok`; the caller commits."""
    external_id = f"{problem}:{subject}"
    if ok:
        known = session.exec(select(Event).where(Event.provider == PROVIDER, Event.kind == "source",
                                                 Event.external_id == external_id)).first()
        if known is None or known.status == "resolved":
            return []  # nothing was said, so there is nothing to take back
        title, summary, severity = f"{subject}: {problem} is over", summary or "recovered", "info"
    draft = EventDraft(kind="source", provider=PROVIDER, external_id=external_id, title=title, summary=summary,
                       url=url, status="resolved" if ok else status or problem, severity=severity, published_at=now,
                       updated_at=now, components=[subject])
    return apply_drafts(session, source="watcher", provider=PROVIDER, drafts=[draft], now=now)
