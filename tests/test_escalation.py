"""The deadline ladder driven by an injected clock over 120 simulated days."""

from __future__ import annotations

from datetime import date, timedelta

from watcher.escalation import GroupState, due_step

DAY0 = date(2026, 1, 1)
DEADLINE = DAY0 + timedelta(days=100)
STEPS = [90, 60, 30, 14, 7, 3, 1]


def run(days: range, *, state_on=lambda day: GroupState(), down: range = range(0)) -> list[tuple[int, str]]:
    sent: set[str] = set()
    log = []
    for n in days:
        if n in down:
            continue
        today = DAY0 + timedelta(days=n)
        step = due_step(DEADLINE, DAY0, STEPS, sent=sent, state=state_on(n), today=today)
        if step is not None:
            sent.add(step.key)
            log.append((n, step.key))
    return log


def test_120_days_of_a_deprecation() -> None:
    overdue = [(n, f"overdue-{(DAY0 + timedelta(days=n)).isoformat()}") for n in range(101, 121)]
    assert run(range(121)) == [(0, "announce"), (10, "d90"), (40, "d60"), (70, "d30"), (86, "d14"), (93, "d7"),
                               (97, "d3"), (99, "d1"), (100, "d0"), *overdue]


def test_downtime_sends_one_catch_up_not_a_burst() -> None:
    log = run(range(90), down=range(35, 75))
    assert log == [(0, "announce"), (10, "d90"), (75, "d30"), (86, "d14")]  # d60 was due on day 40: skipped


def test_severity_and_mentions_rise_near_the_end() -> None:
    sent: set[str] = set()
    seen = {}
    for n in range(101):
        step = due_step(DEADLINE, DAY0, STEPS, sent=sent, state=GroupState(), today=DAY0 + timedelta(days=n))
        if step:
            sent.add(step.key)
            seen[step.key] = (step.severity, step.mention, step.broadcast)
    assert seen["d60"] == ("notice", False, False)
    assert seen["d14"] == ("warning", False, False)
    assert seen["d7"] == ("critical", True, True)
    assert seen["d0"] == ("critical", True, True)


def test_acknowledged_hears_only_the_last_steps() -> None:
    log = run(range(101), state_on=lambda n: GroupState(acknowledged=n >= 50))
    assert [key for _, key in log] == ["announce", "d90", "d60", "d7", "d3", "d1", "d0"]


def test_snooze_holds_until_its_date_but_not_past_the_last_three_days() -> None:
    until = DAY0 + timedelta(days=99)
    log = run(range(101), state_on=lambda n: GroupState(snoozed_until=until if n >= 80 else None))
    assert [key for _, key in log] == ["announce", "d90", "d60", "d30", "d3", "d1", "d0"]


def test_a_deadline_moved_earlier_reopens_at_once() -> None:
    sent = {"announce", "d90"}
    state = GroupState(acknowledged=True, moved_earlier_revision=3)
    step = due_step(DEADLINE, DAY0, STEPS, sent=sent, state=state, today=DAY0 + timedelta(days=20))
    assert step is not None and (step.key, step.severity, step.reason) == ("moved-r3", "critical",
                                                                          "the deadline moved earlier")
    sent.add(step.key)
    assert due_step(DEADLINE, DAY0, STEPS, sent=sent, state=state, today=DAY0 + timedelta(days=20)) is None


def test_announced_late_skips_the_steps_already_behind() -> None:
    first_seen = DEADLINE - timedelta(days=20)
    sent: set[str] = set()
    log = []
    for n in range(80, 101):
        today = DAY0 + timedelta(days=n)
        step = due_step(DEADLINE, first_seen, STEPS, sent=sent, state=GroupState(), today=today)
        if step:
            sent.add(step.key)
            log.append(step.key)
    assert log == ["announce", "d14", "d7", "d3", "d1", "d0"]
