"""`fireworks-changelog`: Fireworks' changelog (docs.fireworks.ai `/updates/changelog`), read for model
deprecations.

Each entry is an `<Update label="2026-08-14">` block with Markdown sections. A section whose heading
announces a deprecation ("# Serverless deprecation: DeepSeek V4 Flash", "…: legacy models removed
May 14, 2026") names the models it ends in one of these ways, all read:
- in the heading after the colon ("Kimi K2.5 and Qwen 3.6 Plus");
- as the bold or linked subject of a sentence with a lifecycle verb ("**MiniMax M2.5** is deprecated
  from serverless");
- at the head of a list item, before its "— migrate to …" ("* **GLM 4.7** — migrate to **[GLM 5.1](…)**");
- in the Model column of a table, with its replacement column.
What follows "migrate to" (or a section's "Migrate to **[X](…)**" sentence) is the replacement. The
date is the section's own ("decommissioned on **May 14, 2026**", a date in the heading); without one
the deprecation has no deadline (`published_at` is the entry's day). Deprecations only apply to
serverless where the section says so (`extra["scope"]`). Sections about features (audio inference,
the Build SDK, document inlining) name no model as their subject and give no event.

Models are display names. The id is `accounts/fireworks/models/<slug>`, the slug read from the page's
own links to the model (`app.fireworks.ai/models/fireworks/<slug>`), wherever on the page that name is
linked; a name the page never links keeps its display name as id, `extra["id_from"]` saying so. Pure.
"""

from __future__ import annotations

import re
from datetime import datetime

from connectors._deprecation import deprecation, merge
from connectors._tables import plain, tables
from connectors._update_blocks import Update, updates
from connectors.contract.dates import Deadline, normalize_text, parse_deadline
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, ParseResult
from connectors.contract.protocols import NO_HINTS, Hints, PolledConnector, single_document

PLATFORM = "fireworks"
ID_PREFIX = "accounts/fireworks/models/"

_MODEL_LINK = re.compile(r"\[([^\]]+)\]\(https?://app\.fireworks\.ai/models/fireworks/([A-Za-z0-9._-]+)[^)]*\)")
_TOP = re.compile(r"^(#{1,6})\s+(.*)$")
_VERB = re.compile(r"\b(?:deprecat\w*|decommission\w*|retir\w*|remov\w*|sunset\w*|discontinu\w*|shut ?down|"
                   r"no longer (?:be )?(?:available|served|supported))\b", re.I)
_CUE = re.compile(r"\b(?:migrate to|switch to|replaced by|moved? to)\b", re.I)
_FEATURE = re.compile(r"\b(?:sdk|inference|generation|inlining|feature|api|parameter|endpoint|region|cli|ui|"
                      r"integration|fine-?tuning)s?\b", re.I)
_NAMED = re.compile(r"\*\*\[([^\]]+)\]\([^)]*\)\*\*|\[([^\]]+)\]\([^)]*\)|\*\*([^*]+)\*\*")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z*\[])")
_LIST_WORDS = re.compile(r"\s*(?:,\s*and\s+|,\s*|\s+and\s+|\s*&\s*)\s*")
_SERVERLESS = re.compile(r"\bserverless\b", re.I)


def _slugs(text: str) -> dict[str, str]:
    """Display name -> model slug, from every link to a model page on the page."""
    found: dict[str, str] = {}
    for label, slug in _MODEL_LINK.findall(text):
        found.setdefault(normalize_text(label), slug)
    return found


def _named(text: str) -> list[str]:
    """Bold or linked names in order, without labels ("**Action required**", "**Migration recommendations:**")."""
    names = [normalize_text(a or b or c) for a, b, c in _NAMED.findall(text)]
    return [n for n in names if n[:1].isupper() or n[:1].isdigit()
            if not n.endswith(":") and not _VERB.search(n) and parse_deadline(n).date is None]


def _sections(update: Update) -> list[tuple[str, list[str]]]:
    """(heading, lines) per top-level section of the entry; its sub-headings ("## Recommended migrations")
    stay inside it."""
    found: list[tuple[str, list[str]]] = [("", [])]
    levels = [len(h[1]) for line in update.body.splitlines() if (h := _TOP.match(line))]
    for line in update.body.splitlines():
        heading = _TOP.match(line)
        if heading and len(heading[1]) == min(levels):
            found.append((normalize_text(plain(heading[2])), []))
        else:
            found[-1][1].append(line)
    return [(title, lines) for title, lines in found if title or any(line.strip() for line in lines)]


