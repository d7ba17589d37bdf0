"""The operator's pages: coverage first, then deadlines by team, open incidents and impacts (with
acknowledge and snooze forms), an event's revisions and provenance, and the sources' health.
Server-rendered with Jinja2 (no script; the style is /static/dashboard.css); reads the database in
a thread.

Protected by `[server] dashboard_auth_env`: a token (`Authorization: Bearer`, the scheme in any
case, or `?token=`) or "user:password" for basic auth; `read_only` hides the forms. The first page
seen with the secret sets a signed session cookie (HttpOnly, SameSite=Strict, Secure when
`[server] public_url` is https; HMAC with a key derived from the secret; SESSION_SECONDS), so links
and forms that drop `?token=` keep working. A form post (a state change) must come from the
dashboard's own origin (its Origin or Referer is the request's Host, or `[server] public_url`) and
carry the session's form token; anything else is refused 403 with the reason. Only http(s) URLs
become links (the `safe_url` filter); any other URL is shown as text.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from sqlmodel import col, select
from sqlmodel.sql.expression import Select
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from watcher.events.model import TERMINAL_STATUSES
from watcher.ingest import health
from watcher.ingest.receiver import BodyTooLarge, read_capped
from watcher.inventory import coverage
from watcher.inventory.deadlines import deadline_rows
from watcher.inventory.impacts import impact_rows
from watcher.notify import actions
from watcher.storage.engine import session
from watcher.storage.tables import Event, EventRevision
from watcher.templating import environment
from watcher.web.context import daemon_of

if TYPE_CHECKING:
    from watcher.daemon import Daemon

PER_TEAM = 25  # deadline rows per team on the home page
IMPACTS = 100  # impacts on the home page
SESSION_COOKIE = "watcher_session"
SESSION_SECONDS = 12 * 3600
FORM_BYTES = 64 * 1024  # a dashboard form is a few fields
FORM_FIELDS = 100
# Ids in URLs beyond what an INTEGER column holds (PostgreSQL's is 32 bits) name nothing: 404.
MAX_ID = 2**31 - 1

_env = environment()


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


# --- who may look: the secret, or a session it signed -------------------------------------------

def _mac(secret: str, text: str) -> str:
    """HMAC-SHA256 of text under a key derived from the dashboard secret (never the secret itself)."""
    key = hmac.new(secret.encode(), b"provider-watcher dashboard session", hashlib.sha256).digest()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def new_session(secret: str, now: float) -> str:
    """A session cookie's value: `{random id}.{issued, Unix s}.{mac}`."""
    value = f"{secrets.token_urlsafe(18)}.{int(now)}"
    return f"{value}.{_mac(secret, value)}"


def session_id(secret: str, cookie: str, now: float) -> str | None:
    """The id of a session cookie this secret signed, not older than SESSION_SECONDS; else None."""
    sid, _, rest = cookie.partition(".")
    issued, _, mac = rest.partition(".")
    if not (sid and mac and issued.isascii() and issued.isdigit() and len(issued) <= 12):
        return None
    if not hmac.compare_digest(mac.encode(), _mac(secret, f"{sid}.{issued}").encode()):
        return None
    return sid if 0 <= now - int(issued) <= SESSION_SECONDS else None


def form_token(secret: str, sid: str) -> str:
    """The hidden field every form of this session carries."""
    return _mac(secret, f"form:{sid}")


def _same(given: str, secret: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), secret.encode())


def _credential(request: Request, secret: str) -> bool:
    """Whether the Authorization header (scheme in any case) or `?token=` proves the secret. A header
    of another scheme does not hide the query token."""
    scheme, _, value = request.headers.get("authorization", "").strip().partition(" ")
    scheme, value = scheme.lower(), value.strip()
    if ":" in secret:  # user:password: basic auth
        if scheme != "basic":
            return False
        try:
            given = base64.b64decode(value, validate=True).decode()
        except ValueError:  # binascii.Error, UnicodeDecodeError
            return False
        return _same(given, secret)
    return (scheme == "bearer" and _same(value, secret)) or _same(request.query_params.get("token", ""), secret)


def _session(request: Request, secret: str) -> str | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    return session_id(secret, cookie, time.time()) if cookie else None


def authorized(request: Request, secret: str | None) -> bool:
    if not secret:
        return True
    return _credential(request, secret) or _session(request, secret) is not None


def guard(request: Request) -> Response | None:
    """None when the request may see the dashboard's data; else the 401 that says so."""
    daemon = daemon_of(request)
    if authorized(request, daemon.dashboard_auth):
        return None
    headers = {"WWW-Authenticate": 'Basic realm="provider-watcher"'} if daemon.dashboard_auth and \
        ":" in daemon.dashboard_auth else {}
    return JSONResponse({"error": "authentication required"}, status_code=401, headers=headers)


