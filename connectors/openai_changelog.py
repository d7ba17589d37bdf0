"""OpenAI's API changelog (Markdown variant): `## Month, YYYY` sections, `### Mon D` entries
(a day may have several), a label line ("Feature · Model: gpt-live-1 · API: v1/live/sessions"),
then the text. Each entry is a `changelog` event listing the model ids it names."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime

from connectors._html import clip
from connectors._models import model_ids
from connectors._tables import plain
from connectors.contract.dates import parse_deadline
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, ParseResult
from connectors.contract.protocols import NO_HINTS, Hints, PolledConnector, single_document

PAGE = "https://developers.openai.com/api/docs/changelog"
_MONTH = re.compile(r"^##\s+([A-Za-z]+),?\s+(\d{4})\s*$")
_DAY = re.compile(r"^###\s+([A-Za-z]+)\s+(\d{1,2})\s*$")
_LABEL_MODEL = re.compile(r"Model:\s*([A-Za-z0-9._:@/-]+)")
_CODE = re.compile(r"`([^`]+)`")
_LABELS = re.compile(r"^(?:Feature|Update|Fix|Deprecation|Change|Model:|API:)[^\n]{0,400}$")


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    entries: list[tuple[date, list[str]]] = []
    year: int | None = None
    for line in body.decode("utf-8", errors="replace").splitlines():
        if month := _MONTH.match(line):
            year = int(month[2])
        elif (day := _DAY.match(line)) and year is not None:
            when = parse_deadline(f"{day[1]} {day[2]}, {year}").date
            if when is not None:
                entries.append((when, []))
        elif entries and not line.startswith("#") and not line.startswith("<!--"):
            entries[-1][1].append(line)
    if not entries:
        raise LayoutChanged("layout changed: no '## Month, YYYY' / '### Mon D' entries in the changelog")
    drafts = []
    page = url.removesuffix(".md") if url.startswith("http") else PAGE
    for when, lines in entries:
        paragraphs = [p.strip() for p in "\n".join(lines).split("\n\n") if p.strip()]
        labels = paragraphs[0] if paragraphs and _LABELS.match(paragraphs[0]) else ""
        text = [p for p in paragraphs if p != labels]
        body_text = plain(" ".join(text))
        # Several entries share a day: the first paragraph tells them apart and stays stable.
        digest = hashlib.sha1((text[0] if text else labels).encode()).hexdigest()[:8]
        drafts.append(EventDraft(
            kind="changelog", provider="openai", external_id=f"{when.isoformat()}#{digest}",
            title=clip(re.split(r"(?<=[.!?])\s", body_text, maxsplit=1)[0], 160) or f"Changelog {when}",
            summary=clip(body_text, 2000), url=f"{page}#{when:%b-%-d}".lower(),
            published_at=datetime(when.year, when.month, when.day, tzinfo=UTC), severity="info",
            models=model_ids([*_LABEL_MODEL.findall(labels), *_CODE.findall("\n".join(text))]),
            extra={"labels": [p.strip() for p in labels.split("·")] if labels else []},
        ))
    return ParseResult(drafts=drafts, items_seen=len(entries), document="changelog")


CONNECTOR = PolledConnector(kind="openai-changelog", parse=parse, documents=single_document,
                            describes="OpenAI API changelog (.md variant)")
