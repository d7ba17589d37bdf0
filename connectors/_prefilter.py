"""Case-insensitive searches that first look for the words any match needs. Pure.

The prose readers ask a dozen alternations ("retire|deprecate|discontinue|…" between word boundaries,
ignoring case) of every sentence of a changelog. Python's regex engine tries such a pattern at every
position of the text, and most sentences hold none of its words: a substring check on the sentence in
lower case says so first, several times faster. Where a sentence does hold one, a pattern written in
lower case that starts at a word boundary is looked for in the lower-cased sentence without the
boundary and without ignoring case (so the engine skips to the letters an alternative starts with),
each place it finds checked with the pattern itself. Both shortcuts are only taken on ASCII text:
ignoring case, the engine also matches some other letters to ASCII ones ("ſ" to "s", "K" to "k",
"ı" to "i"), which lower-casing does not.

Each pattern names its words by hand; tests/connectors/test_prefilter.py checks every one against its
plain pattern over every line of every fixture and over text the pattern itself generates.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator


class Prefiltered:
    """`pattern` (compiled with `flags`), searched only in text that contains one of `words`."""

    __slots__ = ("pattern", "scan", "words")

    def __init__(self, pattern: str, flags: int, words: Iterable[str]) -> None:
        self.pattern = re.compile(pattern, flags)
        self.words = tuple(word.lower() for word in words)
        lower = flags == re.I and pattern.startswith(r"\b") and pattern == pattern.lower()
        self.scan = re.compile(pattern[2:]) if lower else None  # found where the pattern may start

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        if not text.isascii():
            return self.pattern.search(text, pos, endpos)
        lowered = text.lower()
        if not self._holds_a_word(lowered):
            return None
        if self.scan is None:
            return self.pattern.search(text, pos, endpos)
        start = pos
        while (found := self.scan.search(lowered, start, endpos)) is not None:
            if (match := self.pattern.match(text, found.start(), endpos)) is not None:
                return match
            start = found.start() + 1
        return None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.pattern.finditer(text) if not text.isascii() or self._holds_a_word(text.lower()) else iter(())

    def sub(self, replacement: str, text: str) -> str:
        return self.pattern.sub(replacement, text) if not text.isascii() or self._holds_a_word(text.lower()) else text

    def _holds_a_word(self, lowered: str) -> bool:
        for word in self.words:  # a loop, not any(): no generator to set up for each sentence
            if word in lowered:
                break
        else:
            return False
        return True
