"""The JSON API for impacts, and Slack's interactive buttons: both end in watcher.notify.actions.

Writes need a bearer token (`[server] api_token_env`; the scheme in any case); Slack requests are
verified with the Slack signing secret (`[slack] signing_secret_env`). Every refusal is JSON
`{"error": reason}`; a JSON body is read up to JSON_BYTES (413 beyond)."""

from __future__ import annotations

import asyncio
import hmac
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, Field, ValidationError
from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from watcher.events.store import event_json
from watcher.ingest import health
from watcher.ingest.receiver import BodyTooLarge, read_capped
from watcher.inventory.deadlines import SHOWN_KINDS
from watcher.inventory.impacts import impact_rows
from watcher.notify import actions
from watcher.storage.engine import session
from watcher.storage.tables import Event
from watcher.web import summary
from watcher.web.context import daemon_of
from watcher.web.dashboard_auth import guard

JSON_BYTES = 256 * 1024  # an action or a silence is a few fields


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


async def read_json(request: Request) -> bytes | JSONResponse:
    """The request's body, up to JSON_BYTES, or the 413 that refuses it."""
    try:
        return await read_capped(request, JSON_BYTES)
    except BodyTooLarge as exc:
        return _error(413, str(exc))


BodyT = TypeVar("BodyT", bound=BaseModel)


async def read_body(request: Request, model: type[BodyT], expected: str) -> BodyT | Response:
    """A write's body, for the API's changes: the bearer token checked, the JSON capped and
    validated into `model`; otherwise the refusal to answer (401/403/413/400, saying `expected`)."""
    if (refused := _bearer_refusal(request)) is not None:
        return refused
    raw = await read_json(request)
    if isinstance(raw, Response):
        return raw
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())
        return _error(400, f"expected a JSON object with {expected}: {problems}")


async def list_events(request: Request) -> Response:
    if (refused := guard(request)) is not None:
        return refused
    daemon = daemon_of(request)
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
    daemon = daemon_of(request)
    params = request.query_params
    within: int | None = None
    if params.get("within"):
        try:
            within = min(max(int(params["within"]), 0), 100_000)
        except ValueError:
            return _error(400, "within must be a whole number of days")

    def read() -> list[dict[str, Any]]:
        with session(daemon.engine) as db:
            events = db.exec(select(Event).where(col(Event.kind).in_(SHOWN_KINDS))).all()  # floors as "not before"
            # The same filters as the dashboard header's numbers (watcher.web.summary).
            return summary.deadlines(events, today=daemon.today(), impacts=impact_rows(db),
                                     affected=params.get("affected") == "1", within=within,
                                     overdue=params.get("overdue") == "1", include_past=params.get("all") == "1")

    return JSONResponse(await asyncio.to_thread(read))


async def list_sources(request: Request) -> Response:
    if (refused := guard(request)) is not None:
        return refused
    daemon = daemon_of(request)
    report = await asyncio.to_thread(health.source_report, daemon.engine, daemon.config)
    # trouble=1: the sources the dashboard header counts as failing or stale.
    return JSONResponse(summary.troubled(report) if request.query_params.get("trouble") == "1" else report)


async def openapi(request: Request) -> JSONResponse:
    return JSONResponse(OPENAPI)


async def list_impacts(request: Request) -> Response:
    if (refused := guard(request)) is not None:
        return refused
    daemon = daemon_of(request)

    def read() -> list[dict[str, Any]]:
        with session(daemon.engine) as db:
            rows = impact_rows(db, team=request.query_params.get("team"),
                               include_resolved=request.query_params.get("all") == "1")
            kind = request.query_params.get("kind")
            return [r for r in rows if r["event_kind"] == kind] if kind else rows

    return JSONResponse(await asyncio.to_thread(read))


def _bearer_refusal(request: Request) -> JSONResponse | None:
    """The refusal of a write without the API's bearer token (`[server] api_token_env`), or None."""
    token = daemon_of(request).api_token
    if not token:
        return _error(403, "the API is read-only: set [server] api_token_env to allow changes")
    scheme, _, given = request.headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        return _error(401, "missing or wrong bearer token")
    return None


