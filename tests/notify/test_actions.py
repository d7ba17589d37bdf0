"""Acknowledge, snooze, resolve from the CLI (keys as listings show them; snoozes that hold the date
asked, capped or refused with the reason), and what the planner then sends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from connectors import POLLED
from tests.conftest import write_config
from tests.scenarios import FIXTURES, fixture
from watcher.cli.main import main
from watcher.config import Config
from watcher.events.store import apply_drafts
from watcher.inventory import catalog as catalog_module
from watcher.inventory import uses as inventory
from watcher.inventory.impacts import refresh
from watcher.notify.actions import Selector, perform
from watcher.notify.planner import plan
from watcher.storage.engine import open_database, session
from watcher.storage.tables import Impact, Notice, Outbox

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def prepared(tmp_path: Path) -> tuple[Path, str]:
    database = f"sqlite:///{tmp_path / 'w.db'}"
    engine = open_database(database)
    with session(engine) as db:
        drafts = POLLED["openai-deprecations"].parse(fixture("openai-deprecations/deprecations_page_md.md"), url="u",
                                                     fetched_at=NOW).drafts
        apply_drafts(db, source="openai-deprecations", provider="openai", drafts=drafts, now=NOW)
        refresh(db, inventory.load(FIXTURES / "inventory/uses.toml"), catalog_module.shipped(), now=NOW)
        db.commit()
    engine.dispose()
    return write_config(tmp_path / "w.toml", database_url=database, sources=""), database


def states(database: str) -> dict[str, tuple[str, str | None, str | None, str | None, str | None]]:
    engine = open_database(database)
    with session(engine) as db:
        rows = {i.service: (i.state, i.state_by, i.plan, i.target_date, i.snoozed_until and i.snoozed_until.date()
                            .isoformat()) for i in db.exec(select(Impact)).all()}
    engine.dispose()
    return rows


def test_ack_snooze_resolve_say_what_they_changed(tmp_path: Path, capsys) -> None:
    config, database = prepared(tmp_path)
    today = datetime.now(UTC).date()
    target = (today + timedelta(days=40)).isoformat()
    assert main(["ack", "--config", str(config), "openai/deprecation/gpt-4-0613", "--by", "ana",
                 "--plan", "move chat to gpt-5.5", "--target", target]) == 0
    assert capsys.readouterr().out == ("acknowledged 1 impact of openai/deprecation/gpt-4-0613: "
                                       "chat (team-assistant)\n")
    assert states(database)["chat"] == ("acknowledged", "ana", "move chat to gpt-5.5", target, None)
    # the platform:model form that listings show; an overdue deadline does not cut the snooze short
    wanted = today + timedelta(days=10)
    assert main(["snooze", "--config", str(config), "openai:gpt-4o-2024-05-13", "--by", "bo",
                 "--until", wanted.isoformat()]) == 0
    assert capsys.readouterr().out == (f"snoozed 1 impact of openai:gpt-4o-2024-05-13 until {wanted.isoformat()}: "
                                       "search (team-search)\n")
    assert states(database)["search"][4] == wanted.isoformat()
    # longer than [escalation] max_snooze: capped, and the answer says so
    assert main(["snooze", "--config", str(config), "openai:gpt-4o-2024-05-13", "--by", "bo",
                 "--until", (today + timedelta(days=90)).isoformat()]) == 0
    capped = (today + timedelta(days=30)).isoformat()
    assert capsys.readouterr().out == (
        f"snoozed 1 impact of openai:gpt-4o-2024-05-13 until {capped}: search (team-search); capped: "
        f"{(today + timedelta(days=90)).isoformat()} is more than 30 days away ([escalation] max_snooze)\n")
    # a date that is not in the future is refused, and nothing changes
    assert main(["snooze", "--config", str(config), "openai:gpt-4o-2024-05-13", "--by", "bo",
                 "--until", today.isoformat()]) == 1
    assert capsys.readouterr().err == (f"cannot snooze until {today.isoformat()}: that is not after today "
                                       f"({today.isoformat()}); give a later date\n")
    assert states(database)["search"][4] == capped
    # snoozing an acknowledged use leaves it acknowledged, and says so
    assert main(["snooze", "--config", str(config), "openai/deprecation/gpt-4-0613", "--by", "bo",
                 "--until", wanted.isoformat()]) == 0
    assert "chat left as it was (acknowledged by ana; acknowledged means quiet already)" in capsys.readouterr().out
    assert states(database)["chat"][0] == "acknowledged"
    assert main(["resolve", "--config", str(config), "openai:gpt-4o-2024-05-13", "--by", "bo",
                 "--note", "migrated"]) == 0
    assert states(database)["search"][0] == "resolved"
    assert main(["ack", "--config", str(config), "openai/deprecation/nope", "--by", "x"]) == 1
    assert "no event 'openai/deprecation/nope'" in capsys.readouterr().err
    assert main(["ack", "--config", str(config), "gpt-4", "--by", "x"]) == 1
    assert "is not a key: give provider/kind/external_id or platform:model" in capsys.readouterr().err


def test_acknowledged_use_is_quiet_until_overdue(tmp_path: Path) -> None:
    _, database = prepared(tmp_path)
    config = Config()
    engine = open_database(database)
    heard: list[str] = []
    deadline = date(2026, 10, 23)
    with session(engine) as db:
        for day in range(0, 180):
            today = NOW.date() + timedelta(days=day)
            now = datetime(today.year, today.month, today.day, 9, tzinfo=UTC)
            if today == date(2026, 7, 1):
                perform(db, "ack", Selector("openai/deprecation/gpt-4-0613"), by="ana", now=now, today=today)
            plan(db, config, now=now, today=today)
            db.commit()
            for row in db.exec(select(Outbox).where(Outbox.state == "pending")).all():
                row.state = "sent"
                db.add(row)
            db.commit()
        chat = db.exec(select(Impact).where(Impact.service == "chat")).one()
        for notice in db.exec(select(Notice).where(Notice.impact_id == chat.id).order_by(Notice.id)).all():
            assert notice.created_at is not None
            heard.append(f"{(notice.created_at.date() - deadline).days}:{notice.step}")
    engine.dispose()
    # announced June 1 (d90 is still ahead); acknowledged July 1: quiet until past the deadline,
    # then once a week (Mondays) while still in use
    assert heard == ["-144:announce", "3:overdue-2026-10-26", "10:overdue-2026-11-02", "17:overdue-2026-11-09",
                     "24:overdue-2026-11-16", "31:overdue-2026-11-23"]
