"""The weekly digest's wording of single values: one-line provider text, spans of time, how long an
incident has lasted and who acknowledged or snoozed a deadline's impacts (with plan and target).
Used by watcher.notify.digest while it gathers the rows.

Pure: no database, no clock (`now` and `today` are passed in), no I/O.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, tzinfo

from watcher.storage.tables import Impact
from watcher.text import plural

_SPACE = re.compile(r"\s+")


def one_line(value: str | None) -> str:
    """Provider text, comments and errors may hold newlines; in the digest every row is one line."""
    return _SPACE.sub(" ", value or "").strip()


def span(minutes: int) -> str:
    """"45 min", "2 h 5 min", "3 h", "1 day 4 h", "2 days"."""
    days, rest = divmod(max(minutes, 0), 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return plural(days, "day") + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {mins} min" if mins else "")
    return f"{mins} min"


def duration(start: datetime | None, end: datetime | None, *, now: datetime, zone: tzinfo) -> str:
    """How long an incident lasted, or since when it has been going on (the date in `zone`)."""
    if start is None:
        return "duration unknown" if end is not None else "ongoing, start unknown"
    if end is not None:
        return span(int((end - start).total_seconds() // 60))
    elapsed = now - start
    local = start.astimezone(zone)
    if elapsed >= timedelta(days=1):
        return f"ongoing since {local:%Y-%m-%d} ({plural(elapsed.days, 'day')})"
    return f"ongoing since {local:%Y-%m-%d %H:%M} ({span(int(elapsed.total_seconds() // 60))})"


def _target(target: str, today: date) -> str:
    try:
        passed = date.fromisoformat(target) < today
    except ValueError:  # stored as given; shown as given
        passed = False
    return f"target {target} passed" if passed else f"target {target}"


def human_state(impacts: list[Impact], *, many_services: bool, today: date, zone: tzinfo) -> str:
    """Who acknowledged (or snoozed) the impacts of one deadline row, with plan and target."""
    groups: dict[tuple[str, str | None, str | None, str | None], list[str]] = {}
    for impact in impacts:
        if impact.state == "acknowledged":
            key = ("acknowledged", impact.state_by, impact.plan, impact.target_date)
        elif impact.state == "snoozed" and impact.snoozed_until is not None:
            key = ("snoozed", impact.state_by, impact.snoozed_until.astimezone(zone).date().isoformat(), None)
        else:
            continue
        groups.setdefault(key, []).append(impact.service)
    parts = []
    for (state, by, plan_or_until, target), services in groups.items():
        text = state + (f" by {one_line(by)}" if by else "")
        if many_services:
            text += f" for {', '.join(sorted(set(services)))}"
        if state == "snoozed":
            text += f" until {plan_or_until}"
        else:
            text += f": {one_line(plan_or_until)}" if plan_or_until else ""
            text += f", {_target(target, today)}" if target else ""
        parts.append(text)
    return "; ".join(parts)
