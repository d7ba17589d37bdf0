"""RSS and Atom feeds: status-page history feeds and changelog feeds.

An entry whose text carries a status ("Status: Resolved", Statuspage's "<strong>Resolved</strong> -")
is an incident or maintenance; any other entry is a changelog entry. Status entries are keyed on the
page's incident id when the link has one, so that a feed and the Statuspage API of the same page
make the same event.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

import feedparser

from connectors._html import clip, html_to_text
from connectors._models import model_ids
from connectors.contract.errors import LayoutChanged, ParseError
from connectors.contract.events import EventDraft, Kind, ParseResult, Severity, max_severity
from connectors.contract.protocols import NO_HINTS, Hints, PolledConnector, single_document

# "Status: Resolved" (incident.io, xAI) or "<strong>Resolved</strong> - " (Atlassian Statuspage),
# whichever comes first in the entry: feeds put the newest update on top.
_STATUS = re.compile(
    r"Status:\s*(?P<a>[A-Za-z][A-Za-z _]*?)\s*<|<strong>\s*(?P<b>[A-Za-z][A-Za-z ]*?)\s*</strong>\s*-",
)
_SEVERITY = re.compile(r"Severity:\s*([A-Za-z_ ]+?)\s*<")
_COMPONENT_ITEM = re.compile(r"<li>\s*(?P<name>[^<]+?)\s*\((?P<state>[^)<]+)\)\s*</li>")
_TITLE_SCOPE = re.compile(r"^\[(?P<scope>[^\]]+)\]\s*(?P<title>.+)$")
_INCIDENT_PATH = re.compile(r"/incidents/(?P<id>[A-Za-z0-9_-]+)/?$")
_MAINTENANCE_STATUSES = frozenset({"scheduled", "in progress", "in_progress", "verifying", "completed"})
_STATUS_WORDS = frozenset({
    "investigating", "identified", "monitoring", "resolved", "update", "postmortem",
    *_MAINTENANCE_STATUSES, "degraded", "outage", "operational",
})
_WORDED_SEVERITY: dict[str, Severity] = {
    "outage": "critical", "full outage": "critical", "major outage": "critical",
    "disruption": "warning", "partial outage": "warning",
    "degraded": "notice", "degraded performance": "notice", "maintenance": "info",
    "under maintenance": "info", "operational": "info",
}


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    parsed = feedparser.parse(body)
    if not parsed.get("version"):
        reason = parsed.get("bozo_exception") or "no <rss> or <feed> root element"
        if parsed.get("bozo") and not parsed.entries:
            raise ParseError(f"not an RSS/Atom feed: {reason}")
        raise LayoutChanged(f"layout changed: not an RSS/Atom feed ({reason})")
    drafts: dict[str, EventDraft] = {}
    for entry in parsed.entries:
        draft = _draft(entry, url)
        known = drafts.get(draft.external_id)
        if known is None:
            drafts[draft.external_id] = draft
        else:
            # One incident, one entry per affected component (xAI reuses the guid): one event.
            known.components = sorted({*known.components, *draft.components})
            known.severity = max_severity(known.severity, draft.severity)
    return ParseResult(drafts=list(drafts.values()), items_seen=len(parsed.entries),
                       document=parsed.version, generator=_generator(parsed))


def _generator(parsed: Any) -> str | None:
    named = str(parsed.feed.get("generator") or "").strip()
    if named:
        return named
    # Atlassian Statuspage names none, but its entry ids say "tag:<host>,2005:Incident/<n>".
    if any(str(e.get("id", "")).startswith("tag:") and ":Incident/" in str(e.get("id", "")) for e in parsed.entries):
        return "statuspage"
    return None


def _draft(entry: Any, feed_url: str) -> EventDraft:
    link = _normalize_link(entry.get("link") or "")
    html = _entry_html(entry)
    status = _status(html)
    title = html_to_text(entry.get("title") or "", limit=300) or "(untitled)"
    components: list[str] = []
    scope = _TITLE_SCOPE.match(title)
    if scope and status:
        components.append(scope["scope"].strip())
        title = scope["title"].strip()
    states: list[Severity] = []
    for item in _COMPONENT_ITEM.finditer(html):
        components.append(item["name"].strip())
        states.append(_WORDED_SEVERITY.get(item["state"].strip().lower(), "notice"))
    worded = _SEVERITY.search(html)
    if worded:
        states.append(_WORDED_SEVERITY.get(worded.group(1).strip().lower(), "notice"))
    for tag in entry.get("tags") or []:
        term = str(tag.get("term") or "").lower()
        if term in _WORDED_SEVERITY:
            states.append(_WORDED_SEVERITY[term])
    kind: Kind = "changelog"
    models: list[str] = []
    if status:
        kind = "maintenance" if status in _MAINTENANCE_STATUSES else "incident"
    else:
        models = model_ids(re.findall(r"<code>\s*([^<]+?)\s*</code>", html))
    published = _time(entry, "published") or _time(entry, "updated")
    return EventDraft(
        kind=kind,
        external_id=_external_id(entry, link),
        title=title,
        summary=_latest_update_text(html),
        url=link or None,
        status=("resolved" if status == "completed" and kind == "incident" else status),
        severity=max_severity(*states) if states else ("notice" if status else "info"),
        published_at=published,
        updated_at=_time(entry, "updated") or published,
        components=sorted(set(components)),
        models=models,
    )


def _entry_html(entry: Any) -> str:
    for content in entry.get("content") or []:
        if content.get("value"):
            return str(content["value"])
    return str(entry.get("summary") or entry.get("description") or "")


def _status(html: str) -> str | None:
    for match in _STATUS.finditer(html):
        word = (match["a"] or match["b"] or "").strip().lower().replace("_", " ")
        if word in _STATUS_WORDS:
            return word
    return None


def _latest_update_text(html: str) -> str:
    # Statuspage feeds hold every update, newest first, one <p> each: keep the newest.
    # The <small> line is only the update's date, already in the entry's timestamps.
    first = html.split("</p>", 1)[0] if "<small>" in html else html
    return clip(html_to_text(first, drop=("small",)), 1000)


def _normalize_link(link: str) -> str:
    scheme, sep, rest = link.partition("://")
    if not sep:
        return link
    return f"{scheme}://{re.sub('/{2,}', '/', rest)}"


def _external_id(entry: Any, link: str) -> str:
    match = _INCIDENT_PATH.search(link)
    if match:
        return match["id"]
    return str(entry.get("id") or link or entry.get("title"))


def _time(entry: Any, name: str) -> datetime | None:
    # dict.get, not entry.get: feedparser maps a missing `updated` to `published` with a warning.
    value: time.struct_time | None = dict.get(entry, f"{name}_parsed")
    if not value:
        return None
    year, month, day, hour, minute, second = value[:6]
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


CONNECTOR = PolledConnector(
    kind="feed", parse=parse, documents=single_document,
    describes="RSS/Atom feed: status history or changelog",
)
