"""`minimax-models`: MiniMax's model release notes and API overview (platform.minimax.io).

Neither page has a deprecation table. The release notes (`/docs/release-notes/models.md`) are dated
headings ("#### Jul. 31, 2026", "#### Apr. 2026"), each with a `<Card>` announcing a model; the API
overview (`/docs/api-reference/api-overview.md`) has a "Supported Models" table per API and, when
MiniMax changes a service, a notice (`<Note title="Music API Service Adjustment Notice">`) in the
section concerned. A notice is read sentence by sentence: a sentence with a lifecycle verb
("will be discontinued", "retired", "no longer available") names the models it ends; a sentence
without a date of its own takes the notice's ("Starting August 20, 2026, …"). Sentences about new
users only ("no longer available to new users") end nothing for existing callers and are skipped.

Model names: MiniMax writes ids in prose ("Music-3.0-free, music-cover-free"); a word is a model when
its family (the part before the first hyphen) is the family of a model the page itself lists in a
model table or a release card, and it takes the spelling of that family in the tables (the tables
write `music-3.0`, so "Music-3.0-free" is `music-3.0-free`). Most weeks neither page retires
anything: an empty result is normal once the structure (release entries, model tables) is there.
`documents(url)` given the site (`https://platform.minimax.io`) names both pages. Pure.
"""

from __future__ import annotations

import re
from datetime import datetime

from connectors._deprecation import deprecation, merge
from connectors._markdown import as_markdown
from connectors._tables import plain, tables
from connectors.contract.dates import Deadline, normalize_text, parse_deadline
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, ParseResult
from connectors.contract.protocols import NO_HINTS, Document, Hints, PolledConnector

PLATFORM = "minimax"
RELEASES = "/docs/release-notes/models.md"
OVERVIEW = "/docs/api-reference/api-overview.md"

_RELEASE = re.compile(r"^#{2,6}\s+([A-Z][a-z]{2,8}\.?\s+(?:\d{1,2},\s*)?\d{4})\s*$", re.M)
_CARD_TITLE = re.compile(r"<Card\s[^>]*title=\"([^\"]+)\"")
_NOTE = re.compile(r"<(Note|Warning|Info|Callout)\b[^>]*>(.*?)</\1>", re.S)
_VERB = re.compile(r"\b(?:discontinu\w*|retir(?:e|ed|es|ing|ement)|deprecat\w*|decommission\w*|sunset\w*|"
                   r"shut(?:ting)? ?down|(?:taken|go(?:ing)?|went) offline|no longer (?:be )?(?:available|"
                   r"supported|accessible|served))\b", re.I)
_NEW_USERS_ONLY = re.compile(r"\bto new (?:users|customers|accounts)\b", re.I)
_CUE = re.compile(r"\b(?:please (?:visit|use)|use|migrate to|switch to|replaced by|instead)\b", re.I)
_NAME = re.compile(r"(?<![\w/])[A-Za-z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)+(?![\w/])")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+(?=[A-Z`*\[])")


def documents(url: str) -> list[Document]:
    """A page URL is read alone; the site's base URL names both pages under it."""
    base = url.rstrip("/")
    if base.endswith(".md") or "/docs/" in base:
        return [Document(name="main", url=url)]
    return [Document(name="releases", url=base + RELEASES), Document(name="api-overview", url=base + OVERVIEW)]


def _table_models(text: str) -> list[str]:
    """The ids in the page's model tables ("Model" / "Model Name" columns)."""
    found: list[str] = []
    for table in tables(text):
        column = table.column("model name", "model")
        if column is not None:
            found += [row.cell(column).strip() for row in table.rows if _NAME.fullmatch(row.cell(column).strip())]
    return list(dict.fromkeys(found))


def _families(models: list[str], card_titles: list[str]) -> dict[str, str]:
    """family (lower case) -> its spelling, from the model tables first, then from release card titles."""
    spelled: dict[str, str] = {}
    for name in [*models, *(n for title in card_titles for n in _NAME.findall(title))]:
        spelled.setdefault(name.split("-")[0].lower(), name.split("-")[0])
    return spelled


def _units(text: str) -> list[str]:
    """The notices (`<Note>` blocks) first, then the remaining paragraphs; table rows are not prose."""
    notes = [body for _, body in _NOTE.findall(text)]
    rest = _NOTE.sub("\n\n", text)
    paragraphs = [p for p in re.split(r"\n\s*\n", rest) if p.strip() and not p.lstrip().startswith("|")]
    return [*notes, *paragraphs]


def _names(sentence: str, families: dict[str, str]) -> list[str]:
    found = []
    for name in _NAME.findall(sentence):
        family, _, rest = name.partition("-")
        if rest and family.lower() in families:
            found.append(families[family.lower()] + "-" + rest)
    return list(dict.fromkeys(found))


def _notices(text: str, families: dict[str, str], url: str, fetched_at: datetime | None) -> list[EventDraft]:
    drafts: list[EventDraft] = []
    today = fetched_at.date() if fetched_at is not None else None
    for unit in _units(text):
        raw = _SENTENCE.split(" ".join(unit.split()))
        sentences = [normalize_text(plain(s)) for s in raw]
        effective = next((d for s in sentences if _VERB.search(s) and (d := parse_deadline(s)).date), None)
        advice = next((r for r, s in zip(raw, sentences, strict=True) if _CUE.search(s) and not _VERB.search(s)),
                      None)
        replacement = " or ".join(normalize_text(t) for t in _LINK.findall(advice or "")) or None
        for sentence in sentences:
            if not _VERB.search(sentence) or _NEW_USERS_ONLY.search(sentence):
                continue
            cue = _CUE.search(sentence)
            models = _names(sentence[:cue.start()] if cue else sentence, families)
            own = parse_deadline(sentence)
            deadline = own if own.date else effective or Deadline(None, None, False, "")
            over = deadline.date is not None and today is not None and deadline.date < today
            drafts += [deprecation(
                platform=PLATFORM, model=model, deadline=deadline, url=url, replacement=replacement,
                status="retired" if over else "deprecated",
                extra={"notice": sentence[:300], "advice": normalize_text(plain(advice)) if advice else None,
                       "date_from": "the notice's opening sentence" if deadline.date and not own.date else None},
            ) for model in models]
    return drafts


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    text = as_markdown(body.decode("utf-8", errors="replace"))
    releases = _RELEASE.findall(text)
    models = _table_models(text)
    if not releases and not models:
        raise LayoutChanged("layout changed: neither dated release entries ('#### Jul. 31, 2026') nor a model table "
                            "('Model' column) on the MiniMax page")
    # the overview's cards link to API pages ("Create H3-Context-IR Task"): only release cards name models
    families = _families(models, _CARD_TITLE.findall(text) if releases else [])
    drafts = merge(_notices(text, families, url, fetched_at))
    return ParseResult(drafts=drafts, items_seen=max(len(releases) or len(models), len(drafts)),
                       document="releases" if releases else "api-overview", may_be_empty=True)


CONNECTOR = PolledConnector(kind="minimax-models", parse=parse, documents=documents,
                            describes="MiniMax model release notes and API overview (service notices)", lifecycle=True)
