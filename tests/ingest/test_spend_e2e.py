"""`[[spend]]` sources through the real daemon (its spend poller, impact service, planner and Slack
sender, driven by an injected clock) against the cost and usage APIs on loopback (tests/fake_spend_api.py:
the recorded shapes, seven days a page) and a Slack-compatible server: rows stored page after page, a
spike told once to the owner of the project, the budget at 80 % and 100 %, no anomaly from a day not
over, a refused key as an alert that recovery closes, the key never logged, usage the inventory does
not list in `watcher coverage` and on the dashboard, a resolved impact reopened by continued calls."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from connectors.contract.events import EventDraft
from tests.conftest import Clock, write_config
from tests.fake_slack import FakeSlack, slack_config
from tests.fake_spend_api import FakeSpendAPI
from watcher.cli.commands import load_config
from watcher.cli.main import main
from watcher.daemon import Daemon
from watcher.events.store import apply_drafts
from watcher.ingest.spend import first_day
from watcher.notify.actions import Selector
from watcher.storage.engine import session
from watcher.storage.tables import Event, Impact, SourceState
from watcher.storage.tables_spend import SpendDay
from watcher.web.app import create_app

OPENAI_KEY = "sk-admin-TEST-OPENAI-0123456789"
ANTHROPIC_KEY = "sk-ant-admin01-NEVER-LOG-THIS-KEY"
INVENTORY = """
[[uses]]
service = "search"
provider = "openai"
platform = "openai"
model = "gpt-4o-2024-08-06"
owner = "team-search"
channel = "#search-oncall"
projects = ["proj_abc"]

[[uses]]
service = "chat"
provider = "openai"
platform = "openai"
model = "gpt-4o-mini-2024-07-18"
owner = "team-chat"
channel = "#chat-oncall"
projects = ["proj_xyz"]
"""


@pytest.fixture
def api() -> Iterator[FakeSpendAPI]:
    server = FakeSpendAPI()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_SLACK_TOKEN", "xoxb-spend-test")
    monkeypatch.setenv("TEST_SLACK_SIGNING", "signing-1")
    monkeypatch.setenv("TEST_OPENAI_ADMIN_KEY", OPENAI_KEY)
    monkeypatch.setenv("TEST_ANTHROPIC_ADMIN_KEY", ANTHROPIC_KEY)


def configure(tmp_path: Path, api: FakeSpendAPI, slack: FakeSlack, spend: str) -> Path:
    (tmp_path / "inventory.toml").write_text(INVENTORY)
    return write_config(tmp_path / "watcher.toml", database_url=f"sqlite:///{tmp_path / 'w.db'}", sources="",
                        extra=f'[inventory]\npath = "inventory.toml"\n\n{slack_config(slack)}\n{spend}')


@pytest.fixture
async def openai_daemon(tmp_path: Path, api: FakeSpendAPI, slack: FakeSlack, env: None
                        ) -> AsyncIterator[tuple[Daemon, Clock, Path]]:
    config = configure(tmp_path, api, slack, f"""
