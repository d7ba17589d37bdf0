"""Slack Block Kit (and plain-text fallback) messages: grouped deadline reminders, incidents and
organisation-wide notices. Pure. Provider text is escaped for Slack (&, <, >), only http(s) URLs
become links, and every field is clipped to Slack's documented limits so that no provider text can
make a message fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from watcher.events import claims
from watcher.notify.escalation import Step
from watcher.storage.tables import Event, Impact
from watcher.text import clip, days_left_phrase, event_page, plural, safe_url

# Slack's limits (Block Kit reference): characters per field, blocks per message.
LIMITS = {"section": 3000, "field": 2000, "header": 150, "button": 75, "context": 2000, "text": 40000,
          "value": 2000, "url": 3000}
MAX_BLOCKS = 50
ITEMS_PER_MESSAGE = 20  # one section per use, plus head and buttons, stays under MAX_BLOCKS


def escape(text: str | None) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str | None, label: str) -> str:
    safe = safe_url(url)
    return f"<{safe}|{escape(label)}>" if safe else escape(label)


@dataclass(frozen=True)
class Links:
    public_url: str | None  # the dashboard's address, for links back to the event page

    def event(self, event_id: int | None) -> str | None:
        return event_page(self.public_url, event_id)


@dataclass(frozen=True)
class Item:
    """One use in a reminder: the impact, the deprecation that speaks for it, the step it is due."""

    impact: Impact
    event: Event
    step: Step


def _when(event: Event) -> str:
    when = event.deadline or "no date announced"
    return f"not before {when}" if event.deadline_earliest else when


def acknowledgement(impact: Impact, today: date) -> str | None:
    if impact.state == "snoozed" and impact.snoozed_until:
        until = impact.snoozed_until.date()
        return f"Snoozed until {until.isoformat()} by {impact.state_by or 'someone'}" if until > today else None
    if impact.state != "acknowledged":
        return None
    text = f"Acknowledged by {impact.state_by or 'someone'}"
    if impact.plan:
        text += f" — plan: {impact.plan}"
    if impact.target_date:
        passed = impact.target_date < today.isoformat()
        text += f" (target {impact.target_date}{', passed' if passed else ''})"
    return text


def _item_text(item: Item, links: Links, today: date) -> str:
    impact, event, step = item.impact, item.event, item.step
    lines = [f"*{escape(impact.service)}* ({escape(impact.owner)}) calls `{escape(impact.model)}` on "
             f"{escape(impact.platform)}",
             f"{escape(event.external_id)} shuts down *{escape(_when(event))}* — "
             f"{days_left_phrase(step.days_left)} · {escape(step.reason)}"]
    lines.append(f"Replacement: {escape(event.replacement) or 'none named'}")
    if (label := claims.label(event)) is not None:
        lines.append(f"_Date {escape(label)}_")
    if (ack := acknowledgement(impact, today)) is not None:
        lines.append(escape(ack))
    others = [r for r in impact.related if r.get("kind") == "deprecation" and r.get("deadline")][:3]
    if others:
        lines.append("Also listed: " + "; ".join(
            f"{escape(r['model'])} {escape(r['deadline'])}" + (f" (per {escape(r['publisher'])})"
                                                                if r.get("third_party") else "") for r in others))
    refs = [link(links.event(event.id), "Details"), link(event.url, f"{event.provider} page")]
    lines.append(" · ".join(r for r in refs if r.startswith("<")) or "")
    return "\n".join(line for line in lines if line)


def _button(action_id: str, text: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {"type": "button", "action_id": action_id,
                              "text": {"type": "plain_text", "text": text}, "value": value}
    if style:
        button["style"] = style
    return button


def reminders(items: list[Item], *, key: str, mention: str | None, links: Links, today: date) -> dict[str, Any]:
    """One message for every reminder due now in one channel; its buttons act only on its uses."""
    loudest = max(items, key=lambda i: ("info", "notice", "warning", "critical").index(i.step.severity))
    head = f"Model deadlines: {plural(len(items), 'use')} to act on" if len(items) > 1 else \
        f"{items[0].event.provider}: {items[0].event.external_id} shuts down {_when(items[0].event)}"
    blocks: list[dict[str, Any]] = []
    if mention:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": mention}})
    blocks.append({"type": "header", "text": {"type": "plain_text", "text": head}})
    for item in items:
        section: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn",
                                                               "text": _item_text(item, links, today)}}
        if item.impact.state != "acknowledged":
            section["accessory"] = _button("ack", "Acknowledge", f"{key}|{item.impact.id}")
        blocks.append(section)
    buttons = [_button("ack", "Acknowledge all" if len(items) > 1 else "Acknowledge", key, "primary"),
               _button("snooze-7d", "Snooze 7 days", key)]
    if (dashboard := safe_url(links.event(loudest.event.id))) is not None:
        buttons.append({"type": "button", "action_id": "open", "text": {"type": "plain_text", "text": "Open"},
                        "url": dashboard})
    blocks.append({"type": "actions", "block_id": "impact-actions", "elements": buttons})
    summary = "; ".join(f"{i.impact.service} uses {i.impact.model} ({i.event.provider}): {_when(i.event)}, "
                        f"{i.step.reason}" + (f" ({state[0].lower()}{state[1:]})"
                                              if (state := acknowledgement(i.impact, today)) else "")
                        for i in items)
    return fit({"text": f"{mention + ' ' if mention else ''}{escape(head)} — {escape(summary)}", "blocks": blocks})


def _services(impacts: list[Impact]) -> str:
    return "\n".join(f"• *{escape(i.service)}* ({escape(i.owner)}) — {escape(i.model)}"
                     + (f" [{i.state}]" if i.state != "open" else "") for i in impacts)


def incident(event: Event, impacts: list[Impact], *, key: str, mention: str | None, links: Links,
             possibly: list[str] | None = None) -> dict[str, Any]:
    """An incident's first message (and, once it is over, the edit of it: no buttons then)."""
    over = (event.status or "").lower() in ("resolved", "completed", "postmortem", "closed", "cancelled")
    state = "RESOLVED" if over else (event.status or "")
    head = f"{event.provider} {event.kind} [{event.severity}] {state}: {event.title}"
    refs = " · ".join(r for r in (link(links.event(event.id), "Details"), link(event.url, "Status page"))
                      if r.startswith("<"))
    blocks: list[dict[str, Any]] = []
    if mention and not over:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": mention}})
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{escape(head)}*\n{escape(event.summary)}"}})
    if impacts:
        blocks.append({"type": "section", "text": {"type": "mrkdwn",
                                                   "text": f"*Affected services*\n{_services(impacts)}"}})
    elif possibly:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "*Possibly affected* (no component "
                                                   "named; check)\n" + escape(", ".join(possibly))}})
    if refs:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": refs}]})
    if impacts and not over:
        blocks.append({"type": "actions", "block_id": "impact-actions", "elements": [
            _button("ack", "Acknowledge", key, "primary"), _button("snooze-7d", "Snooze 7 days", key)]})
    prefix = f"{mention} " if mention and not over else ""
    return fit({"text": prefix + escape(head), "blocks": blocks})


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
    return fit({"text": escape(f"Update (revision {revision}): " + "\n".join(parts)),
                "headline": escape(f"{event.provider} {event.kind}: {event.title}")})


