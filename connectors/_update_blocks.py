"""Mintlify changelog entries: `<Update label="…" description="…" tags={["…"]}>…</Update>` blocks.

Fireworks, Perplexity and Z.ai publish their changelogs with this component in the `.md` variant of
the page; each block is one dated entry whose label is an ISO day ("2026-08-14") or a month
("July 2026") and whose tags, where given, say what the entry is about ("Deprecation"). Pure.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from connectors.contract.dates import Deadline, parse_deadline

_BLOCK = re.compile(r"<Update\b([^>]*)>(.*?)</Update>", re.S | re.I)
_ATTRIBUTE = re.compile(r"(\w+)=\"([^\"]*)\"")
_TAGS = re.compile(r"tags=\{\[(.*?)\]\}", re.S)
_TAG = re.compile(r"\"([^\"]*)\"")
_MONTH_DAY = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+(\d{1,2})"
                        r"(?:st|nd|rd|th)?\b(?!,?\s*\d{4})", re.I)


@dataclass(frozen=True)
class Update:
    label: str
    description: str
    tags: tuple[str, ...]
    body: str  # dedented

    @cached_property
    def day(self) -> Deadline:
        """The label as a date: a day ("2026-08-14") or a month ("July 2026"); read once per entry."""
        return parse_deadline(self.label)

    def tagged(self, tag: str) -> bool:
        return tag.lower() in (t.lower() for t in self.tags)


def updates(text: str) -> list[Update]:
    found = []
    for attributes, body in _BLOCK.findall(text):
        named = dict(_ATTRIBUTE.findall(attributes))
        tags = _TAGS.search(attributes)
        found.append(Update(label=named.get("label", "").strip(), description=named.get("description", "").strip(),
                            tags=tuple(_TAG.findall(tags[1])) if tags else (),
                            body=textwrap.dedent(body.strip("\n"))))
    return found


def year_less(text: str, entry: date | None) -> Deadline | None:
    """A day written without its year ("as of May 14", "followed on April 1"): the first such day on or
    after the entry's own date (a notice announces what comes next)."""
    match = _MONTH_DAY.search(text)
    if match is None or entry is None:
        return None
    for year in (entry.year, entry.year + 1):
        day = parse_deadline(f"{match[1]} {match[2]}, {year}").date
        if day is not None and day >= entry:
            return Deadline(day, "day", False, match[0])
    return None
