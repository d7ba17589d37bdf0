"""The JSON API and Slack's buttons against a running daemon."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
from sqlmodel import select

from tests.conftest import write_config
from tests.notify.test_calendar import NOW, PAGE, load_page
from tests.process import Daemon, free_port, wait_for
from tests.scenarios import FIXTURES
from watcher.storage.engine import open_database, session
from watcher.storage.tables import Event, Impact

ENV = {"TEST_API_TOKEN": "api-token-1", "TEST_SLACK_SIGNING": "slack-signing-1", "TEST_SLACK_TOKEN": "xoxb-1"}


def states(database: str) -> dict[str, tuple[str, str | None]]:
    engine = open_database(database)
    with session(engine) as db:
        found = {i.service: (i.state, i.state_by) for i in db.exec(select(Impact)).all()}
    engine.dispose()
    return found


def test_api_and_slack_buttons(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'w.db'}"
    load_page(database, PAGE, NOW)
    port = free_port()
    config = write_config(tmp_path / "w.toml", database_url=database, port=port, sources="",
                          server='api_token_env = "TEST_API_TOKEN"', extra=f"""
[inventory]
path = "{FIXTURES / 'inventory/uses.toml'}"

[slack]
token_env = "TEST_SLACK_TOKEN"
channel = "#ai-oncall"
base_url = "http://127.0.0.1:9/api/"
signing_secret_env = "TEST_SLACK_SIGNING"
""")
    daemon = Daemon(config, port, tmp_path / "run.log", env=ENV)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: "chat" in states(database), what="impacts")
        listed = httpx.get(f"{base}/api/impacts", timeout=5).json()
        assert {r["service"] for r in listed} >= {"chat", "search"}
        body = {"event_key": "openai/deprecation/gpt-4-0613", "by": "ana", "plan": "move to gpt-5.5"}
        assert httpx.post(f"{base}/api/impacts/ack", json=body, timeout=5).status_code == 401
        assert httpx.post(f"{base}/api/impacts/ack", json=body, timeout=5,
                          headers={"Authorization": "Bearer nope"}).status_code == 401
        auth = {"Authorization": "Bearer api-token-1"}
        answer = httpx.post(f"{base}/api/impacts/ack", json=body, headers=auth, timeout=5)
        assert answer.status_code == 200
        assert answer.json()["message"] == ("acknowledged 1 impact of openai/deprecation/gpt-4-0613: "
                                            "chat (team-assistant)")
        assert states(database)["chat"] == ("acknowledged", "ana")
        assert httpx.post(f"{base}/api/impacts/explode", json=body, headers=auth, timeout=5).status_code == 404
        assert httpx.post(f"{base}/api/impacts/ack", content=b"{", headers=auth, timeout=5).status_code == 400
        missing = {**body, "event_key": "openai/deprecation/none"}
        assert httpx.post(f"{base}/api/impacts/ack", json=missing, headers=auth, timeout=5).status_code == 404

        # A button whose value names no message the watcher sent acts on nothing (an Ack with a made-up
        # value once acknowledged whatever it named).
        engine = open_database(database)
        with session(engine) as db:
            event_id = db.exec(select(Event).where(Event.external_id == "gpt-4o-2024-05-13")).one().id
        engine.dispose()
        payload = {"type": "block_actions", "user": {"id": "U1", "username": "bo"},
                   "actions": [{"action_id": "snooze-7d", "value": f"{event_id}|#ai-oncall"}]}
        form = urlencode({"payload": json.dumps(payload)}).encode()
        stamp = str(int(time.time()))
        signature = "v0=" + hmac.new(b"slack-signing-1", f"v0:{stamp}:".encode() + form, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": stamp}
        refused = httpx.post(f"{base}/slack/actions", content=form, timeout=5,
                             headers={**headers, "X-Slack-Signature": signature[:-1] + ("1" if signature[-1] == "0"
                                                                                            else "0")})
        assert refused.status_code == 401
        clicked = httpx.post(f"{base}/slack/actions", content=form, timeout=5,
                             headers={**headers, "X-Slack-Signature": signature})
        assert clicked.status_code == 200
        assert clicked.json()["text"] == "Nothing changed: this button does not belong to a message the watcher sent"
        assert states(database)["search"] == ("open", None)
    finally:
        assert daemon.stop() == 0