def _heading_names(title: str) -> list[str]:
    """"Serverless deprecation: Kimi K2.5 and Qwen 3.6 Plus" -> the names after the colon."""
    _, colon, rest = title.partition(":")
    if not colon or _VERB.search(rest) or re.search(r"\bmodels?\b|\d{4}", rest, re.I) or _FEATURE.search(rest):
        return []
    return [part.strip() for part in _LIST_WORDS.split(rest) if part.strip()]


def _split(text: str) -> tuple[str, str]:
    """(subject part, replacement part) of a sentence or list item, cut at "— migrate to"/"Migrate to"."""
    cue = _CUE.search(text)
    return (text[:cue.start()], text[cue.start():]) if cue else (text, "")


def _section_models(title: str, lines: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """model -> its own replacements, and the replacements the section gives to all."""
    models: dict[str, list[str]] = {name: [] for name in _heading_names(title)}
    common: list[str] = []
    prose: list[str] = []
    for line in lines:
        if _TOP.match(line):
            prose.append("\n")  # a sub-heading ("## Recommended migrations") labels what follows
            continue
        item = _ITEM.match(line)
        if item is None:
            prose.append(line)
            continue
        subject, rest = _split(item[1])
        head = _named(subject)
        if head and subject.lstrip().startswith(("**", "[")):
            models.setdefault(head[0], []).extend(_named(rest))
    sentences = [s for block in " ".join(prose).split("\n") for s in _SENTENCE.split(" ".join(block.split()))]
    for sentence in sentences:
        subject, rest = _split(sentence)
        if _VERB.search(subject) and not _FEATURE.search(subject.split("**")[0]):
            for name in _named(subject):
                models.setdefault(name, []).extend(_named(rest))
        elif rest and not _VERB.search(sentence):
            common.extend(_named(rest))
    for table in tables("\n".join(lines)):
        model_col = table.column("model")
        replacement_col = table.column("replacement", "migrate", "recommended", "instead")
        for row in table.rows:
            if model_col is not None and row.cell(model_col):
                replacement = row.cell(replacement_col) if replacement_col is not None else ""
                models.setdefault(row.cell(model_col), []).extend([replacement] if replacement else [])
    return models, common


def _identify(name: str, slugs: dict[str, str]) -> tuple[str, str]:
    slug = slugs.get(name)
    if slug is not None:
        return ID_PREFIX + slug, "the page's link to the model"
    return name, "display name: the page links no model page for it"


def _deadline(title: str, lines: list[str]) -> Deadline:
    own = parse_deadline(title)
    if own.date is not None:
        return own
    for sentence in _SENTENCE.split(" ".join(" ".join(lines).split())):
        found = parse_deadline(plain(sentence))
        if found.date is not None and (_VERB.search(sentence) or re.search(r"\b(?:before|after|on)\b", sentence)):
            return found
    return Deadline(None, None, False, "")


def _entry_drafts(update: Update, slugs: dict[str, str], url: str, today: datetime | None) -> list[EventDraft]:
    drafts = []
    for title, lines in _sections(update):
        if not _VERB.search(title) or (_FEATURE.search(title) and not _heading_names(title)
                                       and not re.search(r"\bmodels?\b|serverless", title, re.I)):
            continue
        models, common = _section_models(title, lines)
        deadline = _deadline(title, lines)
        text = " ".join([title, *lines])
        over = deadline.date is not None and today is not None and deadline.date < today.date()
        for name, own in models.items():
            model, how = _identify(name, slugs)
            replacements = list(dict.fromkeys(own or common))
            ids = [_identify(r, slugs)[0] for r in replacements]
            drafts.append(deprecation(
                platform=PLATFORM, model=model, deadline=deadline, url=url,
                replacement=" or ".join(replacements) or None, replacement_ids=ids,
                status="retired" if over else "deprecated", announced=update.day.date,
                extra={"display_name": name, "id_from": how, "entry": update.label, "section": title,
                       "scope": "serverless" if _SERVERLESS.search(text) else None},
            ))
    return drafts


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    text = body.decode("utf-8", errors="replace")
    entries = updates(text)
    if not entries:
        raise LayoutChanged("layout changed: no <Update label=\"YYYY-MM-DD\"> entries on the Fireworks changelog")
    slugs = _slugs(text)
    drafts = merge(d for entry in entries for d in _entry_drafts(entry, slugs, url, fetched_at))
    return ParseResult(drafts=drafts, items_seen=max(len(entries), len(drafts)), document="changelog",
                       may_be_empty=True)


CONNECTOR = PolledConnector(kind="fireworks-changelog", parse=parse, documents=single_document,
                            describes="Fireworks changelog (serverless model deprecations)", lifecycle=True)
