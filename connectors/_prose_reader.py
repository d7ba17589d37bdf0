"""retirement notices written as sentences and lists, read into deprecation events.

Changelogs, migration guides, status notices and e-mails say it in words: "Effective May 15, 2026, the
following models will be retired: …", "`x` will be deprecated on DATE; please migrate to `y`", "We are
retiring `a` and `b` on DATE", "**Deprecated `zai-glm-4.7`**" under a dated entry. The text is cut into
entries (a dated heading, a `<Update label=…>` block, else the whole text), each entry into sentences
with the list that follows a sentence ending in ":". A sentence with a lifecycle verb (retire,
deprecate, discontinue, shut down, sunset, remove, "no longer available") names the models it speaks
of: code spans and words shaped like model ids before any "migrate to / use … instead" clause, plus the
list it introduces. What follows such a clause, or a list introduced by one ("We encourage you to
migrate to: …"), is the replacement. The date is the sentence's own ("on", "effective", "as of",
"before", a year-less "May 14" takes the entry's year), else none: a notice with no shutdown date is a
deprecation without deadline, its entry date kept as the announcement. Notices about parameters,
endpoints, features or fine-tuning are not model retirements and are skipped.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from connectors._deprecation import deprecation
from connectors._models import is_model_id
from connectors._prefilter import Prefiltered
from connectors._tables import plain
from connectors.contract.dates import Deadline, normalize_text, parse_deadline
from connectors.contract.events import EventDraft

_VERB = Prefiltered(r"\b(?:retir(?:e|es|ed|ing|ement)|deprecat(?:e|es|ed|ing|ion|ions)|"
                    r"discontinu(?:e|es|ed|ing|ation)|shut(?:ting)? ?down|shutdown|sunset(?:s|ting)?|"
                    r"remov(?:e|es|ed|al|ing)|end[- ]of[- ]life|decommission(?:ed|ing)?|"
                    r"no longer (?:be )?(?:available|accessible|supported|served|maintained)|"
                    r"will stop (?:serving|working|responding))\b", re.I,
                    ("retir", "deprecat", "discontinu", "shut", "sunset", "remov", "life", "decommission", "no longer",
                     "will stop"))
_PAST = Prefiltered(r"\b(?:(?:has|have) been|was|were|is now|are now|officially) (?:\w+ )?(?:retired|discontinued|"
                    r"removed|shut ?down|deprecated and removed|sunset)\b|^\s*(?:retired|removed)\b", re.I,
                    ("retired", "discontinued", "removed", "shut", "sunset"))
_REPLACEMENT_CUE = Prefiltered(
    r"\b(?:migrat(?:e|ing|ion) to|switch(?:ing)? to|upgrad(?:e|ing) to|mov(?:e|ing) to|"
    r"recommend(?:ed)?(?: (?:that you )?(?:use|using|migrating to|switching to))?|"
    r"replac(?:ed|ement)(?: model)?(?: is| by| with)?|in favou?r of|instead|alternatives?|"
    r"successor|redirect(?:ed)? to|routed to|served by|use)\b", re.I,
    ("migrat", "switch", "upgrad", "mov", "recommend", "replac", "favo", "instead", "alternative", "successor",
     "redirect", "routed", "served", "use"))
_FEATURE = Prefiltered(r"\b(?:parameters?|fields?|endpoints?|headers?|sdks?|features?|fine-?tun(?:ing|ed)|"
                       r"capabilit(?:y|ies)|regions?|inlining|api keys?|options?|arguments?|flags?|interfaces?|"
                       r"console)\b", re.I,
                       ("parameter", "field", "endpoint", "header", "sdk", "feature", "fine", "capabilit", "region",
                        "inlining", "api key", "option", "argument", "flag", "interface", "console"))
_ADJECTIVE = Prefiltered(r"\b(?:deprecated|retired|retiring|sunset|discontinued|removed)\s+(?:model\s+)?"
                         r"(?:slugs?|models?|names?|versions?|ids?|aliases)\b", re.I,
                         ("deprecated", "retired", "retiring", "sunset", "discontinued", "removed"))
_VERB_ALONE = Prefiltered(r"\b(?:will be|are being|is being|has been|have been|was|were|be)\s+(?:\w+\s+)?"
                          r"(?:retired|deprecated|discontinued|removed|shut ?down|sunset)\b", re.I,
                          ("retired", "deprecated", "discontinued", "removed", "shut", "sunset"))
_NOMINAL = re.compile(r"(?:deprecation|retirement|removal|discontinuation|sunset|shutdown)s?\s+(?:\w+\s+){0,2}of\b",
                      re.I)
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_NAMED = re.compile(r"\[([^\]]+)\]\([^)]*\)|\*\*([^*]+)\*\*")
_ID_SHAPE = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:[-.:/@][A-Za-z0-9]+)+$")
# "the `kimi-k2` series models", "the Rerank-v2.0 model family": a family, not an id. A name starts at a
# backtick or after no letter (else it started there): the engine tries no word from each of its letters.
_FAMILY = Prefiltered(r"(?:`|(?<![A-Za-z]))[A-Za-z][\w.:/@-]*+`?\s+(?:model\s+)?"
                      r"(?:series|family|families|line-?up|generation)\b", re.I,
                      ("series", "famil", "lineup", "line-up", "generation"))
_CODE = re.compile(r"`([^`\n]+)`")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9._:/@-]*[A-Za-z0-9]")
_LIST_ITEM = re.compile(r"^(\s*)(?:[-*+•]|\d+[.)])\s+(.*)$")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z`*\[(])")
_UPDATE = re.compile(r"<Update\s+label=\"([^\"]*)\"[^>]*>(.*?)</Update>", re.S | re.I)
_HEADING = re.compile(r"^\s*#{1,6}\s+(.*?)\s*#*\s*$")
_MONTH_DAY = Prefiltered(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+(\d{1,2})"
                         r"(?:st|nd|rd|th)?\b(?!,?\s*\d{4})", re.I,
                         ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))
_ANNOUNCED = Prefiltered(r"\b(?:announc(?:ed|es|ing)|e-?mailed|notified|informed|told)\b", re.I,
                         ("announc", "mailed", "notified", "informed", "told"))
_TAG = re.compile(r"<[^>]+>")
_DIGIT = re.compile(r"[0-9]")
_YEAR = re.compile(r"\d{4}")
_DATE_CUE = re.compile(r"\b(?:on|effective|as of|after|before|from|starting|until|by|in)\b", re.I)


@dataclass
class Entry:
    label: str  # the dated heading or Update label it stands under ("" for the whole text)
    announced: date | None
    lines: list[str] = field(default_factory=list)
    effective: Deadline | None = None  # a date the heading gives for what happens ("Retirement on …")


@dataclass(frozen=True)
class Notice:
    models: list[str]
    replacements: list[str]
    replacement_text: str | None
    deadline: Deadline
    past: bool
    sentence: str
    aliases: dict[str, list[str]] = field(default_factory=dict)  # "`command-r-03-2024` (and the alias `command-r`)"
    # "the `kimi-k2` series models": a family the page names, not an id; a provider layer may expand it
    # to the ids it lists (no event is made for a family by this reader)
    families: list[str] = field(default_factory=list)


def _entries(text: str) -> list[Entry]:
    """`<Update label=…>` blocks; else one entry per heading. A dated heading ("## Date: 2026-04-24",
    "### 2026-04-04: Embed v2.0") is an announcement, unless it says what happens on that day ("Grok
    Model Retirement on May 15, 2026"): then its date is when it happens. An undated heading opens a
    section of the dated entry above it, so that one section's replacement is not another's."""
    updates = _UPDATE.findall(text)
    if updates:
        return [Entry(label, parse_deadline(label).date, body.splitlines()) for label, body in updates]
    entries: list[Entry] = [Entry("", None)]
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if not heading:
            entries[-1].lines.append(line)
            continue
        title = plain(heading[1])
        when = parse_deadline(title)
        if when.date is not None and _VERB.search(title):
            entries.append(Entry(title, None, effective=when))
        elif when.date is not None:
            entries.append(Entry(title, when.date))
        else:
            entries.append(Entry(entries[-1].label, entries[-1].announced, [title + "."],
                                 effective=entries[-1].effective))
    return [e for e in entries if any(line.strip() for line in e.lines)]


def _units(lines: list[str]) -> Iterator[tuple[str, list[str]]]:
    """(sentence, the list items it introduces) over an entry's lines; table rows are not prose."""
    paragraph: list[str] = []
    pending: tuple[str, list[str]] | None = None

    def close_paragraph() -> Iterator[tuple[str, list[str]]]:
        nonlocal pending
        if not paragraph:
            return
        joined = " ".join(paragraph)
        sentences = _SENTENCE_END.split(joined) if any(mark in joined for mark in ".!?;") else [joined]
        paragraph.clear()
        if pending is not None:
            yield pending
        yield from ((s, []) for s in sentences[:-1])
        pending = (sentences[-1], [])

    for raw in textwrap.dedent("\n".join(lines)).splitlines():
        line = (_TAG.sub(" ", raw) if "<" in raw else raw).strip().lstrip(">").strip()
        if line.startswith("|"):
            yield from close_paragraph()
            continue
        item = _LIST_ITEM.match(raw.replace("\t", "    "))
        if item:
            yield from close_paragraph()
            if pending is not None and pending[0].rstrip(" *").endswith(":") and len(item[1]) < 2:
                pending[1].append(item[2])
            elif pending is not None and pending[1] and len(item[1]) >= 2:
                pending[1].append(item[2])  # "* Chat tasks alternatives:" over indented ids: the intro's too
            else:
                if pending is not None:
                    yield pending
                pending = (item[2], [])
            continue
        if not line:
            yield from close_paragraph()
            continue
        if pending is not None and pending[1]:
            yield pending
            pending = None
        paragraph.append(line)
    yield from close_paragraph()
    if pending is not None:
        yield pending


def _ids(text: str) -> list[str]:
    """Model ids named in `text`: code spans shaped like ids (a family we know, or words joined by hyphens
    as ids are and parameter names are not), and bare words of a known family."""
    found: list[str] = []
    if "`" in text:
        codes = [c.strip() for c in _CODE.findall(text)]
        found = [c for c in codes if is_model_id(c) or (_ID_SHAPE.match(c) and "-" in c and "_" not in c)]
        text = _CODE.sub(" ", text)
    # a word of letters only has neither a digit nor a hyphen: most words are skipped without a look
    found += [w for w in _WORD.findall(text)
              if not w.isalpha() and ("-" in w or _DIGIT.search(w)) and is_model_id(w)]
    return list(dict.fromkeys(found))


def _year_less(sentence: str, announced: date | None, today: date | None) -> Deadline | None:
    """"as of May 14": the first such day after the announcement, else the one nearest to today."""
    match = _MONTH_DAY.search(sentence)
    reference = announced or today
    if not match or reference is None:
        return None
    days = [d for year in (reference.year - 1, reference.year, reference.year + 1)
            if (d := parse_deadline(f"{match[1]} {match[2]}, {year}").date) is not None]
    if announced is not None:
        days = [d for d in days if d >= announced]
        day = min(days, default=None)
    else:
        day = min(days, key=lambda d: abs((d - reference).days), default=None)
    return Deadline(day, "day", False, match[0]) if day else None


def _notice(sentence: str, unlinked: str, items: list[str], entry: Entry, today: date | None) -> Notice | None:
    raw = " ".join(unlinked.replace("**", "").split())  # links as their words; code marks kept: they name ids
    verb = _VERB.search(raw)
    if not verb:
        return None
    if _ADJECTIVE.search(raw) and not items and not _VERB_ALONE.search(raw):
        return None  # "requests to a deprecated slug", "the retired model slugs above": no notice
    cue = _REPLACEMENT_CUE.search(raw, verb.start())
    subject, rest = (raw, "") if cue is None else (raw[:cue.start()], raw[cue.start():])
    if _NOMINAL.match(raw, verb.start()):
        subject = subject[verb.start():]  # "the release of `a` along with the deprecation of `b`"
    listed = [_ids(_FAMILY.sub(" ", item.split("(")[0]))[:1] for item in items]
    models = _ids(_FAMILY.sub(" ", subject)) + [i for ids in listed for i in ids]
    families = [f for match in _FAMILY.finditer(subject) for f in _ids(match[0])
                if f not in models]
    if not models and not families:
        return None
    aliases = {head[0]: _ids(item[item.index("("):]) for item in items
               if "alias" in item.lower() and "(" in item and (head := _ids(item.split("(")[0])[:1])}
    first = min((raw.find(m) for m in models if raw.find(m) >= 0), default=len(raw))
    feature = _FEATURE.search(raw)
    if feature and feature.start() < first:
        return None  # "Fine-tuning for `command` … is being retired", "Deprecating `x` parameter"
    replacements = list(dict.fromkeys(_ids(rest)))
    named = [normalize_text(link or bold) for link, bold in _NAMED.findall(
        sentence[max(sentence.lower().find(cue[0].lower()), 0):])] if cue is not None else []
    text = normalize_text(raw)
    if _ANNOUNCED.search(text):  # "On August 24, 2026, we announced the deprecation of …": that day is not the end
        text = text[_VERB.search(text).start():]  # type: ignore[union-attr]  # the verb is there (above)
    dated = parse_deadline(text) if _DATE_CUE.search(text) or _YEAR.search(text) else None
    deadline = dated if dated is not None and dated.date is not None else _year_less(text, entry.announced, today)
    return Notice(list(dict.fromkeys(models)), replacements, " or ".join(named[:3]) or None,
                  deadline or Deadline(None, None, False, ""), bool(_PAST.search(text)), text, aliases, families)


def notices(text: str, today: date | None = None) -> tuple[list[tuple[Entry, Notice]], int]:
    """Every model retirement notice in `text`, with the entry it stands in; and the entries seen."""
    found: list[tuple[Entry, Notice]] = []
    entries = _entries(text)
    for entry in entries:
        entry_replacements: list[str] = []
        entry_text: str | None = None
        mine: list[Notice] = []
        effective: Deadline | None = entry.effective
        for sentence, items in _units(entry.lines):
            unlinked = _LINK.sub(r"\1", sentence) if "](" in sentence else sentence  # (a link needs "](")
            notice = _notice(sentence, unlinked, items, entry, today)
            if notice is not None:
                mine.append(notice)
            elif effective in (None, entry.effective) and _VERB.search(sentence) and (
                    when := parse_deadline(sentence)).date:
                effective = when  # "Effective September 15, 2025, the following deprecations will roll out."
            elif cue := _REPLACEMENT_CUE.search(normalize_text(unlinked)):
                entry_replacements += _ids(sentence) + [i for item in items for i in _ids(item)]
                after = sentence[max(sentence.lower().find(cue[0].lower()), 0):]
                named = [normalize_text(link or bold) for link, bold in _NAMED.findall(after)]
                entry_text = entry_text or (" or ".join(named[:3]) or None)
        entry_replacements = list(dict.fromkeys(entry_replacements))
        for notice in mine:
            if notice.deadline.date is None and effective is not None:
                notice = replace(notice, deadline=effective)
            if not notice.replacements and (entry_replacements or entry_text):
                notice = replace(notice, replacements=[r for r in entry_replacements if r not in notice.models],
                                 replacement_text=notice.replacement_text or entry_text)
            found.append((entry, notice))
    return found, len(entries)


def read(text: str, *, platform: str, url: str, fetched_at: datetime | None = None,
         source: str = "lifecycle prose") -> tuple[list[EventDraft], int]:
    """Deprecation drafts (before merging) for every model a notice names; and the entries seen."""
    drafts: list[EventDraft] = []
    today = fetched_at.date() if fetched_at is not None else None
    found, entries = notices(text, today)
    for entry, notice in found:
        over = notice.deadline.date is not None and today is not None and notice.deadline.date < today
        status = "retired" if notice.past or over else "deprecated"
        replacement = ", ".join(notice.replacements) or notice.replacement_text
        for model in notice.models:
            drafts.append(deprecation(
                platform=platform, model=model, deadline=notice.deadline, url=url, status=status,
                aliases=notice.aliases.get(model, ()),
                replacement=replacement, replacement_ids=[r for r in notice.replacements if r != model],
                announced=entry.announced,
                extra={"entry": entry.label or None, "notice": notice.sentence[:300], "source": source},
            ))
    dated = {d.external_id for d in drafts if d.deadline}
    # "we announced the deprecation of `a`" then "`a` will be retired on DATE": the dated notice speaks.
    return [d for d in drafts if d.deadline or d.external_id not in dated], entries
