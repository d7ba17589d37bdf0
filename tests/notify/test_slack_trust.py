"""Slack that a team can trust, through the real daemon and a Slack-API-compatible server: buttons act
only on the uses of the message they were pressed in, for the Slack user who pressed them, and the
message says so in place; a provider title of any length goes out clipped and escaped; a message
that fails for good is an alert to the on-call channel, a metric and a /healthz entry."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import select

from tests.conftest import write_config
from tests.fake_provider import FakeProvider
from tests.fake_slack import FakeSlack, press, slack_config
from tests.process import Daemon, free_port, wait_for
from tests.scenarios import ANTHROPIC_SUMMARY, fixture, incidents_document, load
from watcher.storage.engine import open_database, session
from watcher.storage.tables import Impact, Outbox

ENV = {"TEST_SLACK_TOKEN": "xoxb-test-token", "TEST_SLACK_SIGNING": "signing-1"}

INVENTORY = """
[[uses]]
service = "chat"
provider = "openai"
platform = "openai"
model = "gpt-4"
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
service = "console-sync"
provider = "anthropic"
platform = "anthropic"
model = "claude-haiku-4-5"
owner = "team-platform"
channel = "#nowhere"
components = ["Claude Console"]
"""


def start(tmp_path: Path, provider: FakeProvider, slack: FakeSlack, sqlite_url: str) -> tuple[Daemon, str]:
    (tmp_path / "inventory.toml").write_text(INVENTORY)
    port = free_port()
    config = write_config(tmp_path / "watcher.toml", database_url=sqlite_url, port=port, extra=f"""
[inventory]
path = "inventory.toml"

{slack_config(slack)}
""", sources=f"""
[[sources]]
name = "anthropic-status"
kind = "statuspage"
provider = "anthropic"
url = "{provider.url('/claude')}"
interval = "1s"

