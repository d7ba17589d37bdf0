"""A live model's floor (kind `lifecycle`) giving way to its deprecation (another event key): the
deprecation's first revision says the date "became firm" and by how many days it moved, the floor is
closed as superseded, and a third party's date never does that. Read from Anthropic's deprecations
page (a capture the connector was not tuned on), then from copies of it edited in code the way the
provider edits it: a model's status row moves from Active to Deprecated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from connectors import POLLED
from tests.scenarios import fixture
from watcher.events import drift
from watcher.events.claims import SUPERSEDED
from watcher.events.store import apply_drafts
from watcher.storage.engine import open_database, session
from watcher.storage.tables import Event, EventRevision

PAGE = fixture("anthropic-deprecations/peer_model_deprecations_md.md").decode()
ACTIVE = "| claude-opus-4-6            | Active        | N/A               | Not sooner than February 5, 2027   |"
T0 = datetime(2026, 8, 21, 9, 0, tzinfo=UTC)


def deprecating(day: str) -> str:
    """The page once Anthropic deprecates claude-opus-4-6 with a retirement day."""
    assert ACTIVE in PAGE
    return PAGE.replace(ACTIVE, f"| claude-opus-4-6 | Deprecated | August 20, 2026 | {day} |")


def poll(engine, body: str, now: datetime, *, kind: str = "anthropic-deprecations", source: str = "anthropic"):
    with session(engine) as db:
        drafts = POLLED[kind].parse(body.encode(), url="https://platform.claude.com/x", fetched_at=now).drafts
        changes = apply_drafts(db, source=source, provider="anthropic", drafts=drafts, now=now)
        db.commit()
    return changes


def stored(engine, kind: str, model: str) -> Event:
    with session(engine) as db:
        return db.exec(select(Event).where(Event.provider == "anthropic", Event.kind == kind,
                                           Event.external_id == model)).one()


def revisions(engine, event: Event) -> list[dict]:
    with session(engine) as db:
        return [r.changes for r in db.exec(select(EventRevision).where(EventRevision.event_id == event.id)
                                           .order_by(EventRevision.revision))]


def test_a_floor_that_becomes_a_firm_date_says_so_and_is_superseded(sqlite_url: str) -> None:
    engine = open_database(sqlite_url)
    poll(engine, PAGE, T0)
    floor = stored(engine, "lifecycle", "claude-opus-4-6")
    assert (floor.status, floor.deadline, floor.deadline_earliest, floor.severity) == (
        "active", "2027-02-05", True, "info")

    later = T0 + timedelta(days=1)
    changes = poll(engine, deprecating("March 1, 2027"), later)
    by_key = {(c.event["kind"], c.event["external_id"]): c for c in changes}
    assert set(by_key) == {("deprecation", "claude-opus-4-6"), ("lifecycle", "claude-opus-4-6")}
    new = by_key[("deprecation", "claude-opus-4-6")]
    assert new.action == "new"
    assert new.changes["drift"] == ["retirement date became firm: 2027-03-01 (was: not before 2027-02-05)"]
    assert (new.changes["deadline_delta_days"], new.changes["became_firm"]) == (24, True)
    assert new.changes["supersedes"] == "anthropic/lifecycle/claude-opus-4-6"
    assert new.changes["deadline"] == {"from": "2027-02-05", "to": "2027-03-01"}
    closed = by_key[("lifecycle", "claude-opus-4-6")]
    assert closed.action == "revised" and closed.changes["status"] == {"from": "active", "to": SUPERSEDED}
    assert closed.changes["superseded_by"] == "anthropic/deprecation/claude-opus-4-6"

    deprecation = stored(engine, "deprecation", "claude-opus-4-6")
    assert (deprecation.deadline, deprecation.deadline_earliest, deprecation.severity) == (
        "2027-03-01", False, "warning")
    assert revisions(engine, deprecation)[0]["created"] is True
    assert revisions(engine, deprecation)[0]["became_firm"] is True
    floor = stored(engine, "lifecycle", "claude-opus-4-6")
    assert (floor.status, floor.revision) == (SUPERSEDED, 2)
    # the other floors on the page are untouched
    assert stored(engine, "lifecycle", "claude-sonnet-4-6").status == "active"

    # the same page again: nothing new, and the floor stays closed
    assert poll(engine, deprecating("March 1, 2027"), later + timedelta(hours=1)) == []
    assert stored(engine, "lifecycle", "claude-opus-4-6").status == SUPERSEDED


def test_a_firm_date_before_the_promised_floor_is_louder(sqlite_url: str) -> None:
    engine = open_database(sqlite_url)
    poll(engine, PAGE, T0)
    [new] = [c for c in poll(engine, deprecating("January 15, 2027"), T0 + timedelta(days=1))
             if c.event["kind"] == "deprecation"]
    assert new.changes["drift"] == ["retirement date became firm: 2027-01-15 (was: not before 2027-02-05)",
                                    "that is 21 days before the date given as the earliest"]
    assert new.changes["deadline_delta_days"] == -21
    # a firm deprecation is a warning; pulled in before its floor it is one step more
    assert stored(engine, "deprecation", "claude-opus-4-6").severity == "critical"


def test_a_third_party_date_never_supersedes_the_providers_floor(sqlite_url: str) -> None:
    engine = open_database(sqlite_url)
    poll(engine, PAGE, T0)
    litellm = fixture("litellm-model-map/deprecation_dates_scoped.json").decode()
    poll(engine, litellm, T0, kind="litellm-model-map", source="litellm")
    # LiteLLM's map says claude-sonnet-4-5-20250929 goes on 2026-11-30; Anthropic lists it Active
    third = stored(engine, "deprecation", "claude-sonnet-4-5-20250929")
    assert (third.deadline, third.extra["third_party"]) == ("2026-11-30", True)
    assert stored(engine, "lifecycle", "claude-sonnet-4-5-20250929").status == "active"

    # then Anthropic deprecates it itself: the third party's event is revised, the floor closed
    row = "| claude-sonnet-4-5-20250929 | Active        | N/A               | Not sooner than September 29, 2026 |"
    assert row in PAGE
    edited = PAGE.replace(row, "| claude-sonnet-4-5-20250929 | Deprecated | August 20, 2026 | December 1, 2026 |")
    changes = poll(engine, edited, T0 + timedelta(days=1))
    [revised] = [c for c in changes if c.event["kind"] == "deprecation"]
    assert revised.action == "revised"
    assert revised.changes["drift"][0] == "retirement date became firm: 2026-12-01 (was: not before 2026-09-29)"
    assert revised.changes["supersedes"] == "anthropic/lifecycle/claude-sonnet-4-5-20250929"
    assert revised.changes["deadline_delta_days"] == 1  # from the third party's 2026-11-30
    assert stored(engine, "lifecycle", "claude-sonnet-4-5-20250929").status == SUPERSEDED


def test_a_deprecation_without_a_date_or_with_a_floor_is_not_called_firm() -> None:
    floor = {"kind": "lifecycle", "deadline": "2027-02-05", "deadline_earliest": True}
    undated = {"kind": "deprecation", "deadline": None, "deadline_earliest": False}
    assert drift.describe(floor, undated) == ["deprecated: retirement with no date announced yet "
                                              "(was: live, not before 2027-02-05)"]
    assert not drift.became_firm(floor, undated)
    still_floor = {"kind": "deprecation", "deadline": "2027-02-05", "deadline_earliest": True}
    assert drift.describe(floor, still_floor) == ["deprecated: retirement not before 2027-02-05 "
                                                  "(was: live, not before 2027-02-05)"]
    assert not drift.became_firm(floor, still_floor)
    # the same event's own floor made firm
    same = {"kind": "deprecation", "deadline": "2026-03-31", "deadline_earliest": True}
    firm = {"kind": "deprecation", "deadline": "2026-04-30", "deadline_earliest": False}
    assert drift.describe(same, firm) == ["retirement date became firm: 2026-04-30 (was: not before 2026-03-31)"]
    assert drift.became_firm(same, firm) and drift.delta_days(same, firm) == 30
