"""A Slack-Web-API-compatible test server on a loopback socket, for slack-sdk's `base_url`:
records every call, answers with a `ts`, and can be told to answer 429 (Retry-After) or 500."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import parse_qs, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fake_provider import FakeProvider


class FakeSlack(FakeProvider):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.arrived: list[float] = []  # time.perf_counter() of each call, for latency measurements
        self.failures: list[tuple[int, dict[str, str]]] = []  # answered in order before succeeding
        self._ts = itertools.count(1)
        self.missing_channels: set[str] = set()  # answered `channel_not_found`, as Slack does
        self.delay = 0.0  # seconds each call takes: a send that is still in flight when a replica dies
        self.answered: list[tuple[dict[str, Any], str]] = []  # each posted message with the ts it got
        self.app = Starlette(routes=[Route("/api/{method}", self._api, methods=["POST"])])

    def fail_next(self, status: int, headers: dict[str, str] | None = None, times: int = 1) -> None:
        self.failures.extend([(status, headers or {})] * times)

    async def _api(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        raw = await request.body()
        if request.headers.get("content-type", "").startswith("application/json"):
            body = json.loads(raw or b"{}")
        else:
            body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        if self.delay:
            await asyncio.sleep(self.delay)
        if not request.headers.get("authorization", "").startswith("Bearer xoxb-"):
            return JSONResponse({"ok": False, "error": "not_authed"})
        if self.failures:
            status, headers = self.failures.pop(0)
            self.calls.append((f"{method}!{status}", body))
            return JSONResponse({"ok": False, "error": "ratelimited" if status == 429 else "internal_error"},
                                status_code=status, headers=headers)
        if body.get("channel") in self.missing_channels:
            self.calls.append((f"{method}!channel_not_found", body))
            return JSONResponse({"ok": False, "error": "channel_not_found"})
        if (problem := _invalid(body)) is not None:
            self.calls.append((f"{method}!invalid_blocks", body))
            return JSONResponse({"ok": False, "error": "invalid_blocks", "errors": [problem]})
        self.calls.append((method, body))
        self.arrived.append(time.perf_counter())
        if method == "chat.update":
            return JSONResponse({"ok": True, "channel": body.get("channel"), "ts": body.get("ts")})
        ts = f"1700000000.{next(self._ts):06d}"
        self.answered.append((body, ts))
        return JSONResponse({"ok": True, "channel": body.get("channel"), "ts": ts})

    def made(self, method: str) -> list[dict[str, Any]]:
        return [body for name, body in self.calls if name == method]


# Slack's documented Block Kit limits, enforced as Slack does (`invalid_blocks`), so that a message
# that would fail in Slack fails here too.
def _invalid(body: dict[str, Any]) -> str | None:
    if len(body.get("text") or "") > 40000:
        return "text longer than 40000"
    blocks = body.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if len(blocks) > 50:
        return "more than 50 blocks"
    for block in blocks:
        limit = 150 if block.get("type") == "header" else 3000
        if "text" in block and len(block["text"]["text"]) > limit:
            return f"{block['type']} text longer than {limit}"
        for element in [*(block.get("elements") or []), *([block["accessory"]] if "accessory" in block else [])]:
            if element.get("type") == "button" and len(element["text"]["text"]) > 75:
                return "button text longer than 75"
            if element.get("type") == "button" and len(element.get("value") or "") > 2000:
                return "button value longer than 2000"
            if element.get("type") == "mrkdwn" and len(element["text"]) > 2000:
                return "context text longer than 2000"
    return None


def press(message: dict[str, Any], button: str, user: tuple[str, str], *, secret: str, value: str | None = None,
          channel_id: str | None = None) -> tuple[bytes, dict[str, str]]:
    """The signed form Slack posts to /slack/actions when `user` (id, name) presses `button` of
    `message` (a posted message with the `ts` it got); `value` forges another button's value."""
    actions = next(b for b in message["blocks"] if b["type"] == "actions")["elements"]
    element = next(e for e in actions if e.get("action_id") == button)
    channel = channel_id or message["channel"]
    payload = {"type": "block_actions", "user": {"id": user[0], "username": user[1], "name": user[1]},
               "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel},
               "channel": {"id": channel}, "actions": [{"action_id": button, "value": value or element["value"]}]}
    form = urlencode({"payload": json.dumps(payload)}).encode()
    stamp = str(int(time.time()))
    signature = "v0=" + hmac.new(secret.encode(), f"v0:{stamp}:".encode() + form, hashlib.sha256).hexdigest()
    return form, {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": stamp,
                  "X-Slack-Signature": signature}


def slack_config(slack: FakeSlack, *, signing: bool = True) -> str:
    """The `[slack]` and `[escalation]` sections that point a daemon at `slack` (token in
    TEST_SLACK_TOKEN, signing secret in TEST_SLACK_SIGNING), on-call channel #ai-oncall."""
    signing_line = 'signing_secret_env = "TEST_SLACK_SIGNING"\n' if signing else ""
    return (f'[slack]\ntoken_env = "TEST_SLACK_TOKEN"\nchannel = "#ai-oncall"\nbase_url = "{slack.url("/api/")}"\n'
            f'{signing_line}\n[escalation]\noncall = "<!subteam^S0ONCALL>"\n')
