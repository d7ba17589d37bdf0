"""Instatus's public summary (`/summary.json`): the page's state and its active incidents and
maintenances. Instatus leaves the lists out when nothing is active, so a page that says only
`{"page": {..., "status": "UP"}}` is a quiet day, not a changed layout. Pure."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors._shapes import mapping, objects
from connectors._status_common import page_url
from connectors.contract.dates import timestamp
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, ParseResult, Severity

# Instatus's component states, worst last, as an incident's `impact`.
IMPACT_SEVERITY: dict[str, Severity] = {
    "OPERATIONAL": "info", "UNDERMAINTENANCE": "info", "DEGRADEDPERFORMANCE": "notice",
    "PARTIALOUTAGE": "warning", "MINOROUTAGE": "warning", "MAJOROUTAGE": "critical",
}
# Maintenance states in the words Statuspage uses, so that `completed` ends one on either platform.
MAINTENANCE_STATUS = {"NOTSTARTEDYET": "scheduled", "INPROGRESS": "in_progress", "COMPLETED": "completed"}
# Instatus's documented example writes times as JavaScript prints a Date.
_JS_DATE = re.compile(r"^\w{3} (\w{3} \d{1,2} \d{4} \d{2}:\d{2}:\d{2}) GMT([+-]\d{4})")


def recognises(doc: dict[str, Any]) -> bool:
    return (isinstance(mapping(doc.get("page")).get("status"), str)
            or isinstance(doc.get("activeIncidents"), list) or isinstance(doc.get("activeMaintenances"), list))


def read(doc: dict[str, Any], url: str) -> ParseResult:
    page = mapping(doc.get("page"))
    base = str(page.get("url") or "").rstrip("/") or page_url(None, url)
    incidents, maintenances = _list(doc, "activeIncidents"), _list(doc, "activeMaintenances")
    drafts = [d for d in (_draft(item, base, maintenance=False) for item in incidents) if d is not None]
    drafts += [d for d in (_draft(item, base, maintenance=True) for item in maintenances) if d is not None]
    return ParseResult(
        drafts=drafts,
        # The page itself counts: its state is always there, so zero items means the layout went.
        items_seen=1 + len(incidents) + len(maintenances),
        # The summary lists every active incident and maintenance (and none when the page is UP).
        complete_kinds=frozenset({"incident", "maintenance"}),
        document="instatus-summary",
        generator="instatus",
    )


def _list(doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = doc.get(key)
    if value is not None and not isinstance(value, list):
        raise LayoutChanged(f"layout changed: Instatus '{key}' is not a list")
    return objects(value)


def _draft(item: dict[str, Any], base: str, *, maintenance: bool) -> EventDraft | None:
    link = item["url"] if isinstance(item.get("url"), str) else ""
    item_id = item.get("id")
    external_id = str(item_id).strip() if isinstance(item_id, str | int) and not isinstance(item_id, bool) else ""
    # The documented example has no `id`: the item's own page (`…/incident/<id>`) names it then.
    external_id = external_id or link.rstrip("/").rpartition("/")[2]
    name = item.get("name")
    if not external_id and isinstance(name, str) and name.strip():
        # Neither id nor link (a trimmed answer): the name and start stand for it, so an open incident
        # is never dropped; the same name and start give the same key on every poll.
        seed = f"{name.strip()}|{item.get('started') or item.get('start') or ''}"
        external_id = "name-" + hashlib.sha256(seed.encode()).hexdigest()[:16]
    if not external_id:
        return None
    raw_status = str(item.get("status") or "").upper()
    title = name.strip() if isinstance(name, str) and name.strip() else external_id
    if maintenance:
        starts = _time(item.get("start"))
        minutes = _minutes(item.get("duration"))
        ends = starts + timedelta(minutes=minutes) if starts and minutes is not None else None
        status = MAINTENANCE_STATUS.get(raw_status, raw_status.lower() or None)
        severity: Severity = "info"
    else:
        starts, ends = _time(item.get("started")), None
        status = raw_status.lower() or None
        severity = IMPACT_SEVERITY.get(str(item.get("impact") or "").upper(), "notice")
    return EventDraft(
        kind="maintenance" if maintenance else "incident",
        external_id=external_id,
        title=title,
        url=link or base,
        status=status,
        severity=severity,
        published_at=starts,
        updated_at=_time(item.get("updatedAt")) or starts,
        starts_at=starts,
        ends_at=ends,
    )


def _time(value: object) -> datetime | None:
    parsed = timestamp(value)
    if parsed is None and isinstance(value, str) and (match := _JS_DATE.match(value.strip())):
        try:
            return datetime.strptime(f"{match[1]} {match[2]}", "%b %d %Y %H:%M:%S %z").astimezone(UTC)
        except ValueError:
            return None
    return parsed


def _minutes(value: object) -> int | None:
    """A maintenance's `duration`: minutes, as a number or a digit string ("60")."""
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    return int(text) if text.isdigit() and len(text) <= 6 else None
