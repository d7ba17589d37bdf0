"""Words shared by every output: counts with the right plural, days left, safe links, clipping.
Pure."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

ELLIPSIS = "…"
_ENTITY_TAIL = re.compile(r"&[a-zA-Z#0-9]{0,8}$")


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def days_phrase(days: int) -> str:
    return plural(days, "day")


def days_left_phrase(days_left: int) -> str:
    if days_left == 0:
        return "today"
    if days_left > 0:
        return f"{days_phrase(days_left)} left"
    return f"{days_phrase(-days_left)} overdue"


def safe_url(url: str | None) -> str | None:
    """Only http(s) URLs become links; anything else (javascript:, data:) is text, never a link."""
    if not url:
        return None
    text = url.strip()
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return None
    # Quotes, brackets, spaces and control characters would end the link early in one format or another.
    if scheme not in ("http", "https") or any(c in "<>|\"` " or ord(c) < 32 or ord(c) == 127 for c in text):
        return None
    return text


def printable(text: str) -> str:
    """Text without control characters (a line break stays), for formats that refuse them (ICS)."""
    return "".join(c for c in text.replace("\r\n", "\n") if c == "\n" or (ord(c) >= 32 and ord(c) != 127))


def event_page(public_url: str | None, event_id: int | None) -> str | None:
    """The dashboard's page of an event, where `[server] public_url` says the dashboard is."""
    base = safe_url(public_url)
    return f"{base.rstrip('/')}/events/{event_id}" if base and event_id is not None else None


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, with an ellipsis when cut; an escaped entity is never cut in half."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - len(ELLIPSIS), 0)]
    cut = _ENTITY_TAIL.sub("", cut)
    if cut.rfind("<") > cut.rfind(">"):  # a Slack link or mention cut open: leave it out whole
        cut = cut[: cut.rfind("<")]
    return cut + ELLIPSIS
