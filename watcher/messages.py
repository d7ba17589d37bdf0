"""Slack Block Kit (and plain-text) messages for deprecations and incidents. Pure; provider text
is escaped for Slack (&, <, >)."""

from __future__ import annotations

from typing import Any

from watcher.storage import Event


def escape(text: str | None) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _services(impacts: list[dict[str, Any]]) -> str:
    return "\n".join(f"• *{escape(i['service'])}* ({escape(i['owner'])}) — {escape(i['model'])}"
                     + (f" [{i['state']}]" if i["state"] != "open" else "") for i in impacts)


def _buttons(event: Event, channel: str, url: str | None) -> dict[str, Any]:
    value = f"{event.id}|{channel}"
    elements: list[dict[str, Any]] = [
        {"type": "button", "action_id": "ack", "text": {"type": "plain_text", "text": "Acknowledge"},
         "style": "primary", "value": value},
        {"type": "button", "action_id": "snooze-7d", "text": {"type": "plain_text", "text": "Snooze 7 days"},
         "value": value},
    ]
    if url:
        elements.append({"type": "button", "action_id": "open", "text": {"type": "plain_text", "text": "Open"},
                         "url": url})
    return {"type": "actions", "elements": elements}


def deprecation(event: Event, impacts: list[dict[str, Any]], *, step_reason: str, days_left: int,
                channel: str, mention: str | None) -> dict[str, Any]:
    when = event.deadline or "no date announced"
    if event.deadline_earliest:
        when = f"not before {when}"
    left = f"{days_left} days left" if days_left >= 0 else f"{-days_left} days overdue"
    head = f"{event.provider}: {event.external_id} shuts down {when} ({left})"
    text = f"{mention + ' ' if mention else ''}{escape(head)} — {escape(step_reason)}"
    fields = [f"*Deadline:* {escape(when)} ({left})",
              f"*Replacement:* {escape(event.replacement) or 'none named'}"]
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{escape(head)}*\n{escape(step_reason)}"}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*Affected services*\n{_services(impacts)}"}},
        _buttons(event, channel, event.url),
    ]
    if mention:
        blocks.insert(0, {"type": "section", "text": {"type": "mrkdwn", "text": mention}})
    return {"text": text, "blocks": blocks}


def incident(event: Event, impacts: list[dict[str, Any]], *, channel: str) -> dict[str, Any]:
    state = "RESOLVED" if (event.status or "") in ("resolved", "completed", "postmortem") else (event.status or "")
    head = f"{event.provider} {event.kind} [{event.severity}] {state}: {event.title}"
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{escape(head)}*\n{escape(event.summary)[:2500]}"}}]
    if impacts:  # source alerts concern the watcher itself and touch no service
        affected = f"*Affected services*\n{_services(impacts)}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": affected}})
        blocks.append(_buttons(event, channel, event.url))
    return {"text": escape(head), "blocks": blocks}


def incident_update(event: Event, revision: int, changes: dict[str, Any]) -> dict[str, Any]:
    parts = []
    if "status" in changes:
        parts.append(f"status {changes['status'].get('from')} → {changes['status'].get('to')}")
    for update in (changes.get("updates") or {}).get("added", []):
        parts.append(f"{update.get('status')}: {update.get('body')}")
    if "severity" in changes:
        parts.append(f"severity {changes['severity'].get('from')} → {changes['severity'].get('to')}")
    if not parts:
        parts.append(", ".join(sorted(k for k in changes if k != "reason")) or "updated")
    text = f"Update (revision {revision}): " + "\n".join(parts)
    return {"text": escape(text)[:3000]}
