"""Silences: the matcher rules, the day a silence holds through in the configured time zone, what it
held back, and the three ways to use them: `watcher silence`, the JSON API and the dashboard page
(the last two against a real `watcher run`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlmodel import Session

from tests.conftest import write_config
from tests.process import Daemon, free_port
from tests.web.test_hostile_clients import dashboard_client, form_token
from watcher.cli.main import main
from watcher.notify import silences
from watcher.notify.silences import LABELS
from watcher.storage.engine import open_database, session
from watcher.storage.tables import Event, Impact, Notice, Outbox, Silence

NOW = datetime(2026, 10, 7, 22, 0, tzinfo=UTC)  # already 8 October in Berlin
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
KNOWN = "team, service, platform, model, kind, severity, provider, environment, channel"


# --- the rules -----------------------------------------------------------------------------------


def test_labels() -> None:
    assert LABELS == ("team", "service", "platform", "model", "kind", "severity", "provider", "environment",
                      "channel")


def test_parse_matchers_in_label_order() -> None:
    assert silences.parse_matchers(["platform=openai", " team = team-search ", "model=gpt-4o=mini"]) == {
        "team": "team-search", "platform": "openai", "model": "gpt-4o=mini"}
    assert list(silences.parse_matchers(["channel=#x", "team=t"])) == ["team", "channel"]


@pytest.mark.parametrize(("items", "message"), [
    ([], f"a silence needs at least one matcher, label=value (for example team=team-search); labels: {KNOWN}"),
    (["team"], f"matcher 'team' is not label=value (for example team=team-search); labels: {KNOWN}"),
    (["=x"], f"matcher '=x' is not label=value (for example team=team-search); labels: {KNOWN}"),
    (["owner=search"], f"unknown label 'owner' in matcher owner=search; use one of: {KNOWN}"),
    (["team=  "], "matcher team= has no value; give the exact value to match, e.g. team=x"),
    (["team=a", "platform=openai", "team=b"],
     "matcher 'team=b': label 'team' is given twice; a silence matches one value per label, so make a second "
     "silence for the other value"),
    (["team=a\x00"], "a matcher contains a NUL character; remove it"),
])
def test_parse_matchers_refuses(items: list[str], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        silences.parse_matchers(items)
    assert str(caught.value) == message


def test_matches() -> None:
    labels = {"team": "team-search", "platform": "openai", "model": "gpt-4o", "severity": "critical",
              "environment": None}
    assert silences.matches({"team": "team-search"}, labels)
    assert silences.matches({"team": "team-search", "platform": "openai", "severity": "critical"}, labels)
    assert not silences.matches({"team": "team-search", "platform": "anthropic"}, labels)
    assert not silences.matches({"severity": "Critical"}, labels)  # exact, no ordering of severities
    assert not silences.matches({"severity": "warning"}, labels)  # not "warning and above"
    assert not silences.matches({"model": "gpt-4"}, labels)  # no prefix or pattern
    assert not silences.matches({"environment": "prod"}, labels)  # None never matches
    assert not silences.matches({"channel": "#ai"}, labels)  # a missing label never matches
    assert not silences.matches({}, labels)  # nothing silences everything


def test_first_match_is_the_earliest_id() -> None:
    made = [Silence(id=i, matchers=m, ends_at=NOW, created_by="x", comment="y", created_at=NOW)
            for i, m in ((7, {"platform": "openai"}), (3, {"team": "team-search"}), (5, {"team": "team-chat"}))]
    assert silences.first_match(made, {"team": "team-search", "platform": "openai"}) is made[1]
    assert silences.first_match(made, {"team": "team-chat", "platform": "openai"}) is made[2]
    assert silences.first_match(made, {"team": "team-ops", "platform": "bedrock"}) is None
    assert silences.first_match([], {"team": "team-search"}) is None


# --- the database --------------------------------------------------------------------------------


@pytest.fixture
def db(sqlite_url: str) -> Iterator[Session]:
    engine = open_database(sqlite_url)
    with session(engine) as opened:
        yield opened
    engine.dispose()


def _add(db: Session, until: date, zone: ZoneInfo = BERLIN, **matchers: str) -> Silence:
    return silences.add(db, matchers=matchers or {"team": "team-search"}, until=until, by="ana",
                        comment="moving search to gpt-5.5", now=NOW, zone=zone)


@pytest.mark.parametrize(("until", "zone", "message"), [
    (date(2026, 10, 6), BERLIN, "until 2026-10-06 is not after today (2026-10-08 in Europe/Berlin); a silence holds "
                                "through a future day: give tomorrow or later"),
    (date(2026, 10, 8), BERLIN, "until 2026-10-08 is not after today (2026-10-08 in Europe/Berlin); a silence holds "
                                "through a future day: give tomorrow or later"),
    (date(2026, 10, 7), NEW_YORK, "until 2026-10-07 is not after today (2026-10-07 in America/New_York); a silence "
                                  "holds through a future day: give tomorrow or later"),
    (date.max, BERLIN, "until 9999-12-31 is the last representable day; choose an earlier date"),
])
def test_add_refuses_a_day_that_is_not_in_the_future(db: Session, until: date, zone: ZoneInfo, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        _add(db, until, zone)
    assert str(caught.value) == message


def test_add_refuses_blank_by_and_comment_and_bad_matchers(db: Session) -> None:
    cases = [
        ({"team": "t"}, "ana", "  ", "a silence needs a comment: why these alerts may be held back (a ticket, "
                                     "a migration)"),
        ({"team": "t"}, "", "why", "a silence needs by: who is setting it"),
        ({}, "ana", "why", f"a silence needs at least one matcher, label=value (for example team=team-search); "
                           f"labels: {KNOWN}"),
        ({"owner": "t"}, "ana", "why", f"unknown label 'owner' in matcher owner=t; use one of: {KNOWN}"),
        ({"team": 3}, "ana", "why", "the value of team must be text, not int"),
    ]
    for matchers, by, comment, message in cases:
        with pytest.raises(ValueError) as caught:
            silences.add(db, matchers=matchers, until=date(2026, 10, 9), by=by, comment=comment, now=NOW, zone=UTC)
        assert str(caught.value) == message
    assert silences.active(db, NOW) == []


@pytest.mark.parametrize(("until", "zone", "ends_at"), [
    (date(2026, 10, 8), UTC, datetime(2026, 10, 9, 0, 0, tzinfo=UTC)),  # UTC: still 7 October
    (date(2026, 10, 10), BERLIN, datetime(2026, 10, 10, 22, 0, tzinfo=UTC)),  # CEST, +2
    (date(2026, 10, 24), BERLIN, datetime(2026, 10, 24, 22, 0, tzinfo=UTC)),  # the last CEST midnight
    (date(2026, 10, 25), BERLIN, datetime(2026, 10, 25, 23, 0, tzinfo=UTC)),  # CET from 25 October, +1
    (date(2026, 10, 10), NEW_YORK, datetime(2026, 10, 11, 4, 0, tzinfo=UTC)),  # EDT, -4
])
def test_until_holds_through_the_day_in_the_zone(db: Session, until: date, zone: ZoneInfo,
                                                 ends_at: datetime) -> None:
    made = _add(db, until, zone)
    db.commit()
    db.expunge_all()
    stored = db.get(Silence, made.id)
    assert stored is not None and stored.ends_at == ends_at and stored.ends_at.tzinfo == UTC
    assert silences.until_of(stored, zone) == until
    assert silences.as_json(stored, NOW, zone=zone)["until"] == until.isoformat()
    assert silences.state(stored, ends_at - timedelta(microseconds=1)) == "active"
    assert silences.state(stored, ends_at) == "ended"


def _impact(db: Session) -> int:
    event = Event(provider="openai", kind="deprecation", external_id="gpt-4o", source="openai-deprecations",
                  title="gpt-4o retires", content_hash="h", first_seen_at=NOW, last_seen_at=NOW)
    db.add(event)
    db.flush()
    impact = Impact(event_id=event.id, use_key="search:openai:gpt-4o", service="search", owner="team-search",
                    platform="openai", model="gpt-4o", rule="exact", reason="uses gpt-4o", created_at=NOW,
                    updated_at=NOW)
    db.add(impact)
    db.flush()
    assert impact.id is not None
    return impact.id


def _held_back(db: Session, silence_id: int, impact_id: int, *, notices: list[str], messages: int) -> None:
    for step in notices:
        db.add(Notice(impact_id=impact_id, step=step, state="suppressed", silence_id=silence_id, created_at=NOW))
    for n in range(messages):
        db.add(Outbox(dedup_key=f"held-{silence_id}-{n}", channel="console", target="-", state="suppressed",
                      silence_id=silence_id, created_at=NOW))


def test_active_expire_and_held(db: Session) -> None:
    search = _add(db, date(2026, 10, 9), team="team-search")
    chat = _add(db, date(2026, 10, 20), team="team-chat", platform="openai")
    ending = _add(db, date(2026, 10, 9), team="team-ops")
    assert [s.id for s in silences.active(db, NOW)] == [1, 2, 3]
    impact = _impact(db)
    _held_back(db, 1, impact, notices=["t-90", "t-30"], messages=1)
    _held_back(db, 2, impact, notices=["t-7"], messages=3)
    assert silences.held(db, [3, 1, 2, 99]) == {1: {"notices": 2, "outbox": 1}, 2: {"notices": 1, "outbox": 3},
                                                 3: {"notices": 0, "outbox": 0}, 99: {"notices": 0, "outbox": 0}}
    assert silences.held(db, []) == {}

    later = NOW + timedelta(hours=1)
    expired = silences.expire(db, 2, by="bo", now=later)
    assert (expired.expired_at, expired.expired_by) == (later, "bo")
    db.commit()
    assert [s.id for s in silences.active(db, later)] == [1, 3]
    # Berlin's 10 October begins at 22:00 UTC on the 9th: both silences "until the 9th" have ended.
    after = datetime(2026, 10, 9, 22, 0, tzinfo=UTC)
    assert silences.active(db, after) == []
    assert [s.id for s in silences.listing(db, after, include_ended=True)] == [3, 2, 1]
    assert [s.id for s in silences.listing(db, later, include_ended=True)] == [1, 3, 2]

    with pytest.raises(ValueError) as caught:
        silences.expire(db, 2, by="cy", now=later)
    assert str(caught.value) == "silence 2 was already expired by bo at 2026-10-07T23:00:00Z"
    with pytest.raises(ValueError) as caught:
        silences.expire(db, ending.id or 0, by="cy", now=after)
    assert str(caught.value) == "silence 3 already ended at 2026-10-09T22:00:00Z; nothing to expire"
    for unknown in (99, 0, -1, 2**70):
        with pytest.raises(silences.NoSuchSilence) as missing:
            silences.expire(db, unknown, by="cy", now=later)
        assert str(missing.value) == f"no silence {unknown}; `watcher silence list --all` shows them"
    with pytest.raises(ValueError) as caught:
        silences.expire(db, 1, by=" ", now=later)
    assert str(caught.value) == "expiring a silence needs by: who is ending it"

    assert [silences.as_json(s, later, zone=BERLIN) for s in (search, chat)] == [
        {"id": 1, "matchers": {"team": "team-search"}, "ends_at": "2026-10-09T22:00:00Z", "until": "2026-10-09",
         "created_by": "ana", "comment": "moving search to gpt-5.5", "created_at": "2026-10-07T22:00:00Z",
         "state": "active", "expired_at": None, "expired_by": None, "held": {"notices": 0, "outbox": 0}},
        {"id": 2, "matchers": {"team": "team-chat", "platform": "openai"}, "ends_at": "2026-10-20T22:00:00Z",
         "until": "2026-10-20", "created_by": "ana", "comment": "moving search to gpt-5.5",
         "created_at": "2026-10-07T22:00:00Z", "state": "expired", "expired_at": "2026-10-07T23:00:00Z",
         "expired_by": "bo", "held": {"notices": 0, "outbox": 0}},
    ]
    assert [(r["id"], r["state"], r["held"]) for r in silences.report(db, after, include_ended=True, zone=BERLIN)] == [
        (3, "ended", {"notices": 0, "outbox": 0}), (2, "expired", {"notices": 1, "outbox": 3}),
        (1, "ended", {"notices": 2, "outbox": 1})]


# --- the CLI -------------------------------------------------------------------------------------


def test_cli_add_list_expire(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = f"sqlite:///{tmp_path / 'w.db'}"
    config = str(write_config(tmp_path / "w.toml", database_url=database, sources="",
                              extra='[digest]\ntimezone = "America/New_York"\n'))
    today = datetime.now(NEW_YORK).date()
    until = today + timedelta(days=3)
    ends = datetime.combine(until + timedelta(days=1), datetime.min.time(), tzinfo=NEW_YORK).astimezone(UTC)
    ends_text = ends.isoformat().replace("+00:00", "Z")

    assert main(["silence", "add", "--config", config, "--match", "platform=openai", "--match", "team=team-search",
                 "--until", until.isoformat(), "--by", "ana", "--comment", "search moves to gpt-5.5"]) == 0
    assert capsys.readouterr().out == (f"silence 1: team=team-search platform=openai through {until.isoformat()} "
                                       f"(America/New_York), ends {ends_text}\n")
    assert main(["silence", "add", "--config", config, "--match", "team=team-chat", "--until",
                 (until + timedelta(days=1)).isoformat(), "--by", "bo", "--comment", "chat freeze"]) == 0
    capsys.readouterr()

    assert main(["silence", "add", "--config", config, "--match", "owner=team-chat", "--until", until.isoformat(),
                 "--by", "bo", "--comment", "x"]) == 2
    assert capsys.readouterr().err == (f"--match: unknown label 'owner' in matcher owner=team-chat; use one of: "
                                       f"{KNOWN}\n")
    assert main(["silence", "add", "--config", config, "--match", "team=x", "--until", today.isoformat(),
                 "--by", "bo", "--comment", "x"]) == 2
    assert capsys.readouterr().err == (f"until {today.isoformat()} is not after today ({today.isoformat()} in "
                                       "America/New_York); a silence holds through a future day: give tomorrow or "
                                       "later\n")
    with pytest.raises(SystemExit) as usage:
        main(["silence", "add", "--config", config, "--match", "team=x", "--until", "next week", "--by", "bo",
              "--comment", "x"])
    assert usage.value.code == 2
    assert capsys.readouterr().err.endswith("argument --until: 'next week' is not a date; use YYYY-MM-DD\n")

    engine = open_database(database)
    with session(engine) as db:
        _held_back(db, 1, _impact(db), notices=["t-30"], messages=2)
        db.commit()
    engine.dispose()

    assert main(["silence", "list", "--config", config]) == 0
    assert capsys.readouterr().out == (
        f"   1  active           through {until}  team=team-search platform=openai  by ana: search moves to gpt-5.5"
        "  (held 1 notice(s), 2 message(s))\n"
        f"   2  active           through {until + timedelta(days=1)}  team=team-chat  by bo: chat freeze"
        "  (held 0 notice(s), 0 message(s))\n")
    assert main(["silence", "list", "--config", config, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [{k: v for k, v in row.items() if k != "created_at"} for row in listed] == [
        {"id": 1, "matchers": {"team": "team-search", "platform": "openai"}, "ends_at": ends_text,
         "until": until.isoformat(), "created_by": "ana", "comment": "search moves to gpt-5.5", "state": "active",
         "expired_at": None, "expired_by": None, "held": {"notices": 1, "outbox": 2}},
        {"id": 2, "matchers": {"team": "team-chat"},
         "ends_at": (ends + timedelta(days=1)).isoformat().replace("+00:00", "Z"),
         "until": (until + timedelta(days=1)).isoformat(), "created_by": "bo", "comment": "chat freeze",
         "state": "active", "expired_at": None, "expired_by": None, "held": {"notices": 0, "outbox": 0}}]
    assert all(datetime.fromisoformat(row["created_at"]) <= datetime.now(UTC) for row in listed)

    assert main(["silence", "expire", "--config", config, "1", "--by", "cy"]) == 0
    assert capsys.readouterr().out == ("silence 1 (team=team-search platform=openai) expired by cy; it held back "
                                       "1 notice(s) and 2 message(s)\n")
    assert main(["silence", "expire", "--config", config, "1", "--by", "cy"]) == 1
    assert capsys.readouterr().err.startswith("silence 1 was already expired by cy at ")
    assert main(["silence", "expire", "--config", config, "7", "--by", "cy"]) == 1
    assert capsys.readouterr().err == "no silence 7; `watcher silence list --all` shows them\n"

    assert main(["silence", "list", "--config", config]) == 0
    assert capsys.readouterr().out == (
        f"   2  active           through {until + timedelta(days=1)}  team=team-chat  by bo: chat freeze"
        "  (held 0 notice(s), 0 message(s))\n")
    assert main(["silence", "list", "--config", config, "--all"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == (
        f"   1  expired by cy    through {until}  team=team-search platform=openai  by ana: search moves to "
        "gpt-5.5  (held 1 notice(s), 2 message(s))")
    assert main(["silence", "expire", "--config", config, "2", "--by", "cy"]) == 0
    capsys.readouterr()
    assert main(["silence", "list", "--config", config]) == 0
    assert capsys.readouterr() == ("", "no active silence (--all shows the expired and ended ones)\n")


# --- the API and the dashboard, against a running daemon -----------------------------------------

ENV = {"TEST_API_TOKEN": "api-token-1", "TEST_DASHBOARD": "ops:s3cret"}
AUTH = ("ops", "s3cret")
BEARER = {"Authorization": "Bearer api-token-1"}


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[tuple[str, str]]:
    database = f"sqlite:///{tmp_path / 'w.db'}"
    port = free_port()
    config = write_config(tmp_path / "w.toml", database_url=database, port=port, sources="",
                          server='api_token_env = "TEST_API_TOKEN"\ndashboard_auth_env = "TEST_DASHBOARD"')
    running = Daemon(config, port, tmp_path / "run.log", env=ENV)
    try:
        yield f"http://127.0.0.1:{port}", database
    finally:
        assert running.stop() == 0


def test_api_create_list_expire(daemon: tuple[str, str]) -> None:
    base, database = daemon
    until = datetime.now(UTC).date() + timedelta(days=2)
    body = {"matchers": {"platform": "openai", "team": "team-search"}, "until": until.isoformat(), "by": "ana",
            "comment": "search moves to gpt-5.5"}
    refused = httpx.post(f"{base}/api/silences", json=body, timeout=5)
    assert (refused.status_code, refused.json()) == (401, {"error": "missing or wrong bearer token"})
    assert httpx.post(f"{base}/api/silences", json=body, timeout=5,
                      headers={"Authorization": "Bearer nope"}).status_code == 401
    assert httpx.get(f"{base}/api/silences", timeout=5).status_code == 401  # the dashboard's auth

    made = httpx.post(f"{base}/api/silences", json=body, headers=BEARER, timeout=5)
    assert made.status_code == 201
    ends_at = f"{until + timedelta(days=1)}T00:00:00Z"
    assert {k: v for k, v in made.json().items() if k != "created_at"} == {
        "id": 1, "matchers": {"team": "team-search", "platform": "openai"}, "ends_at": ends_at,
        "until": until.isoformat(), "created_by": "ana", "comment": "search moves to gpt-5.5", "state": "active",
        "expired_at": None, "expired_by": None, "held": {"notices": 0, "outbox": 0}}
    listed = httpx.post(f"{base}/api/silences", headers=BEARER, timeout=5, json={
        **body, "matchers": ["team=team-chat", "severity=critical"], "by": "bo"})
    assert listed.status_code == 201 and listed.json()["matchers"] == {"team": "team-chat", "severity": "critical"}

    for bad, status, error in [
        ({**body, "matchers": ["owner=x"]}, 400, f"unknown label 'owner' in matcher owner=x; use one of: {KNOWN}"),
        ({**body, "matchers": {"owner": "x"}}, 400, f"unknown label 'owner' in matcher owner=x; use one of: {KNOWN}"),
        ({**body, "matchers": []}, 400, "a silence needs at least one matcher, label=value (for example "
                                        f"team=team-search); labels: {KNOWN}"),
        ({**body, "until": "2020-01-01"}, 400, f"until 2020-01-01 is not after today ({datetime.now(UTC).date()} "
                                               "in UTC); a silence holds through a future day: give tomorrow or later"),
        ({**body, "comment": " "}, 400, "a silence needs a comment: why these alerts may be held back (a ticket, "
                                        "a migration)"),
    ]:
        answer = httpx.post(f"{base}/api/silences", json=bad, headers=BEARER, timeout=5)
        assert (answer.status_code, answer.json()) == (status, {"error": error})
    malformed = httpx.post(f"{base}/api/silences", content=b"{", headers=BEARER, timeout=5)
    assert malformed.status_code == 400
    assert malformed.json()["error"].startswith("expected a JSON object with matchers, until (YYYY-MM-DD), by and "
                                                "comment: ")

    engine = open_database(database)
    with session(engine) as db:
        db.add(Outbox(dedup_key="held-1", channel="console", target="-", state="suppressed", silence_id=1,
                      created_at=datetime.now(UTC)))
        db.commit()
    engine.dispose()
    rows = httpx.get(f"{base}/api/silences", auth=AUTH, timeout=5).json()
    assert [(r["id"], r["state"], r["held"]) for r in rows] == [(1, "active", {"notices": 0, "outbox": 1}),
                                                                (2, "active", {"notices": 0, "outbox": 0})]

    assert httpx.post(f"{base}/api/silences/1/expire", json={"by": "cy"}, timeout=5).status_code == 401
    expired = httpx.post(f"{base}/api/silences/1/expire", json={"by": "cy"}, headers=BEARER, timeout=5)
    assert expired.status_code == 200
    assert (expired.json()["state"], expired.json()["expired_by"], expired.json()["held"]) == (
        "expired", "cy", {"notices": 0, "outbox": 1})
    again = httpx.post(f"{base}/api/silences/1/expire", json={"by": "cy"}, headers=BEARER, timeout=5)
    assert again.status_code == 400 and again.json()["error"].startswith("silence 1 was already expired by cy at ")
    unknown = httpx.post(f"{base}/api/silences/42/expire", json={"by": "cy"}, headers=BEARER, timeout=5)
    assert (unknown.status_code, unknown.json()) == (
        404, {"error": "no silence 42; `watcher silence list --all` shows them"})
    assert httpx.post(f"{base}/api/silences/2/expire", json={}, headers=BEARER, timeout=5).status_code == 400

    assert [r["id"] for r in httpx.get(f"{base}/api/silences", auth=AUTH, timeout=5).json()] == [2]
    everything = httpx.get(f"{base}/api/silences?all=1", auth=AUTH, timeout=5).json()
    assert [(r["id"], r["state"]) for r in everything] == [(2, "active"), (1, "expired")]
    spec = httpx.get(f"{base}/api/openapi.json", timeout=5).json()
    assert set(spec["paths"]["/api/silences"]) == {"get", "post"}
    assert set(spec["paths"]["/api/silences/{silence_id}/expire"]) == {"post"}


def test_dashboard_page_and_forms(daemon: tuple[str, str]) -> None:
    base, _ = daemon
    assert httpx.get(f"{base}/silences", timeout=5).status_code == 401
    assert '<a href="/silences">Silences</a>' in httpx.get(f"{base}/", auth=AUTH, timeout=5).text
    empty = httpx.get(f"{base}/silences", auth=AUTH, timeout=5).text
    assert "No active silence: every alert is sent." in empty
    for label in LABELS:  # every control has its label
        assert f'<label for="silence-{label}">{label}</label> <input id="silence-{label}" name="{label}"' in empty
    assert '<label for="silence-comment">Why</label> <input id="silence-comment" name="comment"' in empty

    until = datetime.now(UTC).date() + timedelta(days=5)
    form = {"team": "team-search", "platform": "openai", "model": "", "until": until.isoformat(), "by": "ana",
            "comment": "search moves to gpt-5.5"}
    browser = dashboard_client(base, AUTH)  # keeps the session cookie; posts from the page's origin
    form["csrf"] = form_token(browser.get("/silences").text)
    added = browser.post("/ui/silences", data=form)
    assert (added.status_code, added.headers["location"]) == (303, "/silences")
    page = httpx.get(f"{base}/silences", auth=AUTH, timeout=5).text
    active = page.split('<table id="silences">')[1].split("</table>")[0]
    row = active.split('data-silence="1"')[1].split("</tr>")[0]
    assert "<code>team=team-search</code> <code>platform=openai</code>" in row
    assert f"<td>{until.isoformat()} <span" in row and "<td>ana</td><td>search moves to gpt-5.5</td>" in row
    assert 'action="/ui/silences/1/expire"' in row and '<label for="expire-by-1">Your name</label>' in row

    bad = browser.post("/ui/silences", data={**form, "team": "", "platform": ""})
    assert bad.status_code == 400 and bad.json()["error"].startswith("a silence needs at least one matcher")
    bad_day = browser.post("/ui/silences", data={**form, "until": "soon"})
    assert (bad_day.status_code, bad_day.json()) == (400, {"error": "until 'soon' is not a date; use YYYY-MM-DD"})
    assert httpx.post(f"{base}/ui/silences", data=form, timeout=5).status_code == 401

    done = browser.post("/ui/silences/1/expire", data={"by": "bo", "csrf": form["csrf"]})
    assert (done.status_code, done.headers["location"]) == (303, "/silences")
    assert browser.post("/ui/silences/9/expire", data={"by": "bo", "csrf": form["csrf"]}).status_code == 404
    browser.close()
    page = httpx.get(f"{base}/silences", auth=AUTH, timeout=5).text
    assert "No active silence: every alert is sent." in page
    ended = page.split('<table id="silences-ended">')[1].split("</table>")[0]
    assert '<td class="state">expired by bo</td>' in ended.split('data-silence="1"')[1]


def test_read_only_without_tokens(tmp_path: Path) -> None:
    """No dashboard auth and no API token: the page lists silences but offers no form, and writes are 403."""
    port = free_port()
    config = write_config(tmp_path / "w.toml", database_url=f"sqlite:///{tmp_path / 'w.db'}", port=port, sources="")
    running = Daemon(config, port, tmp_path / "run.log")
    base = f"http://127.0.0.1:{port}"
    try:
        page = httpx.get(f"{base}/silences", timeout=5).text
        assert 'id="add-silence"' not in page
        assert "Read-only: add silences with <code>watcher silence add</code>" in page
        form = {"team": "team-search", "until": "2099-01-01", "by": "ana", "comment": "x"}
        refused = httpx.post(f"{base}/ui/silences", data=form, timeout=5)
        assert (refused.status_code, refused.json()) == (403, {
            "error": "the dashboard is read-only: set [server] dashboard_auth_env and leave read_only off to change "
                     "silences here"})
        api = httpx.post(f"{base}/api/silences", json={**form, "matchers": ["team=x"]}, headers=BEARER, timeout=5)
        assert (api.status_code, api.json()) == (
            403, {"error": "the API is read-only: set [server] api_token_env to allow changes"})
        assert httpx.get(f"{base}/api/silences", timeout=5).json() == []
    finally:
        assert running.stop() == 0
