"""Case-insensitive searches that first look for the words any match needs. Pure.

The prose readers ask a dozen alternations ("retire|deprecate|discontinue|…" between word boundaries,
ignoring case) of every sentence of a changelog. Python's regex engine tries such a pattern at every
position of the text, and most sentences hold none of its words: a substring check on the sentence in
lower case says so first, several times faster. The check is only taken on ASCII text: ignoring case,
the engine also matches some other letters to ASCII ones ("ſ" to "s", "K" to "k", "ı" to "i"),
which lower-casing does not.

Each pattern names its words by hand; tests/connectors/test_prefilter.py checks every one against its
plain pattern over every line of every fixture and over text the pattern itself generates.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator


class Prefiltered:
    """`pattern` (compiled with `flags`), searched only in text that contains one of `words`."""

    __slots__ = ("pattern", "words")

    def __init__(self, pattern: str, flags: int, words: Iterable[str]) -> None:
        self.pattern = re.compile(pattern, flags)
        self.words = tuple(word.lower() for word in words)

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.pattern.search(text, pos, endpos) if self.may_match(text) else None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.pattern.finditer(text) if self.may_match(text) else iter(())

    def sub(self, replacement: str, text: str) -> str:
        return self.pattern.sub(replacement, text) if self.may_match(text) else text

    def may_match(self, text: str) -> bool:
        """False when `text` is ASCII and holds none of the words."""
        if not text.isascii():
            return True
        lowered = text.lower()
        for word in self.words:  # a loop, not any(): no generator to set up for each sentence
            if word in lowered:
                break
        else:
            return False
        return True
