"""Provider mail: one RFC 822 message in, event drafts out.

The notices nobody subscribed to arrive as mail: deprecation mails to the accounts that used a model,
account and policy warnings, billing and quota notices, Google Cloud, AWS Health and Azure mails. A
mail is the provider's when its sender's domain is a provider's (`_mail_senders`) **and** the
receiving server's Authentication-Results show a DKIM, SPF or DMARC pass for that domain. Forwarded
mail (`_mail_message`) is read as the original, and trusted as far as the authentication allows: a
group resend whose original DKIM signature still verified is the provider's; a colleague's forward
that the receiving server authenticated for the colleague's domain is the colleague's word (drafts
marked `third_party`: shown, never overruling the provider's own page); anything else is unverified.

What comes out:
- a retirement notice: one `deprecation` draft per model, keyed (platform, deprecation, model id) like
  the provider page's own events, so that storing it revises that event rather than adding one; the
  mail is an entry of `updates` (who was told, when) and its facts (deadline time and zone, other
  dates, the action asked for) are in `extra`;
- any other provider mail: one `incident`, `account`, `billing` or `changelog` draft keyed by the
  Message-ID (a content hash when it has none);
- a mail that claims a provider's domain but fails authentication: one `account` draft of severity
  `notice` titled "Unverified mail claiming to be from …", never a deprecation.

Pure: no I/O, no clock (the mail's own date is the reference for "already over")."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from connectors import _mail_kinds, _mail_notices, _mail_senders
from connectors._html import clip
from connectors._mail_message import Letter, glance, letter
from connectors.contract.dates import isoformat, normalize_text
from connectors.contract.events import EventDraft

Trust = Literal["provider", "forwarder", "unverified", "none"]


@dataclass(frozen=True)
class MailRead:
    """What one mail is, for the mailbox's records, and the drafts it makes."""

    key: str  # the Message-ID, or sha256:<hash of the bytes> when it has none
    drafts: list[EventDraft]
    platform: str | None
    vendor: str | None
    authenticated: bool  # the receiving server authenticated the provider's domain
    trust: Trust
    sent_at: datetime | None
    told: tuple[str, ...]
    why: str  # in words: what the mail was taken for
    extra: dict[str, Any] = field(default_factory=dict)


def message_key(raw: bytes, message_id: str | None) -> str:
    return message_id or "sha256:" + hashlib.sha256(raw).hexdigest()


def read(raw: bytes, *, trusted_authserv_ids: Sequence[str] = ()) -> MailRead:
    first = glance(raw)
    if not first.maybe_forwarded and (first.sender is None or _mail_senders.vendor_of(first.sender.domain) is None):
        return MailRead(message_key(raw, first.message_id), [], None, None, False, "none", None, (),
                        "not provider mail")
    mail = letter(raw)
    key = message_key(raw, mail.message_id)
    sender = mail.sender
    vendor = _mail_senders.vendor_of(sender.domain) if sender else None
    if sender is None or vendor is None:
        return MailRead(key, [], None, None, False, "none", mail.sent_at, mail.to, "not provider mail")
    platform = _mail_senders.platform_of(vendor, f"{mail.subject}\n{mail.text}")
    proof = _mail_senders.proof(mail.auth_results, trusted_authserv_ids)
    authenticated = proof.covers(sender.domain)
    forwarder_ok = mail.forward is not None and proof.covers(mail.forward.by.domain)
    trust: Trust = "provider" if authenticated else "forwarder" if forwarder_ok else "unverified"
    name = _mail_senders.NAMES[vendor]
    facts = _facts(mail, proof.said, trust, name)
    if platform is None:
        return MailRead(key, [], None, vendor, authenticated, trust, mail.sent_at, mail.to,
                        f"{name} mail about none of its AI platforms", facts)
    if trust == "unverified":
        draft = _unverified(mail, key, platform, name, proof.said, facts)
        return MailRead(key, [draft], platform, vendor, False, trust, mail.sent_at, mail.to,
                        f"unverified mail claiming to be from {name}", facts)
    found = _deprecations(mail, platform, name, facts)
    if not found:
        found = [_other(mail, key, platform, name, facts)]
    if trust == "forwarder":
        for draft in found:
            draft.extra.update(third_party=True, publisher=f"{mail.forward.by.address} (forwarded)"
                               if mail.forward else "a forward")
    why = f"{name} {found[0].kind}" + (" (forwarded: the forwarder's word)" if trust == "forwarder" else "")
    return MailRead(key, found, platform, vendor, authenticated, trust, mail.sent_at, mail.to, why, facts)


