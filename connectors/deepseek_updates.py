"""`deepseek-updates`: DeepSeek's API change log (`/updates/`), one entry per "## Date: 2026-04-24".

Most entries say a model name now serves a newer model ("Both `deepseek-chat` and `deepseek-reasoner`
have been upgraded to DeepSeek-V3.2"): an upgrade behind the same name, not a retirement, and no
event. The generic prose reader finds the real notices ("The two legacy API model names,
`deepseek-chat` and `deepseek-reasoner`, will be discontinued in three months (2026-07-24)"), with the
entry's date as the announcement. What is DeepSeek's own:

- the replacement is what the entry says the retiring names now *point to* ("these two model names
  point to the non-thinking mode and thinking mode of `deepseek-v4-flash`"), else the new ids the
  entry introduces;
- a model served on a temporary endpoint ("DeepSeek-V3.2-Speciale is served via a temporary endpoint:
  base_url=… available until Dec 15th, 2025, 15:59 (UTC Time)") ends on that day: an event keyed by
  the model's name as its section heading gives it (lower-cased, as DeepSeek writes ids), with the
  base URL, time and zone in `extra`.

A change log with no dated entries is not this page: LayoutChanged. Markdown and HTML read alike. Pure.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from urllib.parse import unquote

from connectors import _prose_reader
from connectors._deprecation import deprecation, merge
from connectors._markdown import as_markdown
from connectors._models import is_model_id
from connectors._tables import plain
from connectors.contract.dates import normalize_text, parse_deadline
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, ParseResult
from connectors.contract.protocols import NO_HINTS, Hints, PolledConnector, single_document

PLATFORM = "deepseek"

_HEADING = re.compile(r"^\s*(#{1,6})\s+(.*?)\s*#*\s*$")
_CODE = re.compile(r"`([^`\n]+)`")
_POINTS_TO = re.compile(r"\b(?:point(?:s|ing)? to|correspond(?:s|ing)? to|(?:are|is) served by|"
                        r"redirect(?:s|ed)? to|routed to)\b", re.I)
_TEMPORARY = re.compile(r"\btemporary (?:endpoint|base[_ ]url|url)\b", re.I)
_BASE_URL = re.compile(r"base[\\_ ]*url\s*=\s*\"?<?([^\">\s]+)", re.I)
_UNTIL = re.compile(r"\b(?:available until|until|expires? on|expiring on)\s+(.*)", re.I)
_CLOCK = re.compile(r"\b(\d{1,2}:\d{2})\s*\(?\s*(UTC|GMT|Beijing Time|UTC\+8)?", re.I)


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    text = as_markdown(body.decode("utf-8", errors="replace"))
    dated = [m for line in text.splitlines() if (m := _HEADING.match(line)) and parse_deadline(plain(m[2])).date]
    if not dated:
        raise LayoutChanged("layout changed: no dated entries ('## Date: 2026-04-24') on the DeepSeek change log")
    today = fetched_at.date() if fetched_at is not None else None
    found, _ = _prose_reader.notices(text, today)
    drafts: list[EventDraft] = []
    for entry, notice in found:
        over = notice.deadline.date is not None and today is not None and notice.deadline.date < today
        ids = [i for i in notice.replacements or _successors(entry.lines, notice.models) if i not in notice.models]
        for model in notice.models:
            drafts.append(deprecation(
                platform=PLATFORM, model=model, deadline=notice.deadline, url=url,
                replacement=", ".join(ids) or notice.replacement_text, replacement_ids=ids,
                status="retired" if notice.past or over else "deprecated", announced=entry.announced,
                extra={"entry": entry.label or None, "notice": notice.sentence[:300], "source": "deepseek updates"},
            ))
    drafts += _temporary_endpoints(text, url, today)
    return ParseResult(drafts=merge(drafts), items_seen=max(len(dated), len(drafts)), document="updates",
                       may_be_empty=True)


def _successors(lines: list[str], retiring: list[str]) -> list[str]:
    """What the entry says the retiring names now point to; else the other ids it introduces."""
    text = " ".join(lines)
    sentences = re.split(r"(?<=[.!?])\s+", text)
    pointed = [i for s in sentences if _POINTS_TO.search(s) for i in _ids(s)]
    chosen = pointed or _ids(text)
    return list(dict.fromkeys(i for i in chosen if i not in retiring))


def _ids(text: str) -> list[str]:
    return [c for c in (normalize_text(x) for x in _CODE.findall(text)) if is_model_id(c)]


def _temporary_endpoints(text: str, url: str, today: date | None) -> list[EventDraft]:
    """A model served on a temporary endpoint until a day: the section heading names the model."""
    drafts: list[EventDraft] = []
    announced: date | None = None
    section = ""
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            title = plain(heading[2])
            when = parse_deadline(title).date
            announced, section = (when, "") if when else (announced, title)
            continue
        sentence = normalize_text(line)
        until = _UNTIL.search(sentence)
        if not (_TEMPORARY.search(sentence) and until and section):
            continue
        model = section.lower().replace(" ", "-")
        deadline = parse_deadline(until[1])
        if not is_model_id(model) or deadline.date is None:
            continue
        base = _BASE_URL.search(line)
        clock = _CLOCK.search(until[1])
        over = today is not None and deadline.date < today
        drafts.append(deprecation(
            platform=PLATFORM, model=model, deadline=deadline, url=url, announced=announced,
            status="retired" if over else "deprecated",
            title=f"{section} temporary endpoint ends {deadline.iso}",
            extra={"notice": sentence[:300], "base_url": unquote(base[1]) if base else None,
                   "deadline_time": clock[1] if clock else None,
                   "time_zone": clock[2] if clock and clock[2] else None, "source": "deepseek updates"},
        ))
    return drafts


CONNECTOR = PolledConnector(kind="deepseek-updates", parse=parse, documents=single_document,
                            describes="DeepSeek API change log (dated entries; retirements, temporary endpoints)",
                            lifecycle=True)