[[spend]]
name = "openai-spend"
provider = "openai"
admin_key_env = "TEST_OPENAI_ADMIN_KEY"
url = "{api.url('/v1')}"
""")
    # Days relative to the real date: `watcher coverage`, run as a command, reads the real clock.
    clock = Clock(datetime.combine(datetime.now(UTC).date(), time(9), tzinfo=UTC))
    daemon = Daemon(load_config(str(config)), config_path=config, clock=clock)
    try:
        yield daemon, clock, config
    finally:
        await daemon.stop()


def billing_posts(slack: FakeSlack) -> list[dict[str, Any]]:
    return [b for b in slack.made("chat.postMessage") if " billing " in b["text"]]


async def settle(daemon: Daemon, clock: Clock) -> None:
    await daemon.settle()
    daemon.notify_once(clock.now)
    daemon.drain_once()


async def test_openai_spike_goes_to_the_project_owner_once_and_usage_is_judged(
        openai_daemon: tuple[Daemon, Clock, Path], api: FakeSpendAPI, slack: FakeSlack, capsys: Any) -> None:
    daemon, clock, config = openai_daemon
    today = clock.now.date()
    yesterday = today - timedelta(days=1)
    api.keys["openai"] = OPENAI_KEY
    start = first_day(today)
    for k in range((today - start).days + 1):
        day = start + timedelta(days=k)
        api.costs["openai"][(day, "proj_abc", "input_tokens")] = 95.0 if day == yesterday else 10.0
        api.costs["openai"][(day, "proj_xyz", "input_tokens")] = 1.0
        api.usage["openai"][(day, "proj_abc", "gpt-4o-2024-08-06")] = (
            (8_000_000, 1_000_000, 3100) if day == yesterday else (900_000, 100_000, 1000))
        api.usage["openai"][(day, "proj_xyz", "gpt-4o-mini-2024-07-18")] = (100_000, 20_000, 300)
    api.costs["openai"][(today, "proj_abc", "input_tokens")] = 500.0  # today is not over: never an anomaly
    for k in (1, 2, 3):  # a snapshot no use lists, 1.2 M tokens in the last days
        api.usage["openai"][(today - timedelta(days=k), "proj_abc", "gpt-4o-2024-05-13")] = (400_000, 0, 40)

    # Two days ago the owner resolved the impact of gpt-4o-2024-08-06's retirement ("no longer called").
    clock.now -= timedelta(days=2)
    with session(daemon.engine) as db:
        apply_drafts(db, source="openai-deprecations", provider="openai", now=clock.now, drafts=[EventDraft(
            kind="deprecation", provider="openai", external_id="gpt-4o-2024-08-06", status="deprecated",
            title="gpt-4o-2024-08-06 shutdown", deadline=(today + timedelta(days=120)).isoformat(),
            deadline_precision="day", replacement="gpt-4.1", severity="notice")])
        db.commit()
    daemon.impacts.refresh(clock.now)
    daemon.act("resolve", Selector("openai:gpt-4o-2024-08-06", "search"), by="ana", note="moved to gpt-4.1")
    clock.now += timedelta(days=2)

    [outcome] = await daemon.poll_once()
    assert (outcome.source, outcome.outcome) == ("openai-spend", "ok")
    await settle(daemon, clock)

    # every page was read, with the key, through the cursor
    pages = math.ceil(((today - start).days + 1) / 7)
    for path in ("/v1/organization/costs", "/v1/organization/usage/completions"):
        made = api.made(path)
        assert [q.get("page") for q, _ in made] == [None, *[[f"page_{i}"] for i in range(1, pages)]]
        assert {h["authorization"] for _, h in made} == {f"Bearer {OPENAI_KEY}"}
        assert made[0][0]["group_by[]"] and made[0][0]["start_time"] == [
            str(int(datetime.combine(start, time(), tzinfo=UTC).timestamp()))]
    with session(daemon.engine) as db:
        rows = {(r.day, r.model, r.project): r for r in db.exec(select(SpendDay)).all()}
    spike_day = rows[(yesterday, "", "proj_abc")]
    assert (spike_day.cost_micros, spike_day.currency, spike_day.complete) == (95_000_000, "USD", True)
    assert rows[(today, "", "proj_abc")].complete is False
    used = rows[(yesterday, "gpt-4o-2024-08-06", "proj_abc")]
    assert (used.input_tokens, used.output_tokens, used.requests, used.cost_micros) == (8_000_000, 1_000_000, 3100,
                                                                                      None)
    assert len(rows) == ((today - start).days + 1) * 4 + 3

    # exactly one billing event, for yesterday in proj_abc, routed to the owner's channel
    with session(daemon.engine) as db:
        billing = db.exec(select(Event).where(Event.kind == "billing")).all()
        [spike] = billing
        impacts = {(i.service, i.rule) for i in db.exec(select(Impact).where(Impact.event_id == spike.id)).all()}
        reopened = db.exec(select(Impact).where(Impact.group_key == "deprecation")).one()
    assert spike.external_id == f"spend-spike:openai-spend:proj_abc:{yesterday}"
    assert spike.title == (f"openai-spend: $95.00 spent on {yesterday} in project proj_abc, 9.5× the 14-day median "
                           "of $10.00")
    assert spike.summary.endswith("driven by gpt-4o-2024-08-06 (+8.0 M tokens), gpt-4o-2024-05-13 (+400,000 "
                                  "tokens).")
    assert impacts == {("search", "project")}
    [post] = billing_posts(slack)
    assert post["channel"] == "#search-oncall"
    assert post["text"].startswith("openai billing [warning] open: openai-spend: $95.00 spent on")
    assert "search" in json.dumps(post["blocks"])

    # the retiring model is still called: the impact its owner resolved is open again, saying so
    assert (reopened.state, reopened.resolved_by, reopened.state_by) == ("open", None, "watcher")
    assert reopened.note == "still called: 3,100 requests yesterday"

    # read again: the same days, nothing new, nothing told twice
    clock.now += timedelta(minutes=30)
    [again] = await daemon.poll_once()
    await settle(daemon, clock)
    assert (again.outcome, again.changes) == ("ok", [])
    assert len(billing_posts(slack)) == 1

    # the snapshot no use lists, in `watcher coverage` (a command: the real clock and the same database)
    assert main(["coverage", "--config", str(config)]) == 0
    lines = capsys.readouterr().out.splitlines()
    [finding] = [line for line in lines if line.startswith("UNKN")]
    assert finding.split(None, 3)[1:3] == ["openai", "usage"]
    assert finding.endswith("gpt-4o-2024-05-13: 1.2 M tokens in project proj_abc, not in the inventory: add a "
                            '[[uses]] entry for it (platform = "openai", model = "gpt-4o-2024-05-13") or find what '
                            "calls it")
    [spend_row] = [line for line in lines if " spend " in line]
    assert spend_row.split()[:4] == ["ok", "openai", "spend", "openai-spend"]
    assert not [line for line in lines if "gpt-4o-mini-2024-07-18" in line or "gpt-4o-2024-08-06:" in line]

    # and on the dashboard
    app = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(daemon)), base_url="http://watcher")
    try:
        page = (await app.get("/")).text
    finally:
        await app.aclose()
    assert "Usage the inventory does not know" in page
    assert "gpt-4o-2024-05-13: 1.2 M tokens in project proj_abc, not in the inventory" in page


@pytest.fixture
async def claude_daemon(tmp_path: Path, api: FakeSpendAPI, slack: FakeSlack, env: None
                        ) -> AsyncIterator[tuple[Daemon, Clock]]:
    config = configure(tmp_path, api, slack, f"""
