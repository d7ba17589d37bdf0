"""What the mailbox readers keep: one row per message read, so that a message is handled once, across
restarts, whether or not the server kept the keyword or the move (watcher/ingest/mailbox.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from watcher.storage.tables import _json, _time


class MailMessage(SQLModel, table=True):
    """A message of a `[[mailboxes]]` entry and what became of it."""

    __tablename__ = "mail_message"
    __table_args__ = (UniqueConstraint("mailbox", "message_id", name="uq_mail_message"),)
    id: int | None = Field(default=None, primary_key=True)
    mailbox: str = Field(index=True)
    # The Message-ID; "sha256:<content_hash>" for a message without one.
    message_id: str
    content_hash: str | None = None
    received_at: datetime | None = _time(nullable=False)  # the server's INTERNALDATE
    sender: str | None = None  # the original sender, unwrapped from a forward
    subject: str | None = None
    platform: str | None = Field(default=None, index=True)
    authenticated: bool = False  # the receiving server authenticated the provider's domain
    outcome: str  # stored | ignored | refused | failed
    reason: str | None = None
    size: int = 0
    event_keys: list[str] = _json(list)
    handled_at: datetime | None = _time(nullable=False)
