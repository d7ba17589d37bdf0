"""status: any provider's status page, whatever platform serves it, told apart by what it serves.

The configured URL is the page people read (`https://status.together.ai`). Each platform publishes
its JSON at its own path, so `documents` asks for all of them: the page itself (required: it must
answer) and each platform's JSON document (optional: a page answers 404 for the others'). `parse`
then recognises every JSON body by its shape, never by the host:

| platform | document | shape |
|---|---|---|
| Statuspage, incident.io | `/api/v2/summary.json` | `page` object, `incidents` / `components` / `status` |
| Instatus | `/summary.json` | `page.status` a word (`UP`, `HASISSUES`), `activeIncidents` |
| Better Stack | `/index.json` | JSON:API, `data.type == "status_page"` |
| Flashduty | `/api/status-page/<page id>/summary/active` | `data.active_changes` (`data.items` of changes) |

Flashduty's API needs the page's numeric id, which nothing at the page's root names: configure the
page API's base (`https://status.deepseek.com/api/status-page/6410630422455`). A URL that already
names a JSON document is fetched alone. Statuspage-shaped documents are read by the `statuspage`
connector's parser, so both kinds key an incident alike. Pure: bytes in, drafts out.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from connectors import _status_betterstack, _status_flashduty, _status_instatus, _statuspage_reader
from connectors._json import load
from connectors.contract.errors import LayoutChanged, ParseError
from connectors.contract.events import ParseResult
from connectors.contract.protocols import NO_HINTS, Document, Hints, PolledConnector

# The page API of a Flashduty status page, without the endpoint: `…/api/status-page/<id>`.
_FLASHDUTY_BASE = re.compile(r"/api/status-page/\d+/?$")
_STATUSPAGE_KEYS = ("incidents", "components", "scheduled_maintenances", "status")
_KNOWN = "not a Statuspage, incident.io, Instatus, Better Stack or Flashduty status document"


def documents(url: str) -> list[Document]:
    path = urlsplit(url).path
    if _FLASHDUTY_BASE.search(path):
        return [Document(name="flashduty-summary-active", url=f"{url.rstrip('/')}/summary/active")]
    if _names_json(url):
        return [Document(name="main", url=url)]
    base = url.rstrip("/")
    return [
        Document(name="page", url=url),
        Document(name="statuspage-summary", url=f"{base}/api/v2/summary.json", required=False, alternative=True),
        Document(name="instatus-summary", url=f"{base}/summary.json", required=False, alternative=True),
        Document(name="betterstack-index", url=f"{base}/index.json", required=False, alternative=True),
    ]


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    if not _names_json(url) and not _looks_like_json(body):
        return _page(body)
    doc = load(body)
    if not isinstance(doc, dict):
        raise LayoutChanged(f"layout changed: {_KNOWN} (a JSON {type(doc).__name__})")
    if _status_betterstack.recognises(doc):
        return _status_betterstack.read(doc, url)
    if _status_flashduty.recognises(doc):
        return _status_flashduty.read(doc, url)
    # Before Statuspage: both have a `page` object, and only Instatus says the page's state in it.
    if _status_instatus.recognises(doc):
        return _status_instatus.read(doc, url)
    if isinstance(doc.get("page"), dict) and any(key in doc for key in _STATUSPAGE_KEYS):
        return _statuspage_reader.parse(body, url=url)
    keys = ", ".join(sorted(str(k) for k in doc)[:12]) or "none"
    raise LayoutChanged(f"layout changed: {_KNOWN} (top-level keys: {keys})")


def _page(body: bytes) -> ParseResult:
    """The status page as people read it: it must answer, and says nothing we read (the JSON
    documents beside it do)."""
    if not body.strip():
        raise ParseError("the status page answered an empty body")
    return ParseResult(drafts=[], items_seen=0, document="page", may_be_empty=True)


def _names_json(url: str) -> bool:
    path = urlsplit(url).path
    return path.endswith(".json") or "/api/" in path


def _looks_like_json(body: bytes) -> bool:
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


CONNECTOR = PolledConnector(
    kind="status", parse=parse, documents=documents,
    describes="any status page (Statuspage, incident.io, Instatus, Better Stack, Flashduty), told by its JSON",
)
