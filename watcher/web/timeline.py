"""The deadline timeline as a server-rendered SVG: months along the top, one row per affected use
grouped by team, a marker at each deadline coloured by the event's severity ("not before" dates as
open markers), the owner's target date beside an acknowledged use, and today as a vertical line.

Pure: plain rows and the date in, an SVG document (a string) out; no database, no clock. The home
page inlines it and /timeline.svg serves it alone, so it carries presentation attributes (fill,
stroke) that read on a white background without any stylesheet, and classes the dashboard's
stylesheet restyles (dark mode). No style attribute and no script: the Content-Security-Policy
allows neither. Every piece of text is escaped; each marker's <title> is its tooltip and says the
exact date and the use.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

SVG_NS = "http://www.w3.org/2000/svg"
LABEL_WIDTH = 300  # the use's name, left of the months
MONTH_WIDTH = 64
TOP = 40  # month labels above the rows
ROW = 18
TEAM_ROW = 22
AHEAD_MONTHS = 6  # at least this many months from today's are drawn: a timeline, even when all is soon
MAX_MONTHS = 120  # a date beyond ten years of the first one is drawn at the edge (its tooltip keeps it exact)
MARKER_RADIUS = 5
SEVERITY_FILL = {"critical": "#c62828", "warning": "#e65100", "notice": "#8e24aa", "info": "#1565c0"}
NEUTRAL = "#666666"


@dataclass(frozen=True)
class Row:
    """One affected use of a dated deprecation."""

    team: str
    service: str
    model: str  # the model the use calls
    platform: str
    retiring: str  # the deprecated model (the event's)
    deadline: date
    not_before: bool = False  # the provider gave an earliest date, not the date
    severity: str = "info"
    state: str = "open"  # the impact's: open | acknowledged | snoozed
    target: date | None = None  # acknowledged: the owner's target date
    by: str | None = None  # who acknowledged (or snoozed)


def _month_index(start: date, day: date) -> int:
    return (day.year - start.year) * 12 + day.month - start.month


def _first_of_month(day: date) -> date:
    return day.replace(day=1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


class _Scale:
    """Dates to x: each month MONTH_WIDTH wide, a day a share of its own month."""

    def __init__(self, first: date, last: date) -> None:
        self.start = _first_of_month(first)
        self.months = min(_month_index(self.start, last) + 1, MAX_MONTHS)

    def x(self, day: date) -> float:
        index = _month_index(self.start, day)
        if index < 0:
            return LABEL_WIDTH
        if index >= self.months:
            return LABEL_WIDTH + self.months * MONTH_WIDTH
        share = (day.day - 1) / calendar.monthrange(day.year, day.month)[1]
        return LABEL_WIDTH + (index + share) * MONTH_WIDTH

    @property
    def right(self) -> float:
        return LABEL_WIDTH + self.months * MONTH_WIDTH


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def tooltip(row: Row) -> str:
    """What a marker's <title> says: the exact date, what retires and the use it touches."""
    when = f"not before {row.deadline.isoformat()}" if row.not_before else row.deadline.isoformat()
    state = row.state + (f" by {row.by}" if row.by else "")
    target = f"; target date {row.target.isoformat()}" if row.target else ""
    return (f"{when}: {row.platform} {row.retiring} retires; use {row.service} ({row.model}), "
            f"team {row.team}, {state}{target}")


