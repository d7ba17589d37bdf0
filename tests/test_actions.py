"""Acknowledge, snooze, resolve from the CLI, and what the outbox then plans."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from connectors import POLLED
from tests.conftest import write_config
from tests.scenarios import FIXTURES, fixture
from watcher import catalog as catalog_module
from watcher import inventory
from watcher.cli import main
from watcher.config import Config
from watcher.impacts import refresh
from watcher.outbox import plan
from watcher.pipeline import apply_drafts
from watcher.storage import Impact, Outbox, open_database, session

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


def states(database: str) -> dict[str, tuple[str, str | None, str | None]]:
    engine = open_database(database)
    with session(engine) as db:
        rows = {i.service: (i.state, i.state_by, i.note) for i in db.exec(select(Impact)).all()}
    engine.dispose()
    return rows


def test_ack_snooze_resolve(tmp_path: Path, capsys) -> None:
    config, database = prepared(tmp_path)
    assert main(["ack", "--config", str(config), "openai/deprecation/gpt-4-0613", "--by", "ana",
                 "--plan", "move chat to gpt-5.5", "--target", "2026-09-01"]) == 0
    assert "1 impact(s) of openai/deprecation/gpt-4-0613 acknowledged" in capsys.readouterr().out
    assert states(database)["chat"] == ("acknowledged", "ana", "move chat to gpt-5.5 (target 2026-09-01)")
    # never past the deadline (2026-10-23)
    assert main(["snooze", "--config", str(config), "openai/deprecation/gpt-4o-2024-05-13", "--by", "bo",
                 "--until", "2027-01-01"]) == 0
    assert "snoozed until 2026-10-23" in capsys.readouterr().out
    assert states(database)["search"][0] == "snoozed"
    assert main(["resolve", "--config", str(config), "openai/deprecation/gpt-4o-2024-05-13", "--by", "bo",
                 "--note", "migrated"]) == 0
    assert states(database)["search"][0] == "resolved"
    assert main(["ack", "--config", str(config), "openai/deprecation/nope", "--by", "x"]) == 1
    assert "no event 'openai/deprecation/nope'" in capsys.readouterr().err


def test_acknowledged_group_gets_fewer_reminders(tmp_path: Path) -> None:
    _, database = prepared(tmp_path)
    config = Config()
    engine = open_database(database)
    sent: list[str] = []
    deadline = date(2026, 10, 23)
    with session(engine) as db:
        for day in range(0, 150):
            today = NOW.date() + timedelta(days=day)
            if today == date(2026, 7, 1):
                from watcher.actions import Selector, acknowledge

                acknowledge(db, Selector("openai/deprecation/gpt-4-0613"), by="ana", now=NOW)
            plan(db, config, now=NOW, today=today)
            db.commit()
            for row in db.exec(select(Outbox).where(Outbox.state == "pending")).all():
                if "gpt-4-0613" in row.payload["text"]:
                    sent.append(f"{(today - deadline).days}:{row.dedup_key.rsplit(':', 1)[1]}")
                row.state = "sent"
                db.add(row)
            db.commit()
    engine.dispose()
    # announced June 1; acknowledged July 1, so d90 (July 25) and later are skipped until the last 7 days
    assert sent[:6] == ["-144:announce", "-7:d7", "-3:d3", "-1:d1", "0:d0", "1:overdue-2026-10-24"]
