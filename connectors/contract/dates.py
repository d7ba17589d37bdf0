"""Timestamp parsing shared by the connectors: every result is timezone-aware UTC."""

from __future__ import annotations

import calendar
import email.utils
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal


def parse_timestamp(value: object) -> datetime | None:
    """ISO 8601 (with `Z` or an offset), RFC 1123, or Unix epoch seconds (int, float or digit string)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a timestamp: {value!r}")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), UTC)
    if not isinstance(value, str):
        raise ValueError(f"not a timestamp: {value!r}")
    text = value.strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text), UTC)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"not a timestamp: {value!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def timestamp(value: object) -> datetime | None:
    """A provider's time, leniently: one that cannot be read (garbage, out of range) is no time,
    never a failed document."""
    try:
        return parse_timestamp(value)
    except (ValueError, OverflowError, OSError):
        return None


def isoformat(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- deadlines as the providers write them -----------------------------------------------------

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")
_EARLIEST = re.compile(r"\b(?:no earlier than|not earlier than|not sooner than|no sooner than|not before|"
                       r"earliest|at the earliest|or later)\b", re.I)
# 2026-06-30, and 2026.6.30 / 2026/6/30 as Chinese providers write them
_ISO = re.compile(r"\b(\d{4})([-./])(\d{1,2})\2(\d{1,2})\b")
_US_NUMERIC = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})\b")
_MONTH_DAY_YEAR = re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")
_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b")
_MONTH_YEAR = re.compile(r"\b([A-Za-z]{3,9})\.?,?\s+(\d{4})\b")
_EPOCH = re.compile(r"^\d{9,11}(?:\.\d+)?$")
_ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_YEAR = re.compile(r"\d{4}")  # every form but RFC 2822 and 6/30/26 holds four digits in a row
_DIGIT = re.compile(r"\d")  # any digit int() reads: no date form, RFC 2822's included, is written without one
_EMPHASIS_UNDERSCORES = re.compile(r"(?<![A-Za-z0-9])_+|_+(?![A-Za-z0-9])")


def _month_prefixes() -> dict[str, int]:
    """Every prefix of three letters or more of a month's name (`calendar`'s names), to its month: the
    first month it starts wins; "sept" is September's too. Looked up, not scanned, for every cell."""
    prefixes: dict[str, int] = {}
    for number in range(1, 13):
        name = calendar.month_name[number].lower()
        for end in range(3, len(name) + 1):
            prefixes.setdefault(name[:end], number)
    prefixes.setdefault("sept", 9)
    return prefixes


_MONTH_PREFIXES = _month_prefixes()
# what every month name email.utils reads ("jan" … "dec", "january" … "december") holds
_MONTH_ABBREVIATIONS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


@dataclass(frozen=True)
class Deadline:
    """A shutdown date as written: the parsed day (or month), how sure it is, and the raw text."""

    date: date | None
    precision: Literal["day", "month"] | None
    earliest: bool
    raw: str

    @property
    def iso(self) -> str | None:
        return self.date.isoformat() if self.date else None


def normalize_text(text: str) -> str:
    """NFKC, every kind of dash to '-', markdown emphasis and code marks off (underscores inside words
    kept), spaces folded."""
    if not text.isascii():  # NFKC and the dash table leave ASCII as it is: most cells skip both
        text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    if "`" in text or "*" in text:
        text = text.replace("`", "").replace("*", "")
    if "\\" in text:
        text = text.replace("\\", "")
    if "_" in text:
        # _emphasis_ and __strong__ marks go; an underscore inside a word is part of it (`mimo_default`)
        text = _EMPHASIS_UNDERSCORES.sub("", text)
    return " ".join(text.split())


def _month(name: str) -> int | None:
    """A month name or its abbreviation of three letters or more ("Sep", "Sept", "September")."""
    return _MONTH_PREFIXES.get(name.lower())


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _epoch_day(seconds: float) -> date | None:
    try:
        return datetime.fromtimestamp(seconds, UTC).date()
    except (ValueError, OverflowError, OSError):  # out of any calendar's range: no date
        return None


def parse_deadline(value: object) -> Deadline:
    """Every date form the deprecation pages use; text it cannot read gives no date, never an error."""
    raw = "" if value is None else str(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        day = _epoch_day(float(value))
        return Deadline(day, "day" if day else None, False, raw)
    text = normalize_text(raw)
    if not _DIGIT.search(text):  # "", "-", "n/a", "TBD", "not yet announced": no date form lacks a digit
        return Deadline(None, None, False, raw)
    if (match := _ISO_DAY.fullmatch(text)) and (day := _day(int(match[1]), int(match[2]), int(match[3]))):
        return Deadline(day, "day", False, raw)  # the common cell: a day as ISO writes it, and nothing else
    lowered = text.lower()
    named = any(month in lowered for month in _MONTH_ABBREVIATIONS)  # RFC 2822 needs a month's name
    if not named and "/" not in text and not _YEAR.search(text):
        return Deadline(None, None, False, raw)  # no year, no slash, no month ("us-east-1"): spared every search
    earliest = bool(_EARLIEST.search(text))
    if _EPOCH.match(text):
        day = _epoch_day(float(text))
        return Deadline(day, "day" if day else None, False, raw)
    found: date | None = None
    if match := _ISO.search(text):
        found = _day(int(match[1]), int(match[3]), int(match[4]))
    elif match := _US_NUMERIC.search(text):
        year = int(match[3]) + (2000 if len(match[3]) == 2 else 0)
        found = _day(year, int(match[1]), int(match[2]))
    elif (match := _MONTH_DAY_YEAR.search(text)) and (month := _month(match[1])):
        found = _day(int(match[3]), month, int(match[2]))
    elif (match := _DAY_MONTH_YEAR.search(text)) and (month := _month(match[2])):
        found = _day(int(match[3]), month, int(match[1]))
    if found is not None:
        return Deadline(found, "day", earliest, raw)
    if (match := _MONTH_YEAR.search(text)) and (month := _month(match[1])):
        return Deadline(date(int(match[2]), month, 1), "month", earliest, raw)
    if not named:
        return Deadline(None, None, False, raw)
    try:
        stamp = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return Deadline(None, None, False, raw)
    return Deadline(stamp.date(), "day", earliest, raw)


def first_dated(deadlines: Iterable[Deadline]) -> Deadline | None:
    """The deadline with the earliest date (the first of equals); None when none has a date."""
    dated = [(d.date, d) for d in deadlines if d.date is not None]
    return min(dated, key=lambda pair: pair[0])[1] if dated else None
