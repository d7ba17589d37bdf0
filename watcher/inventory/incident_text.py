"""What an incident's words say: which of a provider's API components it names, leaving out the
clauses that deny an effect ("API requests are not affected"). Pure."""

from __future__ import annotations

import re
from functools import lru_cache

from watcher.inventory.api_components import ApiSurface

# Mentions in a clause that says something is *not* affected do not count ("API requests are not
# affected" in a console incident). Clauses end at a sentence end, a line, or a contrast ("ChatGPT
# is down, but the API is not affected"); commas alone do not split, since "The API, Codex and
# ChatGPT are not affected" denies all three.
_NEGATION = re.compile(
    r"(?:\bnot|n't|\bno longer)\s+(?:been\s+|be\s+|currently\s+)?(?:affected|impacted|experiencing|seeing)\b"
    r"|\bun(?:affected|impacted)\b|\bno impact\b|\b(?:operating|working|functioning)\s+(?:normally|as expected)\b",
    re.IGNORECASE)
_CLAUSE_END = re.compile(r"[.;!?]+(?:\s+|$)|\n+|,?\s+(?:but|while|whereas|although|though)\s+", re.IGNORECASE)
# "Claude API (api.anthropic.com)": the name, and the host in brackets, each as the page's name.
_BRACKETED = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")
_DETERMINERS = frozenset({"the", "our", "your", "their", "its", "this", "these", "that", "those", "all", "any",
                          "some", "each", "every", "and", "or", "no", "both"})


@lru_cache(maxsize=4096)
def affirmed(title: str, summary: str, bodies: tuple[str, ...]) -> str:
    """Title, summary and updates, one clause a line, without the clauses that deny an effect."""
    clauses = (c.strip() for text in (title, summary, *bodies) for c in _CLAUSE_END.split(text))
    return "\n".join(c for c in clauses if c and not _NEGATION.search(c))


@lru_cache(maxsize=1024)
def word(name: str, *, ignore_case: bool, then: str = "") -> re.Pattern[str]:
    """`name` as whole words: not part of a longer word or of a dotted or hyphenated token ("api" in
    "api.anthropic.com", "Agent" in "Agents")."""
    return re.compile(rf"(?<![\w.-]){re.escape(name)}{then}(?!\w|[.-]\w)", re.IGNORECASE if ignore_case else 0)


@lru_cache(maxsize=1024)
def api_named(surface: ApiSurface, components: tuple[str, ...], text: str) -> tuple[str, list[str]]:
    """The provider's API components the incident names: ("components", names) from its component
    list, else ("text", names) from its words; ("", []) for none."""
    wanted = {name.casefold() for name in surface.components}
    listed = [c for c in components if forms(c) & wanted]
    if listed:
        return "components", listed
    said = [f"the {surface.general}"] if surface.general and general_word(surface, text) else []
    for name in surface.components:
        if name == surface.general:
            continue
        # A one-word name is also an everyday word ("slow responses", "uploaded files"): in prose it
        # counts as "<name> API" or "<name> endpoint", or capitalized inside a sentence, where the
        # capital marks the name ("errors on Realtime and Batch"; not "Responses may be slow").
        # Longer names are specific as they stand.
        if any(ch in name for ch in " .-"):
            found = bool(word(name, ignore_case=True).search(text))
        else:
            found = bool(word(name, ignore_case=True, then=r"\s+(?:API|endpoints?)").search(text)) \
                or capitalized_inside(name, text)
        if found:
            said.append(name)
    return ("text", said) if said else ("", [])


def capitalized_inside(name: str, text: str) -> bool:
    """`name` as written, not first in its clause, in a clause not in Title Case (where every long
    word has a capital and a capital says nothing)."""
    pattern = word(name, ignore_case=False)
    for line in text.splitlines():
        long_words = re.findall(r"[^\W\d_][\w'’-]{3,}", line)
        if long_words and all(w[0].isupper() for w in long_words):
            continue
        if any(found.start() > 0 for found in pattern.finditer(line)):
            return True
    return False


def forms(component: str) -> set[str]:
    bracketed = _BRACKETED.match(component)
    forms = {component.casefold()}
    if bracketed:
        forms |= {bracketed.group(1).casefold(), bracketed.group(2).strip().casefold()}
    return forms


def general_word(surface: ApiSurface, text: str) -> bool:
    """The general word used for the API as a whole: on its own or after a determiner ("the API",
    "affecting API requests", "OpenAI's API"), not narrowed by a product name ("Compliance API",
    "Admin API"), which names another product's API or a component matched by its own name."""
    assert surface.general is not None
    owners = {o.casefold() for o in surface.owners}
    pattern = word(surface.general, ignore_case=False)
    for line in text.splitlines():
        for found in pattern.finditer(line):
            previous = re.search(r"([\w'’-]+)\s+$", line[:found.start()])
            if previous is None:  # the clause starts with it, or it follows a comma in a list
                return True
            before = re.sub(r"['’]s$", "", previous.group(1))
            if not before[:1].isupper() or before.casefold() in _DETERMINERS | owners:
                return True
    return False