def _facts(mail: Letter, said: tuple[str, ...], trust: Trust, name: str) -> dict[str, Any]:
    facts: dict[str, Any] = {"from": str(mail.sender), "subject": mail.subject, "sent_at": isoformat(mail.sent_at),
                             "date_as_written": mail.sent_raw or None, "told": list(mail.to),
                             "message_id": mail.message_id, "authentication": list(said)}
    if mail.forward is not None:
        how = {"inline": "forwarded inline", "attached": "forwarded as an attachment",
               "group": f"resent by the list {mail.list_id or mail.forward.by.address}"}[mail.forward.how]
        trusted = {"provider": f"{name}'s own authentication still verified at the receiving server",
                   "forwarder": f"trusted only as {mail.forward.by.address}'s word: the receiving server "
                                f"authenticated the forwarder, not {name}",
                   "unverified": "neither the forwarder nor the original sender was authenticated",
                   "none": ""}[trust]
        facts["forwarded"] = {"how": how, "by": str(mail.forward.by), "trust": trusted}
    return facts


def _deprecations(mail: Letter, platform: str, name: str, facts: dict[str, Any]) -> list[EventDraft]:
    text = f"{mail.subject}\n\n{mail.text}"
    found = _mail_notices.drafts(mail.subject, mail.text, platform=platform, url="", sent_at=mail.sent_at)
    for draft in found:
        said = _mail_notices.facts(text, draft.deadline)
        draft.url = None
        draft.published_at = draft.published_at or mail.sent_at  # the mail is the announcement
        draft.extra.update({k: v for k, v in (said.clock or {}).items()})
        draft.extra.update(mail=facts, action=said.action, milestones=said.milestones)
        told = ", ".join(mail.to) or "this mailbox"
        draft.updates = [{"at": isoformat(mail.sent_at), "status": "e-mailed",
                          "body": clip(f"{name} told {told}: {mail.subject}", 300)}]
    return found


def _other(mail: Letter, key: str, platform: str, name: str, facts: dict[str, Any]) -> EventDraft:
    kind, severity, status = _mail_kinds.kind_of(mail.subject, mail.text)
    said = _mail_notices.facts(mail.text, None)
    if kind == "changelog" and said.action:
        severity = "notice"
    return EventDraft(kind=kind, provider=platform, external_id=key, title=clip(f"{name}: {mail.subject}", 200),
                      summary=clip(normalize_text(mail.text), 600), severity=severity, status=status,
                      published_at=mail.sent_at, updated_at=mail.sent_at,
                      extra={"mail": facts, "action": said.action, "milestones": said.milestones})


def _unverified(mail: Letter, key: str, platform: str, name: str, said: tuple[str, ...],
                facts: dict[str, Any]) -> EventDraft:
    shown = ", ".join(said) or "none"
    domain = mail.sender.domain if mail.sender else "?"
    return EventDraft(
        kind="account", provider=platform, external_id=key, severity="notice", status="unverified",
        title=clip(f"Unverified mail claiming to be from {name}: {mail.subject}", 200),
        summary=clip(f"From {mail.sender}, but the receiving server's Authentication-Results show no DKIM, SPF or "
                     f"DMARC pass for {domain} (they say: {shown}). It may be a phishing attempt or a forward the "
                     f"watcher cannot vouch for: check it against {name}'s own pages before acting on it.", 600),
        published_at=mail.sent_at, updated_at=mail.sent_at, extra={"mail": facts, "unverified": True})