[[sources]]
name = "openai-deprecations"
kind = "openai-deprecations"
provider = "openai"
url = "{provider.url('/openai/deprecations.md')}"
interval = "1h"
""")
    return Daemon(config, port, tmp_path / "run.log", env=ENV), f"http://127.0.0.1:{port}"


def click(base: str, message: dict[str, Any], *, button: str, user: tuple[str, str], value: str | None = None,
          channel_id: str = "C0TEAM") -> httpx.Response:
    form, headers = press(message, button, user, secret="signing-1", value=value, channel_id=channel_id)
    return httpx.post(f"{base}/slack/actions", content=form, headers=headers, timeout=10)


def posted(slack: FakeSlack, channel: str) -> list[dict[str, Any]]:
    """Messages posted to a channel, each with the ts Slack answered."""
    return [{**body, "ts": ts} for body, ts in slack.answered if body["channel"] == channel]


def sent(database: str) -> int:
    engine = open_database(database)
    with session(engine) as db:
        count = len(db.exec(select(Outbox).where(Outbox.state == "sent")).all())
    engine.dispose()
    return count


def impacts(database: str) -> dict[str, tuple[str, str | None, str | None]]:
    engine = open_database(database)
    with session(engine) as db:
        found = {i.service: (i.state, i.state_by, i.state_by_id) for i in db.exec(select(Impact)).all()
                 if i.group_key}
    engine.dispose()
    return found


def test_buttons_act_on_their_message_for_whoever_pressed_them(tmp_path: Path, fake_provider: FakeProvider,
                                                              slack: FakeSlack, sqlite_url: str) -> None:
    summary = load(ANTHROPIC_SUMMARY)
    summary["incidents"] = []
    fake_provider.set("/claude/api/v2/summary.json", json.dumps(summary))
    fake_provider.set("/claude/api/v2/incidents.json", json.dumps(incidents_document(summary)))
    fake_provider.set("/openai/deprecations.md", fixture("openai-deprecations/deprecations_page_md.md"),
                      "text/markdown")
    daemon, base = start(tmp_path, fake_provider, slack, sqlite_url)
    try:
        wait_for(lambda: posted(slack, "#assistant-oncall") and posted(slack, "#search-oncall"), timeout=30,
                 what="one reminder per team channel")
        [assistant] = posted(slack, "#assistant-oncall")
        [search] = posted(slack, "#search-oncall")
        wait_for(lambda: sent(sqlite_url) >= 2, what="the outbox to record what Slack answered")
        # the search team's button value pressed in the assistant team's message: refused
        forged = click(base, assistant, button="ack", user=("U2", "bo"),
                       value=next(b for b in search["blocks"] if b["type"] == "actions")["elements"][0]["value"])
        assert forged.json()["text"] == "Nothing changed: this button does not belong to a message the watcher sent"
        answer = click(base, assistant, button="ack", user=("U1", "ana"))
        assert answer.json()["text"] == "acknowledged 1 impact of this message: chat (team-assistant)"
        assert impacts(sqlite_url) == {"chat": ("acknowledged", "ana", "U1"), "search": ("open", None, None)}
        wait_for(lambda: slack.made("chat.update"), timeout=15, what="the message edited in place")
        [edit] = slack.made("chat.update")
        assert (edit["channel"], edit["ts"]) == ("C0TEAM", assistant["ts"])
        assert "Acknowledged by <@U1>: chat" in json.dumps(edit["blocks"])
        assert all(b["type"] != "actions" and "accessory" not in b for b in edit["blocks"])
        snoozed = click(base, search, button="snooze-7d", user=("U3", "cy"))
        until = (datetime.now(UTC).date() + timedelta(days=7)).isoformat()
        assert snoozed.json()["text"] == f"snoozed 1 impact of this message until {until}: search (team-search)"
        assert impacts(sqlite_url)["search"] == ("snoozed", "cy", "U3")
        assert impacts(sqlite_url)["chat"][0] == "acknowledged"  # the other team's use is untouched
        wait_for(lambda: len(slack.made("chat.update")) == 2, timeout=15, what="the second edit")
        assert f"Snoozed until {until} by <@U3>: search" in json.dumps(slack.made("chat.update")[1]["blocks"])
    finally:
        assert daemon.stop() == 0


def test_long_titles_are_clipped_and_failures_alert_on_call(tmp_path: Path, fake_provider: FakeProvider,
                                                           slack: FakeSlack, sqlite_url: str) -> None:
    summary = load(ANTHROPIC_SUMMARY)
    incident = summary["incidents"][0]
    incident["name"] = "Elevated <errors> & timeouts " * 345  # 10,005 characters of provider text
    incident["impact"] = "critical"
    fake_provider.set("/claude/api/v2/summary.json", json.dumps(summary))
    fake_provider.set("/claude/api/v2/incidents.json", json.dumps(incidents_document(summary)))
    fake_provider.set("/openai/deprecations.md", b"# Deprecations\n", "text/markdown")
    slack.missing_channels.add("#nowhere")  # console-sync's channel: the bot is not in it
    daemon, base = start(tmp_path, fake_provider, slack, sqlite_url)
    try:
        # critical: the on-call channel hears it too, with the mention, and it is not refused for length
        wait_for(lambda: any("notifications to #nowhere are failing" in p["text"] for p in posted(slack, "#ai-oncall")),
                 timeout=30, what="the alert about the failed notification")
        [incident_post] = [p for p in posted(slack, "#ai-oncall") if "Elevated" in p["text"]]
        assert incident_post["text"].startswith("<!subteam^S0ONCALL> anthropic incident [critical]")
        section = incident_post["blocks"][1]["text"]["text"]
        assert len(section) == 3000 and section.endswith("…")
        assert "Elevated &lt;errors&gt; &amp; timeouts" in section and "<errors>" not in section
        assert not [name for name, _ in slack.calls if name.endswith("!invalid_blocks")]
        assert [name for name, _ in slack.calls if name.endswith("!channel_not_found")] == [
            "chat.postMessage!channel_not_found"]
        health = httpx.get(f"{base}/healthz", timeout=10).json()
        assert health["status"] == "degraded"
        assert health["notifications"]["failed_last_day"] == 1
        assert health["notifications"]["last_failure"]["target"] == "#nowhere"
        assert health["notifications"]["last_failure"]["error"] == "Slack 200: channel_not_found"
        metrics = httpx.get(f"{base}/metrics", timeout=10).text
        assert 'watcher_notifications_failed_total{channel="slack",replica="test"} 1.0' in metrics
    finally:
        assert daemon.stop() == 0
