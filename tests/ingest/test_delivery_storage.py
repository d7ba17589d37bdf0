"""Delivery storage and processing on SQLite and on the real PostgreSQL server: duplicates are
refused by the database, and a batch's events and marks commit together."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlmodel import select

from tests.conftest import Collect
from tests.scenarios import fixture
from watcher.config import WebhookConfig
from watcher.ingest.deliveries import DeliveryProcessor
from watcher.ingest.receiver import Receiver
from watcher.metrics import Metrics
from watcher.storage.engine import open_database, session
from watcher.storage.tables import Delivery, Event

HOOK = WebhookConfig(name="statuspage", kind="statuspage-webhook", provider="example", secret_env="X")


def test_store_once_and_process_once(database_url: str) -> None:
    engine = open_database(database_url)
    executor = ThreadPoolExecutor(1)
    receiver = Receiver(hooks=[HOOK], secrets={"statuspage": "t"}, engine=engine, executor=executor,
                        metrics=Metrics(), on_stored=lambda: None)
    created = fixture("statuspage-webhook/incident_created.json")
    resolved = fixture("statuspage-webhook/incident_update_resolved.json")
    broken = b'{"meta": {}}'
    batch = [("statuspage", "a", {}, created), ("statuspage", "a", {}, created), ("statuspage", "b", {}, resolved),
             ("statuspage", "c", {}, broken)]
    assert receiver._insert(batch) == [True, False, True, True]  # the repeat within one batch too
    assert receiver._insert([("statuspage", "b", {}, resolved)]) == [False]  # and across batches
    notifier = Collect()
    processor = DeliveryProcessor(hooks=[HOOK], engine=engine, executor=executor, metrics=Metrics(),
                                  notifier=notifier)
    told, handled = processor.process_pending()
    assert handled == 3
    assert processor.process_pending() == ([], 0)  # nothing is processed twice
    with session(engine) as db:
        states = {d.delivery_id: (d.state, d.event_count) for d in db.exec(select(Delivery)).all()}
        [incident] = db.exec(select(Event)).all()
    assert states == {"a": ("processed", 1), "b": ("processed", 1), "c": ("failed", 0)}
    assert (incident.external_id, incident.status, incident.revision) == ("z3lct0r596n4", "resolved", 2)
    assert [c.action for c in told] == ["new", "revised"]
    executor.shutdown()
    engine.dispose()
