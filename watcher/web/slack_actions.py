"""Slack's interactive buttons (`POST /slack/actions`), verified with the Slack signing secret.

A button acts only on the impacts listed in the message it was pressed in: its value names the
outbox row that message was sent from (and, for one use's button, that impact), and the server
checks the row was sent and is the message Slack says was clicked. The person who pressed it is
Slack's user id and name from the payload, never free text. The message is then edited in place
to say who did what, and its buttons go.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier
from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import JSONResponse

from watcher.ingest.receiver import BodyTooLarge, read_capped
from watcher.notify import actions, messages
from watcher.storage.engine import insert_ignore, session
from watcher.storage.tables import Outbox
from watcher.web.context import daemon_of

if TYPE_CHECKING:
    from watcher.daemon import Daemon

SNOOZE_DAYS = 7
# A block action's form is a few kilobytes; anything far beyond is not from Slack.
MAX_BODY = 1024 * 1024
# An edit of a message people are looking at goes before anything else in the outbox.
EDIT_PRIORITY = 10


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _parse(body: bytes) -> dict[str, Any]:
    """Slack posts application/x-www-form-urlencoded with one field, `payload` (JSON). Raises
    ValueError (or KeyError, IndexError) with what is missing or malformed."""
    try:
        payload = json.loads(parse_qs(body.decode("utf-8"), strict_parsing=True)["payload"][0])
    except RecursionError:
        raise ValueError("the payload is nested too deeply") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("actions"), list) or not payload["actions"]:
        raise ValueError("no actions in the payload")
    if not isinstance(payload["actions"][0], dict):
        raise ValueError("the first action is not an object")
    value = str(payload["actions"][0].get("value") or "")
    one = value.rpartition("|")[2] if "|" in value else ""
    if one and not (one.isascii() and len(one) <= 18):  # what _act turns into an impact id
        raise ValueError("the button's value names no use")
    if not isinstance(payload.get("user"), dict) or not payload["user"].get("id"):
        raise ValueError("no user in the payload")
    for part in ("container", "message", "channel"):
        if payload.get(part) is not None and not isinstance(payload[part], dict):
            raise ValueError(f"{part} is not an object")
    return payload


async def slack_actions(request: Request) -> JSONResponse:
    daemon = daemon_of(request)
    secret = daemon.slack_signing_secret
    if not secret:
        return _error(404, "Slack buttons are not configured: set [slack] signing_secret_env")
    try:
        body = await read_capped(request, MAX_BODY)
    except BodyTooLarge as exc:
        return _error(413, str(exc))
    stamp = request.headers.get("x-slack-request-timestamp", "")
    signature = request.headers.get("x-slack-signature", "")
    if not stamp or not signature:
        return _error(401, "missing X-Slack-Request-Timestamp or X-Slack-Signature header")
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        return _error(401, "X-Slack-Request-Timestamp is not a Unix time in whole seconds")
    if not signature.isascii():
        return _error(401, "X-Slack-Signature is not a v0= signature")
    try:
        body.decode("utf-8")  # the signature is computed over the text
    except UnicodeDecodeError:
        return _error(400, "not a Slack block action: the body is not UTF-8 form data")
    if not SignatureVerifier(secret).is_valid(body, stamp, signature):
        return _error(401, "bad or stale Slack signature")
    try:
        payload = _parse(body)
    except (KeyError, IndexError, ValueError) as exc:
        return _error(400, f"not a Slack block action: {exc}")
    try:
        text = await asyncio.to_thread(_act, daemon, payload)
    except actions.ActionError as exc:
        text = f"Nothing changed: {exc}"
    return JSONResponse({"response_type": "ephemeral", "replace_original": False, "text": text})


def _act(daemon: Daemon, payload: dict[str, Any]) -> str:
    action = payload["actions"][0]
    value = str(action.get("value") or "")
    # "<outbox key>" for the whole message, "<outbox key>|<impact id>" for one use's button
    key, _, one = value.rpartition("|") if "|" in value else (value, "", "")
    user = payload["user"]
    user_id = str(user["id"])
    name = str(user.get("username") or user.get("name") or user_id)
    container = payload.get("container") or {}
    clicked = container.get("message_ts") or (payload.get("message") or {}).get("ts")
    channel_id = container.get("channel_id") or (payload.get("channel") or {}).get("id")
    with session(daemon.engine) as db:
        row = db.exec(select(Outbox).where(Outbox.dedup_key == key)).first()
    if row is None or row.state != "sent" or (clicked and row.external_ref and clicked != row.external_ref):
        raise actions.ActionError("this button does not belong to a message the watcher sent")
    listed = [int(i) for i in row.payload.get("impact_ids") or []]
    chosen = listed
    if one:
        if not one.isdigit() or int(one) not in listed:
            raise actions.ActionError("that use is not listed in this message")
        chosen = [int(one)]
    if not chosen:
        raise actions.ActionError("this message lists no use to act on")
    selector = actions.Selector(impact_ids=tuple(chosen))
    action_id = action.get("action_id")
    if action_id == "ack":
        outcome = daemon.act("ack", selector, by=name, by_id=user_id)
        note = f"Acknowledged by <@{user_id}>"
    elif action_id == "snooze-7d":
        until = daemon.today() + timedelta(days=SNOOZE_DAYS)
        outcome = daemon.act("snooze", selector, by=name, by_id=user_id, until=until)
        note = f"Snoozed until {outcome.until.isoformat() if outcome.until else until} by <@{user_id}>"
    else:
        raise actions.ActionError(f"unknown button {action_id!r}")
    if outcome.changed:
        services = ", ".join(i.service for i in outcome.changed)
        _edit(daemon, row, f"{note}: {messages.escape(services)}", channel_id, only=one or None)
    return outcome.message("this message")


def _edit(daemon: Daemon, row: Outbox, note: str, channel_id: str | None, *, only: str | None) -> None:
    """Queue the in-place edit of the message: who did what, and the buttons that no longer apply gone."""
    now = daemon.clock()
    with session(daemon.engine) as db:
        # The message as people see it now: the latest edit after a button press, else the original.
        latest = db.exec(select(col(Outbox.payload)).where(Outbox.thread_key == f"edits:{row.dedup_key}")
                         .order_by(col(Outbox.id).desc())).first()
        shown = latest or row.payload
        edited = messages.acted(shown, note, only=f"{row.dedup_key}|{only}" if only else None)
        insert_ignore(db, Outbox, [{
            "dedup_key": f"edit:{row.dedup_key}:{now.isoformat()}:{note}"[:500], "channel": row.channel,
            "target": row.target, "thread_key": f"edits:{row.dedup_key}", "action": "update",
            "payload": {**edited, "ts": row.external_ref, "channel_id": channel_id},
            "priority": EDIT_PRIORITY, "state": "pending", "attempts": 0, "created_at": now, "next_attempt_at": now,
        }], ["dedup_key"])
        db.commit()
