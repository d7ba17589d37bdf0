"""A hostile or broken world against a real `watcher run`: every refusal is a 4xx with its JSON
reason, the dashboard's forms take posts only from its own pages, sessions keep query-token mode
working, /healthz and /metrics say little to strangers, links are only ever http(s), and slow,
malformed, replayed or duplicated requests never get in and never hold processing back."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from connectors.contract.events import EventDraft
from tests.conftest import write_config
from tests.fake_slack import FakeSlack
from tests.process import Daemon, free_port, wait_for
from watcher.events.store import apply_drafts
from watcher.storage.engine import open_database, session

ENV = {"HOSTILE_DASHBOARD": "ops:s3cret", "HOSTILE_API": "api-token-1", "HOSTILE_HMAC": "hmac-key-1",
       "HOSTILE_PLAIN": "plain-key-1", "HOSTILE_SLACK": "xoxb-test-token", "HOSTILE_SIGNING": "signing-1"}
AUTH = ("ops", "s3cret")
SECURITY = {"content-security-policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                                       "frame-ancestors 'none'; base-uri 'none'",
            "x-frame-options": "DENY", "referrer-policy": "same-origin", "x-content-type-options": "nosniff"}
WEBHOOKS = """
[[webhooks]]
name = "signed"
kind = "generic-hmac"
provider = "example"
secret_env = "HOSTILE_HMAC"
header = "X-Signature"
timestamp_header = "X-Timestamp"

[[webhooks]]
name = "plain"
kind = "generic-hmac"
provider = "plain"
secret_env = "HOSTILE_PLAIN"
header = "X-Signature"
"""


def signed(body: bytes, *, at: float | None = None, delivery: str | None = None) -> dict[str, str]:
    """The headers of a `signed` delivery: HMAC-SHA256 over "{timestamp}.{body}"."""
    stamp = str(int(time.time() if at is None else at))
    signature = hmac.new(ENV["HOSTILE_HMAC"].encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-Signature": signature, "X-Timestamp": stamp, "Content-Type": "application/json",
            **({"X-Delivery-Id": delivery} if delivery else {})}


def slack_signed(body: bytes) -> dict[str, str]:
    stamp = str(int(time.time()))
    signature = "v0=" + hmac.new(ENV["HOSTILE_SIGNING"].encode(), f"v0:{stamp}:".encode() + body,
                                 hashlib.sha256).hexdigest()
    return {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature}


def rows(database: Path, query: str, *args: Any) -> list[tuple]:
    with sqlite3.connect(database) as connection:
        return connection.execute(query, args).fetchall()


def form_token(html: str) -> str:
    """The session's form token, as every form of the page carries it."""
    tokens = set(re.findall(r'<input type="hidden" name="csrf" value="([^"]+)">', html))
    assert len(tokens) == 1, tokens
    return tokens.pop()


def dashboard_client(base: str, auth: tuple[str, str] | None = None) -> httpx.Client:
    """A browser-like client of the dashboard: keeps the session cookie, posts forms from its own origin."""
    return httpx.Client(base_url=base, auth=auth, headers={"Origin": base}, timeout=10)


def store_events(database: str) -> None:
    """Events as a hostile feed would leave them, in the database before the daemon starts."""
    now = datetime.now(UTC)
    engine = open_database(database)
    with session(engine) as db:
        apply_drafts(db, source="evil-feed", provider="example", now=now, drafts=[
            EventDraft(kind="incident", provider="example", external_id="js-link", title="Click me",
                       url="javascript:alert(document.cookie)", status="investigating", severity="warning"),
            EventDraft(kind="incident", provider="example", external_id="web-link", title="A real notice",
                       url="https://status.example.com/incidents/1", status="investigating", severity="warning")])
        db.commit()
    engine.dispose()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    """One daemon: basic-auth dashboard, API token, two generic-hmac webhooks, Slack buttons."""
    tmp = tmp_path_factory.mktemp("hostile")
    database = tmp / "w.db"
    store_events(f"sqlite:///{database}")
    slack = FakeSlack()
    slack.start()
    port = free_port()
    config = write_config(tmp / "w.toml", database_url=f"sqlite:///{database}", port=port, sources="",
                          server='dashboard_auth_env = "HOSTILE_DASHBOARD"\napi_token_env = "HOSTILE_API"',
                          extra=WEBHOOKS + f"""
[slack]
token_env = "HOSTILE_SLACK"
channel = "#ai-oncall"
base_url = "{slack.url('/api/')}"
signing_secret_env = "HOSTILE_SIGNING"
""")
    daemon = Daemon(config, port, tmp / "run.log", env=ENV)
    try:
        yield f"http://127.0.0.1:{port}", database, config
    finally:
        assert daemon.stop() == 0
        slack.stop()


