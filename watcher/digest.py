"""The weekly digest: upcoming deadlines by team, new events, incidents, unacknowledged impacts and
blind spots, as HTML and plain text from templates/, sent over SMTP."""

from __future__ import annotations

import smtplib
import ssl
import sys
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlmodel import Session, col, select

from watcher import config as config_module
from watcher.config import Config, EmailConfig
from watcher.deadlines import deadline_rows
from watcher.impacts import impact_rows
from watcher.storage import Event, SourceState

WINDOW_DAYS = 90
TEMPLATES = [Path(__file__).resolve().parent.parent / "templates",
             Path(sys.prefix) / "share" / "provider-watcher" / "templates"]


def environment() -> Environment:
    return Environment(loader=FileSystemLoader([str(p) for p in TEMPLATES]),
                       autoescape=select_autoescape(["html", "html.j2"]), trim_blocks=True, lstrip_blocks=True)


def _duration(start: datetime | None, end: datetime | None, now: datetime) -> str:
    if start is None:
        return "unknown duration"
    minutes = int(((end or now) - start).total_seconds() // 60)
    text = f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
    return text if end else f"ongoing for {text}"


def collect(session: Session, config: Config, *, now: datetime) -> dict[str, Any]:
    impacts = impact_rows(session)
    today = now.date()
    events = session.exec(select(Event)).all()
    # the next 90 days, and whatever is already overdue but still in use
    rows = deadline_rows([e for e in events if e.kind == "deprecation"], today=today, within_days=WINDOW_DAYS,
                         impacts=impacts, include_past=True)
    by_team: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        for team in sorted({a["owner"] for a in row["affected"]}):
            mine = [a for a in row["affected"] if a["owner"] == team]
            by_team.setdefault(team, []).append({
                **row, "services": ", ".join(a["service"] for a in mine),
                "acknowledged_by": ", ".join(sorted({a["state_by"] for a in mine
                                                     if a["state"] == "acknowledged" and a["state_by"]}))})
    week_ago = now - timedelta(days=7)
    new = [e for e in events if not e.baseline and e.first_seen_at and e.first_seen_at >= week_ago]
    incidents = [e for e in events if e.kind == "incident" and not e.baseline
                 and ((e.ends_at is None and e.status not in ("resolved", "postmortem")) or
                      (e.ends_at is not None and e.ends_at >= week_ago))]
    sources = session.exec(select(SourceState).where(col(SourceState.health) != "ok")).all()
    return {
        "generated": now.strftime("%Y-%m-%d %H:%M %Z"),
        "window_days": WINDOW_DAYS,
        "deadlines_by_team": sorted(by_team.items()),
        "new_events": [{"first_seen": e.first_seen_at.date().isoformat() if e.first_seen_at else "",
                        "provider": e.provider, "kind": e.kind, "title": e.title}
                       for e in sorted(new, key=lambda e: e.first_seen_at or now, reverse=True)],
        "incidents": [{"provider": e.provider, "title": e.title, "status": e.status,
                       "duration": _duration(e.starts_at, e.ends_at, now)} for e in incidents],
        "unacknowledged": [i for i in impacts if i["state"] == "open"],
        "blind_spots": [{"name": s.name, "health": s.health, "last_error": s.last_error} for s in sources] + [
            {"name": e.components[0] if e.components else e.external_id, "health": e.status, "last_error": e.title}
            for e in events if e.kind == "source" and e.status != "resolved"
            and e.external_id.split(":", 1)[0] != "failing"],  # failing sources are in the list above
    }


def render(context: dict[str, Any]) -> tuple[str, str, str]:
    env = environment()
    subject = (f"provider-watcher digest: {sum(len(r) for _, r in context['deadlines_by_team'])} deadline(s), "
               f"{len(context['unacknowledged'])} unacknowledged")
    text = env.get_template("digest.txt.j2").render(context)
    return subject, text, env.get_template("digest.html.j2").render(context)


def message(email: EmailConfig, subject: str, text: str, html: str) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"], mail["From"], mail["To"] = subject, email.from_, ", ".join(email.to)
    mail.set_content(text)
    mail.add_alternative(html, subtype="html")
    return mail


def send(email: EmailConfig, mail: EmailMessage, *, path: str = "config", timeout: float = 30) -> None:
    user = config_module.secret(email.username_env, path=path, key="email.username_env")
    password = config_module.secret(email.password_env, path=path, key="email.password_env")
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if email.security == "tls":
        client = smtplib.SMTP_SSL(email.host, email.port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(email.host, email.port, timeout=timeout)
    with client:
        if email.security == "starttls":
            client.starttls(context=context)
        if user and password:
            client.login(user, password)
        client.send_message(mail)
