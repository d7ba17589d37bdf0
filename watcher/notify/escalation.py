"""The deadline ladder: which reminder one impact is due, and why. Pure: (deadline, policy, the
steps this impact already heard, what people did about it, today) in, at most one step out.

Announce when first seen, then N days before (90, 60, 30, 14, 7, 3, 1 by default) and the day of;
past the deadline, one reminder every `overdue_repeat` days while the use is still in the
inventory, never daily, on days counted from one fixed Monday, so that every overdue use of a
channel falls due on the same day and is one message. A step that came due while the daemon was
down is not sent late in a burst: only the latest due step goes out (one catch-up).

Acknowledged means quiet until something changes: the date moves earlier, the replacement
changes, the acknowledged target date passes, or the use is still there past the deadline. A
snooze holds everything until its date except a deadline pulled in. A date that only a third party
gives is never louder than `notice`; one the provider contradicts is held back entirely.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from connectors.contract.events import Severity
from watcher.text import days_phrase


@dataclass(frozen=True)
class Policy:
    steps_days: tuple[int, ...] = (90, 60, 30, 14, 7, 3, 1)
    overdue_repeat_days: int = 7
    # Acknowledged impacts still hear the steps closer than this to the deadline (0: none).
    acknowledged_within_days: int = 0
    # The on-call group is mentioned, and replies shown in the channel, this close to the deadline.
    mention_within_days: int = 7
    # Overdue reminders fall on this date plus whole multiples of `overdue_repeat_days` (a Monday:
    # with the default repeat, the weekly round-up of what is overdue goes out on Mondays).
    overdue_anchor: date = date(2024, 1, 1)


@dataclass(frozen=True)
class Step:
    key: str  # stable per impact: announce, d90, ..., d0, overdue-1, moved-r3, replacement-r4, target-2026-11-01
    days_left: int  # negative once overdue
    severity: Severity
    mention: bool
    reason: str
    # Ladder steps this one makes moot (a date pulled in re-announces everything due so far).
    covers: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImpactState:
    """What the ladder needs to know about one impact besides its dates."""

    acknowledged: bool = False
    snoozed_until: date | None = None  # holds until this date (exclusive)
    target: date | None = None  # the acknowledged plan's target date
    # The latest revision that pulled the deadline in (for acknowledged impacts: since the ack).
    moved_earlier: tuple[int, str, str] | None = None  # (revision, from date, to date)
    replacement_changed: tuple[int, str, str] | None = None  # (revision, from, to): acknowledged only
    unconfirmed: bool = False  # the date comes only from a third party
    held_back: bool = False  # a third-party date the provider contradicts


def severity_for(days_left: int) -> Severity:
    if days_left <= 7:
        return "critical"
    if days_left <= 30:
        return "warning"
    return "notice"


def ladder(deadline: date, first_seen: date, policy: Policy, today: date) -> list[tuple[date, str, int]]:
    """Every step of one deadline up to today, as (due date, key, days left), in order."""
    plan = [(first_seen, "announce", (deadline - first_seen).days)]
    for days in sorted({*policy.steps_days, 0}, reverse=True):
        due = deadline - timedelta(days=days)
        if due > first_seen:  # a step inside the window already announced is covered by the announcement
            plan.append((due, f"d{days}", days))
    repeat = max(policy.overdue_repeat_days, 1)
    # The first anchored day after the deadline, then every `repeat` days.
    due = deadline + timedelta(days=repeat - (deadline - policy.overdue_anchor).days % repeat)
    while due <= today:
        if due >= first_seen + timedelta(days=repeat):  # an overdue announcement counts as this round
            plan.append((due, f"overdue-{due.isoformat()}", (deadline - due).days))
        due += timedelta(days=repeat)
    return plan


def _step(key: str, days_left: int, policy: Policy, state: ImpactState, reason: str,
          severity: Severity | None = None, covers: tuple[str, ...] = ()) -> Step:
    level = severity or severity_for(days_left)
    if state.unconfirmed:
        return Step(key, days_left, "notice" if level != "info" else level, False, reason, covers)
    return Step(key, days_left, level, days_left <= policy.mention_within_days, reason, covers)


def due_step(deadline: date, first_seen: date, policy: Policy, *, heard: set[str], state: ImpactState,
             today: date) -> Step | None:
    if state.held_back:
        return None
    days_left = (deadline - today).days
    due_so_far = tuple(key for when, key, _ in ladder(deadline, first_seen, policy, today)
                       if when <= today and key not in heard)
    if state.moved_earlier is not None:
        revision, before, after = state.moved_earlier
        key = f"moved-r{revision}"
        if key not in heard:
            return _step(key, days_left, policy, state, f"moved earlier: {before} → {after}",
                         severity="critical" if days_left <= 30 else "warning", covers=due_so_far)
    if state.snoozed_until is not None and today < state.snoozed_until:
        return None
    if state.acknowledged:
        if state.replacement_changed is not None:
            revision, before, after = state.replacement_changed
            key = f"replacement-r{revision}"
            if key not in heard:
                return _step(key, days_left, policy, state, f"replacement changed: {before} → {after}")
        if state.target is not None and state.target < today <= deadline:
            key = f"target-{state.target.isoformat()}"
            if key not in heard:
                return _step(key, days_left, policy, state,
                             f"the acknowledged target date {state.target.isoformat()} has passed")
    candidates: list[tuple[str, int]] = []
    for when, key, left in ladder(deadline, first_seen, policy, today):
        if key in heard:
            candidates = []  # a later step went out: the ones before it are moot
            continue
        if when > today:
            continue
        if state.acknowledged and key != "announce" and left >= 0 and left >= policy.acknowledged_within_days:
            continue
        candidates.append((key, left))
    if not candidates:
        return None
    # The announcement is its own message; anything else that piled up is one catch-up reminder.
    key, left = candidates[0] if candidates[0][0] == "announce" else candidates[-1]
    if key == "announce":
        reason = "new deprecation" if days_left >= 0 else f"new, and already {days_phrase(-days_left)} overdue"
    elif days_left < 0:
        reason = f"{days_phrase(-days_left)} past the deadline and still in use"
    else:  # the days left now, which a catch-up after downtime makes fewer than the step's own
        reason = "today" if days_left == 0 else f"{days_phrase(days_left)} left"
    return _step(key, days_left, policy, state, reason)