def page_session(request: Request) -> dict[str, str]:
    """For a page about to be shown to an authorized visitor: its form token (`csrf`), and a new
    session cookie to set when it came without a valid one (see `html_page`)."""
    secret = daemon_of(request).dashboard_auth
    if not secret:
        return {}
    sid = _session(request, secret)
    if sid is not None:
        return {"csrf": form_token(secret, sid)}
    cookie = new_session(secret, time.time())
    request.state.new_session = cookie
    return {"csrf": form_token(secret, cookie.partition(".")[0])}


def html_page(request: Request, html: str) -> HTMLResponse:
    """The page, with the session cookie `page_session` started, if it did."""
    response = HTMLResponse(html)
    cookie = getattr(request.state, "new_session", None)
    if cookie:
        public_url = daemon_of(request).config.server.public_url or ""
        secure = public_url.startswith("https://") or request.url.scheme == "https"
        response.set_cookie(SESSION_COOKIE, cookie, max_age=SESSION_SECONDS, path="/", httponly=True,
                            samesite="strict", secure=secure)
    return response


# --- state changes: from our own pages only -------------------------------------------------------

def _normal_origin(scheme: str, netloc: str) -> str:
    scheme, netloc = scheme.lower(), netloc.lower().rpartition("@")[2]
    default = {"http": ":80", "https": ":443"}.get(scheme)
    if default and netloc.endswith(default):
        netloc = netloc.removesuffix(default)
    return f"{scheme}://{netloc}"


def _posted_from(request: Request) -> str | None:
    """The origin the browser says the post comes from: Origin, else Referer's scheme and host."""
    origin = request.headers.get("origin", "").strip()
    if not origin:
        origin = request.headers.get("referer", "").strip()
    if not origin:
        return None
    if origin == "null":
        return origin
    try:
        parts = urlsplit(origin)
    except ValueError:
        return origin
    return _normal_origin(parts.scheme, parts.netloc) if parts.scheme and parts.netloc else origin


def _own_origins(request: Request) -> list[str]:
    own = []
    if host := request.headers.get("host"):
        own.append(_normal_origin(request.url.scheme, host))
    if public_url := daemon_of(request).config.server.public_url:
        parts = urlsplit(public_url)
        own.append(_normal_origin(parts.scheme, parts.netloc))
    return own


def cross_site_refusal(request: Request, form: dict[str, str]) -> Response | None:
    """The 403 of a form post that does not come from the dashboard's own pages, or None."""
    origin, own = _posted_from(request), _own_origins(request)
    if origin is None:
        return _error(403, "refused: a form post must say where it comes from (Origin or Referer header); "
                           "post the dashboard's forms from its pages, or use the JSON API with its token")
    if origin not in own:
        return _error(403, f"refused: a form post from another origin ({origin[:200]}); the dashboard takes "
                           f"forms only from {' or '.join(own) or 'its own address'} (set [server] public_url "
                           "if it is served at another address)")
    secret = daemon_of(request).dashboard_auth or ""
    sid = _session(request, secret)
    if sid is None:
        return _error(403, "refused: no dashboard session (its cookie is missing or expired); reload the page "
                           "and submit the form again")
    if not _same(form.get("csrf", ""), form_token(secret, sid)):
        return _error(403, "refused: the form token is missing or belongs to another session; reload the page "
                           "and submit the form again")
    return None


async def read_form(request: Request) -> dict[str, str] | Response:
    """The posted form of a state change (first value of each field), or its refusal: too large 413,
    malformed 400, not from our own pages 403."""
    try:
        body = await read_capped(request, FORM_BYTES)
        fields = parse_qs(body.decode("utf-8", errors="replace"), max_num_fields=FORM_FIELDS)
    except BodyTooLarge as exc:
        return _error(413, f"form {exc}")
    except ValueError as exc:
        return _error(400, f"not a form: {exc}")
    form = {k: v[0] for k, v in fields.items()}
    return cross_site_refusal(request, form) or form


@cache
def _stylesheet() -> str:
    assert _env.loader is not None
    return _env.loader.get_source(_env, "dashboard/dashboard.css")[0]


async def stylesheet(request: Request) -> Response:
    """The dashboard's style: a file of its own, as the Content-Security-Policy allows no inline style."""
    return Response(_stylesheet(), media_type="text/css", headers={"Cache-Control": "max-age=3600"})


