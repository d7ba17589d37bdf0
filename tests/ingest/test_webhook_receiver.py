"""Webhooks posted through a real HTTP client to `watcher run`: answers, durability, exactly once."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from connectors.standard_webhooks import sign
from tests.conftest import write_config
from tests.process import Daemon, events, free_port, wait_for, watcher
from tests.scenarios import fixture

SECRETS = {"OPENAI_WH": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "SP_TOKEN": "sp-token-1",
           "AZ_TOKEN": "az-token-1", "AWS_KEY": "aws-key-1", "HMAC_KEY": "hmac-key-1"}
WEBHOOKS = """
[[webhooks]]
name = "openai"
kind = "standard-webhooks"
provider = "openai"
secret_env = "OPENAI_WH"
max_body_bytes = 4096

[[webhooks]]
name = "statuspage"
kind = "statuspage-webhook"
provider = "example"
secret_env = "SP_TOKEN"

[[webhooks]]
name = "azure"
kind = "azure-service-health"
provider = "azure"
secret_env = "AZ_TOKEN"

[[webhooks]]
name = "aws"
kind = "aws-health"
provider = "aws"
secret_env = "AWS_KEY"
header = "X-Api-Key"

[[webhooks]]
name = "github-style"
kind = "generic-hmac"
provider = "example"
secret_env = "HMAC_KEY"
header = "X-Hub-Signature-256"
prefix = "sha256="
"""


def standard_headers(body: bytes, msg_id: str, *, at: float | None = None) -> dict[str, str]:
    stamp = int(at if at is not None else time.time())
    return {"webhook-id": msg_id, "webhook-timestamp": str(stamp),
            "webhook-signature": sign(SECRETS["OPENAI_WH"], msg_id, stamp, body), "content-type": "application/json"}


def db_rows(database: Path, query: str) -> list[tuple]:
    with sqlite3.connect(database) as connection:
        return connection.execute(query).fetchall()


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path, int]:
    database = tmp_path / "watcher.db"
    port = free_port()
    config = write_config(tmp_path / "watcher.toml", database_url=f"sqlite:///{database}", port=port, sources="",
                          extra=WEBHOOKS)
    return config, database, port


@pytest.fixture
def daemon(setup: tuple[Path, Path, int], tmp_path: Path) -> Iterator[Daemon]:
    config, _, port = setup
    running = Daemon(config, port, tmp_path / "run.log", env=SECRETS)
    yield running
    if running.proc.poll() is None:
        assert running.stop() == 0


def test_every_fixture_through_the_receiver(daemon: Daemon, setup) -> None:
    config, database, _ = setup
    openai = fixture("standard-webhooks/openai_response_completed.json")
    assert daemon.post("/webhooks/openai", openai, standard_headers(openai, "msg_1")).json() == {
        "status": "accepted", "delivery_id": "msg_1"}
    safety = json.dumps({**json.loads(openai), "id": "evt_safety", "type": "safety.violation"}).encode()
    assert daemon.post("/webhooks/openai", safety, standard_headers(safety, "msg_2")).status_code == 200
    for name in ("incident_created", "incident_update_resolved", "component_status_update"):
        response = daemon.post("/webhooks/statuspage/sp-token-1", fixture(f"statuspage-webhook/{name}.json"))
        assert response.status_code == 200, response.text
    for name in ("test_action_common_schema_array_services", "maintenance_alert_context_string_services"):
        response = daemon.post("/webhooks/azure/az-token-1", fixture(f"azure-service-health/{name}.json"))
        assert response.status_code == 200, response.text
    aws = fixture("aws-health/eventbridge_ec2_operational_issue.json")
    assert daemon.post("/webhooks/aws", aws, {"X-Api-Key": "aws-key-1"}).status_code == 200
    github = "sha256=" + hmac.new(b"hmac-key-1", openai, hashlib.sha256).hexdigest()
    assert daemon.post("/webhooks/github-style", openai, {"X-Hub-Signature-256": github}).status_code == 200

    wait_for(lambda: db_rows(database, "SELECT count(*) FROM delivery WHERE state = 'pending'")[0][0] == 0,
             what="deliveries processed")
    stored = {(e["provider"], e["kind"], e["external_id"]): e for e in events(config)}
    assert stored[("openai", "account", "evt_safety")]["severity"] == "critical"
    assert stored[("openai", "account", "evt_abc123")]["severity"] == "info"
    incident = stored[("example", "incident", "z3lct0r596n4")]
    assert (incident["status"], incident["revision"]) == ("resolved", 2)  # one event, two revisions
    assert ("example", "incident", "component:sqm6pl84wzjc") in stored
    assert stored[("azure", "incident", "TEST-TTT")]["status"] == "resolved"
    assert stored[("azure", "maintenance", "<GUID>")]["regions"] == ["East US"]
    assert ("aws", "incident", "arn:aws:health:us-east-1::event/EC2/AWS_EC2_OPERATIONAL_ISSUE") in stored
    assert ("example", "account", "evt_abc123") in stored
    log = daemon.log.read_text()
    assert "NEW     openai account evt_safety [critical]" in log
    assert "openai account evt_abc123" not in log  # success notices are recorded, not told

    health = httpx.get(f"http://127.0.0.1:{daemon.port}/healthz", timeout=5).json()["webhooks"]
    assert health["statuspage"]["processed"] == 3 and health["statuspage"]["last_delivery_at"]
    assert health["aws"]["kind"] == "aws-health"


def test_refusals_say_why_and_store_nothing(daemon: Daemon, setup) -> None:
    _, database, _ = setup
    body = fixture("standard-webhooks/openai_response_completed.json")
    cases = [
        (daemon.post("/webhooks/nope", body), 404, "no webhook named 'nope'"),
        (daemon.post("/webhooks/openai", body, {"webhook-id": "m", "webhook-timestamp": "1"}), 401,
         "missing webhook-signature header"),
        (daemon.post("/webhooks/openai", body, standard_headers(body, "m", at=time.time() - 3600)), 401, "too old"),
        (daemon.post("/webhooks/openai", body, {**standard_headers(body, "m"), "webhook-id": "other"}), 401,
         "no v1 signature"),
        (daemon.post("/webhooks/openai", b"x" * 5000, standard_headers(b"x" * 5000, "m")), 413, "4096-byte limit"),
        (daemon.post("/webhooks/openai", b"{not json", standard_headers(b"{not json", "m")), 400, "not JSON"),
        (daemon.post("/webhooks/statuspage/wrong", fixture("statuspage-webhook/incident_created.json")), 401,
         "wrong token"),
        (daemon.post("/webhooks/statuspage", fixture("statuspage-webhook/incident_created.json")), 401,
         "missing token"),
        (daemon.post("/webhooks/openai/some-token", body, standard_headers(body, "m")), 404, "takes no token"),
        (daemon.post("/webhooks/aws", body), 401, "missing x-api-key header"),
        (httpx.get(f"http://127.0.0.1:{daemon.port}/webhooks/openai", timeout=5), 405, "Method Not Allowed"),
    ]
    for response, status, reason in cases:
        assert response.status_code == status, response.text
        assert reason in response.json()["error"]
    # refused on its declared length: the answer comes before the 10 MiB are sent
    with socket.create_connection(("127.0.0.1", daemon.port), timeout=5) as raw:
        raw.sendall(b"POST /webhooks/openai HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 10485760\r\n\r\n{")
        answer = ""
        while "}" not in answer:
            answer += raw.recv(4096).decode()
    assert answer.startswith("HTTP/1.1 413") and "10485760 bytes is over the 4096-byte limit" in answer
    assert db_rows(database, "SELECT count(*) FROM delivery")[0][0] == 0
    metrics = httpx.get(f"http://127.0.0.1:{daemon.port}/metrics", timeout=5).text
    assert 'watcher_webhook_deliveries_total{outcome="unauthorized",replica="test",webhook="openai"} 3.0' in metrics


def test_redelivery_is_answered_and_not_processed_again(daemon: Daemon, setup) -> None:
    config, database, _ = setup
    body = fixture("statuspage-webhook/incident_created.json")
    first = daemon.post("/webhooks/statuspage/sp-token-1", body)
    again = daemon.post("/webhooks/statuspage/sp-token-1", body)
    assert (first.json()["status"], again.json()["status"]) == ("accepted", "duplicate")
    assert again.status_code == 200
    openai = fixture("standard-webhooks/openai_response_completed.json")
    headers = standard_headers(openai, "msg_same")
    assert [daemon.post("/webhooks/openai", openai, headers).json()["status"] for _ in range(3)] == [
        "accepted", "duplicate", "duplicate"]
    wait_for(lambda: db_rows(database, "SELECT count(*) FROM delivery WHERE state = 'processed'")[0][0] == 2,
             what="processing")
    assert db_rows(database, "SELECT count(*) FROM delivery")[0][0] == 2
    [incident] = [e for e in events(config) if e["external_id"] == "z3lct0r596n4"]
    assert incident["revision"] == 1


def test_verified_but_unparseable_is_kept_and_marked_failed(daemon: Daemon, setup) -> None:
    config, database, _ = setup
    response = daemon.post("/webhooks/statuspage/sp-token-1", b'{"meta": {"documentation": "x"}}')
    assert response.status_code == 200
    wait_for(lambda: db_rows(database, "SELECT state FROM delivery") == [("failed",)], what="failure recorded")
    [(error, body)] = db_rows(database, "SELECT error, body FROM delivery")
    assert "neither 'incident' nor 'component_update'" in error
    assert body == b'{"meta": {"documentation": "x"}}'  # never lost
    listing = watcher("events", "--config", str(config))
    assert "1 webhook delivery could not be processed" in listing.stderr
    metrics = httpx.get(f"http://127.0.0.1:{daemon.port}/metrics", timeout=5).text
    assert 'watcher_webhook_processed_total{replica="test",result="failed",webhook="statuspage"} 1.0' in metrics
    assert httpx.get(f"http://127.0.0.1:{daemon.port}/healthz", timeout=5).json()["webhooks"]["statuspage"][
        "failed"] == 1


def test_crash_after_accept_is_finished_on_restart_exactly_once(setup, tmp_path: Path) -> None:
    """SIGKILL while deliveries are still arriving: every acknowledged delivery survives, and the
    restarted daemon processes each stored one exactly once."""
    config, database, port = setup
    template = json.loads(fixture("standard-webhooks/openai_response_completed.json"))
    bodies = [json.dumps({**template, "id": f"evt_{n:04d}", "type": "batch.failed"}).encode() for n in range(2000)]
    # An ingest-only replica accepts and stores but leaves processing to others: what it holds when
    # it dies is exactly the "accepted, not yet processed" state a crash leaves.
    ingest = tmp_path / "ingest.toml"
    ingest.write_text(config.read_text().replace("[server]\n", "[server]\ningest_only = true\n"))
    daemon = Daemon(ingest, port, tmp_path / "crash.log", env=SECRETS)
    acknowledged: set[str] = set()

    async def flood() -> None:
        limits = httpx.Limits(max_connections=32)
        # 32 at a time: thousands of requests queued in httpx's pool starve its own event loop
        slots = asyncio.Semaphore(32)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10, limits=limits) as client:
            async def post(n: int) -> None:
                try:
                    async with slots:
                        response = await client.post("/webhooks/openai", content=bodies[n],
                                                     headers=standard_headers(bodies[n], f"msg_{n:04d}"))
                except httpx.TransportError:
                    return  # the process died under this request: no 200, no promise
                if response.status_code == 200:
                    acknowledged.add(f"evt_{n:04d}")
                    if len(acknowledged) == 600:
                        daemon.proc.kill()  # no shutdown, no flush: a crash

            await asyncio.gather(*(post(n) for n in range(2000)))

    asyncio.run(flood())
    daemon.proc.wait(timeout=30)
    daemon.out.close()
    stored = {row[0] for row in db_rows(database, "SELECT delivery_id FROM delivery")}
    assert {f"msg_{e[4:]}" for e in acknowledged} <= stored  # every 200 was durable
    pending = db_rows(database, "SELECT count(*) FROM delivery WHERE state = 'pending'")[0][0]
    assert pending == len(stored) >= 600

    daemon = Daemon(config, port, tmp_path / "restart.log", env=SECRETS)
    try:
        wait_for(lambda: db_rows(database, "SELECT count(*) FROM delivery WHERE state = 'pending'")[0][0] == 0,
                 what="the restart to finish what the crash left")
    finally:
        assert daemon.stop() == 0
    processed = [e for e in events(config) if e["external_id"].startswith("evt_")]
    assert sorted(e["external_id"] for e in processed) == sorted(f"evt_{m[4:]}" for m in stored)
    assert all(e["revision"] == 1 for e in processed)
    announced = (tmp_path / "crash.log").read_text() + (tmp_path / "restart.log").read_text()
    assert max(announced.count(f"openai account {e} ") for e in acknowledged) == 1  # told once, not twice