@pytest.fixture
def token_mode(tmp_path: Path) -> Iterator[str]:
    """A dashboard protected by a token, served at an https public_url, its metrics public."""
    port = free_port()
    config = write_config(tmp_path / "w.toml", database_url=f"sqlite:///{tmp_path / 'w.db'}", port=port, sources="",
                          server='dashboard_auth_env = "HOSTILE_TOKEN"\nmetrics_public = true\n'
                                 'public_url = "https://watch.example.com"')
    daemon = Daemon(config, port, tmp_path / "run.log", env={"HOSTILE_TOKEN": "dash-token-1"})
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        assert daemon.stop() == 0


def test_security_headers_on_every_response_and_no_inline_code(world) -> None:
    base, _, _ = world
    answers = [httpx.get(f"{base}{path}", auth=AUTH, timeout=10) for path in (
        "/", "/sources", "/silences", "/events/1", "/healthz", "/api/events", "/api/openapi.json",
        "/static/dashboard.css", "/nowhere")]
    answers += [httpx.get(f"{base}/", timeout=10), httpx.post(f"{base}/webhooks/nope", content=b"{}", timeout=10)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 200, 200, 200, 200, 404, 401, 404]
    for answer in answers:
        assert {k: answer.headers.get(k) for k in SECURITY} == SECURITY, answer.url
    for page in answers[:4]:
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert "<script" not in page.text and "<style" not in page.text and " style=" not in page.text
        assert '<link rel="stylesheet" href="/static/dashboard.css">' in page.text
    assert answers[7].headers["content-type"] == "text/css; charset=utf-8" and "font-family" in answers[7].text


def test_only_http_urls_become_links(world) -> None:
    base, database, _ = world
    ids = dict(rows(database, "SELECT external_id, id FROM event WHERE external_id IN ('js-link', 'web-link')"))
    hostile = httpx.get(f"{base}/events/{ids['js-link']}", auth=AUTH, timeout=10).text
    assert "javascript:" not in hostile.split("<code>")[0]  # nowhere before the text
    assert '<p id="notice-url">The provider\'s notice (not a web link, shown as text): ' \
           "<code>javascript:alert(document.cookie)</code></p>" in hostile
    assert "<a href=\"javascript" not in hostile and "href='javascript" not in hostile
    real = httpx.get(f"{base}/events/{ids['web-link']}", auth=AUTH, timeout=10).text
    assert '<a href="https://status.example.com/incidents/1" rel="noreferrer">The provider\'s notice</a>' in real


def test_healthz_is_bare_for_strangers_and_detailed_for_the_dashboard(world) -> None:
    base, _, _ = world
    bare = httpx.get(f"{base}/healthz", timeout=10)
    assert (bare.status_code, bare.json()) == (200, {"status": "ok"})
    wrong = httpx.get(f"{base}/healthz", auth=("ops", "guess"), timeout=10)
    assert (wrong.status_code, wrong.json()) == (200, {"status": "ok"})
    detail = httpx.get(f"{base}/healthz", auth=AUTH, timeout=10).json()
    assert detail["status"] == "ok" and detail["database"] == "ok" and detail["scheduler"] == "running"
    assert set(detail["webhooks"]) == {"signed", "plain"} and "notifications" in detail


def test_metrics_need_the_dashboard_auth_unless_public(world, token_mode: str) -> None:
    base, _, _ = world
    refused = httpx.get(f"{base}/metrics", timeout=10)
    assert (refused.status_code, refused.json()) == (401, {"error": "authentication required"})
    assert refused.headers["www-authenticate"] == 'Basic realm="provider-watcher"'
    assert "watcher_webhook_deliveries_total" in httpx.get(f"{base}/metrics", auth=AUTH, timeout=10).text
    public = httpx.get(f"{token_mode}/metrics", timeout=10)
    assert public.status_code == 200 and public.headers["content-type"].startswith("text/plain")
    # metrics_public opens /metrics only: the health detail still needs the token
    assert httpx.get(f"{token_mode}/healthz", timeout=10).json() == {"status": "ok"}
    assert "sources" in httpx.get(f"{token_mode}/healthz?token=dash-token-1", timeout=10).json()


