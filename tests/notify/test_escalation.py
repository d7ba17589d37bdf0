"""The deadline ladder of one impact driven by an injected clock over 130 simulated days."""

from __future__ import annotations

from datetime import date, timedelta

from watcher.notify.escalation import ImpactState, Policy, due_step

DAY0 = date(2026, 1, 1)
DEADLINE = DAY0 + timedelta(days=100)
POLICY = Policy()


def run(days: range, *, state_on=lambda day: ImpactState(), down: range = range(0), policy: Policy = POLICY,
        first_seen: date = DAY0) -> list[tuple[int, str]]:
    heard: set[str] = set()
    log = []
    for n in days:
        if n in down:
            continue
        step = due_step(DEADLINE, first_seen, policy, heard=heard, state=state_on(n), today=DAY0 + timedelta(days=n))
        if step is not None:
            heard.add(step.key)
            log.append((n, step.key))
    return log


def test_130_days_of_a_deprecation_overdue_weekly_not_daily() -> None:
    # the deadline is a Saturday (2026-04-11); overdue reminders fall on Mondays, so that every
    # overdue use of a channel is due the same day and goes out as one message
    assert run(range(131)) == [(0, "announce"), (10, "d90"), (40, "d60"), (70, "d30"), (86, "d14"), (93, "d7"),
                               (97, "d3"), (99, "d1"), (100, "d0"), (102, "overdue-2026-04-13"),
                               (109, "overdue-2026-04-20"), (116, "overdue-2026-04-27"), (123, "overdue-2026-05-04"),
                               (130, "overdue-2026-05-11")]
    assert {(DAY0 + timedelta(days=n)).weekday() for n, key in run(range(131)) if key.startswith("overdue")} == {0}


def test_overdue_repeat_follows_the_policy() -> None:
    log = run(range(131), policy=Policy(overdue_repeat_days=14))
    assert log[-3:] == [(100, "d0"), (109, "overdue-2026-04-20"), (123, "overdue-2026-05-04")]


def test_downtime_sends_one_catch_up_not_a_burst() -> None:
    log = run(range(90), down=range(35, 75))
    assert log == [(0, "announce"), (10, "d90"), (75, "d30"), (86, "d14")]  # d60 was due on day 40: skipped


def test_severity_mentions_and_wording() -> None:
    heard: set[str] = set()
    seen = {}
    for n in range(109):
        step = due_step(DEADLINE, DAY0, POLICY, heard=heard, state=ImpactState(), today=DAY0 + timedelta(days=n))
        if step:
            heard.add(step.key)
            seen[step.key] = (step.severity, step.mention, step.reason)
    assert seen["d60"] == ("notice", False, "60 days left")
    assert seen["d14"] == ("warning", False, "14 days left")
    assert seen["d7"] == ("critical", True, "7 days left")
    assert seen["d1"] == ("critical", True, "1 day left")
    assert seen["d0"] == ("critical", True, "today")
    assert seen["overdue-2026-04-13"] == ("critical", True, "2 days past the deadline and still in use")


def test_acknowledged_is_quiet_until_something_changes() -> None:
    def state(n: int) -> ImpactState:
        if n < 50:
            return ImpactState()
        moved = (4, "2026-05-01", "2026-04-11") if n >= 60 else None
        return ImpactState(acknowledged=True, target=DAY0 + timedelta(days=80), moved_earlier=moved)

    log = run(range(121), state_on=state)
    # announce, d90 and d60 before the ack; then only the date pulled in, the target passing, and the
    # use still there past the deadline, weekly
    assert log == [(0, "announce"), (10, "d90"), (40, "d60"), (60, "moved-r4"), (81, "target-2026-03-22"),
                   (102, "overdue-2026-04-13"), (109, "overdue-2026-04-20"), (116, "overdue-2026-04-27")]


def test_acknowledged_hears_the_last_steps_when_configured() -> None:
    policy = Policy(acknowledged_within_days=3)
    log = run(range(102), state_on=lambda n: ImpactState(acknowledged=n >= 1), policy=policy)
    assert log == [(0, "announce"), (99, "d1"), (100, "d0")]


def test_acknowledged_hears_a_changed_replacement_once() -> None:
    state = ImpactState(acknowledged=True, replacement_changed=(5, "gpt-5", "gpt-5.5"))
    heard = {"announce"}
    step = due_step(DEADLINE, DAY0, POLICY, heard=heard, state=state, today=DAY0 + timedelta(days=20))
    assert step is not None and (step.key, step.reason) == ("replacement-r5", "replacement changed: gpt-5 → gpt-5.5")
    heard.add(step.key)
    assert due_step(DEADLINE, DAY0, POLICY, heard=heard, state=state, today=DAY0 + timedelta(days=21)) is None


def test_snooze_holds_until_its_date_even_overdue_then_one_catch_up() -> None:
    until = DAY0 + timedelta(days=118)
    log = run(range(131), state_on=lambda n: ImpactState(snoozed_until=until if n >= 102 else None))
    # snoozed on day 102 until day 118: the reminders of days 102, 109 and 116 are held, then the
    # latest one goes out on the snooze's date
    assert log[-4:] == [(100, "d0"), (118, "overdue-2026-04-27"), (123, "overdue-2026-05-04"),
                        (130, "overdue-2026-05-11")]


def test_a_date_pulled_in_breaks_through_a_snooze() -> None:
    state = ImpactState(snoozed_until=DAY0 + timedelta(days=60), moved_earlier=(3, "2026-04-11", "2026-03-01"))
    step = due_step(DEADLINE, DAY0, POLICY, heard={"announce"}, state=state, today=DAY0 + timedelta(days=20))
    assert step is not None and (step.key, step.reason) == ("moved-r3", "moved earlier: 2026-04-11 → 2026-03-01")


def test_a_third_party_date_is_never_louder_than_notice() -> None:
    heard: set[str] = set()
    steps = []
    for n in range(108):
        step = due_step(DEADLINE, DAY0, POLICY, heard=heard, state=ImpactState(unconfirmed=True),
                        today=DAY0 + timedelta(days=n))
        if step:
            heard.add(step.key)
            steps.append((step.key, step.severity, step.mention))
    assert {(severity, mention) for _, severity, mention in steps} == {("notice", False)}
    assert [key for key, _, _ in steps][-3:] == ["d1", "d0", "overdue-2026-04-13"]


def test_a_third_party_date_the_provider_contradicts_is_held_back() -> None:
    assert run(range(131), state_on=lambda n: ImpactState(unconfirmed=True, held_back=True)) == []


def test_announced_late_inside_the_window() -> None:
    first_seen = DEADLINE - timedelta(days=20)
    assert run(range(101), first_seen=first_seen) == [(80, "announce"), (86, "d14"), (93, "d7"), (97, "d3"),
                                                      (99, "d1"), (100, "d0")]
