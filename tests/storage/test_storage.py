"""Storage and the event pipeline, on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel, select

from connectors import POLLED
from tests.scenarios import ANTHROPIC_SUMMARY, fixture, incidents_document, load, resolved_variant
from watcher.events.store import apply_drafts
from watcher.storage.engine import open_database, session
from watcher.storage.tables import Event, EventRevision

T0 = datetime(2026, 10, 7, 22, 0, tzinfo=UTC)


def drafts_of(kind: str, doc: dict | bytes):
    body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return POLLED[kind].parse(body, url="https://status.claude.com", fetched_at=T0)


def test_migrations_match_the_models_and_rerun_cleanly(database_url: str) -> None:
    engine = open_database(database_url)
    open_database(database_url).dispose()  # a second start migrates nothing and fails nothing
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
    engine.dispose()


def test_sqlite_runs_in_wal_mode(sqlite_url: str) -> None:
    engine = open_database(sqlite_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_incident_lifecycle_makes_revisions_not_new_events(database_url: str) -> None:
    engine = open_database(database_url)
    summary = load(ANTHROPIC_SUMMARY)
    first = drafts_of("statuspage", summary)
    with session(engine) as db:
        changes = apply_drafts(db, source="anthropic-status", provider="anthropic", drafts=first.drafts,
                               complete_kinds=first.complete_kinds, first_poll=True, now=T0)
        db.commit()
    # an unresolved incident at the first poll is news, not baseline
    assert [(c.action, c.baseline) for c in changes] == [("new", False)]
    assert changes[0].event["published_at"] == "2026-10-07T13:25:04.163000Z"

    with session(engine) as db:  # the same document again: nothing
        again = apply_drafts(db, source="anthropic-status", provider="anthropic",
                             drafts=drafts_of("statuspage", summary).drafts, now=T0 + timedelta(minutes=2))
        db.commit()
    assert again == []

    _, resolved_incident = resolved_variant(summary)
    later = T0 + timedelta(hours=3)
    with session(engine) as db:
        listed = drafts_of("statuspage", incidents_document(summary, [resolved_incident]))
        changes = apply_drafts(db, source="anthropic-status", provider="anthropic", drafts=listed.drafts, now=later)
        db.commit()
    [change] = changes
    assert change.action == "revised"
    assert change.changes["status"] == {"from": "monitoring", "to": "resolved"}
    assert change.changes["ends_at"] == {"from": None, "to": "2026-10-08T01:10:00Z"}
    assert change.changes["updates"]["count"] == 5
    assert [u["status"] for u in change.changes["updates"]["added"]] == ["resolved"]

    with session(engine) as db:
        events = db.exec(select(Event)).all()
        assert len(events) == 1
        assert events[0].revision == 2 and events[0].status == "resolved"
        assert events[0].ends_at == datetime(2026, 10, 8, 1, 10, tzinfo=UTC)
        revisions = db.exec(select(EventRevision).order_by(EventRevision.revision)).all()
        assert [r.revision for r in revisions] == [1, 2]
        assert revisions[1].changes["status"]["to"] == "resolved"
    engine.dispose()


def test_first_poll_history_is_baseline_and_later_history_is_not(database_url: str) -> None:
    engine = open_database(database_url)
    maintenances = drafts_of("statuspage", fixture("statuspage/anthropic_scheduled_maintenances_completed.json"))
    with session(engine) as db:
        changes = apply_drafts(db, source="s", provider="anthropic", drafts=maintenances.drafts,
                               first_poll=True, now=T0)
        db.commit()
    assert {c.event["external_id"]: c.baseline for c in changes} == {"x017628t2rl5": True, "16z0qdmy3qv2": True}
    feed = drafts_of("feed", fixture("feed/statuspage_claude_history.atom"))
    with session(engine) as db:
        changes = apply_drafts(db, source="feed", provider="anthropic", drafts=feed.drafts, now=T0)
        db.commit()
    assert len(changes) == 8 and not any(c.baseline for c in changes)
    engine.dispose()


def test_vanished_active_incident_is_closed_once(database_url: str) -> None:
    engine = open_database(database_url)
    summary = load("statuspage/openai_incidentio_summary_partial_degradation.json")
    with session(engine) as db:
        parsed = drafts_of("statuspage", summary)
        apply_drafts(db, source="openai-status", provider="openai", drafts=parsed.drafts,
                     complete_kinds=parsed.complete_kinds, now=T0)
        db.commit()
    # incident.io has no incidents.json to tell us; the summary simply stops listing the one that ended
    one_left = copy.deepcopy(summary)
    one_left["incidents"] = [i for i in summary["incidents"] if i["id"] != "01M3Q4HMNP8SZ27DTZKW6F5BJ4"]
    for _ in range(2):
        with session(engine) as db:
            parsed = drafts_of("statuspage", one_left)
            changes = apply_drafts(db, source="openai-status", provider="openai", drafts=parsed.drafts,
                                   complete_kinds=parsed.complete_kinds, now=T0 + timedelta(minutes=5))
            db.commit()
        if _ == 0:
            [closed] = changes
            assert closed.event["external_id"] == "01M3Q4HMNP8SZ27DTZKW6F5BJ4"
            assert closed.changes["status"] == {"from": "investigating", "to": "resolved"}
            assert "no longer listed" in closed.changes["reason"]
        else:
            assert changes == []
    engine.dispose()


def test_stale_view_from_another_source_never_rolls_back(database_url: str) -> None:
    engine = open_database(database_url)
    summary = load(ANTHROPIC_SUMMARY)
    _, resolved_incident = resolved_variant(summary)
    with session(engine) as db:
        apply_drafts(db, source="api", provider="anthropic",
                     drafts=drafts_of("statuspage", incidents_document(summary, [resolved_incident])).drafts,
                     now=T0)
        db.commit()
    with session(engine) as db:  # a lagging copy still says "monitoring"
        changes = apply_drafts(db, source="mirror", provider="anthropic",
                               drafts=drafts_of("statuspage", summary).drafts, now=T0)
        db.commit()
        assert changes == []
        assert db.exec(select(Event)).one().status == "resolved"
    engine.dispose()
