"""Every prefiltered pattern (connectors/_prefilter.py) finds what its plain pattern finds: over every
line and every whole text of every fixture, and over generated text that the pattern matches (so a word
left out of its list, or one it names wrongly, fails here)."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import connectors
from connectors import _prose_reader
from connectors._prefilter import Prefiltered

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _prefiltered() -> dict[str, Prefiltered]:
    found = {}
    for module in pkgutil.iter_modules(connectors.__path__):
        loaded = importlib.import_module(f"connectors.{module.name}")
        found |= {f"{module.name}.{name}": value for name, value in vars(loaded).items()
                  if isinstance(value, Prefiltered)}
    return found


PATTERNS = _prefiltered()
TEXTS = [p.read_text(errors="replace") for p in sorted(FIXTURES.rglob("*")) if p.is_file()]
LINES = sorted({line for text in TEXTS for line in text.splitlines()})


def _same(quick: Prefiltered, text: str) -> None:
    middle = len(text) // 2
    for where in ((0, len(text)), (1, len(text)), (0, middle), (middle, len(text))):
        found, plain = quick.search(text, *where), quick.pattern.search(text, *where)
        assert (found and (found.span(), found.groups())) == (plain and (plain.span(), plain.groups())), text
    assert [m.span() for m in quick.finditer(text)] == [m.span() for m in quick.pattern.finditer(text)]
    assert quick.sub("#", text) == quick.pattern.sub("#", text)


def test_the_readers_use_prefilters() -> None:
    assert {"_prose_reader._VERB", "_page_notes._EARLIEST_NOTE", "perplexity_changelog._FEATURE"} <= set(PATTERNS)
    assert all(word == word.lower() and word.isascii() for quick in PATTERNS.values() for word in quick.words)
    # the patterns written in lower case are also looked for in lower-cased text first
    assert PATTERNS["_prose_reader._VERB"].scan is not None and PATTERNS["_prose_reader._MONTH_DAY"].scan is None


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_a_prefilter_finds_what_its_pattern_finds_in_every_fixture(name: str) -> None:
    quick = PATTERNS[name]
    matched = 0
    for text in [*LINES, *TEXTS]:
        _same(quick, text)
        matched += quick.pattern.search(text) is not None
    assert matched > 0, "the fixtures exercise the pattern"


def test_non_ascii_text_is_searched_as_it_is() -> None:
    """Ignoring case, "ſ" is an "s" to the regex engine: no word check stands in the way."""
    verb = PATTERNS["_prose_reader._VERB"]
    assert verb.search("`x` will ſunset on May 1") is not None
    assert verb.search("`x` will change on May 1") is None


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_a_prefilter_finds_what_its_pattern_finds_in_generated_text(name: str) -> None:
    """Text the pattern matches (every alternative of it), within other text: a word left out of the list
    would let the check turn a match away."""
    quick = PATTERNS[name]
    ascii_text = st.text(st.characters(codec="ascii"), max_size=20)

    @settings(max_examples=200, derandomize=True, deadline=None)
    @given(ascii_text, st.from_regex(quick.pattern, alphabet=st.characters(codec="ascii")), ascii_text)
    def check(before: str, matching: str, after: str) -> None:
        assert quick.search(matching) is not None
        _same(quick, before + matching + after)

    check()


_PLAIN_FAMILY = re.compile(r"`?[A-Za-z][\w.:/@-]*`?\s+(?:model\s+)?(?:series|family|families|line-?up|generation)\b",
                           re.I)
_FAMILY_PIECES = st.sampled_from(["`", " ", "\n", "model", "series", "family", "families", "lineup", "line-up",
                                  "generation", "kimi-k2", "a", "9", ".", "-", "_", "Series", "ſ", "K", "ı", "ab`"])


@settings(max_examples=500, derandomize=True, deadline=None)
@given(st.lists(st.one_of(_FAMILY_PIECES, st.text(max_size=3)), max_size=20).map("".join))
def test_the_family_pattern_finds_what_its_plain_form_found(text: str) -> None:
    """`_prose_reader._FAMILY` is written to start only where a name can (see there)."""
    family = _prose_reader._FAMILY
    assert family.sub(" ", text) == _PLAIN_FAMILY.sub(" ", text)
    assert [m.span() for m in family.finditer(text)] == [m.span() for m in _PLAIN_FAMILY.finditer(text)]
