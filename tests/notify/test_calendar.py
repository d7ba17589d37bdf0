"""The deprecation calendar, read back with an independent parser (the `ical` package)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import httpx
from ical.calendar_stream import IcsCalendarStream
from sqlmodel import select

from connectors import POLLED
from tests.conftest import write_config
from tests.process import Daemon, free_port
from tests.scenarios import FIXTURES, fixture
from watcher.cli.main import main
from watcher.events.store import apply_drafts
from watcher.storage.engine import open_database, session
from watcher.storage.tables import Event

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
PAGE = fixture("openai-deprecations/deprecations_page_md.md").decode()


def load_page(database: str, body: str, now: dt.datetime) -> None:
    engine = open_database(database)
    with session(engine) as db:
        drafts = POLLED["openai-deprecations"].parse(body.encode(), url="https://developers.openai.com/x",
                                                     fetched_at=now).drafts
        apply_drafts(db, source="openai-deprecations", provider="openai", drafts=drafts, now=now)
        db.commit()
    engine.dispose()


def config_for(tmp_path: Path, database: str, port: int = 0) -> Path:
    return write_config(tmp_path / "w.toml", database_url=database, port=port, sources="",
                        server='public_url = "https://watcher.example.com/"', extra=f"""
[inventory]
path = "{FIXTURES / 'inventory/uses.toml'}"

[calendar]
token_env = "TEST_CAL_TOKEN"
""")


def parse(body: bytes):
    return IcsCalendarStream.calendar_from_ics(body.decode())


def test_calendar_fields_and_sequence_bump(tmp_path: Path, capsys) -> None:
    database = f"sqlite:///{tmp_path / 'w.db'}"
    load_page(database, PAGE, NOW)
    config = config_for(tmp_path, database)
    assert main(["calendar", "--config", str(config)]) == 0
    calendar = parse(capsys.readouterr().out.encode())
    events = {e.uid: e for e in calendar.events}
    # only deadlines that touch the inventory: chat (gpt-4) and search (gpt-4o-2024-05-13)
    assert set(events) == {"openai/gpt-4-0613@provider-watcher", "openai/gpt-4o-2024-05-13@provider-watcher"}
    gpt4 = events["openai/gpt-4-0613@provider-watcher"]
    assert gpt4.dtstart == dt.date(2026, 10, 23) and gpt4.dtend == dt.date(2026, 10, 24)
    assert gpt4.summary == "gpt-4-0613 (openai) shuts down"
    assert "chat (owner team-assistant, open)" in gpt4.description
    assert "Replacement: gpt-5.5" in gpt4.description
    assert gpt4.sequence == 0
    # the dashboard's page of the event (where owners act), the provider's page in the description
    assert re.fullmatch(r"https://watcher\.example\.com/events/\d+", gpt4.url)
    assert f"Details: {gpt4.url}" in gpt4.description
    assert "Provider page: https://developers.openai.com/x" in gpt4.description
    assert [a.trigger for a in gpt4.alarm] == [dt.timedelta(days=-d) for d in (90, 60, 30, 14, 7, 3, 1)]

    # OpenAI moves the date: same UID, SEQUENCE and LAST-MODIFIED go up
    later = NOW + dt.timedelta(days=3)
    load_page(database, PAGE.replace("| 2026-10-23    | `gpt-4-0613`", "| 2026-09-01    | `gpt-4-0613`"), later)
    assert main(["calendar", "--config", str(config), "--team", "team-assistant"]) == 0
    [moved] = parse(capsys.readouterr().out.encode()).events
    assert (moved.uid, moved.dtstart, moved.sequence) == ("openai/gpt-4-0613@provider-watcher", dt.date(2026, 9, 1), 1)
    assert moved.last_modified.replace(tzinfo=dt.UTC) == later
    engine = open_database(database)
    with session(engine) as db:
        assert db.exec(select(Event).where(Event.external_id == "gpt-4-0613")).one().revision == 2
    engine.dispose()


def test_calendar_endpoint_needs_its_token(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'w.db'}"
    load_page(database, PAGE, NOW)
    port = free_port()
    daemon = Daemon(config_for(tmp_path, database, port), port, tmp_path / "run.log", env={"TEST_CAL_TOKEN": "s3cret"})
    try:
        base = f"http://127.0.0.1:{port}/calendar.ics"
        assert httpx.get(base, timeout=5).status_code == 404
        assert httpx.get(f"{base}?token=wrong", timeout=5).status_code == 404
        response = httpx.get(f"{base}?token=s3cret&provider=openai", timeout=5)
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/calendar; charset=utf-8"
        assert len(parse(response.content).events) == 2
        assert parse(httpx.get(f"{base}?token=s3cret&team=team-search", timeout=5).content).events[0].uid == \
            "openai/gpt-4o-2024-05-13@provider-watcher"
    finally:
        assert daemon.stop() == 0
