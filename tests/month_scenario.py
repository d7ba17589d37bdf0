"""Thirty days of November 2026 as a new team lives them, through the real daemon (its poller,
receiver, impact service, planner and Slack sender, driven by an injected clock), recorded provider
pages served on loopback and a Slack-compatible server.

Two teams share gpt-4-0613 (overdue since October 23), one acknowledges by button, the other snoozes
through the API; a third team's deadline is pulled in by the provider; an incident with no components
hits every API use, one team has silenced incidents; an OpenAI safety notice arrives by webhook; and
LiteLLM's model map gives claude-sonnet-4-5 a date that Anthropic's page contradicts. The transcript
(per day, per channel: what was posted, replied and edited, and what a silence held back) is what
tests/test_thirty_days.py checks and bench/alert_volume.py counts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import col, select

from tests.conftest import write_config
from tests.fake_provider import FakeProvider
from tests.fake_slack import FakeSlack, press, slack_config
from tests.ingest.test_webhook_receiver import SECRETS, standard_headers
from tests.scenarios import fixture, load
from watcher.cli.commands import load_config
from watcher.daemon import Daemon
from watcher.storage.engine import session
from watcher.storage.tables import Event, Impact, Notice
from watcher.web.app import create_app

START = datetime(2026, 11, 1, 9, tzinfo=UTC)
ENV = {"TEST_SLACK_TOKEN": "xoxb-scenario", "TEST_SLACK_SIGNING": "signing-1", "TEST_API_TOKEN": "api-1",
       **SECRETS}

INVENTORY = """
[[uses]]
service = "chat"
provider = "openai"
platform = "openai"
model = "gpt-4"
owner = "team-assistant"
channel = "#assistant-oncall"

[[uses]]
service = "moderation"
provider = "openai"
platform = "openai"
model = "o1"
owner = "team-assistant"
channel = "#assistant-oncall"

[[uses]]
service = "search"
provider = "openai"
platform = "openai"
model = "gpt-4-0613"
owner = "team-search"
channel = "#search-oncall"

[[uses]]
service = "images"
provider = "openai"
platform = "openai"
model = "gpt-image-1.5"
owner = "team-media"
channel = "#media-oncall"

[[uses]]
service = "writer"
provider = "anthropic"
platform = "anthropic"
model = "claude-sonnet-4-5"
owner = "team-content"
channel = "#content-oncall"
"""


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def openai_page(moved: bool) -> bytes:
    """The recorded page; from November 10 the provider pulls gpt-image-1.5's date in to November 20."""
    page = fixture("openai-deprecations/deprecations_page_md.md").decode()
    if moved:
        page = page.replace("| Dec 1, 2026   | `gpt-image-1.5`", "| Nov 20, 2026  | `gpt-image-1.5`")
    return page.encode()


def status_summary(incident: bool) -> bytes:
    """OpenAI's incident.io page as recorded during the component-less incident, or the same page quiet."""
    summary = load("statuspage/openai_incidentio_summary_partial_degradation.json")
    if not incident:
        summary["incidents"] = []
        for component in summary["components"]:
            component["status"] = "operational"
    return json.dumps(summary).encode()


def describe(method: str, body: dict[str, Any]) -> str:
    if method == "chat.update":
        notes = [b for b in body.get("blocks") or [] if b.get("block_id") == "acted"]
        text = notes[0]["elements"][-1]["text"] if notes else body["text"]
        return f"edit   {text}"
    kind = "reply " if body.get("thread_ts") else "post  "
    return f"{kind} {' '.join(str(body['text']).split())}"


def held_back(daemon: Daemon, today: date) -> list[str]:
    """What a silence held back that day: planned, recorded, not sent."""
    with session(daemon.engine) as db:
        rows = db.exec(select(Notice, Impact).join(Impact, col(Impact.id) == Notice.impact_id)
                       .where(Notice.state == "suppressed")).all()
        names = {e.id: f"{e.kind} {e.external_id}" for e in db.exec(select(Event)).all()}
    return [f"{today.isoformat()}  {impact.channel:18} held   {names[int(notice.step.rsplit('-', 1)[1])]} for "
            f"{impact.service} by silence {notice.silence_id}" for notice, impact in rows
            if notice.created_at is not None and notice.created_at.date() == today]


@dataclass
class Month:
    transcript: list[str]
    config_path: Path
    database_url: str


