"""Live models' floors (kind `lifecycle`) where people read deadlines: `watcher deadlines --everything`,
`/api/deadlines` and the ICS feed show them as "not before <date>", never as a deadline: no impact, no
alarm. Read from Anthropic's deprecations page (a capture the connector was not tuned on), and from a
copy edited in code where the provider deprecates one of the models."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from ical.calendar_stream import IcsCalendarStream

from connectors import POLLED
from tests.conftest import write_config
from tests.process import Daemon, free_port
from tests.scenarios import fixture
from watcher.cli.main import main
from watcher.events.store import apply_drafts
from watcher.storage.engine import open_database, session

PAGE = fixture("anthropic-deprecations/peer_model_deprecations_md.md").decode()
ACTIVE = "| claude-opus-4-6            | Active        | N/A               | Not sooner than February 5, 2027   |"
READ_AT = datetime(2026, 8, 21, 9, 0, tzinfo=UTC)
INVENTORY = """
[[uses]]
service = "writer"
provider = "anthropic"
platform = "anthropic"
model = "claude-opus-4-6"
owner = "team-docs"

[[uses]]
service = "summaries"
provider = "anthropic"
platform = "anthropic"
model = "claude-3-opus-20240229"
owner = "team-docs"
"""


def load(database: str, body: str, now: datetime) -> None:
    engine = open_database(database)
    with session(engine) as db:
        drafts = POLLED["anthropic-deprecations"].parse(body.encode(), url="https://platform.claude.com/x",
                                                        fetched_at=now).drafts
        apply_drafts(db, source="anthropic-deprecations", provider="anthropic", drafts=drafts, now=now)
        db.commit()
    engine.dispose()


def configured(tmp_path: Path, database: str, port: int = 0) -> Path:
    (tmp_path / "uses.toml").write_text(INVENTORY, encoding="utf-8")
    return write_config(tmp_path / "w.toml", database_url=database, port=port, sources="", extra=f"""
[inventory]
path = "{tmp_path / 'uses.toml'}"

[calendar]
token_env = "TEST_CAL_TOKEN"
""")


def deadlines(capsys, config: Path, *args: str) -> list[dict]:
    assert main(["deadlines", "--config", str(config), "--json", "--all", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_deadlines_show_floors_as_not_before_and_never_as_impacts(tmp_path: Path, capsys) -> None:
    database = f"sqlite:///{tmp_path / 'w.db'}"
    load(database, PAGE, READ_AT)
    config = configured(tmp_path, database)
    rows = deadlines(capsys, config, "--everything")
    floors = {r["model"]: r for r in rows if r["floor"]}
    assert len(floors) == 10 and all(r["kind"] == "lifecycle" and r["deadline_earliest"] for r in floors.values())
    assert (floors["claude-opus-4-6"]["deadline"], floors["claude-opus-4-6"]["affected"]) == ("2027-02-05", [])
    assert {r["kind"] for r in rows if not r["floor"]} == {"deprecation"}
    assert main(["deadlines", "--config", str(config), "--everything", "--all"]) == 0
    [line] = [x for x in capsys.readouterr().out.splitlines() if " claude-opus-4-6 " in x]
    assert line.startswith("not before 2027-02-05")
    assert line.endswith("(live, active: no retirement before this date)")
    # what the inventory uses: the retired model's deadline, never the live model's floor
    assert [(r["model"], r["floor"]) for r in deadlines(capsys, config)] == [("claude-3-opus-20240229", False)]

    # Anthropic deprecates claude-opus-4-6: its floor is superseded and no longer listed
    load(database, PAGE.replace(ACTIVE, "| claude-opus-4-6 | Deprecated | August 20, 2026 | March 1, 2027 |"),
         READ_AT + timedelta(days=1))
    rows = deadlines(capsys, config, "--everything")
    assert [(r["kind"], r["deadline"]) for r in rows if r["model"] == "claude-opus-4-6"] == [
        ("deprecation", "2027-03-01")]
    assert len([r for r in rows if r["floor"]]) == 9


def test_calendar_shows_a_used_models_floor_without_alarms(tmp_path: Path, capsys) -> None:
    database = f"sqlite:///{tmp_path / 'w.db'}"
    load(database, PAGE, READ_AT)
    config = configured(tmp_path, database)
    assert main(["calendar", "--config", str(config)]) == 0
    events = {e.uid: e for e in IcsCalendarStream.calendar_from_ics(capsys.readouterr().out).events}
    # the model the inventory calls, and only that one of the ten floors on the page
    assert set(events) == {"anthropic/lifecycle/claude-opus-4-6@provider-watcher",
                           "anthropic/claude-3-opus-20240229@provider-watcher"}
    floor = events["anthropic/lifecycle/claude-opus-4-6@provider-watcher"]
    assert floor.summary == "claude-opus-4-6 (anthropic) not before 2027-02-05"
    assert floor.dtstart.isoformat() == "2027-02-05" and floor.alarm == []
    assert "writer (owner team-docs)" in floor.description and "not a deadline" in floor.description
    assert events["anthropic/claude-3-opus-20240229@provider-watcher"].alarm  # a deadline keeps its alarms
    assert main(["calendar", "--config", str(config), "--team", "team-other"]) == 0
    assert IcsCalendarStream.calendar_from_ics(capsys.readouterr().out).events == []


def test_api_and_feed_of_a_running_daemon_show_the_floor(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'w.db'}"
    load(database, PAGE, READ_AT)
    port = free_port()
    daemon = Daemon(configured(tmp_path, database, port), port, tmp_path / "run.log", env={"TEST_CAL_TOKEN": "t0k"})
    try:
        rows = httpx.get(f"http://127.0.0.1:{port}/api/deadlines?all=1", timeout=5).json()
        [floor] = [r for r in rows if r["model"] == "claude-opus-4-6"]
        assert (floor["kind"], floor["floor"], floor["deadline"], floor["deadline_earliest"]) == (
            "lifecycle", True, "2027-02-05", True)
        feed = httpx.get(f"http://127.0.0.1:{port}/calendar.ics?token=t0k", timeout=5).content.decode()
        summaries = [e.summary for e in IcsCalendarStream.calendar_from_ics(feed).events]
        assert "claude-opus-4-6 (anthropic) not before 2027-02-05" in summaries
    finally:
        assert daemon.stop() == 0
