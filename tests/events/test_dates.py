"""The one date module every deprecation connector uses."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.contract.dates import parse_deadline


@pytest.mark.parametrize("text, expected, precision, earliest", [
    ("2026-10-23", date(2026, 10, 23), "day", False),
    ("2026\u201103\u201126", date(2026, 3, 26), "day", False),  # U+2011 non-breaking hyphens (OpenAI)
    ("Dec 1, 2026", date(2026, 12, 1), "day", False),
    ("October 23, 2026", date(2026, 10, 23), "day", False),
    ("Sept 3, 2026", date(2026, 9, 3), "day", False),
    ("May 7th, 2026", date(2026, 5, 7), "day", False),
    ("09/21/26", date(2026, 9, 21), "day", False),
    ("12/31/2025", date(2025, 12, 31), "day", False),
    ("August 2026", date(2026, 8, 1), "month", False),
    ("No earlier than 2026-04-14", date(2026, 4, 14), "day", True),
    ("Not sooner than February 5, 2027", date(2027, 2, 5), "day", True),
    ("No sooner than May 20, 2028", date(2028, 5, 20), "day", True),
    ("July 21, 2027 or later", date(2027, 7, 21), "day", True),
    ("Earliest June 2027", date(2027, 6, 1), "month", True),
    ("1751241600", date(2025, 6, 30), "day", False),
    (1718323200, date(2024, 6, 14), "day", False),
    ("Wed, 30 Sep 2026 00:00:00 GMT", date(2026, 9, 30), "day", False),
    ("**Dec 1, 2026**", date(2026, 12, 1), "day", False),
])
def test_dates_the_pages_use(text: object, expected: date, precision: str, earliest: bool) -> None:
    parsed = parse_deadline(text)
    assert (parsed.date, parsed.precision, parsed.earliest) == (expected, precision, earliest)
    assert parsed.raw == str(text)


@pytest.mark.parametrize("text", [
    "No shutdown date announced", "No retirement date announced", "N/A", "n/a", "—", "-", "---", "", "  ",
    None, "At base model retirement", "Mayday 2026", "13/45/26", "2026-02-30",
])
def test_no_date(text: object) -> None:
    parsed = parse_deadline(text)
    assert (parsed.date, parsed.precision, parsed.earliest) == (None, None, False)
    assert parsed.raw == ("" if text is None else str(text))


@given(st.text(max_size=80))
def test_never_crashes_and_keeps_the_raw_text(text: str) -> None:
    parsed = parse_deadline(text)
    assert parsed.raw == text
    assert (parsed.date is None) == (parsed.precision is None)


# Two-digit years (Groq) are read as 20YY: deprecation dates are all in this century.
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
       st.sampled_from(["{d:%Y-%m-%d}", "{d:%b} {d.day}, {d.year}", "{d:%B} {d.day}, {d.year}", "{d:%m/%d/%y}",
                        "No earlier than {d:%Y-%m-%d}", "{d:%B} {d.day}, {d.year} or later"]))
def test_round_trips_every_written_form(day: date, form: str) -> None:
    parsed = parse_deadline(form.format(d=day))
    assert parsed.date == day and parsed.precision == "day"
    assert parsed.earliest == ("earlier" in form or "later" in form)
