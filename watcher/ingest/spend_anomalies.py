"""Spend anomalies as `billing` event drafts, from a source's stored daily rows. Pure: rows and the
date in, drafts out.

- Spike: a complete day of one project (workspace) whose cost is above `spike_factor` × the median
  of the 14 days before it (a day without spend counts as nothing) and above `min_daily`. Only the
  last `SPIKE_DAYS` complete days are judged: an older spike is history, not news. The models that
  drove it are those whose cost grew most against their own median; where the costs name no model
  (OpenAI's cost lines rarely do), those whose tokens grew most.
- Budget: month-to-date cost over the month's complete days, projected linearly over the whole
  month, against `budget_monthly`: `warning` from 80 %, `critical` from 100 %, `resolved` back under.

Only rows in the source's `currency` are summed; costs in another currency are left out.
"""

from __future__ import annotations

import calendar
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from connectors.contract.events import EventDraft, Severity
from connectors.contract.spend import MICROS
from watcher.amounts import count, money, ratio
from watcher.config.account import SpendConfig

TRAILING_DAYS = 14
SPIKE_DAYS = 3  # complete days judged at each read: yesterday and the two before, for late data
DRIVERS = 3
WARN, OVER = 0.8, 1.0


class Row(Protocol):
    @property
    def day(self) -> date: ...
    @property
    def model(self) -> str: ...
    @property
    def project(self) -> str: ...
    @property
    def cost_micros(self) -> int | None: ...
    @property
    def currency(self) -> str | None: ...
    @property
    def input_tokens(self) -> int | None: ...
    @property
    def output_tokens(self) -> int | None: ...
    @property
    def complete(self) -> bool: ...


@dataclass(frozen=True)
class Level:
    severity: Severity
    status: str  # open | resolved


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _costs(rows: Iterable[Row], currency: str) -> list[Row]:
    return [r for r in rows if r.cost_micros is not None and (r.currency or "").upper() == currency.upper()]


def _median_before(series: dict[date, float], day: date) -> float:
    return statistics.median(series.get(day - timedelta(days=k), 0.0) for k in range(1, TRAILING_DAYS + 1))


def drivers(rows: Sequence[Row], day: date, spend: SpendConfig) -> list[tuple[str, str]]:
    """(model, "+$41.20" or "+1.2 M tokens") for the models whose day grew most against their median."""
    by_cost: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    for r in _costs(rows, spend.currency):
        if r.model:
            by_cost[r.model][r.day] += r.cost_micros or 0
    by_tokens: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    for r in rows:
        if r.model and (r.input_tokens is not None or r.output_tokens is not None):
            by_tokens[r.model][r.day] += (r.input_tokens or 0) + (r.output_tokens or 0)
    series = by_cost or by_tokens
    grown = sorted(((s.get(day, 0.0) - _median_before(s, day), model) for model, s in series.items()), reverse=True)
    return [(model, "+" + (money(growth, spend.currency) if by_cost else count(growth, "tokens")))
            for growth, model in grown[:DRIVERS] if growth > 0]


def spikes(rows: Sequence[Row], spend: SpendConfig, *, today: date) -> list[EventDraft]:
    complete = {r.day for r in rows if r.complete}
    projects: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    for r in _costs(rows, spend.currency):
        projects[r.project][r.day] += r.cost_micros or 0
    drafts = []
    for project, series in sorted(projects.items()):
        for day in sorted(d for d in complete if today - timedelta(days=SPIKE_DAYS) <= d < today):
            total, median = series.get(day, 0.0), _median_before(series, day)
            if total <= spend.spike_factor * median or total <= spend.min_daily * MICROS:
                continue
            mine = [r for r in rows if r.project == project]
            drafts.append(_spike(spend, project, day, total, median, drivers(mine, day, spend)))
    return drafts


def _where(spend: SpendConfig, project: str) -> str:
    noun = "workspace" if spend.provider == "anthropic" else "project"
    return f" in {noun} {project}" if project else ""


def _spike(spend: SpendConfig, project: str, day: date, total: float, median: float,
           grown: list[tuple[str, str]]) -> EventDraft:
    amount, usual = money(total, spend.currency), money(median, spend.currency)
    led = "; driven by " + ", ".join(f"{m} ({g})" for m, g in grown) if grown else ""
    return EventDraft(
        kind="billing", provider=spend.provider, external_id=f"spend-spike:{spend.name}:{project or '-'}:{day}",
        title=f"{spend.name}: {amount} spent on {day}{_where(spend, project)}, {ratio(total, median)} the 14-day "
              f"median of {usual}",
        summary=f"{amount} on {day} against a median of {usual} a day over the 14 days before (alert above "
                f"{spend.spike_factor:g}× the median and above {money(spend.min_daily * MICROS, spend.currency)})"
                f"{led}.",
        status="open", severity="warning", starts_at=_midnight(day), ends_at=_midnight(day + timedelta(days=1)),
        models=[m for m, _ in grown], components=[project] if project else [],
        extra={"spend_source": spend.name, "project": project, "day": day.isoformat(), "cost_micros": int(total),
               "median_micros": int(median), "currency": spend.currency.upper()})


def budget(rows: Sequence[Row], spend: SpendConfig, *, today: date) -> tuple[Level, EventDraft] | None:
    """The month's projection against the budget; None without a budget or a complete day this month."""
    if spend.budget_monthly is None:
        return None
    first = today.replace(day=1)
    complete = [d for d in {r.day for r in rows if r.complete} if first <= d < today]
    if not complete:
        return None
    elapsed = (max(complete) - first).days + 1
    month_rows = [r for r in _costs(rows, spend.currency) if first <= r.day <= max(complete)]
    spent = sum(r.cost_micros or 0 for r in month_rows)
    length = calendar.monthrange(today.year, today.month)[1]
    projected, limit = spent / elapsed * length, spend.budget_monthly * MICROS
    share = projected / limit
    level = Level("critical", "open") if share >= OVER else Level("warning", "open") if share >= WARN \
        else Level("info", "resolved")
    by_model: dict[str, float] = defaultdict(float)
    for r in month_rows:
        by_model[r.model or "charges without a model"] += r.cost_micros or 0
    top = sorted(by_model.items(), key=lambda kv: -kv[1])[:DRIVERS]
    month = f"{calendar.month_name[today.month]} {today.year}"
    cur = spend.currency
    draft = EventDraft(
        kind="billing", provider=spend.provider, external_id=f"spend-budget:{spend.name}:{first:%Y-%m}",
        title=f"{spend.name}: {month} spend projected at {money(projected, cur)}, {share:.0%} of the "
              f"{money(limit, cur)} budget" if level.status == "open" else
              f"{spend.name}: {month} spend projected back under {WARN:.0%} of the budget",
        summary=f"{money(spent, cur)} spent in the {elapsed} complete day(s) of {month} so far "
                f"({money(spent / elapsed, cur)} a day), projected linearly over its {length} days: "
                f"{money(projected, cur)} against a budget of {money(limit, cur)} (warning from {WARN:.0%}, "
                f"critical from {OVER:.0%}); most of it: " + ", ".join(f"{m} ({money(v, cur)})" for m, v in top),
        status=level.status, severity=level.severity, starts_at=_midnight(first),
        models=[m for m, _ in top if m != "charges without a model"],
        extra={"spend_source": spend.name, "month": f"{first:%Y-%m}", "spent_micros": int(spent),
               "projected_micros": int(projected), "budget_micros": int(limit), "currency": cur.upper()})
    return level, draft
