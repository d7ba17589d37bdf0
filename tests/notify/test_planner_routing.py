"""Who hears the notices that concern no single service: the watcher's own critical alerts and
organisation notices go to the on-call channel with the on-call mention; a silenced organisation
notice is recorded as held back by its silence (the digest counts it) and never sent."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from connectors.contract.events import EventDraft
from watcher.config import Config, EscalationConfig, SlackConfig
from watcher.events.store import apply_drafts
from watcher.notify import silences
from watcher.notify.planner import plan
from watcher.storage.engine import open_database, session
from watcher.storage.tables import Outbox

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
CONFIG = Config(slack=SlackConfig(token_env="T", channel="#ai-oncall"),
                escalation=EscalationConfig(oncall="<!subteam^S0ONCALL>"))


def draft(kind: str, external_id: str, severity: str, title: str) -> EventDraft:
    return EventDraft(kind=kind, provider="openai" if kind != "source" else "watcher",  # type: ignore[arg-type]
                      external_id=external_id, title=title, severity=severity,  # type: ignore[arg-type]
                      status="open", published_at=NOW, updated_at=NOW)


def test_organisation_and_watcher_alerts_reach_on_call_and_silences_hold_them(sqlite_url: str) -> None:
    engine = open_database(sqlite_url)
    with session(engine) as db:
        apply_drafts(db, source="s", provider="openai", now=NOW, drafts=[
            draft("account", "evt_safety", "critical", "openai safety.violation: org-1"),
            draft("billing", "evt_batch", "warning", "openai batch.failed: batch_1")])
        apply_drafts(db, source="watcher", provider="watcher", now=NOW, drafts=[
            draft("source", "broken:openai-deprecations", "critical", "openai-deprecations: layout changed")])
        silence = silences.add(db, matchers={"kind": "billing"}, until=date(2026, 12, 8), by="cy",
                               comment="batch migration", now=NOW, zone=UTC)
        db.commit()
        plan(db, CONFIG, now=NOW, today=NOW.date())
        db.commit()
        rows = {r.payload["text"]: r for r in db.exec(select(Outbox)).all()}
        held = silences.held(db, [silence.id or 0])
    engine.dispose()
    safety = rows["<!subteam^S0ONCALL> openai account [critical] open: openai safety.violation: org-1"]
    broken = rows["<!subteam^S0ONCALL> watcher source [critical] open: openai-deprecations: layout changed"]
    assert (safety.target, safety.state, broken.target, broken.state) == ("#ai-oncall", "pending", "#ai-oncall",
                                                                          "pending")
    [batch] = [r for r in rows.values() if r.silence_id is not None]
    assert (batch.state, batch.silence_id, batch.payload["text"]) == ("suppressed", silence.id,
                                                                      "openai batch.failed: batch_1")
    assert held[silence.id or 0]["outbox"] == 1
    assert len(rows) == 3  # nothing else planned; the held one is never drained (not pending)


def test_an_incident_naming_a_component_is_told_from_the_lower_of_both_thresholds(sqlite_url: str) -> None:
    """incident_severity = "info" lets every incident that hits a use through, those naming its
    component included (named_incident_severity never raises the bar above incident_severity)."""
    from watcher.inventory.catalog import shipped
    from watcher.inventory.impacts import refresh
    from watcher.inventory.uses import Inventory, Use

    use = Use(service="portal", provider="example", platform="example", model="example-1", owner="team-portal",
              components=("Management Portal",))
    incident = EventDraft(kind="incident", provider="example", external_id="inc1", title="Portal is slow",
                          severity="info", status="investigating", components=["Management Portal"],
                          published_at=NOW, updated_at=NOW)
    quiet = Config(slack=CONFIG.slack, escalation=EscalationConfig(incident_severity="info"))
    engine = open_database(sqlite_url)
    with session(engine) as db:
        apply_drafts(db, source="s", provider="example", now=NOW, drafts=[incident])
        refresh(db, Inventory((use,)), shipped(), now=NOW)
        db.commit()
        plan(db, quiet, now=NOW, today=NOW.date())
        db.commit()
        [row] = db.exec(select(Outbox)).all()
    engine.dispose()
    assert (row.target, row.payload["text"]) == ("#ai-oncall", "example incident [info] investigating: Portal is slow")