def test_forms_are_taken_only_from_the_dashboards_own_pages(world) -> None:
    base, database, _ = world
    until = (datetime.now(UTC).date() + timedelta(days=3)).isoformat()
    form = {"team": "team-csrf", "until": until, "by": "ana", "comment": "planned move"}
    with dashboard_client(base, AUTH) as browser:
        page = browser.get("/silences")
        assert page.status_code == 200 and "watcher_session" in browser.cookies
        token = form_token(page.text)
        cases = [
            ({"Origin": "https://evil.example"}, token, "refused: a form post from another origin "
             f"(https://evil.example); the dashboard takes forms only from {base} (set [server] public_url if it is "
             "served at another address)"),
            ({"Origin": "null"}, token, "refused: a form post from another origin (null); the dashboard takes forms "
             f"only from {base} (set [server] public_url if it is served at another address)"),
            ({"Origin": "", "Referer": "https://evil.example/page"}, token, "refused: a form post from another "
             f"origin (https://evil.example); the dashboard takes forms only from {base} (set [server] public_url if "
             "it is served at another address)"),
            ({"Origin": ""}, token, "refused: a form post must say where it comes from (Origin or Referer header); "
             "post the dashboard's forms from its pages, or use the JSON API with its token"),
            ({}, "", "refused: the form token is missing or belongs to another session; reload the page and submit "
             "the form again"),
            ({}, "f" * 64, "refused: the form token is missing or belongs to another session; reload the page and "
             "submit the form again"),
        ]
        for headers, csrf, reason in cases:
            answer = browser.post("/ui/silences", data={**form, "csrf": csrf}, headers=headers)
            assert (answer.status_code, answer.json()) == (403, {"error": reason})
        for action in ("ack", "snooze"):  # the impact forms too
            answer = browser.post(f"/ui/impacts/{action}", data={"event_key": "x", "by": "ana", "csrf": token},
                                  headers={"Origin": "https://evil.example"})
            assert answer.status_code == 403 and "another origin" in answer.json()["error"]
        assert rows(database, "SELECT count(*) FROM silence WHERE created_by = 'ana'") == [(0,)]
        # the same post from the page itself goes through; a Referer says the origin as well as Origin does
        added = browser.post("/ui/silences", data={**form, "csrf": token})
        assert (added.status_code, added.headers["location"]) == (303, "/silences")
        again = browser.post("/ui/silences", data={**form, "csrf": token},
                             headers={"Origin": "", "Referer": f"{base}/silences"})
        assert again.status_code == 303
    # basic auth alone, with the right origin but no session: a forged page cannot read the token
    stranger = httpx.post(f"{base}/ui/silences", data={**form, "csrf": token}, auth=AUTH,
                          headers={"Origin": base}, timeout=10)
    assert (stranger.status_code, stranger.json()) == (403, {"error": "refused: no dashboard session (its cookie is "
                                                                      "missing or expired); reload the page and "
                                                                      "submit the form again"})
    assert rows(database, "SELECT count(*) FROM silence WHERE created_by = 'ana'") == [(2,)]


def test_a_session_cookie_keeps_query_token_mode_working(token_mode: str) -> None:
    base = token_mode
    assert httpx.get(f"{base}/", timeout=10).status_code == 401
    first = httpx.get(f"{base}/silences?token=dash-token-1", timeout=10)
    assert first.status_code == 200
    cookie = first.headers["set-cookie"]
    value = cookie.split(";")[0].removeprefix("watcher_session=")
    assert [p.strip() for p in cookie.split(";")[1:]] == ["HttpOnly", "Max-Age=43200", "Path=/", "SameSite=strict",
                                                          "Secure"]
    session_only = {"Cookie": f"watcher_session={value}"}
    # links and form actions carry no token: the cookie is enough
    for path in ("/", "/sources", "/silences", "/api/events", "/api/silences"):
        assert httpx.get(f"{base}{path}", headers=session_only, timeout=10).status_code == 200, path
    assert "watcher_session" not in httpx.get(f"{base}/", headers=session_only, timeout=10).headers.get(
        "set-cookie", "")  # a valid session is not replaced
    sid, issued, mac = value.split(".")
    for forged in (f"{sid}x.{issued}.{mac}", f"{sid}.{int(issued) + 1}.{mac}", f"{sid}.{issued}", "garbage"):
        answer = httpx.get(f"{base}/", headers={"Cookie": f"watcher_session={forged}"}, timeout=10)
        assert (answer.status_code, answer.json()) == (401, {"error": "authentication required"})
    # the scheme is case-insensitive; another scheme does not hide the query token
    assert httpx.get(f"{base}/api/events", headers={"Authorization": "bearer dash-token-1"}, timeout=10).status_code \
        == 200
    assert httpx.get(f"{base}/api/events", headers={"Authorization": "BEARER dash-token-1"}, timeout=10).status_code \
        == 200
    assert httpx.get(f"{base}/api/events?token=dash-token-1", headers={"Authorization": "Basic b3BzOnMzY3JldA=="},
                     timeout=10).status_code == 200
    assert httpx.get(f"{base}/api/events", headers={"Authorization": "bearer wrong"}, timeout=10).status_code == 401
    # a form posted from the public address (a proxy in front), with the session and its token
    until = (datetime.now(UTC).date() + timedelta(days=3)).isoformat()
    posted = httpx.post(f"{base}/ui/silences", timeout=10, headers={**session_only, "Origin": "https://watch.example.com"},
                        data={"team": "t", "until": until, "by": "bo", "comment": "x", "csrf": form_token(first.text)})
    assert (posted.status_code, posted.headers["location"]) == (303, "/silences")


