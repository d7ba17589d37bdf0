"""The JSON API for impacts, and Slack's interactive buttons: both end in watcher.actions.

Writes need a bearer token (`[server] api_token_env`); Slack requests are verified with the Slack
signing secret (`[slack] signing_secret_env`)."""

from __future__ import annotations

import asyncio
import hmac
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier
from starlette.requests import Request
from starlette.responses import JSONResponse

from watcher import actions
from watcher.impacts import impact_rows
from watcher.storage import Event, session


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def list_impacts(request: Request) -> JSONResponse:
    daemon = request.app.state.daemon

    def read() -> list[dict[str, Any]]:
        with session(daemon.engine) as db:
            return impact_rows(db, team=request.query_params.get("team"),
                               include_resolved=request.query_params.get("all") == "1")

    return JSONResponse(await asyncio.to_thread(read))


def _apply(daemon: Any, action: str, body: dict[str, Any], selector: actions.Selector) -> str:
    now = datetime.now(UTC)
    with session(daemon.engine) as db:
        if action == "ack":
            target = date.fromisoformat(body["target"]) if body.get("target") else None
            count = actions.acknowledge(db, selector, by=body["by"], plan=body.get("plan"), target=target, now=now)
            done = "acknowledged"
        elif action == "snooze":
            count, until = actions.snooze(db, selector, until=date.fromisoformat(body["until"]), by=body["by"], now=now)
            done = f"snoozed until {until.isoformat()}"
        else:
            count = actions.resolve(db, selector, by=body["by"], note=body.get("note"), now=now)
            done = "resolved"
        db.commit()
    return f"{count} impact(s) of {selector.event_key} {done} by {body['by']}"


async def act(request: Request) -> JSONResponse:
    daemon = request.app.state.daemon
    token = daemon.api_token
    if not token:
        return _error(403, "the API is read-only: set [server] api_token_env to allow changes")
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        return _error(401, "missing or wrong bearer token")
    action = request.path_params["action"]
    if action not in ("ack", "snooze", "resolve"):
        return _error(404, f"no action {action!r}; use ack, snooze or resolve")
    try:
        body = json.loads(await request.body())
        selector = actions.Selector(str(body["event_key"]), body.get("service"))
        if not body.get("by"):
            raise KeyError("by")
    except (ValueError, KeyError, TypeError) as exc:
        return _error(400, f"expected a JSON object with event_key and by: {exc}")
    try:
        message = await asyncio.to_thread(_apply, daemon, action, body, selector)
    except actions.ActionError as exc:
        return _error(404, str(exc))
    except ValueError as exc:
        return _error(400, str(exc))
    return JSONResponse({"status": "ok", "message": message})


async def slack_actions(request: Request) -> JSONResponse:
    daemon = request.app.state.daemon
    secret = daemon.slack_signing_secret
    body = await request.body()
    if not secret:
        return _error(404, "Slack buttons are not configured: set [slack] signing_secret_env")
    verifier = SignatureVerifier(secret)
    if not verifier.is_valid(body, request.headers.get("x-slack-request-timestamp", ""),
                             request.headers.get("x-slack-signature", "")):
        return _error(401, "bad or stale Slack signature")
    try:
        # Slack posts application/x-www-form-urlencoded with one field, `payload`.
        payload = json.loads(parse_qs(body.decode())["payload"][0])
        action = payload["actions"][0]
        event_id, _, channel = str(action["value"]).partition("|")
        user = payload.get("user", {})
        who = user.get("username") or user.get("name") or user.get("id") or "someone in Slack"
    except (KeyError, IndexError, ValueError) as exc:
        return _error(400, f"not a Slack block action: {exc}")

    def run() -> str:
        with session(daemon.engine) as db:
            event = db.get(Event, int(event_id))
            if event is None:
                raise actions.ActionError(f"no event {event_id}")
            key = f"{event.provider}/{event.kind}/{event.external_id}"
        selector = actions.Selector(key, channel=channel or None)
        if action["action_id"] == "ack":
            return _apply(daemon, "ack", {"by": who}, selector)
        if action["action_id"] == "snooze-7d":
            until = (datetime.now(UTC) + timedelta(days=7)).date().isoformat()
            return _apply(daemon, "snooze", {"by": who, "until": until}, selector)
        return "nothing to do"

    try:
        message = await asyncio.to_thread(run)
    except (actions.ActionError, ValueError) as exc:
        message = str(exc)
    return JSONResponse({"response_type": "ephemeral", "replace_original": False, "text": message})
