"""Sending the digest: the mail (with Date and Message-ID), SMTP with STARTTLS or TLS, and who gets
which digest (everything to `[email] to`; with `[digest] per_team`, each team its own part at the
addresses its `[[uses]]` give). A failing recipient never stops the others."""

from __future__ import annotations

import email.utils
import logging
import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage

from sqlmodel import Session

from watcher.config import Config, EmailConfig
from watcher.config import io as config_io
from watcher.inventory.uses import Inventory
from watcher.notify.digest import gather
from watcher.notify.digest_view import render, view

log = logging.getLogger("watcher.notify.digest")


def message(email_config: EmailConfig, subject: str, text: str, html: str, *, now: datetime,
            to: list[str] | None = None) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"], mail["From"] = subject, email_config.from_
    mail["To"] = ", ".join(email_config.to if to is None else to)
    mail["Date"] = email.utils.format_datetime(now)
    _, address = email.utils.parseaddr(email_config.from_)
    mail["Message-ID"] = email.utils.make_msgid(domain=address.rpartition("@")[2] if "@" in address else None)
    mail.set_content(text)
    mail.add_alternative(html, subtype="html")
    return mail


def send(email_config: EmailConfig, mail: EmailMessage, *, path: str = "config",
         timeout: float = 30) -> dict[str, tuple[int, bytes]]:
    """Send one mail; returns the recipients the server refused while accepting the others."""
    user = config_io.secret(email_config.username_env, path=path, key="email.username_env")
    password = config_io.secret(email_config.password_env, path=path, key="email.password_env")
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if email_config.security == "tls":
        client = smtplib.SMTP_SSL(email_config.host, email_config.port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(email_config.host, email_config.port, timeout=timeout)
    with client:
        if email_config.security == "starttls":
            client.starttls(context=context)
        if user and password:
            client.login(user, password)
        return client.send_message(mail)


def audiences(config: Config, inventory: Inventory | None) -> list[tuple[str | None, list[str]]]:
    """Who gets which digest: everything to `[email] to` (team None); with `[digest] per_team`, each
    owner whose uses give an `email` its own part, to those addresses."""
    if config.email is None:
        return []
    result: list[tuple[str | None, list[str]]] = [(None, list(config.email.to))] if config.email.to else []
    if config.digest is not None and config.digest.per_team and inventory is not None:
        by_owner: dict[str, set[str]] = {}
        for use in inventory.uses:
            if use.email:
                by_owner.setdefault(use.owner, set()).add(use.email.strip())
        result += [(owner, sorted(addresses)) for owner, addresses in sorted(by_owner.items())]
    return result


def deliver(session: Session, config: Config, inventory: Inventory | None, *, now: datetime,
            path: str) -> list[tuple[str, list[str]]]:
    """Send every digest `audiences` names; returns (subject, recipients that accepted it) of each sent.

    A failure is logged with its recipients and does not stop the others."""
    if config.email is None:
        return []
    facts = gather(session, config, now=now, inventory=inventory)
    sent: list[tuple[str, list[str]]] = []
    for team, to in audiences(config, inventory):
        subject, text, html = render(view(facts, team))
        try:
            refused = send(config.email, message(config.email, subject, text, html, now=now, to=to), path=path)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("digest not sent to %s: %s", ", ".join(to), exc,
                        extra={"source": "digest", "to": to, "team": team})
            continue
        for address, (code, reply) in refused.items():
            log.warning("digest not accepted for %s: %s %s", address, code, reply.decode(errors="replace"),
                        extra={"source": "digest", "to": [address], "team": team})
        sent.append((subject, [address for address in to if address not in refused]))
    return sent
