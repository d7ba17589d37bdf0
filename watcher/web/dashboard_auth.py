"""Who may see the dashboard, and which form posts it accepts: authentication, the signed session
cookie and the cross-site checks on state changes, for the dashboard's pages (watcher.web.dashboard),
the /silences page (watcher.web.silence_api) and the read side of the JSON API (watcher.web.api).

Protected by `[server] dashboard_auth_env`: a token (`Authorization: Bearer`, the scheme in any
case, or `?token=`) or "user:password" for basic auth; `read_only` hides the forms. The first page
seen with the secret sets a signed session cookie (HttpOnly, SameSite=Strict, Secure when
`[server] public_url` is https; HMAC with a key derived from the secret; SESSION_SECONDS), so links
and forms that drop `?token=` keep working. A form post (a state change) must come from the
dashboard's own origin (its Origin or Referer is the request's Host, or `[server] public_url`) and
carry the session's form token; anything else is refused 403 with the reason.

Not pure: the checks read the request and the daemon's configuration, sessions are dated by the
wall clock and named at random, and `read_form` reads the body. `session_id` and `form_token` are
pure functions of their arguments.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from watcher.ingest.receiver import BodyTooLarge, read_capped
from watcher.web.context import daemon_of

SESSION_COOKIE = "watcher_session"
SESSION_SECONDS = 12 * 3600
FORM_BYTES = 64 * 1024  # a dashboard form is a few fields
FORM_FIELDS = 100
# Ids in URLs beyond what an INTEGER column holds (PostgreSQL's is 32 bits) name nothing: 404.
MAX_ID = 2**31 - 1


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