async def run_month(workdir: Path, provider: FakeProvider, slack: FakeSlack) -> Month:
    """Drive the daemon through November; the environment must hold ENV (the config names it)."""
    (workdir / "inventory.toml").write_text(INVENTORY)
    provider.set("/openai/deprecations.md", openai_page(False), "text/markdown")
    provider.set("/anthropic/deprecations.md", fixture("anthropic-deprecations/model_deprecations_md.md"),
                      "text/markdown")
    provider.set("/litellm.json", fixture("litellm-model-map/deprecation_dates_scoped.json"), "application/json")
    provider.set("/openai-status/api/v2/summary.json", status_summary(False), "application/json")
    config_path = write_config(workdir / "watcher.toml", database_url=f"sqlite:///{workdir / 'w.db'}",
                               server='api_token_env = "TEST_API_TOKEN"\npublic_url = "https://watcher.example.com"',
                               extra=f"""
[inventory]
path = "inventory.toml"

{slack_config(slack)}

[[webhooks]]
name = "openai"
kind = "standard-webhooks"
provider = "openai"
secret_env = "OPENAI_WH"
""", sources=f"""
[[sources]]
name = "openai-deprecations"
kind = "openai-deprecations"
provider = "openai"
url = "{provider.url('/openai/deprecations.md')}"
interval = "1d"

[[sources]]
name = "anthropic-deprecations"
kind = "anthropic-deprecations"
provider = "anthropic"
url = "{provider.url('/anthropic/deprecations.md')}"
interval = "1d"

[[sources]]
name = "litellm"
kind = "litellm-model-map"
provider = "litellm"
url = "{provider.url('/litellm.json')}"
interval = "1d"

[[sources]]
name = "openai-status"
kind = "statuspage"
provider = "openai"
url = "{provider.url('/openai-status')}"
interval = "1d"
""")
    clock = Clock()
    daemon = Daemon(load_config(str(config_path)), config_path=config_path, clock=clock)
    app = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(daemon)), base_url="http://watcher")
    transcript: list[str] = []
    seen = 0
    try:
        for day in range(30):
            clock.now = START + timedelta(days=day)
            today = clock.now.date()
            provider.set("/openai/deprecations.md", openai_page(today >= date(2026, 11, 10)), "text/markdown")
            provider.set("/openai-status/api/v2/summary.json",
                              status_summary(date(2026, 11, 5) <= today < date(2026, 11, 7)), "application/json")
            await daemon.poll_once()
            await daemon.settle()  # the refresh and notifications the poll kicked off
            if today == date(2026, 11, 8):
                body = fixture("standard-webhooks/openai_response_completed.json")
                safety = json.dumps({**json.loads(body), "id": "evt_safety_1", "type": "safety.violation",
                                     "data": {"id": "org-123"}}).encode()
                answer = await app.post("/webhooks/openai", content=safety, headers=standard_headers(safety, "msg_s1"))
                assert answer.status_code == 200
                daemon.deliveries.process_pending()
                await daemon.settle()
            daemon.impacts.refresh(clock.now)
            daemon.notify_once(clock.now)
            if today == date(2026, 11, 2):  # team-assistant acknowledges yesterday's reminder by button
                reminder = next({**b, "ts": ts} for b, ts in slack.answered if b["channel"] == "#assistant-oncall")
                form, headers = press(reminder, "ack", ("U0ANA", "ana"), secret="signing-1")
                pressed = await app.post("/slack/actions", content=form, headers=headers)
                assert pressed.json()["text"] == ("acknowledged 2 impacts of this message: chat (team-assistant), "
                                                  "moderation (team-assistant)")
            if today == date(2026, 11, 3):  # team-search snoozes through the API until November 16
                answer = await app.post("/api/impacts/snooze", headers={"Authorization": "Bearer api-1"}, json={
                    "event_key": "openai:gpt-4-0613", "service": "search", "by": "bo", "until": "2026-11-16"})
                assert answer.json()["message"] == ("snoozed 1 impact of openai:gpt-4-0613 until 2026-11-16: "
                                                    "search (team-search)")
            if today == date(2026, 11, 4):  # team-media silences incidents until November 12
                answer = await app.post("/api/silences", headers={"Authorization": "Bearer api-1"}, json={
                    "matchers": {"team": "team-media", "kind": "incident"}, "until": "2026-11-12",
                    "by": "cy", "comment": "image pipeline paused for the migration"})
                assert answer.status_code == 201
            daemon.drain_once()
            for method, body in slack.calls[seen:]:
                transcript.append(f"{today.isoformat()}  {body.get('channel', '?'):18} {describe(method, body)}")
            seen = len(slack.calls)
            transcript += held_back(daemon, today)
    finally:
        await app.aclose()
        await daemon.stop()
    return Month(transcript, config_path, f"sqlite:///{workdir / 'w.db'}")
