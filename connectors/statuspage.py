"""Atlassian Statuspage API v2, and incident.io's Statuspage-compatible API.

One page is several documents (summary, incidents, scheduled maintenances); each is parsed on its own
and told apart by content, so `watcher parse statuspage FILE` takes any of them. incident.io differs:
lists may be null, incidents carry no components, some endpoints answer 404. An open incident of a
summary that lists no components is given the components the same summary shows as affected, marked
`components_inferred`. Pure: bytes in, drafts out.
"""

from __future__ import annotations

from connectors._statuspage_reader import parse
from connectors.contract.protocols import Document, PolledConnector


def documents(url: str) -> list[Document]:
    if url.endswith(".json"):
        return [Document(name="main", url=url)]
    base = url.rstrip("/")
    return [
        Document(name="summary", url=f"{base}/api/v2/summary.json"),
        Document(name="incidents", url=f"{base}/api/v2/incidents.json", required=False),
        Document(name="scheduled-maintenances", url=f"{base}/api/v2/scheduled-maintenances.json",
                 required=False),
    ]


CONNECTOR = PolledConnector(
    kind="statuspage", parse=parse, documents=documents,
    describes="Atlassian Statuspage / incident.io status page (give the page's base URL)",
)
