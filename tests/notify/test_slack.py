"""Slack through slack-sdk against a local Slack-API-compatible server, driven by the real daemon:
threads, edits, routing, retries, and no duplicates across a restart."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from pathlib import Path

from tests.conftest import write_config
from tests.fake_provider import FakeProvider
from tests.fake_slack import FakeSlack, slack_config
from tests.process import Daemon, free_port, wait_for
from tests.scenarios import ANTHROPIC_SUMMARY, fixture, incidents_document, load, resolved_variant

INVENTORY = """
[[uses]]
service = "console-sync"
provider = "anthropic"
platform = "anthropic"
model = "claude-haiku-4-5"
owner = "team-platform"
components = ["Claude Console"]

[[uses]]
service = "chat"
provider = "openai"
platform = "openai"
model = "gpt-4"
owner = "team-assistant"
channel = "#assistant-oncall"
"""


def setup(tmp_path: Path, provider: FakeProvider, slack: FakeSlack, sqlite_url: str) -> tuple[Path, int]:
    (tmp_path / "inventory.toml").write_text(INVENTORY)
    port = free_port()
    config = write_config(tmp_path / "watcher.toml", database_url=sqlite_url, port=port, extra=f"""
[inventory]
path = "inventory.toml"

{slack_config(slack, signing=False)}
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
    return config, port


def test_incident_thread_edit_and_deprecation_routing(tmp_path: Path, fake_provider: FakeProvider, slack: FakeSlack,
                                                     sqlite_url: str) -> None:
    summary = load(ANTHROPIC_SUMMARY)
    fake_provider.set("/claude/api/v2/summary.json", json.dumps(summary))
    fake_provider.set("/claude/api/v2/incidents.json", json.dumps(incidents_document(summary)))
    fake_provider.set("/openai/deprecations.md", fixture("openai-deprecations/deprecations_page_md.md"),
                      "text/markdown")
    config, port = setup(tmp_path, fake_provider, slack, sqlite_url)
    slack.fail_next(429, {"Retry-After": "1"})  # the very first call is rate limited
    env = {"TEST_SLACK_TOKEN": "xoxb-test-token"}
    daemon = Daemon(config, port, tmp_path / "run1.log", env=env)
    try:
        wait_for(lambda: len(slack.made("chat.postMessage")) >= 2, timeout=30, what="incident and deprecation posts")
        posts = slack.made("chat.postMessage")
        by_channel = {p["channel"]: p for p in posts}
        incident = by_channel["#ai-oncall"]  # console-sync has no channel: the on-call channel
        assert "Elevated errors on platform.claude.com" in incident["text"]
        assert "console-sync" in json.dumps(incident["blocks"])
        assert {b["action_id"] for b in incident["blocks"][-1]["elements"]} == {"ack", "snooze-7d"}
        assert "|Status page>" in json.dumps(incident["blocks"])
        deprecation = by_channel["#assistant-oncall"]  # the team's own channel
        assert "gpt-4-0613 shuts down 2026-10-23" in deprecation["text"]
        overdue = (datetime.now(UTC).date() - date(2026, 10, 23)).days  # the page's date, passed on the real clock
        assert f"chat uses gpt-4 (openai): 2026-10-23, new, and already {overdue} days overdue" in deprecation["text"]
        assert any(name == "chat.postMessage!429" for name, _ in slack.calls)  # retried after Retry-After

        resolved_summary, resolved_incident = resolved_variant(summary)
        fake_provider.set("/claude/api/v2/summary.json", json.dumps(resolved_summary))
        fake_provider.set("/claude/api/v2/incidents.json", json.dumps(incidents_document(summary, [resolved_incident])))
        wait_for(lambda: slack.made("chat.update"), timeout=30, what="the top message edited")
        [update] = slack.made("chat.update")
        replies = [p for p in slack.made("chat.postMessage") if p.get("thread_ts")]
        assert replies and all(r["channel"] == "#ai-oncall" for r in replies)
        assert "status monitoring → resolved" in replies[0]["text"]
        assert update["ts"] == replies[0]["thread_ts"]
        assert "RESOLVED" in update["text"]
        assert [b["type"] for b in update["blocks"]].count("actions") == 0  # nothing left to press
    finally:
        assert daemon.stop() == 0
    before = list(slack.calls)
    daemon = Daemon(config, port, tmp_path / "run2.log", env=env)
    try:
        polls = len(fake_provider.hits("/claude/api/v2/summary.json"))
        wait_for(lambda: len(fake_provider.hits("/claude/api/v2/summary.json")) >= polls + 3, what="polls")
        time.sleep(6)  # and two more outbox drains
    finally:
        assert daemon.stop() == 0
    assert slack.calls == before  # nothing sent twice after the restart
