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

from pydantic import BaseModel, Field, ValidationError
from slack_sdk.signature import SignatureVerifier
from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from watcher import actions, health
from watcher.dashboard import guard
from watcher.deadlines import deadline_rows
from watcher.impacts import impact_rows
from watcher.pipeline import event_json
from watcher.storage import Event, session


class ActionBody(BaseModel):
    event_key: str = Field(min_length=1)
    by: str = Field(min_length=1)
    service: str | None = None
    plan: str | None = None
    target: date | None = None
    until: date | None = None
    note: str | None = None


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def list_events(request: Request) -> Response:
    if (refused := guard(request)) is not None:
        return refused
    daemon = request.app.state.daemon
    try:
        limit = min(max(int(request.query_params.get("limit", "200")), 1), 5000)
    except ValueError:
        return _error(400, "limit must be a whole number")
    kind, provider = request.query_params.get("kind"), request.query_params.get("provider")

    def read() -> list[dict[str, Any]]:
        with session(daemon.engine) as db:
            query = select(Event).order_by(col(Event.id).desc()).limit(limit)
            if kind:
                query = query.where(Event.kind == kind)
            if provider:
                query = query.where(Event.provider == provider)
            return [event_json(e) for e in db.exec(query).all()]

    return JSONResponse(await asyncio.to_thread(read))


async def list_deadlines(request: Request) -> Response:
    if (refused := guard(request)) is not None:
        return refused
    daemon = request.app.state.daemon

    def read() -> list[dict[str, Any]]:
        with session(daemon.engine) as db:
            events = db.exec(select(Event).where(Event.kind == "deprecation")).all()
            return deadline_rows(events, today=datetime.now(daemon.zone).date(), impacts=impact_rows(db),
                                 include_past=request.query_params.get("all") == "1")

    return JSONResponse(await asyncio.to_thread(read))


async def list_sources(request: Request) -> Response:
    if (refused := guard(request)) is not None:
        return refused
    daemon = request.app.state.daemon
    return JSONResponse(await asyncio.to_thread(health.source_report, daemon.engine, daemon.config))


async def openapi(request: Request) -> JSONResponse:
    return JSONResponse(OPENAPI)


async def list_impacts(request: Request) -> Response:
    if (refused := guard(request)) is not None:
        return refused
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
        parsed = ActionBody.model_validate_json(await request.body())
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())
        return _error(400, f"expected a JSON object with event_key and by: {problems}")
    if action == "snooze" and parsed.until is None:
        return _error(400, "snooze needs until (YYYY-MM-DD)")
    body = parsed.model_dump(mode="json")
    selector = actions.Selector(parsed.event_key, parsed.service)
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


_LIST = {"type": "array", "items": {"type": "object"}}
_ERROR = {"description": "the reason", "content": {"application/json": {"schema": {
    "type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}}}}


def _get(summary: str, parameters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"get": {"summary": summary, "parameters": parameters or [], "responses": {
        "200": {"description": "OK", "content": {"application/json": {"schema": _LIST}}}, "401": _ERROR}}}


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "provider-watcher", "version": "0.1.0",
             "description": "Events from LLM providers, the deadlines they set, and what they mean for our services."},
    "paths": {
        "/api/events": _get("Events, newest first", [
            _query("kind", {"type": "string", "enum": ["incident", "maintenance", "deprecation", "changelog", "account",
                                                       "billing", "source"]}),
            _query("provider", {"type": "string"}), _query("limit", {"type": "integer", "minimum": 1,
                                                                      "maximum": 5000})]),
        "/api/deadlines": _get("Upcoming deadlines with the services they affect", [
            _query("all", {"type": "string", "enum": ["0", "1"]})]),
        "/api/impacts": _get("Impacts: event x inventory entry, with the reason and state", [
            _query("team", {"type": "string"}), _query("all", {"type": "string", "enum": ["0", "1"]})]),
        "/api/sources": {"get": {"summary": "Source health", "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}},
            "401": _ERROR}}},
        "/api/impacts/{action}": {"post": {
            "summary": "Acknowledge, snooze or resolve an event's impacts (bearer token)",
            "parameters": [{"name": "action", "in": "path", "required": True,
                            "schema": {"type": "string", "enum": ["ack", "snooze", "resolve"]}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["event_key", "by"], "properties": {
                    "event_key": {"type": "string"}, "service": {"type": "string"}, "by": {"type": "string"},
                    "plan": {"type": "string"}, "target": {"type": "string", "format": "date"},
                    "until": {"type": "string", "format": "date"}, "note": {"type": "string"}}}}}},
            "responses": {"200": {"description": "done", "content": {"application/json": {"schema": {
                "type": "object"}}}}, "400": _ERROR, "401": _ERROR, "403": _ERROR, "404": _ERROR}}},
    },
}
