"""`perplexity-changelog`: Perplexity's API changelog (docs.perplexity.ai `/docs/resources/changelog`).

Entries are `<Update label="July 2026" tags={["Models", "Deprecation"]}>` blocks; the "Deprecation"
tag is how the page marks entries that retire models. Notices are sentences: "As of December 15,
2025, the `sonar-reasoning` model has been deprecated and removed", "as of May 14, several models …
will no longer be accessible … The following model names will no longer be available via API:"
followed by the names (code spans, one per line, as a list), "`google/gemini-2.5-pro` followed on
April 1, along with `google/gemini-3-pro-preview`" (a sentence continuing the previous notice).
- Models: code spans shaped like ids (`sonar-reasoning`, `google/gemini-2.5-flash`: Perplexity
  also serves other makers' models, whose ids it prefixes; the platform stays `perplexity`). In an
  entry tagged "Deprecation" a bare name shaped like an id ("R1-1776") counts too. Ids are
  lower-cased: every model id the page writes as code is lower-case.
- Date: the sentence's own; a day without year ("as of May 14") takes the year of the entry's label
  (the first such day on or after it); else the entry's dated notice sentence without models
  ("several models will no longer be accessible effective 8/12/2024"); else none.
- Replacement: what follows "migrate to / switch to / use … instead" in the notice or in the entry's
  advice sentence, or the list such a sentence introduces ("We recommend switching to models in the
  Llama-3.1 family:" and the ids listed under it).
Sentences about parameters, fields, tools or endpoints are not model notices. Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from connectors._deprecation import deprecation, merge
from connectors._prefilter import Prefiltered
from connectors._tables import plain
from connectors._update_blocks import Update, updates, year_less
from connectors.contract.dates import Deadline, normalize_text, parse_deadline
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, ParseResult
from connectors.contract.protocols import NO_HINTS, Hints, PolledConnector, single_document

PLATFORM = "perplexity"

_VERB = Prefiltered(r"\b(?:deprecat\w*|retir(?:e|ed|es|ing|ement)|remov(?:e|ed|es|al|ing)|discontinu\w*|sunset\w*|"
                    r"shut(?:ting)? ?down|no longer (?:be )?(?:available|accessible|supported|served))\b", re.I,
                    ("deprecat", "retir", "remov", "discontinu", "sunset", "shut", "no longer"))
# Gone already: "has been retired", "has been deprecated and removed", "were removed", "followed on April 1".
_PAST = Prefiltered(r"\b(?:has|have) been (?:\w+ )?(?:removed|retired|discontinued|deprecated and removed)\b|"
                    r"\b(?:was|were) (?:\w+ )?(?:removed|retired|discontinued)\b|^\s*retired\b|\bfollowed\b", re.I,
                    ("removed", "retired", "discontinued", "followed"))
_CUE = Prefiltered(r"\b(?:migrat(?:e|ing) to|switch(?:ing)? to|upgrad(?:e|ing) to|recommend\w*|use|instead)\b", re.I,
                   ("migrat", "switch", "upgrad", "recommend", "use", "instead"))
_CONTINUES = Prefiltered(r"\b(?:followed|along with)\b", re.I, ("followed", "along with"))
_FEATURE = Prefiltered(r"\b(?:parameters?|fields?|endpoints?|paths?|schemas?|tools?|presets?|headers?|filters?|"
                       r"keys?|sdks?)\b", re.I,
                       ("parameter", "field", "endpoint", "path", "schema", "tool", "preset", "header", "filter", "key",
                        "sdk"))
_CODE = re.compile(r"`([^`\n]+)`")
_ID = re.compile(r"[a-z0-9][a-z0-9._]*(?:[-/][a-z0-9._]+)+")
_BARE = re.compile(r"(?<![\w`/-])[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9.]+)+(?![\w`/-])")
_ITEM = re.compile(r"^(?:[-*+]\s+(.*)|(`[^`]+`))$")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z`*\[(])")


@dataclass
class _Unit:
    sentence: str  # as written (Markdown)
    items: list[str] = field(default_factory=list)  # the list it introduces

    @property
    def text(self) -> str:
        return normalize_text(plain(self.sentence))

    @property
    def intro(self) -> bool:
        return self.sentence.rstrip(" *").endswith((":", " -"))


def _is_label(sentence: str) -> bool:
    """"**Online Models** -": a short label inside a list, not a sentence of its own."""
    return sentence.rstrip(" *").endswith((":", " -")) and len(plain(sentence).split()) <= 4


def _units(body: str) -> list[_Unit]:
    """The entry's sentences in order, each with the list items (one code span or `* item` per line)
    that follow it when it ends in ":" or " -"; blank lines between items do not end the list."""
    units: list[_Unit] = []
    open_list: _Unit | None = None
    for block in re.split(r"\n\s*\n", body):
        for line in (raw.strip() for raw in block.splitlines() if raw.strip()):
            item = _ITEM.match(line)
            if item is not None and open_list is not None:
                open_list.items.append(item[1] or item[2])
                continue
            if open_list is not None and _is_label(line):
                continue  # the list goes on under a sub-label
            sentences = _SENTENCE.split(line) if "." in line or "!" in line or "?" in line else [line]
            units += [_Unit(s) for s in sentences]
            open_list = units[-1] if units[-1].intro else None
    return units


def _ids(text: str) -> list[str]:
    return [c.strip().lower() for c in _CODE.findall(text) if _ID.fullmatch(c.strip().lower())]


def _models(unit: _Unit, tagged: bool) -> list[str]:
    cue = _CUE.search(unit.sentence)
    subject = unit.sentence[:cue.start()] if cue else unit.sentence
    found = _ids(subject) + [i for item in unit.items for i in _ids(item)[:1]]
    if tagged:
        bare = _CODE.sub(" ", subject)
        found += [w.lower() for w in _BARE.findall(bare) if any(ch.isdigit() for ch in w)]
    return list(dict.fromkeys(found))


def _advice(unit: _Unit) -> tuple[list[str], str | None]:
    """(ids, text) a replacement clause names: its model ids, else its code spans or bold names."""
    cue = _CUE.search(unit.sentence)
    if cue is None:
        return [], None
    rest = unit.sentence[cue.start():]
    ids = _ids(rest) + [i for item in unit.items for i in _ids(item)]
    named = [c for c in _CODE.findall(rest) if not _ID.fullmatch(c.strip().lower())]
    return list(dict.fromkeys(ids)), (", ".join(ids) or ", ".join(named)) or None


@dataclass
class _Notice:
    models: list[str]
    deadline: Deadline
    past: bool
    sentence: str
    replacement_ids: list[str]
    replacement: str | None


def _dated(text: str, announced: date | None) -> Deadline | None:
    own = parse_deadline(text)
    if own.date is not None and own.precision == "day":
        return own
    return year_less(text, announced)


def _notices(update: Update) -> list[_Notice]:
    announced, tagged = update.day.date, update.tagged("Deprecation")
    units = _units(update.body)
    found: list[_Notice] = []
    effective: Deadline | None = None
    advice: tuple[list[str], str | None] = ([], None)
    for unit in units:
        text = unit.text
        verb = _VERB.search(text)
        if verb and not _FEATURE.search(text, 0, verb.start()):  # not "the `x` parameter was removed"
            models = _models(unit, tagged)
            if not models:
                effective = effective or _dated(text, announced)
                continue
            ids, said = _advice(unit)
            found.append(_Notice(models, _dated(text, announced) or Deadline(None, None, False, ""),
                                 bool(_PAST.search(text)), text, ids, said))
        elif found and _CONTINUES.search(text) and (models := _models(unit, tagged)):
            last = found[-1]
            found.append(_Notice(models, _dated(text, announced) or last.deadline, last.past or
                                 bool(_PAST.search(text)), text, last.replacement_ids, last.replacement))
        elif _CUE.search(text) and not advice[1]:
            advice = _advice(unit)
    return [_Notice(n.models, n.deadline if n.deadline.date else effective or n.deadline, n.past, n.sentence,
                    n.replacement_ids or advice[0], n.replacement or advice[1]) for n in found]


def _drafts(update: Update, url: str, fetched_at: datetime | None) -> list[EventDraft]:
    notices = sorted(_notices(update), key=lambda n: n.deadline.date is None)  # dated mentions speak first
    retired = {m for n in notices if n.past for m in n.models}
    drafts: dict[str, EventDraft] = {}  # one per model: an entry's later mentions repeat its first
    for notice in notices:
        over = notice.deadline.date is not None and fetched_at is not None and notice.deadline.date < fetched_at.date()
        for model in notice.models:
            drafts.setdefault(model, deprecation(
                platform=PLATFORM, model=model, deadline=notice.deadline, url=url,
                replacement=notice.replacement, replacement_ids=[r for r in notice.replacement_ids if r != model],
                status="retired" if over or model in retired else "deprecated", announced=update.day.date,
                extra={"entry": update.label, "tags": list(update.tags), "notice": notice.sentence[:300]},
            ))
    return list(drafts.values())


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    entries = updates(body.decode("utf-8", errors="replace"))
    if not entries:
        raise LayoutChanged("layout changed: no <Update label=\"Month YYYY\"> entries on the Perplexity changelog")
    drafts = merge(d for entry in entries for d in _drafts(entry, url, fetched_at))
    return ParseResult(drafts=drafts, items_seen=max(len(entries), len(drafts)), document="changelog",
                       may_be_empty=True)


CONNECTOR = PolledConnector(kind="perplexity-changelog", parse=parse, documents=single_document,
                            describes="Perplexity API changelog (model deprecation notices)", lifecycle=True)
