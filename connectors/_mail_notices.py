"""The retirement notices in a provider mail, as deprecation drafts, plus the facts people act on:
the time and zone of the deadline ("9AM PT"), other dates the mail gives ("Starting May 14, 2026,
users may experience decreased availability"), and the action asked for.

Mails say it three ways, read in this order: a table of models with a shutdown date (the generic
table reader); sentences and lists (the generic prose reader), where a table of ids without dates
("Retired Model IDs | Recommended upgrade") counts as the list its introducing sentence announces; and
"this model will no longer be available after DATE" about the one model id the mail names elsewhere
("you have used model ID 'x' … Anthropic has decided to sunset this model"). Display names in a
retirement sentence ("Gemini 2.0 Flash") are read as the id they spell (`gemini-2.0-flash`), marked
`id_from_name`, unless the mail gives the id beside them. Pure."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from connectors import _prose_reader, _table_reader
from connectors._deprecation import deprecation, merge
from connectors._models import is_model_id
from connectors._tables import Table, plain, tables
from connectors.contract.dates import normalize_text, parse_deadline
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft

_SENTENCES = re.compile(r"(?<=[.!?])\s+(?=[A-Z(*\[`'\"])|\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)")
_LIFECYCLE = re.compile(r"\b(?:retir\w*|deprecat\w*|discontinu\w*|shut (?:down|off)|shutdown|sunset\w*|"
                        r"end[- ]of[- ]life|no longer (?:be )?(?:available|supported|accessible)|will fail|"
                        r"removed|decommission\w*)\b", re.I)
_FINAL = re.compile(r"\bno longer (?:be )?(?:available|supported|accessible)|\bwill fail\b|\bshut (?:down|off)\b|"
                    r"\bwill return an error\b|\bretir(?:e|ed|ing)\b", re.I)
_ACTION = re.compile(r"^(?:you must|please|to avoid|we recommend|we encourage|recommended action|action required|"
                     r"test your|migrate|update your|upgrade|head over|if your)\b|\byou (?:must|need to|should)\b",
                     re.I)
_CLOCK = re.compile(r"\bat\s+(\d{1,2})(?::(\d{2}))?\s*([ap]\.?m\.?)?\s*\(?\b(PT|PST|PDT|ET|EST|EDT|CT|CST|CDT|MT|"
                    r"MST|MDT|UTC|GMT|CET|CEST|BST|IST|JST|SGT|KST)\b\)?", re.I)
_ZONES = {"PT": "America/Los_Angeles", "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles",
          "ET": "America/New_York", "EST": "America/New_York", "EDT": "America/New_York",
          "CT": "America/Chicago", "CST": "America/Chicago", "CDT": "America/Chicago",
          "MT": "America/Denver", "MST": "America/Denver", "MDT": "America/Denver", "UTC": "UTC", "GMT": "UTC",
          "CET": "Europe/Paris", "CEST": "Europe/Paris", "BST": "Europe/London", "IST": "Asia/Kolkata",
          "JST": "Asia/Tokyo", "SGT": "Asia/Singapore", "KST": "Asia/Seoul"}
_NAME = re.compile(r"\b(?:(Claude)\s+((?:(?:Opus|Sonnet|Haiku|Instant)\s+)?\d+(?:\.\d+)?(?:\s+(?:Opus|Sonnet|Haiku))?)|"
                   r"(Gemini)\s+(\d+(?:\.\d+)?(?:\s+(?:Pro|Flash|Ultra|Nano))?(?:\s+(?:Lite|Image))?(?:\s+\d{3})?))"
                   r"(?!\s*\(\s*`?[a-z])")
_QUOTED_ID = re.compile(r"['\"‘“]([A-Za-z][\w.:/@-]+)['\"’”]")
_VERSION = re.compile(r"\bversions?\s+\d{4}-\d{2}-\d{2}\b", re.I)  # "gpt-4o version 2024-05-13" is no date
_RECOMMENDED = re.compile(r"recommend|replac|upgrade|alternative|successor|migrate", re.I)


@dataclass(frozen=True)
class Facts:
    action: str | None
    clock: dict[str, str] | None  # deadline_time, deadline_zone, deadline_at
    milestones: list[dict[str, str]]


def sentences(text: str) -> list[str]:
    flat = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return [s for s in (normalize_text(part) for part in _SENTENCES.split(flat)) if s and not s.startswith("|")]


def _spelled(match: re.Match[str]) -> str:
    family, rest = (match[1], match[2]) if match[1] else (match[3], match[4])
    return f"`{'-'.join([family, *rest.split()]).lower()}`"


def _names_as_ids(text: str) -> str:
    """Display names in retirement sentences as the ids they spell, code-marked for the prose reader."""
    lines = []
    for line in text.splitlines():
        lines.append(_NAME.sub(_spelled, line) if _LIFECYCLE.search(line) else line)
    return "\n".join(lines)


def _model_column(table: Table) -> int | None:
    for index in range(len(table.header)):
        cells = [row.cell(index) for row in table.rows]
        if cells and sum(is_model_id(plain(c)) for c in cells) * 2 > len(cells):
            return index
    return None


def _tables_as_lists(text: str) -> tuple[str, dict[str, str]]:
    """A dateless table of ids becomes the list its sentence introduces; its replacement column is
    kept per id. Tables with dates are left for the table reader."""
    replacements: dict[str, str] = {}
    out: list[str] = []
    block: list[str] = []

    def flush() -> None:
        found = tables("\n".join(block)) if block else []
        model = _model_column(found[0]) if found and _table_reader.columns(found[0]) is None else None
        if not found or model is None:
            out.extend(block)
        else:
            table = found[0]
            other = next((i for i, h in enumerate(table.header) if i != model and _RECOMMENDED.search(h)), None)
            for row in table.rows:
                model_id = plain(row.cell(model)).lower()
                out.append(f"- `{model_id}`")
                if other is not None and plain(row.cell(other)):
                    replacements[model_id] = plain(row.cell(other))
        block.clear()

    for line in text.splitlines():
        if line.lstrip().startswith("|"):
            block.append(line)
            continue
        flush()
        out.append(line)
    flush()
    return "\n".join(out), replacements


def _the_model(text: str, platform: str, url: str, sent_at: datetime | None) -> list[EventDraft]:
    """"this model will no longer be available after DATE" about the single id the mail names."""
    named = {m for m in _QUOTED_ID.findall(text) + re.findall(r"`([^`]+)`", text) if is_model_id(m)}
    if len(named) != 1:
        return []
    dated = [(parse_deadline(s), s) for s in sentences(text) if _LIFECYCLE.search(s)]
    dated = [(d, s) for d, s in dated if d.date is not None]
    if not dated:
        return []
    final = [(d, s) for d, s in dated if _FINAL.search(s)] or dated
    deadline, sentence = max(final, key=lambda pair: pair[0].date or datetime.min.date())
    announced = sent_at.date() if sent_at else None
    return [deprecation(platform=platform, model=named.pop(), deadline=deadline, url=url, announced=announced,
                        extra={"notice": sentence[:300], "source": "provider mail"})]


def drafts(subject: str, body: str, *, platform: str, url: str, sent_at: datetime | None) -> list[EventDraft]:
    """Deprecation drafts for every model the mail retires, merged per model. Display names are read
    as ids in the body only: a subject summarises ("Claude Sonnet 4 … will be retired") what the body
    says with ids."""
    text = f"{subject}\n\n{body}"
    spelled_text = f"{subject}\n\n{_names_as_ids(body)}"
    found: list[EventDraft] = []
    with contextlib.suppress(LayoutChanged):  # a mail without a dated table of models: the usual case
        found += _table_reader.read(text, platform=platform, url=url, fetched_at=sent_at, source="provider mail")[0]
    listed, replacements = _tables_as_lists(spelled_text)
    found += _prose_reader.read(listed, platform=platform, url=url, fetched_at=sent_at, source="provider mail")[0]
    if not found:
        found = _the_model(text, platform, url, sent_at)
    spelled = set(re.findall(r"`([^`]+)`", spelled_text)) - set(re.findall(r"`([^`]+)`", text))
    for draft in found:
        written, draft.external_id = draft.external_id, draft.external_id.lower()
        draft.title, draft.summary = draft.title.replace(written, draft.external_id), \
            draft.summary.replace(written, draft.external_id)
        draft.models = [m.lower() for m in draft.models]
        if draft.external_id in spelled:
            draft.extra["id_from_name"] = True
        if not draft.replacement and draft.external_id in replacements:
            draft.replacement = replacements[draft.external_id]
            draft.extra["replacement_models"] = [replacements[draft.external_id]]
    return [d for d in merge(found) if d.kind == "deprecation"]


def facts(text: str, deadline: str | None) -> Facts:
    said = sentences(text)
    action = next((s for s in said if _ACTION.search(s)), None)
    clock = None
    for sentence in said:
        match = _CLOCK.search(sentence)
        day = parse_deadline(sentence).date
        if match and day is not None and (deadline is None or day.isoformat() == deadline):
            hour = int(match[1]) % 12 + (12 if (match[3] or "").lower().startswith("p") else 0) \
                if match[3] else int(match[1])
            zone = _ZONES[match[4].upper()]
            local = datetime(day.year, day.month, day.day, hour, int(match[2] or 0), tzinfo=ZoneInfo(zone))
            clock = {"deadline_time": " ".join(match[0].split()[1:]), "deadline_zone": zone,
                     "deadline_at": local.astimezone(UTC).isoformat().replace("+00:00", "Z")}
            break
    milestones = []
    for sentence in said:
        when = parse_deadline(_VERSION.sub("", sentence))
        if when.date is not None and when.iso != deadline and _date_speaks(sentence):
            milestones.append({"date": when.iso or "", "text": sentence[:300]})
    return Facts(action[:300] if action else None, clock, milestones[:5])


def _date_speaks(sentence: str) -> bool:
    """A sentence about what happens on a date (not a copyright line or a signature)."""
    return bool(_LIFECYCLE.search(sentence) or re.search(r"\b(?:starting|from|on|begin|until|after|by)\b",
                                                            sentence, re.I)) and len(sentence) < 400
