"""`xiaomi-mimo-deprecations`: Xiaomi MiMo's model deprecation page (mimo.mi.com, `/updates/deprecate`).

The page defines two moments in its "Time Definition" legend and its tables give both per model:
- the *offline* time ("Deprecation Time" in the legend, "Offline Time" in the tables): the old name
  expires and requests with it get an error. That is the deadline.
- the *system replacement* time, earlier: from then on requests naming the old model are served by
  the "System Replacement Model" and billed at its price. The old name still answers, but it is
  already another model at another price, so the event says so and keeps the day in
  `extra["system_replacement_on"]`.
Cells read "Beijing Time 2026.6.30 00:00": the deadline is the calendar day the page gives; the
clock time, the zone and the same moment in UTC go into `extra`. Pure.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from connectors._deprecation import deprecation, merge, replacement_text
from connectors._tables import Row, Table, tables
from connectors.contract.dates import Deadline, parse_deadline
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, ParseResult
from connectors.contract.protocols import NO_HINTS, Hints, PolledConnector, single_document

PLATFORM = "xiaomi"

_OFFLINE = re.compile(r"\b(?:offline|deprecation|expir\w*|shut ?down|retire\w*)\b", re.I)
_SWITCH = re.compile(r"\bsystem replacement (?:time|date)\b|\bauto(?:matic)?[- ]?switch\w*\b", re.I)
_REPLACEMENT_MODEL = re.compile(r"\breplacement model\b|\bnew model\b", re.I)
_IMPACT = re.compile(r"\bimpact\b", re.I)
_CLOCK = re.compile(r"\b(\d{1,2}):(\d{2})\b")
# How the cells name their zone -> (how the event says it, the offset). Beijing time is UTC+8 all year
# (China has no daylight saving time); "utc+8" is looked for before "utc".
_ZONES = {"beijing time": ("Beijing Time (UTC+8)", timezone(timedelta(hours=8))),
          "utc+8": ("UTC+8", timezone(timedelta(hours=8))), "utc": ("UTC", UTC)}


def _column(table: Table, pattern: re.Pattern[str], *, besides: tuple[int | None, ...] = ()) -> int | None:
    return next((i for i, h in enumerate(table.header) if i not in besides and pattern.search(h)), None)


def _columns(table: Table) -> tuple[int, int, int | None, int | None, int | None] | None:
    """(model, offline, system replacement time, replacement model, impact), or None for another table."""
    switch = _column(table, _SWITCH)
    offline = _column(table, _OFFLINE, besides=(switch,))
    replacement = _column(table, _REPLACEMENT_MODEL, besides=(switch, offline))
    model = next((i for i, h in enumerate(table.header) if "model" in h.lower() and i not in
                  (switch, offline, replacement)), None)
    if model is None or offline is None:
        return None
    return model, offline, switch, replacement, _column(table, _IMPACT, besides=(model, offline, switch, replacement))


def _moment(cell: str) -> tuple[Deadline, dict[str, Any]]:
    """The day as written, and the clock time, zone and UTC instant where the cell gives them."""
    day = parse_deadline(cell)
    facts: dict[str, Any] = {}
    zone = next((found for name, found in _ZONES.items() if name in cell.lower()), None)
    clock = _CLOCK.search(re.sub(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}", " ", cell))
    if day.date is None or clock is None or int(clock[1]) > 23 or int(clock[2]) > 59:
        return day, facts
    facts["time"] = f"{int(clock[1]):02d}:{clock[2]}"
    if zone is not None:
        local = datetime(day.date.year, day.date.month, day.date.day, int(clock[1]), int(clock[2]), tzinfo=zone[1])
        facts["zone"] = zone[0]
        facts["at_utc"] = local.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return day, facts


def _draft(row: Row, table: Table, cols: tuple[int, int, int | None, int | None, int | None], url: str,
           fetched_at: datetime | None) -> EventDraft | None:
    model_col, offline_col, switch_col, replacement_col, impact_col = cols
    model = (row.code(model_col) or [row.cell(model_col)])[0].strip()
    if not model:
        return None
    offline, offline_facts = _moment(row.cell(offline_col))
    switch, switch_facts = _moment(row.cell(switch_col)) if switch_col is not None else (None, {})
    replacement = replacement_text(row.cell(replacement_col)) if replacement_col is not None else None
    gone_at = offline_facts.get("at_utc") or (f"{offline.iso}T00:00:00Z" if offline.iso else None)
    over = fetched_at is not None and gone_at is not None and fetched_at >= datetime.fromisoformat(gone_at)
    draft = deprecation(
        platform=PLATFORM, model=model, deadline=offline, url=url, replacement=replacement,
        replacement_ids=[replacement] if replacement and " " not in replacement else [],
        status="retired" if over else "deprecated",
        extra={"table": table.heading or None, "offline_time": offline_facts.get("time"),
               "offline_zone": offline_facts.get("zone"), "offline_at_utc": offline_facts.get("at_utc"),
               "system_replacement_on": switch.iso if switch else None,
               "system_replacement_at_utc": switch_facts.get("at_utc"),
               "replacement_impact": (row.cell(impact_col) or None) if impact_col is not None else None},
    )
    when = offline.iso or "no date announced"
    if offline_facts.get("time") and offline_facts.get("zone"):
        when += f" {offline_facts['time']} {offline_facts['zone']}"
    summary = f"{PLATFORM}: {model} {'stopped' if over else 'stops'} answering at {when} (requests with the old " \
              f"name get an error)"
    if switch is not None and switch.iso and replacement:
        summary += (f"; from {switch.iso} its requests are routed to {replacement} and billed at {replacement}'s "
                    f"price, so behaviour and cost change before that day")
    elif replacement:
        summary += f"; replacement: {replacement}"
    draft.summary = summary
    return draft


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    drafts: list[EventDraft] = []
    rows = 0
    qualifying = 0
    for table in tables(body.decode("utf-8", errors="replace")):
        cols = _columns(table)
        if cols is None:
            continue
        qualifying += 1
        for row in table.rows:
            if row.divider is not None:
                continue
            draft = _draft(row, table, cols, url, fetched_at)
            if draft is not None:
                rows += 1
                drafts.append(draft)
    if not qualifying:
        raise LayoutChanged("layout changed: no table with a deprecated-model column and an offline (deprecation) "
                            "time column on the Xiaomi MiMo deprecation page")
    return ParseResult(drafts=merge(drafts), items_seen=rows, document="deprecations")


CONNECTOR = PolledConnector(kind="xiaomi-mimo-deprecations", parse=parse, documents=single_document,
                            describes="Xiaomi MiMo model deprecation page (offline and system replacement times)",
                            lifecycle=True)
