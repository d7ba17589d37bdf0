"""One RFC 822 message as the mail connector reads it: who sent it, when, to whom, its text, and,
for forwarded mail, the original sender and date unwrapped from the forward.

Parsed with the standard library's `email` package and its modern policy, which undoes
quoted-printable and base64 and decodes the declared charset (an unknown charset falls back to
UTF-8 with replacement characters, never an error). The text is the HTML part as Markdown when
there is one (tables survive), else the plain part; attachments are never read. Three forward
shapes are unwrapped: a colleague's inline forward (Gmail's "Forwarded message" block, Apple
Mail's "Begin forwarded message:", Outlook's rule or "Original Message" line followed by
From/Sent/To/Subject lines), a forward as attachment (a message/rfc822 part), and a mailing list or
Google Group resend (`X-Original-From`, or "X via Group" with the original in `Reply-To`). Pure.
"""

from __future__ import annotations

import email.header
import email.utils
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from typing import Literal

from connectors._markdown import as_markdown
from connectors.contract.dates import parse_deadline

_PARSER = BytesParser(policy=policy.default)
_HEADERS = BytesHeaderParser(policy=policy.compat32)
_FWD_SUBJECT = re.compile(r"^\s*(?:fwd?|fw)\s*:", re.I)
_MARKER = re.compile(r"^[\s>]*(?:-{2,}\s*(?:Forwarded message|Original Message)\s*-{2,}|Begin forwarded message:|"
                     r"_{10,})\s*$", re.I | re.M)
_FIELD = re.compile(r"^[\s>*]*(From|Sent|Date|To|Cc|Subject)\s*:\s*\**\s*(.*?)\s*$", re.I)
_VIA = re.compile(r"^'?(.*?)'?\s+via\s+.+$", re.I)
_LINK = re.compile(r"\[([^\]]*)\]\((?:mailto:)?[^)]*\)")
_CLOCK = re.compile(r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?")
_OFFSET = re.compile(r"\b(?:GMT|UTC)\s*([+-])(\d{1,2})(?::?(\d{2}))?\b|\s([+-])(\d{2})(\d{2})\b")


@dataclass(frozen=True)
class Address:
    name: str
    address: str

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2].lower().rstrip(".")

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>" if self.name else self.address


@dataclass(frozen=True)
class Forward:
    how: Literal["inline", "attached", "group"]
    by: Address  # who forwarded it: the outer sender (a colleague, a group's address)


@dataclass(frozen=True)
class Letter:
    message_id: str | None
    subject: str
    sender: Address | None  # the original sender, unwrapped from a forward
    sent_at: datetime | None  # the original date, UTC (a forward that gives no zone: that day, 00:00 UTC)
    sent_raw: str  # the original date as written
    to: tuple[str, ...]  # the outer To and Cc: the accounts that were told
    text: str  # the original message's text, Markdown
    outer: Address | None  # the outer From
    forward: Forward | None
    auth_results: tuple[str, ...]  # the Authentication-Results values, topmost first
    list_id: str | None


def address(value: str | None) -> Address | None:
    if not value:
        return None
    name, addr = email.utils.parseaddr(_LINK.sub(r"\1", str(value)).replace("*", ""))
    return Address(name.strip(), addr.strip()) if "@" in addr else None


def sent_time(raw: str) -> datetime | None:
    """A date as mail clients write it: RFC 5322 ("Tue, 14 Apr 2026 17:02:00 -0700"), Gmail's "Tue,
    Apr 14, 2026 at 5:02 PM", Outlook's "Tuesday, April 14, 2026 5:02 PM", Apple's "14 April 2026
    at 17:02:00 GMT+2". Without a zone the day is kept (00:00 UTC)."""
    try:
        stamp = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        stamp = None
    if stamp is not None and stamp.tzinfo is not None:
        return stamp.astimezone(UTC)
    day = parse_deadline(raw).date
    if day is None:
        return None
    offset = _OFFSET.search(raw)
    clock = _CLOCK.search(raw)
    if offset is None or clock is None:
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    sign, hours, minutes = (offset[1], offset[2], offset[3]) if offset[1] else (offset[4], offset[5], offset[6])
    delta = timedelta(hours=int(hours), minutes=int(minutes or 0)) * (-1 if sign == "-" else 1)
    hour = int(clock[1]) % 12 + (12 if (clock[4] or "").lower() == "pm" else 0) if clock[4] else int(clock[1])
    local = datetime(day.year, day.month, day.day, hour, int(clock[2]), int(clock[3] or 0), tzinfo=timezone(delta))
    return local.astimezone(UTC)


