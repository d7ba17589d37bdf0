"""`zai-releases`: Z.ai's "New Released" notes (docs.z.ai `/release-notes/new-released`).

One `<Update label="2026-08-18" description="GLM-5.3">` block per release. The notes announce models;
a retirement, when Z.ai writes one there, is a sentence like any changelog's ("GLM-4-32B-0414-128K
will be deprecated on …"), read by the generic prose reader entry by entry. Most weeks the page
announces nothing that ends, so an empty result with its entries recognised is normal
(`may_be_empty`); a page without any dated entry has lost its structure. Z.ai's pricing page lists
prices only, no lifecycle dates, and is not read.

Ids: the notes write model names capitalised ("GLM-4.6") while the API and the page's own guide links
(`/guides/llm/glm-4.6`) spell them in lower case, so ids are lower-cased. Pure.
"""

from __future__ import annotations

import re
from datetime import datetime

from connectors import _prose_reader
from connectors._deprecation import merge
from connectors._markdown import as_markdown
from connectors._update_blocks import updates
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, ParseResult
from connectors.contract.protocols import NO_HINTS, Hints, PolledConnector, single_document

PLATFORM = "zai"

# Without the MDX blocks (an HTML rendering), an entry is a heading or a line that is only its date.
_DATED_LINE = re.compile(r"^(?:#{1,6}\s+.*\b|\s*)\d{4}-\d{2}-\d{2}\b", re.M)


def _lower(draft: EventDraft) -> EventDraft:
    draft.external_id = draft.external_id.lower()
    draft.models = list(dict.fromkeys(m.lower() for m in draft.models))
    draft.extra["replacement_models"] = [r.lower() for r in draft.extra.get("replacement_models", [])]
    return draft


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    text = as_markdown(body.decode("utf-8", errors="replace"))
    entries = len(updates(text)) or len(_DATED_LINE.findall(text))
    if not entries:
        raise LayoutChanged("layout changed: no dated release entries (<Update label=\"YYYY-MM-DD\"> blocks or "
                            "dated headings) on the Z.ai release notes")
    drafts, _ = _prose_reader.read(text, platform=PLATFORM, url=url, fetched_at=fetched_at,
                                     source="Z.ai release notes")
    found = merge(_lower(d) for d in drafts)
    return ParseResult(drafts=found, items_seen=max(entries, len(found)), document="releases", may_be_empty=True)


CONNECTOR = PolledConnector(kind="zai-releases", parse=parse, documents=single_document,
                            describes="Z.ai 'New Released' notes (retirement notices among the releases)",
                            lifecycle=True)
