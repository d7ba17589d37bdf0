"""`cerebras-deprecations`: Cerebras inference's deprecations page, one `<Update label="2026-05-27">`
block per announcement, newest first: "**Deprecated `llama3.1-8b` and `qwen-3-235b-a22b-instruct-2507`**"
then "We recommend migrating to [GPT OSS 120B](/models/openai-oss)".

The generic prose reader cuts the page into the Update blocks and finds the models each deprecates;
parameter deprecations ("Deprecating `disable_reasoning` parameter for `zai-glm-4.7`") are not model
retirements and stay out. What is Cerebras' own:

- On Cerebras a model is *deprecated* the day it leaves the platform (requests then fail), and the
  block's label is that day: a notice that gives no date of its own takes the label as its deadline,
  and is `retired` once the day has passed.
- Replacements are links to model pages whose link text is a display name ("GPT OSS 120B") and whose
  slug is the docs page's, not always the API id (`openai-oss`, `zai-glm-47`). A link becomes an id
  only when the page itself writes that id: its slug or text equals an id in a code span on the page
  (`/models/qwen-3-32b` beside "`qwen-3-32b`"). Otherwise the replacement stays as the link text.

A page without any Update block or dated heading is not this page: LayoutChanged. Pure.
"""

from __future__ import annotations

import re
from datetime import datetime

from connectors import _prose_reader
from connectors._deprecation import deprecation, merge
from connectors._markdown import as_markdown
from connectors._tables import headings
from connectors.contract.dates import Deadline, normalize_text, parse_deadline
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, ParseResult
from connectors.contract.protocols import NO_HINTS, Hints, PolledConnector, single_document

PLATFORM = "cerebras"

_UPDATE = re.compile(r"<Update\s+label=\"([^\"]*)\"", re.I)
_CODE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)[^)]*\)")
_CUE = re.compile(r"\b(?:recommend\w*|migrat\w*|transition\w*|switch\w*|instead|alternatives?|replac\w*)\b", re.I)


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    text = as_markdown(body.decode("utf-8", errors="replace"))
    labels = [label for label in _UPDATE.findall(text) if parse_deadline(label).date]
    if not labels and not any(parse_deadline(title).date for _, title in headings(text)):
        raise LayoutChanged("layout changed: no dated <Update label=…> blocks or dated headings on the Cerebras "
                            "deprecations page")
    today = fetched_at.date() if fetched_at is not None else None
    codes = {normalize_text(c) for c in _CODE.findall(text)}
    found, entries = _prose_reader.notices(text, today)
    drafts: list[EventDraft] = []
    for entry, notice in found:
        deadline = notice.deadline
        if deadline.date is None and entry.announced is not None:
            deadline = Deadline(entry.announced, "day", False, entry.label)
        linked = _linked_ids(entry.lines, codes)
        ids = list(dict.fromkeys([*notice.replacements, *linked]))
        over = deadline.date is not None and today is not None and deadline.date < today
        for model in notice.models:
            drafts.append(deprecation(
                platform=PLATFORM, model=model, deadline=deadline, url=url,
                replacement=notice.replacement_text or ", ".join(ids) or None,
                replacement_ids=[i for i in ids if i != model],
                status="retired" if notice.past or over else "deprecated", announced=entry.announced,
                extra={"entry": entry.label or None, "notice": notice.sentence[:300],
                       "source": "cerebras deprecations"},
            ))
    # the blocks, or every model they name when one names several
    return ParseResult(drafts=merge(drafts), items_seen=max(entries, len(labels), len(drafts)),
                       document="deprecations", may_be_empty=True)


def _linked_ids(lines: list[str], codes: set[str]) -> list[str]:
    """Ids of the model pages a recommendation links to, where the page itself writes the id."""
    ids: list[str] = []
    for line in lines:
        if not _CUE.search(line):
            continue
        for label, href in _LINK.findall(line):
            slug = href.rstrip("/").rsplit("/", 1)[-1]
            ids += [c for c in (slug, normalize_text(label)) if c in codes]
    return list(dict.fromkeys(ids))


CONNECTOR = PolledConnector(kind="cerebras-deprecations", parse=parse, documents=single_document,
                            describes="Cerebras inference deprecations page (.md variant, <Update> blocks)",
                            lifecycle=True)
