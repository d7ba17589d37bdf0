"""Reading one Statuspage API v2 document (summary, incidents, scheduled maintenances), as Atlassian
Statuspage and incident.io serve it; shared by the `statuspage` kind and the `status` kind, which
finds such a document among other platforms'."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from connectors._json import load
from connectors._shapes import mapping, objects
from connectors._statuspage_objects import UNAFFECTED_STATES, incident_draft
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, ParseResult
from connectors.contract.protocols import NO_HINTS, Hints


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    doc = load(body)
    if not isinstance(doc, dict):
        raise LayoutChanged("layout changed: expected a JSON object with 'page', got "
                            f"{type(doc).__name__}")
    page_url = _page_url(doc, url)
    incidents = _list(doc, "incidents")
    maintenances = _list(doc, "scheduled_maintenances")
    components = _list(doc, "components")
    if "incidents" in doc and "components" in doc and "status" in doc:
        document = "summary"
        # summary.json lists every unresolved incident and every upcoming or active maintenance.
        complete = {"incident"} | ({"maintenance"} if "scheduled_maintenances" in doc else set())
    elif "scheduled_maintenances" in doc:
        document, complete = "scheduled-maintenances", set()
    elif "incidents" in doc:
        document, complete = "incidents", set()
    elif "components" in doc:
        document, complete = "components", set()
    elif "status" in doc and "page" in doc:
        document, complete = "status", set()
    else:
        raise LayoutChanged("layout changed: no 'incidents', 'components', 'scheduled_maintenances' "
                            "or 'status' key; not a Statuspage API v2 document")
    degraded = _unclaimed_degraded(components, incidents) if document == "summary" else None
    drafts = [incident_draft(item, page_url, page_degraded=degraded) for item in incidents]
    drafts += [incident_draft(item, page_url) for item in maintenances]
    seen = len(incidents) + len(maintenances) + len(components) + (1 if document == "status" else 0)
    return ParseResult(drafts=_dedupe(drafts), items_seen=seen, complete_kinds=frozenset(complete),
                       document=document, generator=_generator(doc))


def _unclaimed_degraded(components: list[dict[str, Any]],
                        incidents: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The page's affected components that no incident claims, for the open incidents that list none.

    incident.io's API never attaches components to incidents, and Atlassian incidents may have none;
    the summary's component states are then the only word on what is affected right now. A component
    an incident lists is explained by it and left out, and so is a group one of whose members is.
    What remains goes to every component-less open incident alike: nothing in the document says which
    of them degraded what, and a split by guess could leave the incident that matters without its
    components, while over-attribution only errs toward telling a team. (Incidents declaring impact
    "none" take none of it: see `incident_draft`.)
    Sorted by name, so that the page reordering its components is no change to the incident.
    """
    incidents, components = objects(incidents), objects(components)
    claimed = {str(c.get("name")) for item in incidents for c in objects(item.get("components"))}
    claimed |= {str(a.get("name")) for item in incidents for u in objects(item.get("incident_updates"))
                for a in objects(u.get("affected_components"))}
    claimed_ids = {str(c.get("id")) for c in components if str(c.get("name")) in claimed}
    affected: dict[str, str] = {}
    for component in components:
        name, state = str(component.get("name") or ""), str(component.get("status") or "")
        listed = component.get("components")
        members = {str(i) for i in listed} if isinstance(listed, list) else set()
        # A component without a status says nothing; one in a state we do not know may be affected.
        if not name or not state or state.lower() in UNAFFECTED_STATES or name in claimed or members & claimed_ids:
            continue
        affected[name] = state
    return sorted(affected.items(), key=lambda pair: (pair[0].casefold(), pair[0]))


def _generator(doc: dict[str, Any]) -> str | None:
    """incident.io page ids are 26-character ULIDs; Atlassian's are 12 lower-case characters."""
    page_id = str((doc.get("page") or {}).get("id") or "") if isinstance(doc.get("page"), dict) else ""
    if len(page_id) == 26 and page_id.isalnum() and page_id.isupper():
        return "incident.io"
    if len(page_id) == 12 and page_id.isalnum() and page_id.islower():
        return "statuspage"
    return None


def _list(doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = doc.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise LayoutChanged(f"layout changed: '{key}' is not a list of objects")
    return value


def _page_url(doc: dict[str, Any], fetched_url: str) -> str:
    url = mapping(doc.get("page")).get("url")
    if isinstance(url, str) and url:
        return url.rstrip("/")
    parts = urlsplit(fetched_url)
    return f"{parts.scheme}://{parts.netloc}"


def _dedupe(drafts: list[EventDraft]) -> list[EventDraft]:
    by_key: dict[tuple[str, str, str], EventDraft] = {}
    for draft in drafts:
        by_key.setdefault(draft.key, draft)
    return list(by_key.values())
