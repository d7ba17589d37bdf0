"""Silences over HTTP: the JSON API (`GET /api/silences` behind the dashboard's auth, `POST` to add or
expire behind the API's bearer token) and the dashboard's /silences page with its forms (posting to
/ui/silences, only when the dashboard is writable). The rules are in watcher.notify.silences; this module
reads requests, runs them in a thread against the database, and answers refusals as
{"error": reason} with 400, 401, 403, 404 or 413. The page's forms carry the session's form token and
are accepted only from the dashboard's own origin (watcher.web.dashboard_auth)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from watcher.notify import silences
from watcher.storage.engine import session
from watcher.templating import environment
from watcher.web.api import read_body
from watcher.web.context import daemon_of

if TYPE_CHECKING:
    from watcher.daemon import Daemon
from watcher.web.dashboard_auth import MAX_ID, guard, html_page, page_session, read_form

ENDED_SHOWN = 50  # expired and ended silences on the page; the API has all
NO_SUCH = "no silence {}; `watcher silence list --all` shows them"  # as watcher.notify.silences says it


class SilenceBody(BaseModel):
    matchers: dict[str, str] | list[str]
    until: date
    by: str = Field(min_length=1)
    comment: str = Field(min_length=1)


class ExpireBody(BaseModel):
    by: str = Field(min_length=1)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _writable(daemon: Daemon) -> bool:
    return bool(daemon.dashboard_auth) and not daemon.config.server.read_only


def _create(daemon: Daemon, matchers: dict[str, str], until: date, by: str, comment: str) -> dict[str, Any]:
    now = daemon.clock()
    with session(daemon.engine) as db:
        silence = silences.add(db, matchers=matchers, until=until, by=by, comment=comment, now=now, zone=daemon.zone)
        db.commit()
        return silences.as_json(silence, now, zone=daemon.zone)


def _expire(daemon: Daemon, silence_id: int, by: str) -> dict[str, Any]:
    now = daemon.clock()
    with session(daemon.engine) as db:
        silence = silences.expire(db, silence_id, by=by, now=now)
        db.commit()
        counts = silences.held(db, [silence_id])[silence_id]
        return silences.as_json(silence, now, counts, zone=daemon.zone)


async def _run(function: Callable[..., dict[str, Any]], *args: Any) -> JSONResponse | dict[str, Any]:
    """The function's answer, or its refusal: 404 for an unknown silence, 400 for another ValueError
    (or a date too far out to compute with)."""
    try:
        return await asyncio.to_thread(function, *args)
    except silences.NoSuchSilence as exc:
        return _error(404, str(exc))
    except (ValueError, OverflowError) as exc:
        return _error(400, str(exc))


async def list_silences(request: Request) -> Response:
    if (refused := guard(request)) is not None:
        return refused
    daemon = daemon_of(request)

    def read() -> list[dict[str, Any]]:
        with session(daemon.engine) as db:
            return silences.report(db, daemon.clock(), include_ended=request.query_params.get("all") == "1",
                                   zone=daemon.zone)

    return JSONResponse(await asyncio.to_thread(read))


async def create_silence(request: Request) -> Response:
    body = await read_body(request, SilenceBody, "matchers, until (YYYY-MM-DD), by and comment")
    if isinstance(body, Response):
        return body
    try:
        matchers = silences.parse_matchers(body.matchers) if isinstance(body.matchers, list) else \
            silences.check_matchers(body.matchers)
    except ValueError as exc:
        return _error(400, str(exc))
    answer = await _run(_create, daemon_of(request), matchers, body.until, body.by, body.comment)
    return answer if isinstance(answer, Response) else JSONResponse(answer, status_code=201)


async def expire_silence(request: Request) -> Response:
    body = await read_body(request, ExpireBody, "by (who ends the silence)")
    if isinstance(body, Response):
        return body
    if request.path_params["silence_id"] > MAX_ID:
        return _error(404, NO_SUCH.format(request.path_params["silence_id"]))
    answer = await _run(_expire, daemon_of(request), request.path_params["silence_id"], body.by)
    return answer if isinstance(answer, Response) else JSONResponse(answer)


async def page(request: Request) -> Response:
    if (refused := guard(request)) is not None:
        return refused
    daemon = daemon_of(request)

    def read() -> list[dict[str, Any]]:
        with session(daemon.engine) as db:
            return silences.report(db, daemon.clock(), include_ended=True, zone=daemon.zone)

    rows = await asyncio.to_thread(read)
    current = [r for r in rows if r["state"] == "active"]
    ended = [r for r in rows if r["state"] != "active"]
    html = environment().get_template("dashboard/silences.html.j2").render(
        active=current, ended=ended[:ENDED_SHOWN], more_ended=max(len(ended) - ENDED_SHOWN, 0),
        labels=silences.LABELS, zone=str(daemon.zone), today=daemon.today().isoformat(),
        writable=_writable(daemon), base="", **page_session(request))
    return html_page(request, html)


async def _form(request: Request) -> dict[str, str] | Response:
    """The posted form, or the refusal: the dashboard's auth, writes only when it is writable, and
    only from the dashboard's own pages."""
    if (refused := guard(request)) is not None:
        return refused
    if not _writable(daemon_of(request)):
        return _error(403, "the dashboard is read-only: set [server] dashboard_auth_env and leave read_only off "
                           "to change silences here")
    return await read_form(request)


async def form_add(request: Request) -> Response:
    form = await _form(request)
    if isinstance(form, Response):
        return form
    try:
        until = date.fromisoformat(form.get("until", ""))
    except ValueError:
        return _error(400, f"until {form.get('until', '')!r} is not a date; use YYYY-MM-DD")
    matchers = {label: form[label] for label in silences.LABELS if form.get(label, "").strip()}
    answer = await _run(_create, daemon_of(request), matchers, until, form.get("by", ""),
                        form.get("comment", ""))
    return answer if isinstance(answer, Response) else RedirectResponse("/silences", status_code=303)


async def form_expire(request: Request) -> Response:
    form = await _form(request)
    if isinstance(form, Response):
        return form
    if request.path_params["silence_id"] > MAX_ID:
        return _error(404, NO_SUCH.format(request.path_params["silence_id"]))
    answer = await _run(_expire, daemon_of(request), request.path_params["silence_id"], form.get("by", ""))
    return answer if isinstance(answer, Response) else RedirectResponse("/silences", status_code=303)
