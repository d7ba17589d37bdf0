"""The weekly digest as its readers see it: `view` cuts one audience's part out of the gathered
`Facts` (everything, or one team's part plus what concerns everyone) as the template context, and
`render` makes the subject, plain text and HTML from templates/digest.txt.j2 and digest.html.j2
(through watcher/templating.py). `collect` is `gather` then `view`.

`view` is pure; `render` reads the templates; `collect` reads the database (through `gather`).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlmodel import Session

from watcher.config import Config
from watcher.notify.digest import WINDOW_DAYS, Facts, gather
from watcher.templating import environment
from watcher.text import plural


def _services(row: dict[str, Any], team: str | None) -> str:
    by_owner: dict[str, list[str]] = row["services_by_owner"]
    if team is not None:
        return ", ".join(by_owner.get(team, []))
    return ", ".join(sorted({s for services in by_owner.values() for s in services}))


def view(facts: Facts, team: str | None = None) -> dict[str, Any]:
    """The template context: everything (team None), or one team's part plus what concerns everyone
    (blind spots, active silences)."""
    def touches(row: dict[str, Any]) -> bool:
        return bool(row["services_by_owner"]) if team is None else team in row["services_by_owner"]

    by_team: dict[str, list[dict[str, Any]]] = {}
    for row in facts.deadlines:
        if team is None or row["team"] == team:
            by_team.setdefault(row["team"], []).append(row)
    new = [{**row, "services": _services(row, team)} for row in facts.new_events if touches(row)]
    rest = Counter(row["kind"] for row in facts.new_events if not touches(row))
    other = None
    if rest:
        count = sum(rest.values())
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(rest.items(), key=lambda kv: (-kv[1], kv[0])))
        scope = "the inventory" if team is None else f"{team}'s services"
        lead = "and" if new else f"none touching {scope};"
        other = {"count": count, "kinds": kinds, "text": f"{lead} {plural(count, 'other new event')} ({kinds})"}
    incidents = [{**row, "services": _services(row, team)} for row in facts.incidents
                 if team is None or touches(row)]
    # A silence concerns a team unless its team or service label names someone else's.
    mine = facts.services_by_team.get(team or "", set())
    silences = [row for row in facts.silences if team is None or (
        row["matched"].get("team", team) == team and row["matched"].get("service", "") in mine | {""})]
    return {
        "title": "provider-watcher weekly digest" + (f" for {team}" if team else ""),
        "team": team,
        "generated": facts.generated,
        "window_days": WINDOW_DAYS,
        "deadlines_by_team": sorted(by_team.items()),
        "new_events": new,
        "other_new": other,
        "dashboard": facts.dashboard,
        "incidents": incidents,
        "unacknowledged": [row for row in facts.unacknowledged if team is None or row["owner"] == team],
        "blind_spots": facts.blind_spots,
        "silences": silences,
    }


def collect(session: Session, config: Config, *, now: datetime, team: str | None = None) -> dict[str, Any]:
    return view(gather(session, config, now=now), team)


def render(context: dict[str, Any]) -> tuple[str, str, str]:
    env = environment()
    deadlines = sum(len(rows) for _, rows in context["deadlines_by_team"])
    subject = (f"provider-watcher digest{' for ' + context['team'] if context.get('team') else ''}: "
               f"{plural(deadlines, 'deadline')}, {len(context['unacknowledged'])} unacknowledged")
    text = env.get_template("digest.txt.j2").render(context)
    return subject, text, env.get_template("digest.html.j2").render(context)