[[spend]]
name = "claude-spend"
provider = "anthropic"
admin_key_env = "TEST_ANTHROPIC_ADMIN_KEY"
url = "{api.url('/v1')}"
budget_monthly = 1000
spike_factor = 10
""")
    clock = Clock(datetime(2026, 11, 11, 9, tzinfo=UTC))
    daemon = Daemon(load_config(str(config)), config_path=config, clock=clock)
    try:
        yield daemon, clock
    finally:
        await daemon.stop()


def spend_days(api: FakeSpendAPI, per_day: dict[date, float]) -> None:
    for day, dollars in per_day.items():
        api.costs["anthropic"][(day, "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ", "claude-sonnet-4-5")] = dollars
        api.usage["anthropic"][(day, "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ", "claude-sonnet-4-5")] = (10_000, 2_000, 0)


async def test_budget_projection_warns_at_80_and_goes_critical_at_100_percent(
        claude_daemon: tuple[Daemon, Clock], api: FakeSpendAPI, slack: FakeSlack) -> None:
    daemon, clock = claude_daemon
    api.keys["anthropic"] = ANTHROPIC_KEY
    spend_days(api, {date(2026, 11, d): 30.0 for d in range(1, 11)})  # $300 in 10 days: $900 projected
    await daemon.poll_once()
    await settle(daemon, clock)
    [warned] = billing_posts(slack)
    assert warned["channel"] == "#ai-oncall"  # the whole organisation's budget: the on-call hears it
    assert warned["text"].startswith("anthropic billing [warning] open: claude-spend: November 2026 spend projected "
                                     "at $900.00, 90% of the $1,000.00 budget")
    headers = api.made("/v1/organizations/cost_report")[-1][1]
    assert (headers["x-api-key"], headers["anthropic-version"]) == (ANTHROPIC_KEY, "2023-06-01")

    clock.now = datetime(2026, 11, 12, 9, tzinfo=UTC)  # $360 in 11 days: $982 projected, still a warning
    spend_days(api, {date(2026, 11, 11): 60.0})
    await daemon.poll_once()
    await settle(daemon, clock)
    assert len(billing_posts(slack)) == 1 and slack.made("chat.postMessage")[-1] is warned

    clock.now = datetime(2026, 11, 13, 9, tzinfo=UTC)  # $460 in 12 days: $1,150 projected
    spend_days(api, {date(2026, 11, 12): 100.0})
    await daemon.poll_once()
    await settle(daemon, clock)
    with session(daemon.engine) as db:
        [alert] = db.exec(select(Event).where(Event.kind == "billing")).all()
    assert (alert.external_id, alert.severity, alert.revision) == ("spend-budget:claude-spend:2026-11", "critical", 2)
    assert alert.title == "claude-spend: November 2026 spend projected at $1,150.00, 115% of the $1,000.00 budget"
    [reply] = [b for b in slack.made("chat.postMessage") if b.get("thread_ts")]
    assert reply["channel"] == "#ai-oncall" and "severity warning → critical" in reply["text"]


async def test_an_incomplete_day_is_stored_but_never_judged(
        claude_daemon: tuple[Daemon, Clock], api: FakeSpendAPI, slack: FakeSlack) -> None:
    daemon, clock = claude_daemon
    api.keys["anthropic"] = ANTHROPIC_KEY
    clock.now = datetime(2026, 11, 11, 0, 0, 30, tzinfo=UTC)  # November 11 has just begun
    spend_days(api, {date(2026, 11, d): 1.0 for d in range(1, 11)})
    spend_days(api, {date(2026, 11, 11): 5000.0})
    await daemon.poll_once()
    await settle(daemon, clock)
    assert billing_posts(slack) == []  # $10 in 10 days projects to $30; the $5,000 day has not ended
    with session(daemon.engine) as db:
        assert db.exec(select(Event).where(Event.kind == "billing")).all() == []
        assert {r.day for r in db.exec(select(SpendDay)).all()} == {date(2026, 11, d) for d in range(1, 11)}


async def test_a_refused_key_is_an_alert_recovery_closes_and_the_key_is_never_logged(
        claude_daemon: tuple[Daemon, Clock], api: FakeSpendAPI, slack: FakeSlack,
        caplog: pytest.LogCaptureFixture) -> None:
    daemon, clock = claude_daemon
    caplog.set_level(logging.DEBUG)
    spend_days(api, {date(2026, 11, d): 30.0 for d in range(1, 11)})
    api.keys["anthropic"] = "sk-ant-admin01-the-one-that-works"
    [failed] = await daemon.poll_once()
    await settle(daemon, clock)
    assert (failed.outcome, failed.category) == ("failed", "http_401")
    assert "TEST_ANTHROPIC_ADMIN_KEY was refused" in (failed.message or "")
    with session(daemon.engine) as db:
        alert = db.exec(select(Event).where(Event.external_id == "failing:claude-spend")).one()
        state = db.get(SourceState, "claude-spend")
    assert (alert.status, alert.severity) == ("failing", "critical")
    assert state is not None and state.health == "failing" and state.consecutive_failures == 1
    told = [b for b in slack.made("chat.postMessage") if "claude-spend" in b["text"]]
    assert [b["channel"] for b in told] == ["#ai-oncall"] and "http_401" in told[0]["text"]

    api.keys["anthropic"] = ANTHROPIC_KEY  # the admin rotated the key the watcher holds back in
    clock.now += timedelta(hours=1)
    [ok] = await daemon.poll_once()
    await settle(daemon, clock)
    assert ok.outcome == "ok"
    with session(daemon.engine) as db:
        closed = db.exec(select(Event).where(Event.external_id == "failing:claude-spend")).one()
    assert closed.status == "resolved"
    assert [b["text"] for b in slack.made("chat.update")][-1].startswith("watcher source [info] RESOLVED")

    everything = caplog.text + json.dumps(slack.calls) + alert.summary + closed.summary + (state.last_error or "")
    assert ANTHROPIC_KEY not in everything and "the-one-that-works" not in everything
    assert "source failing" in caplog.text and "source recovered" in caplog.text