def test_malformed_input_is_refused_with_a_reason_never_a_5xx(world) -> None:
    base, database, _ = world
    deep, long_number = b"[" * 100_000 + b"]" * 100_000, b'{"id": ' + b"7" * 4301 + b"}"
    huge = "99999999999999999999999"
    bearer = {"Authorization": "Bearer api-token-1"}
    with httpx.Client(base_url=base, timeout=10) as client:
        cases = [
            (client.post("/webhooks/signed", content=deep, headers=signed(deep)), 400,
             "body is not JSON: nested too deeply"),
            (client.post("/webhooks/signed", content=long_number, headers=signed(long_number)), 400,
             "body is not JSON: a number longer than 4300 digits"),
            (client.post("/webhooks/signed", content=b"\xff\xfe\x00", headers=signed(b"\xff\xfe\x00")), 400, None),
            (client.post("/slack/actions"), 401, "missing X-Slack-Request-Timestamp or X-Slack-Signature header"),
            (client.post("/slack/actions", content=b"payload=x",
                         headers={"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=1"}), 401,
             "X-Slack-Request-Timestamp is not a Unix time in whole seconds"),
            (client.post("/slack/actions", content=b"payload=x",
                         headers={"X-Slack-Request-Timestamp": "9" * 5000, "X-Slack-Signature": "v0=1"}), 401,
             "X-Slack-Request-Timestamp is not a Unix time in whole seconds"),
            (client.post("/slack/actions", content=b"payload=\xff\xfe", headers=slack_signed(b"payload=\xff\xfe")),
             400, "not a Slack block action: the body is not UTF-8 form data"),
            (client.post("/slack/actions", content=b"payload=x", headers={
                **slack_signed(b"payload=x"), "X-Slack-Signature": "v0=\u00e9".encode("latin-1")}), 401,
             "X-Slack-Signature is not a v0= signature"),
            (client.get(f"/events/{huge}", auth=AUTH), 404, "no such event"),
            (client.post(f"/api/silences/{huge}/expire", json={"by": "cy"}, headers=bearer), 404,
             f"no silence {huge}; `watcher silence list --all` shows them"),
            (client.post("/api/silences", content=b"[" * 100_000, headers=bearer), 400, None),
            (client.post("/api/silences", content=b"{" + b" " * 300_000 + b"}", headers=bearer), 413,
             "body of 300002 bytes is over the 262144-byte limit"),
            (client.get("/api/events?limit=" + "9" * 5000, auth=AUTH), 400, "limit must be a whole number"),
            (client.get("/", headers={"Authorization": "Basic ###"}), 401, "authentication required"),
            (client.get("/", headers={"Authorization": "Basic //79"}), 401, "authentication required"),
        ]
        for name, payload in (("deep", "[" * 100_000), ("value", json.dumps({
                "actions": [{"action_id": "ack", "value": "key|\u0661\u0662"}], "user": {"id": "U1"}})),
                ("actions", json.dumps({"actions": ["ack"], "user": {"id": "U1"}})),
                ("container", json.dumps({"actions": [{"action_id": "ack"}], "user": {"id": "U1"}, "container": []}))):
            form = urlencode({"payload": payload}).encode()
            answer = client.post("/slack/actions", content=form, headers=slack_signed(form))
            reason = {"deep": "the payload is nested too deeply", "value": "the button's value names no use",
                      "actions": "the first action is not an object", "container": "container is not an object"}
            cases.append((answer, 400, f"not a Slack block action: {reason[name]}"))
    for answer, status, reason in cases:
        assert answer.status_code == status, (answer.request.url, answer.text[:300])
        assert answer.headers["content-type"] == "application/json"
        if reason is not None:
            assert answer.json() == {"error": reason}, answer.request.url
        else:
            assert answer.json()["error"]
    assert rows(database, "SELECT count(*) FROM delivery WHERE webhook = 'signed' AND body LIKE '[[[%'") == [(0,)]