def _home_context(daemon: Daemon) -> dict[str, Any]:
    now = daemon.clock().astimezone(daemon.zone)
    with session(daemon.engine) as db:
        impacts = impact_rows(db)
        # `Select` is what sqlmodel's `select` builds from several columns; its overloads stop at four.
        query: Select[*tuple[Any, ...]] = Select(
            col(Event.id), col(Event.provider), col(Event.kind), col(Event.external_id), col(Event.title),
            col(Event.status), col(Event.severity), col(Event.deadline), col(Event.deadline_earliest),
            col(Event.deadline_precision), col(Event.replacement), col(Event.url), col(Event.provenance),
            col(Event.source), col(Event.models), col(Event.extra))
        # SQLAlchemy `Row`s (sqlmodel types them as tuples), read by column name here and by deadline_rows,
        # which is typed for whole `Event`s: they carry every column it reads, so Any.
        events: Sequence[Any] = db.exec(query.where(col(Event.kind).in_(["deprecation", "incident"]))).all()
        # Overdue deadlines still in use come first: they are the most urgent.
        deadlines = deadline_rows([e for e in events if e.kind == "deprecation"], today=now.date(), impacts=impacts,
                                  include_past=True)
        report = coverage.report(db, daemon.config, daemon.impacts.inventory) if daemon.impacts.inventory else []
    ids = {(e.provider, e.external_id): e.id for e in events}
    by_team: dict[str, list[dict[str, Any]]] = {}
    for row in deadlines:
        for team in sorted({a["owner"] for a in row["affected"]}):
            by_team.setdefault(team, []).append({**row, "event_id": ids[(row["platform"], row["model"])],
                                                 "services": ", ".join(a["service"] for a in row["affected"]
                                                                       if a["owner"] == team)})
    incidents = [e for e in events if e.kind == "incident" and (e.status or "") not in TERMINAL_STATUSES]
    # A page people read: the most urgent first, the rest one click away (the JSON API has all).
    teams = [(team, rows[:PER_TEAM], len(rows) - PER_TEAM) for team, rows in sorted(by_team.items())]
    return {"coverage": report, "deadlines_by_team": teams, "incidents": incidents,
            "impacts": impacts[:IMPACTS], "more_impacts": max(len(impacts) - IMPACTS, 0)}


async def home(request: Request) -> Response:
    if (refused := guard(request)) is not None:
        return refused
    daemon = daemon_of(request)
    context = await asyncio.to_thread(_home_context, daemon)
    html = _env.get_template("dashboard/home.html.j2").render(
        **context, **page_session(request), base="",
        writable=bool(daemon.dashboard_auth) and not daemon.config.server.read_only)
    return html_page(request, html)


async def event_page(request: Request) -> Response:
    if (refused := guard(request)) is not None:
        return refused
    daemon = daemon_of(request)
    event_id = int(request.path_params["event_id"])
    if event_id > MAX_ID:
        return _error(404, "no such event")

    def read() -> tuple[Event | None, list[dict[str, Any]]]:
        with session(daemon.engine) as db:
            event = db.get(Event, event_id)
            revisions = db.exec(select(EventRevision).where(EventRevision.event_id == (event.id if event else -1))
                                .order_by(col(EventRevision.revision))).all()
            return event, [{"revision": r.revision, "changed_at": r.changed_at, "source": r.source,
                            "what": "created" if r.changes.get("created") else "; ".join(
                                r.changes.get("drift") or [f"{k}" for k in r.changes if k != "reason"])}
                           for r in revisions]

    event, revisions = await asyncio.to_thread(read)
    if event is None:
        return _error(404, "no such event")
    page_session(request)
    return html_page(request, _env.get_template("dashboard/event.html.j2").render(event=event, revisions=revisions,
                                                                             base=""))


async def sources_page(request: Request) -> Response:
    if (refused := guard(request)) is not None:
        return refused
    daemon = daemon_of(request)
    report = await asyncio.to_thread(health.source_report, daemon.engine, daemon.config)
    page_session(request)
    return html_page(request, _env.get_template("dashboard/sources.html.j2").render(sources=report, base=""))


async def form_action(request: Request) -> Response:
    daemon = daemon_of(request)
    if (refused := guard(request)) is not None:
        return refused
    if not daemon.dashboard_auth or daemon.config.server.read_only:
        return _error(403, "the dashboard is read-only")
    form = await read_form(request)
    if isinstance(form, Response):
        return form
    selector = actions.Selector(form.get("event_key", ""), form.get("service") or None)
    action = request.path_params["action"]
    if action not in ("ack", "snooze"):
        return _error(404, f"no action {action!r}; use ack or snooze")
    try:
        until = date.fromisoformat(form["until"]) if form.get("until") else None
        await asyncio.to_thread(daemon.act, action, selector, by=form.get("by", ""), plan=form.get("plan") or None,
                                until=until)
    except (actions.ActionError, ValueError) as exc:
        return _error(400, str(exc))
    return RedirectResponse("/", status_code=303)
