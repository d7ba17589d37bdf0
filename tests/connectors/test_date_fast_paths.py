"""`normalize_text` and `parse_deadline` take shortcuts (ASCII text skips NFKC, text without a digit
or a month's name is no date, an ISO day is read at once, months are looked up). They must read
everything exactly as the plain versions kept here did: every table cell and every line of every
fixture, and generated text full of dashes, digits, month names and marks."""

from __future__ import annotations

import calendar
import email.utils
import re
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors._tables import tables
from connectors.contract.dates import normalize_text, parse_deadline

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")
_NO_DATE = re.compile(
    r"^(?:|-+|n/?a|none|tbd|tba|unknown|not applicable|no (?:shutdown|retirement|deprecation) date "
    r"(?:announced|yet|set)|not (?:yet )?(?:announced|scheduled))\.?$", re.I)
_EARLIEST = re.compile(r"\b(?:no earlier than|not earlier than|not sooner than|no sooner than|not before|"
                       r"earliest|at the earliest|or later)\b", re.I)
_ISO = re.compile(r"\b(\d{4})([-./])(\d{1,2})\2(\d{1,2})\b")
_US_NUMERIC = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})\b")
_MONTH_DAY_YEAR = re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")
_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b")
_MONTH_YEAR = re.compile(r"\b([A-Za-z]{3,9})\.?,?\s+(\d{4})\b")
_EPOCH = re.compile(r"^\d{9,11}(?:\.\d+)?$")


def reference_normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    text = re.sub(r"[`*]", "", text).replace("\\", "")
    text = re.sub(r"(?<![A-Za-z0-9])_+|_+(?![A-Za-z0-9])", "", text)
    return " ".join(text.split())


def _month(name: str) -> int | None:
    word = name.lower()
    if len(word) < 3:
        return None
    return next((n for n in range(1, 13) if calendar.month_name[n].lower().startswith(word)
                 or (word == "sept" and n == 9)), None)


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _epoch_day(seconds: float) -> date | None:
    try:
        return datetime.fromtimestamp(seconds, UTC).date()
    except (ValueError, OverflowError, OSError):
        return None


def reference_deadline(raw: str) -> tuple[object, ...]:
    """(date, precision, earliest) as the plain version read `raw`."""
    text = reference_normalize(raw)
    if _NO_DATE.match(text):
        return None, None, False
    earliest = bool(_EARLIEST.search(text))
    if _EPOCH.match(text):
        day = _epoch_day(float(text))
        return day, "day" if day else None, False
    found: date | None = None
    if match := _ISO.search(text):
        found = _day(int(match[1]), int(match[3]), int(match[4]))
    elif match := _US_NUMERIC.search(text):
        found = _day(int(match[3]) + (2000 if len(match[3]) == 2 else 0), int(match[1]), int(match[2]))
    elif (match := _MONTH_DAY_YEAR.search(text)) and (month := _month(match[1])):
        found = _day(int(match[3]), month, int(match[2]))
    elif (match := _DAY_MONTH_YEAR.search(text)) and (month := _month(match[2])):
        found = _day(int(match[3]), month, int(match[1]))
    if found is not None:
        return found, "day", earliest
    if (match := _MONTH_YEAR.search(text)) and (month := _month(match[1])):
        return date(int(match[2]), month, 1), "month", earliest
    try:
        stamp = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None, None, False
    return stamp.date(), "day", earliest


def _same(text: str) -> None:
    assert normalize_text(text) == reference_normalize(text), text
    read = parse_deadline(text)
    assert (read.date, read.precision, read.earliest, read.raw) == (*reference_deadline(text), text), text


def _fixture_texts() -> list[str]:
    found: set[str] = set()
    for path in sorted(FIXTURES.rglob("*")):
        if path.is_file() and path.suffix in (".md", ".html", ".json", ".xml", ".atom", ".rss", ".eml"):
            text = path.read_text(errors="replace")
            found.update(line.strip() for line in text.splitlines())
            if path.suffix in (".md", ".html"):
                found.update(cell for table in tables(text) for row in table.rows for cell in row.cells)
    return sorted(found)


def test_every_fixture_cell_and_line_reads_as_before() -> None:
    texts = _fixture_texts()
    assert len(texts) > 5000
    dated = 0
    for text in texts:
        _same(text)
        dated += parse_deadline(text).date is not None
    assert dated > 500, "the fixtures exercise the date forms"


@pytest.mark.parametrize("text", [
    "2026-06-30", "2026-6-3", "2026-02-30", "2026.6.30", "2026/6/30", "6/30/26", "06/30/2026", "13/45/26",
    "Mon, 01 Jan 26 10:00:00 GMT", "1 Jan 26 10:00 +0000", "Wed, 02 Oct 2026 08:00:00 -0000", "01-Jan-26 10:00 GMT",
    "Sept 3rd, 2026", "3 September 2026", "June 2026", "Junk 2026", "no sooner than 2026-01-01", "2026-01-01 or later",
    "1767225600", "1767225600.5", "99999999999", "us-east-1, us-west-2", "gpt-4o-2024-08-06", "Q3 2026", "TBD", "",
])
def test_the_date_forms_read_as_before(text: str) -> None:
    _same(text)


_PIECES = st.sampled_from([
    "2026", "06", "6", "30", "1st", "22nd", "3rd", "th", "-", "/", ".", ",", " ", "  ", "\t", "Jan", "jan", "Sept",
    "September", "May", "Mon,", "GMT", "+0000", "10:00", "10:00:05", "earliest", "no sooner than", "or later", "TBD",
    "n/a", "\u2013", "\u2212", "\uff10", "\u0663", "\u00a0", "Ｍａｙ", "*", "`", "_", "__x__", "a_b", "\\", "ſ",
    "1767225600", "9999999999", "1e3",
])


@settings(max_examples=1500, derandomize=True, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=3)), max_size=10).map("".join))
def test_generated_text_reads_as_before(text: str) -> None:
    _same(text)