def render(rows: Iterable[Row], today: date, *, title: str = "Deadlines of the inventory's uses") -> str:
    """The SVG document. Rows are grouped by team (teams in name order), soonest deadline first
    within a team."""
    rows = sorted(rows, key=lambda r: (r.team, r.deadline, r.service, r.model))
    dates = [today] + [r.deadline for r in rows] + [r.target for r in rows if r.target]
    scale = _Scale(min(dates), max([*dates, _add_months(today, AHEAD_MONTHS - 1)]))
    teams: list[tuple[str, list[Row]]] = []
    for row in rows:
        if not teams or teams[-1][0] != row.team:
            teams.append((row.team, []))
        teams[-1][1].append(row)
    height = TOP + len(teams) * TEAM_ROW + len(rows) * ROW + 10
    width = scale.right + 10
    out = [f'<svg xmlns="{SVG_NS}" class="timeline" width="{_num(width)}" height="{height}" '
           f'viewBox="0 0 {_num(width)} {height}" role="img" aria-labelledby="timeline-title" '
           f'font-family="sans-serif" font-size="12">',
           f'<title id="timeline-title">{escape(title)}: {len(rows)} use(s), as of {today.isoformat()}</title>',
           f'<rect class="bg" x="0" y="0" width="{_num(width)}" height="{height}" fill="#ffffff"/>']
    for month in range(scale.months):
        first = _add_months(scale.start, month)
        left = _num(LABEL_WIDTH + month * MONTH_WIDTH)
        label = first.strftime("%b %Y") if month == 0 or first.month == 1 else first.strftime("%b")
        out.append(f'<line class="grid" x1="{left}" y1="{TOP - 14}" x2="{left}" y2="{height}" stroke="#dddddd"/>'
                   f'<text class="month" data-month="{first.strftime("%Y-%m")}" x="{left}" y="{TOP - 20}" '
                   f'dx="3" fill="#333333">{label}</text>')
    y = TOP
    for team, members in teams:
        out.append(f'<text class="team" x="4" y="{y + 15}" font-weight="bold" fill="#222222">{escape(team)}</text>')
        y += TEAM_ROW
        for row in members:
            middle = y + ROW / 2
            out.append(f'<g class="use"><text class="label" x="16" y="{_num(middle + 4)}" fill="#333333">'
                       f'{escape(_shorten(f"{row.service} · {row.model}"))}</text>'
                       f'<line class="lane" x1="{LABEL_WIDTH}" y1="{_num(middle)}" x2="{_num(scale.right)}" '
                       f'y2="{_num(middle)}" stroke="#eeeeee"/>')
            x = scale.x(row.deadline)
            colour = SEVERITY_FILL.get(row.severity, NEUTRAL)
            if row.target is not None:
                tx = scale.x(row.target)
                out.append(f'<line class="plan" x1="{_num(min(x, tx))}" y1="{_num(middle)}" x2="{_num(max(x, tx))}" '
                           f'y2="{_num(middle)}" stroke="#2e7d32" stroke-dasharray="3 2"/>'
                           f'<path class="target" d="M{_num(tx)} {_num(middle - 5)} l5 5 l-5 5 l-5 -5 z" '
                           f'fill="#2e7d32"><title>{escape(_target_tip(row))}</title></path>')
            kind = "not-before" if row.not_before else "due"
            fill = "none" if row.not_before else colour
            out.append(f'<circle class="marker {kind} sev-{_token(row.severity)} state-{_token(row.state)}" '
                       f'data-date="{row.deadline.isoformat()}" cx="{_num(x)}" cy="{_num(middle)}" '
                       f'r="{MARKER_RADIUS}" fill="{fill}" stroke="{colour}" stroke-width="2">'
                       f'<title>{escape(tooltip(row))}</title></circle></g>')
            y += ROW
    today_x = _num(scale.x(today))
    out.append(f'<line class="today" data-date="{today.isoformat()}" x1="{today_x}" y1="{TOP - 14}" x2="{today_x}" '
               f'y2="{height}" stroke="#000000" stroke-width="1.5"><title>today, {today.isoformat()}</title></line>'
               f'<text class="today-label" x="{today_x}" y="{TOP - 4}" dx="3" fill="#000000">today</text>')
    out.append("</svg>")
    return "".join(out)


def _target_tip(row: Row) -> str:
    who = f" ({row.by})" if row.by else ""
    assert row.target is not None
    return (f"target date {row.target.isoformat()}{who}: {row.service} ({row.model}) off {row.platform} "
            f"{row.retiring}, deadline {row.deadline.isoformat()}")


def _token(value: str) -> str:
    """A class name's part: letters, digits and dashes only."""
    return "".join(c if c.isalnum() else "-" for c in value.lower())[:40] or "none"


def _shorten(text: str, limit: int = 44) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