async def act(request: Request) -> Response:
    daemon = daemon_of(request)
    if (refused := _bearer_refusal(request)) is not None:
        return refused  # before the action's name: a stranger learns nothing
    action = request.path_params["action"]
    if action not in ("ack", "snooze", "resolve"):
        return _error(404, f"no action {action!r}; use ack, snooze or resolve")
    parsed = await read_body(request, ActionBody, "event_key and by")
    if isinstance(parsed, Response):
        return parsed
    selector = actions.Selector(parsed.event_key, parsed.service)
    try:
        outcome = await asyncio.to_thread(daemon.act, action, selector, by=parsed.by, plan=parsed.plan,
                                          target=parsed.target, until=parsed.until, note=parsed.note)
    except actions.NothingSelected as exc:
        return _error(404, str(exc))
    except actions.ActionError as exc:
        return _error(400, str(exc))
    return JSONResponse({"status": "ok", "message": outcome.message(parsed.event_key),
                         "changed": [{"service": i.service, "owner": i.owner, "platform": i.platform,
                                      "model": i.model} for i in outcome.changed],
                         "skipped": [{"service": i.service, "why": why} for i, why in outcome.skipped],
                         "until": outcome.until.isoformat() if outcome.until else None,
                         "notes": outcome.notes})


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
                                                       "billing", "security", "source", "lifecycle"]}),
            _query("provider", {"type": "string"}), _query("limit", {"type": "integer", "minimum": 1,
                                                                      "maximum": 5000})]),
        "/api/deadlines": _get("Upcoming deadlines with the services they affect, and live models' floors "
                               "(`floor`: true, \"not before\", never escalated); affected=1 only those touching "
                               "a use, within=N only those due in N days, overdue=1 only past ones", [
            _query("all", {"type": "string", "enum": ["0", "1"]}),
            _query("affected", {"type": "string", "enum": ["0", "1"]}),
            _query("overdue", {"type": "string", "enum": ["0", "1"]}),
            _query("within", {"type": "integer", "minimum": 0})]),
        "/api/impacts": _get("Impacts: event x inventory entry, with the reason and state; kind: the event's", [
            _query("team", {"type": "string"}), _query("all", {"type": "string", "enum": ["0", "1"]}),
            _query("kind", {"type": "string"})]),
        "/api/summary": {"get": {"summary": "The dashboard header's numbers, each with the API query that lists "
                                            "what it counts and the page that shows it", "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}},
            "401": _ERROR}}},
        "/api/sources": {"get": {"summary": "Source health; trouble=1 only the failing, broken, suspicious or "
                                            "stale enabled ones",
                                 "parameters": [_query("trouble", {"type": "string", "enum": ["0", "1"]})],
                                 "responses": {
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
        "/api/silences": {
            **_get("Silences: active ones, oldest first; all=1 adds the expired and ended ones, newest first", [
                _query("all", {"type": "string", "enum": ["0", "1"]})]),
            "post": {
                "summary": "Silence the impacts whose labels match every matcher, through a day (bearer token)",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["matchers", "until", "by", "comment"], "properties": {
                        "matchers": {"oneOf": [
                            {"type": "object", "additionalProperties": {"type": "string"}},
                            {"type": "array", "items": {"type": "string"}}],
                            "description": "label: value, or a list of label=value; labels: team, service, "
                                           "platform, model, kind, severity, provider, environment, channel"},
                        "until": {"type": "string", "format": "date",
                                  "description": "the last day silenced (in [digest] timezone), after today"},
                        "by": {"type": "string"}, "comment": {"type": "string"}}}}}},
                "responses": {"201": {"description": "the silence", "content": {"application/json": {"schema": {
                    "type": "object"}}}}, "400": _ERROR, "401": _ERROR, "403": _ERROR}}},
        "/api/silences/{silence_id}/expire": {"post": {
            "summary": "End a silence now (bearer token)",
            "parameters": [{"name": "silence_id", "in": "path", "required": True,
                            "schema": {"type": "integer", "minimum": 1}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["by"], "properties": {"by": {"type": "string"}}}}}},
            "responses": {"200": {"description": "the silence, expired", "content": {"application/json": {
                "schema": {"type": "object"}}}}, "400": _ERROR, "401": _ERROR, "403": _ERROR, "404": _ERROR}}},
    },
}
