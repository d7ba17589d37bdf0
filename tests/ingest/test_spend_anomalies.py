"""Spend anomalies from daily rows (pure): a spike against the 14-day median and above the floor, the
models that drove it, the month's projection against the budget, and what is never an anomaly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from watcher.config.account import SpendConfig
from watcher.ingest.spend_anomalies import budget, drivers, spikes

TODAY = date(2026, 11, 20)
ANTHROPIC = SpendConfig(name="claude-spend", provider="anthropic", admin_key_env="K", budget_monthly=1000)
OPENAI = SpendConfig(name="openai-spend", provider="openai", admin_key_env="K")


@dataclass(frozen=True)
class Row:
    day: date
    model: str = ""
    project: str = ""
    cost_micros: int | None = None
    currency: str | None = "USD"
    input_tokens: int | None = None
    output_tokens: int | None = None
    complete: bool = True


def dollars(n: float) -> int:
    return int(n * 1_000_000)


def steady(days: int, amount: float, *, model: str = "claude-sonnet-4-5", project: str = "wrkspc_a") -> list[Row]:
    """`amount` a day for the `days` days before yesterday."""
    return [Row(TODAY - timedelta(days=k), model, project, dollars(amount)) for k in range(2, days + 2)]


def test_a_spike_says_how_much_against_what_and_which_models() -> None:
    rows = [*steady(14, 10), *steady(14, 2, model="claude-haiku-4-5"),
            Row(TODAY - timedelta(days=1), "claude-sonnet-4-5", "wrkspc_a", dollars(90)),
            Row(TODAY - timedelta(days=1), "claude-haiku-4-5", "wrkspc_a", dollars(5))]
    [draft] = spikes(rows, ANTHROPIC, today=TODAY)
    assert draft.kind == "billing" and draft.severity == "warning" and draft.status == "open"
    assert draft.external_id == "spend-spike:claude-spend:wrkspc_a:2026-11-19"
    assert draft.title == ("claude-spend: $95.00 spent on 2026-11-19 in workspace wrkspc_a, 7.9× the 14-day median "
                           "of $12.00")
    assert draft.summary.endswith("driven by claude-sonnet-4-5 (+$80.00), claude-haiku-4-5 (+$3.00).")
    assert "above 3× the median and above $20.00" in draft.summary
    assert draft.models == ["claude-sonnet-4-5", "claude-haiku-4-5"] and draft.extra["project"] == "wrkspc_a"


def test_no_spike_under_the_floor_under_the_factor_on_an_incomplete_day_or_long_ago() -> None:
    yesterday = TODAY - timedelta(days=1)
    # 5 × the median, but under min_daily ($20)
    assert spikes([*steady(14, 1), Row(yesterday, "m", "wrkspc_a", dollars(5))], ANTHROPIC, today=TODAY) == []
    # over the floor, but under 3 × the median
    assert spikes([*steady(14, 20), Row(yesterday, "m", "wrkspc_a", dollars(55))], ANTHROPIC, today=TODAY) == []
    # a big day not over yet when read
    assert spikes([*steady(14, 10), Row(yesterday, "m", "wrkspc_a", dollars(500), complete=False)], ANTHROPIC,
                  today=TODAY) == []
    # today, read in the middle of the day
    assert spikes([*steady(14, 10), Row(TODAY, "m", "wrkspc_a", dollars(500), complete=False)], ANTHROPIC,
                  today=TODAY) == []
    # five days ago: history, not news
    old = [Row(TODAY - timedelta(days=k), "m", "wrkspc_a", dollars(10)) for k in range(1, 20) if k != 5]
    assert spikes([*old, Row(TODAY - timedelta(days=5), "m", "wrkspc_a", dollars(500))], ANTHROPIC, today=TODAY) == []
    # costs in another currency are not summed
    assert spikes([*steady(14, 10), Row(yesterday, "m", "wrkspc_a", dollars(500), currency="EUR")], ANTHROPIC,
                  today=TODAY) == []


def test_spikes_are_per_project() -> None:
    yesterday = TODAY - timedelta(days=1)
    rows = [*steady(14, 10, project="wrkspc_a"), *steady(14, 10, project="wrkspc_b"),
            Row(yesterday, "m", "wrkspc_a", dollars(10)), Row(yesterday, "m", "wrkspc_b", dollars(45))]
    assert [d.external_id for d in spikes(rows, ANTHROPIC, today=TODAY)] == [
        "spend-spike:claude-spend:wrkspc_b:2026-11-19"]


def test_drivers_by_tokens_where_costs_name_no_model() -> None:
    """OpenAI's costs are per project and line item: the models come from the usage rows."""
    yesterday = TODAY - timedelta(days=1)
    rows = [*[Row(TODAY - timedelta(days=k), "", "proj_abc", dollars(10)) for k in range(1, 16)],
            *[Row(TODAY - timedelta(days=k), "gpt-4o-2024-08-06", "proj_abc", None, None, 900_000, 100_000)
              for k in range(2, 16)],
            Row(yesterday, "gpt-4o-2024-08-06", "proj_abc", None, None, 8_000_000, 1_000_000),
            Row(yesterday, "gpt-4o-mini-2024-07-18", "proj_abc", None, None, 50_000, 0)]
    assert drivers(rows, yesterday, OPENAI) == [("gpt-4o-2024-08-06", "+8.0 M tokens"),
                                                ("gpt-4o-mini-2024-07-18", "+50,000 tokens")]


def month(per_day: list[float]) -> list[Row]:
    return [Row(date(2026, 11, 1) + timedelta(days=i), "claude-sonnet-4-5", "wrkspc_a", dollars(v))
            for i, v in enumerate(per_day)]


def test_budget_projection_warns_at_80_and_is_critical_at_100_percent() -> None:
    # 10 complete days of $30: $300, projected over November's 30 days: $900, 90 %
    level, draft = budget(month([30] * 10), ANTHROPIC, today=date(2026, 11, 11)) or (None, None)
    assert level is not None and draft is not None
    assert (level.severity, level.status) == ("warning", "open")
    assert draft.external_id == "spend-budget:claude-spend:2026-11"
    assert draft.title == "claude-spend: November 2026 spend projected at $900.00, 90% of the $1,000.00 budget"
    assert draft.summary.startswith("$300.00 spent in the 10 complete day(s) of November 2026 so far ($30.00 a day)")
    assert "most of it: claude-sonnet-4-5 ($300.00)" in draft.summary
    # 12 days, $460: $1,150 projected
    level, draft = budget(month([30] * 10 + [60, 100]), ANTHROPIC, today=date(2026, 11, 13)) or (None, None)
    assert level is not None and draft is not None
    assert (level.severity, level.status, draft.severity) == ("critical", "open", "critical")
    assert "$1,150.00, 115% of the $1,000.00 budget" in draft.title
    # $20 a day projects to $600: under 80 %
    level, draft = budget(month([20] * 10), ANTHROPIC, today=date(2026, 11, 11)) or (None, None)
    assert level is not None and draft is not None and (level.status, draft.status) == ("resolved", "resolved")


def test_no_budget_judgement_without_a_budget_or_a_complete_day() -> None:
    assert budget(month([30] * 10), OPENAI, today=date(2026, 11, 11)) is None
    today_only = [Row(date(2026, 11, 1), "m", "", dollars(900), complete=False)]
    assert budget(today_only, ANTHROPIC, today=date(2026, 11, 1)) is None
    # last month's days do not count towards this month
    october = [Row(date(2026, 10, 31), "m", "", dollars(900))]
    assert budget(october, ANTHROPIC, today=date(2026, 11, 1)) is None
