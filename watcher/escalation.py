"""The deadline ladder: which reminder is due for a deprecation, and why. Pure: (deadline, policy,
what was already sent, the impacts' state, today) in, at most one step out.

Announce when first seen, then N days before (90, 60, 30, 14, 7, 3, 1 by default), the day of,
then daily while overdue. A step that came due while the daemon was down is not sent late in a
burst: only the latest due step goes out (one catch-up message). Acknowledged impacts hear only
the last steps; a snooze holds reminders until its date, but never past the last three days; a
deadline moved earlier re-opens the ladder at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from watcher.events import Severity

LAST_STEPS = 3  # days before the deadline from which snoozes no longer hold


@dataclass(frozen=True)
class Step:
    key: str  # stable: announce, d90, ..., d0, overdue-2026-10-24, moved-r3
    days_before: int | None  # None for the announcement
    severity: Severity
    mention: bool  # the on-call group is mentioned inside the last 7 days
    broadcast: bool  # also shown in the channel, not only in the thread
    reason: str


@dataclass(frozen=True)
class GroupState:
    """The state of the impacts one message speaks for."""

    acknowledged: bool = False
    snoozed_until: date | None = None
    moved_earlier_revision: int | None = None  # the revision that pulled the deadline in, if any


def severity_for(days_left: int) -> Severity:
    if days_left <= 7:
        return "critical"
    if days_left <= 30:
        return "warning"
    return "notice"


def ladder(deadline: date, first_seen: date, steps_days: list[int], today: date) -> list[tuple[date, Step]]:
    """Every step of one deadline up to today, in order of due date."""
    plan: list[tuple[date, Step]] = [(first_seen, Step("announce", None, severity_for((deadline - first_seen).days),
                                                     False, True, "new deprecation"))]
    for days in sorted({*steps_days, 0}, reverse=True):
        due = deadline - timedelta(days=days)
        if due <= first_seen:
            continue  # announced already inside this window: the announcement covered it
        label = "today" if days == 0 else f"{days} day{'s' if days != 1 else ''} left"
        plan.append((due, Step(f"d{days}", days, severity_for(days), days <= 7, days <= 7, label)))
    overdue = max(deadline + timedelta(days=1), first_seen + timedelta(days=1))
    while overdue <= today:
        late = (overdue - deadline).days
        plan.append((overdue, Step(f"overdue-{overdue.isoformat()}", -late, "critical", True, True,
                                   f"{late} day{'s' if late != 1 else ''} past the deadline")))
        overdue += timedelta(days=1)
    return plan


def due_step(deadline: date, first_seen: date, steps_days: list[int], *, sent: set[str], state: GroupState,
             today: date, acknowledged_within: int = 7) -> Step | None:
    if state.moved_earlier_revision is not None:
        key = f"moved-r{state.moved_earlier_revision}"
        if key not in sent:
            days = (deadline - today).days
            return Step(key, days, "critical", days <= 7, True, "the deadline moved earlier")
    candidates: list[Step] = []
    for when, step in ladder(deadline, first_seen, steps_days, today):
        if step.key in sent:
            candidates = []  # a later step went out: the ones before it are moot
            continue
        if when > today:
            continue
        if step.days_before is not None and step.days_before > 0:
            if state.acknowledged and step.days_before > acknowledged_within:
                continue
            if state.snoozed_until and when < state.snoozed_until and step.days_before > LAST_STEPS:
                continue
        candidates.append(step)
    if not candidates:
        return None
    latest = candidates[-1]
    # The announcement is its own message; anything else that piled up is one catch-up reminder.
    if "announce" not in sent and candidates[0].key == "announce":
        return candidates[0]
    return latest