def _text_of(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]  # an EmailMessage under policy.default
    except (LookupError, UnicodeDecodeError):  # a charset Python does not know: bytes as UTF-8
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def bodies(message: EmailMessage) -> tuple[str, str]:
    """(plain text, Markdown of the HTML part or the plain text): attachments are not bodies."""
    plain_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    plain = _text_of(plain_part) if plain_part is not None else ""
    html = _text_of(html_part) if html_part is not None else ""
    return plain, as_markdown(html) if html.strip() else plain


def _attached(message: EmailMessage) -> EmailMessage | None:
    for part in message.iter_attachments():
        if part.get_content_type() == "message/rfc822":
            inner = part.get_content()
            if isinstance(inner, EmailMessage):
                return inner
    return None


def _block(source: str) -> tuple[dict[str, str], int] | None:
    """The fields of a forwarded header block (From, Date or Sent, Subject…) and where it ends."""
    marker = _MARKER.search(source)
    if marker is None:
        return None
    fields: dict[str, str] = {}
    end = position = marker.end()
    for line in source[position:].split("\n"):
        position += len(line) + 1
        found = _FIELD.match(line)
        if found:
            fields.setdefault(found[1].lower(), found[2])
            end = position
        elif line.strip() or fields:
            break  # the block ends at the first blank line or line of text after its fields
    return (fields, end) if "from" in fields else None


def _inline(plain: str, text: str) -> tuple[dict[str, str], str] | None:
    """The forwarded header block read from the plain part (the cleanest), and the original's text
    after the same block in the Markdown."""
    block = _block(plain) or _block(text)
    if block is None:
        return None
    in_text = _block(text)
    return block[0], text[in_text[1]:] if in_text else plain[block[1]:]


@dataclass(frozen=True)
class Glance:
    """What the header block alone tells, read without the modern policy's (slow) header objects: most
    of a shared inbox is no provider's mail and needs nothing more."""

    message_id: str | None
    sender: Address | None
    maybe_forwarded: bool  # a Fwd:/FW: subject, a list or group resend, an attached message


def glance(raw: bytes) -> Glance:
    end = min((i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0), default=len(raw))
    headers = _HEADERS.parsebytes(raw[:end] + b"\n\n")
    try:
        subject = str(email.header.make_header(email.header.decode_header(headers.get("subject") or "")))
    except (LookupError, UnicodeDecodeError, ValueError):  # an encoded word in a charset Python does not know
        subject = str(headers.get("subject") or "")
    message_id = (headers.get("message-id") or "").strip().strip("<>") or None
    forwarded = bool(_FWD_SUBJECT.match(subject) or headers.get("x-original-from") or headers.get("list-id")
                     or b"message/rfc822" in raw[end:].lower())
    return Glance(message_id, address(headers.get("from")), forwarded)


def letter(raw: bytes) -> Letter:
    message = _PARSER.parsebytes(raw)
    assert isinstance(message, EmailMessage), "policy.default makes EmailMessage objects"
    outer = address(message.get("from"))
    subject = " ".join(str(message.get("subject") or "").split())
    to = tuple(a for _, a in email.utils.getaddresses([str(v) for v in (*message.get_all("to", []),
                                                                          *message.get_all("cc", []))]) if a)
    results = tuple(str(v) for v in message.get_all("authentication-results", []))
    message_id = str(message.get("message-id") or "").strip().strip("<>") or None
    list_id = str(message.get("list-id") or "").strip() or None
    date_raw = str(message.get("date") or "")
    plain, text = bodies(message)
    sender, sent_raw, forward = outer, date_raw, None
    if (inner := _attached(message)) is not None:
        sender, sent_raw = address(inner.get("from")), str(inner.get("date") or "")
        text = bodies(inner)[1]
        forward = Forward("attached", outer) if outer else None
    elif _FWD_SUBJECT.match(subject) and (found := _inline(plain, text)) is not None:
        fields, text = found
        sender, sent_raw = address(fields["from"]), fields.get("date") or fields.get("sent") or ""
        forward = Forward("inline", outer) if outer else None
    elif outer is not None and (message.get("x-original-from") or (list_id and _VIA.match(outer.name))):
        original = address(message.get("x-original-from")) or address(message.get("reply-to"))
        if original is not None:
            sender, forward = original, Forward("group", outer)
    return Letter(message_id=message_id, subject=subject, sender=sender, sent_at=sent_time(sent_raw),
                  sent_raw=sent_raw, to=to, text=text, outer=outer, forward=forward, auth_results=results,
                  list_id=list_id)