def test_a_signed_timestamp_shuts_replays_out(world) -> None:
    base, database, _ = world
    body = json.dumps({"id": "ts-1", "title": "Late", "kind": "incident", "status": "investigating"}).encode()
    now = time.time()
    body_only = signed(body)
    body_only["X-Signature"] = hmac.new(ENV["HOSTILE_HMAC"].encode(), body, hashlib.sha256).hexdigest()
    cases: list[tuple[dict[str, str], str | re.Pattern[str]]] = [
        ({k: v for k, v in signed(body).items() if k != "X-Timestamp"}, "missing x-timestamp header (the Unix time "
                                                                         "the body was signed)"),
        # the clock cases allow for the seconds that pass between signing (once, above) and checking on a
        # loaded machine: the old body only gets older, the new one less far ahead
        (signed(body, at=now - 400), re.compile(r"x-timestamp is too old \((399|4[0-5]\d) s, tolerance 300 s\)")),
        (signed(body, at=now + 400),
         re.compile(r"x-timestamp is too new \((3[4-9]\d|40[01]) s ahead, tolerance 300 s\)")),
        ({**signed(body), "X-Timestamp": "12.5"}, "x-timestamp is not a Unix time in whole seconds: '12.5'"),
        ({**signed(body), "X-Timestamp": "9" * 5000}, "x-timestamp is not a Unix time in whole seconds: '"
                                                        + "9" * 40 + "'"),
        (body_only, "the sha256 signature in x-signature does not match x-timestamp.body"),
        ({**signed(body, at=now - 10), "X-Timestamp": str(int(now))}, "the sha256 signature in x-signature does not "
                                                                       "match x-timestamp.body"),
    ]
    for headers, reason in cases:
        answer = httpx.post(f"{base}/webhooks/signed", content=body, headers=headers, timeout=10)
        assert answer.status_code == 401 and list(answer.json()) == ["error"]
        error = answer.json()["error"]
        assert reason.fullmatch(error) if isinstance(reason, re.Pattern) else error == reason, error
    assert rows(database, "SELECT count(*) FROM delivery WHERE body = ?", body) == [(0,)]


def _status(database: Path, provider: str, external_id: str) -> str | None:
    found = rows(database, "SELECT status FROM event WHERE provider = ? AND external_id = ?", provider, external_id)
    return found[0][0] if found else None


def test_an_old_body_replayed_never_rolls_an_event_back(world) -> None:
    base, database, _ = world
    now = time.time()
    investigating = json.dumps({"id": "inc-9", "kind": "incident", "title": "Errors", "status": "investigating",
                                "severity": "warning"}).encode()
    resolved = json.dumps({"id": "inc-9", "kind": "incident", "title": "Errors", "status": "resolved",
                           "severity": "warning"}).encode()
    old = signed(investigating, at=now - 120, delivery="d-1")
    assert httpx.post(f"{base}/webhooks/signed", content=investigating, headers=old, timeout=10).status_code == 200
    assert httpx.post(f"{base}/webhooks/signed", content=resolved, timeout=10,
                      headers=signed(resolved, at=now - 60, delivery="d-2")).status_code == 200
    wait_for(lambda: _status(database, "example", "inc-9") == "resolved", what="the incident resolved")
    # captured and sent again inside the tolerance, under a fresh (unsigned) delivery id: stored, no rollback
    replay = httpx.post(f"{base}/webhooks/signed", content=investigating, headers={**old, "X-Delivery-Id": "d-3"},
                        timeout=10)
    assert replay.json() == {"status": "accepted", "delivery_id": "d-3"}
    # without a signed timestamp, the payload's own updated_at orders the views
    plain = [json.dumps({"id": "inc-10", "kind": "incident", "title": "Slow", "status": status,
                         "updated_at": stamp}).encode()
             for status, stamp in (("investigating", "2026-10-07T10:00:00Z"), ("resolved", "2026-10-07T11:00:00Z"))]
    for number, body in enumerate([*plain, plain[0]]):
        signature = hmac.new(ENV["HOSTILE_PLAIN"].encode(), body, hashlib.sha256).hexdigest()
        answer = httpx.post(f"{base}/webhooks/plain", content=body, timeout=10,
                            headers={"X-Signature": signature, "X-Delivery-Id": f"p-{number}"})
        assert answer.json()["status"] == "accepted"
        if number == 1:
            wait_for(lambda: _status(database, "plain", "inc-10") == "resolved", what="the plain incident resolved")
    wait_for(lambda: rows(database, "SELECT state FROM delivery WHERE delivery_id IN ('d-3', 'p-2')")
             == [("processed",), ("processed",)], what="the replays processed")
    assert _status(database, "example", "inc-9") == "resolved"
    assert _status(database, "plain", "inc-10") == "resolved"