def acted(payload: dict[str, Any], note: str, *, only: str | None = None) -> dict[str, Any]:
    """A sent message after someone pressed one of its buttons: the same text with who did what
    added; the buttons go (with `only`, just that use's button: the others still apply)."""
    blocks = [dict(b) for b in payload.get("blocks") or []
              if only is not None or b.get("block_id") != "impact-actions"]
    for block in blocks:
        accessory = block.get("accessory")
        if accessory is not None and (only is None or accessory.get("value") == only):
            block.pop("accessory")
    notes = [b for b in blocks if b.get("block_id") == "acted"]
    if notes:
        notes[0]["elements"] = [*notes[0]["elements"], {"type": "mrkdwn", "text": note}][-10:]
    else:
        blocks.append({"type": "context", "block_id": "acted", "elements": [{"type": "mrkdwn", "text": note}]})
    return fit({"text": payload.get("text", ""), "blocks": blocks})


def fit(payload: dict[str, Any]) -> dict[str, Any]:
    """Every field within Slack's limits, with an ellipsis where cut."""
    blocks = payload.get("blocks") or []
    if len(blocks) > MAX_BLOCKS:
        blocks = [*blocks[: MAX_BLOCKS - 2], {"type": "section", "text": {"type": "mrkdwn", "text": "…"}},
                  blocks[-1]]
    for block in blocks:
        kind = block.get("type")
        if "text" in block:
            block["text"]["text"] = clip(block["text"]["text"], LIMITS["header" if kind == "header" else "section"])
        for field in block.get("fields") or []:
            field["text"] = clip(field["text"], LIMITS["field"])
        for element in block.get("elements") or []:
            if element.get("type") == "button":
                element["text"]["text"] = clip(element["text"]["text"], LIMITS["button"])
                if "value" in element:
                    element["value"] = element["value"][: LIMITS["value"]]
            elif "text" in element:
                element["text"] = clip(element["text"], LIMITS["context"])
        if accessory := block.get("accessory"):
            accessory["text"]["text"] = clip(accessory["text"]["text"], LIMITS["button"])
    fitted = {**payload, "text": clip(payload.get("text", ""), LIMITS["text"])}
    if "blocks" in payload:
        fitted["blocks"] = blocks
    return fitted