def _slowloris(port: int, head: bytes, body: bytes, outcome: dict[str, Any]) -> None:
    """Send `head` at once, then `body` one byte a second; note what came back and when."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=1) as raw:
        raw.sendall(head)
        answer = b""
        for byte in body:
            try:
                raw.sendall(bytes([byte]))
            except OSError:
                break
            try:
                chunk = raw.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                break
            answer += chunk
            if not chunk:
                break
        outcome.update(answer=answer.decode(), seconds=time.monotonic() - started)


def test_slow_clients_are_cut_off_and_never_hold_processing_back(world) -> None:
    base, database, _ = world
    port = int(base.rsplit(":", 1)[1])
    slow_head: dict[str, Any] = {}
    slow_body: dict[str, Any] = {}
    clients = [
        threading.Thread(target=_slowloris, args=(port, b"", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 60,
                                                  slow_head)),
        threading.Thread(target=_slowloris, args=(port, b"POST /webhooks/signed HTTP/1.1\r\nHost: x\r\n"
                                                        b"Content-Type: application/json\r\nContent-Length: 60\r\n\r\n",
                                                  b"{" * 60, slow_body)),
    ]
    for client in clients:
        client.start()
    time.sleep(1.5)
    body = json.dumps({"id": "meanwhile", "kind": "incident", "title": "Meanwhile", "status": "investigating"}).encode()
    posted = time.monotonic()
    answer = httpx.post(f"{base}/webhooks/signed", content=body, headers=signed(body, delivery="meanwhile"), timeout=10)
    assert answer.json() == {"status": "accepted", "delivery_id": "meanwhile"}
    wait_for(lambda: rows(database, "SELECT state FROM delivery WHERE delivery_id = 'meanwhile'") == [("processed",)],
             timeout=8, what="the signed delivery processed while the slow clients hang on")
    assert time.monotonic() - posted < 4 and all(client.is_alive() for client in clients)
    for client in clients:
        client.join(timeout=30)
    assert slow_head["answer"] == ("HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
                                   "connection: close\r\ncontent-length: 59\r\n\r\n"
                                   '{"error": "the request headers did not arrive within 10 s"}')
    assert slow_body["answer"].startswith("HTTP/1.1 408 ") and "connection: close\r\n" in slow_body["answer"]
    assert slow_body["answer"].endswith('\r\n\r\n{"error":"the request body did not arrive within 10 s"}')
    assert 9.5 < slow_head["seconds"] < 13 and 9.5 < slow_body["seconds"] < 13
    assert rows(database, "SELECT count(*) FROM delivery WHERE body LIKE '{{{%'") == [(0,)]


def test_twenty_concurrent_duplicates_store_one(world) -> None:
    base, database, _ = world
    body = json.dumps({"id": "dup-1", "kind": "account", "title": "Once"}).encode()
    headers = signed(body, delivery="dup-1")

    def post(_: int) -> httpx.Response:
        return httpx.post(f"{base}/webhooks/signed", content=body, headers=headers, timeout=10)

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(post, range(20)))
    assert [a.status_code for a in answers] == [200] * 20
    assert sorted(a.json()["status"] for a in answers) == ["accepted"] + ["duplicate"] * 19
    assert rows(database, "SELECT count(*) FROM delivery WHERE delivery_id = 'dup-1'") == [(1,)]
