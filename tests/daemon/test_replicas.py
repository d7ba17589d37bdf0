"""Several `watcher run` processes on one PostgreSQL database: real processes, a Slack-compatible
server, an SMTP server and a fake provider serving recorded pages, all on loopback.

What is counted: every Slack call against the outbox rows marked sent (one call per row, so any
message sent twice shows as a surplus), the digests the SMTP server received, and each source's
requests at the fake provider (the gaps between them)."""

from __future__ import annotations

import copy
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text

from connectors import POLLED
from tests.fake_provider import FakeProvider
from tests.fake_slack import FakeSlack
from tests.process import free_port, wait_for
from tests.scenarios import FIXTURES

WEBHOOK = json.loads((FIXTURES / "statuspage-webhook/incident_created.json").read_text())
STATUS = (FIXTURES / "statuspage/anthropic_status_operational.json").read_bytes()
DEPRECATIONS = (FIXTURES / "openai-deprecations/peer_deprecations_complete_md.md").read_bytes()
STATUS_INTERVAL = 4.0
SOURCES = 6


def deprecated_models(count: int) -> list[str]:
    """Models the recorded OpenAI page retires, the latest deadlines first: some past, some weeks or
    months away, so that their impacts stand on different steps of the ladder."""
    parsed = POLLED["openai-deprecations"].parse(DEPRECATIONS, url="https://platform.openai.com/docs/deprecations")
    dated = sorted(((d.deadline or "", m) for d in parsed.drafts if d.kind == "deprecation" for m in d.models),
                   reverse=True)
    return [model for _, model in dated[:count]]


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(envelope.content)  # type: ignore[attr-defined]
        return "250 OK"


@dataclass
class Replica:
    name: str
    config: Path
    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    out: object = None

    def start(self, env: dict[str, str]) -> None:
        handle = self.log.open("ab")
        self.out = handle
        self.proc = subprocess.Popen([sys.executable, "-m", "watcher", "run", "--config", str(self.config)],
                                     stdout=handle, stderr=subprocess.STDOUT, env={**os.environ, **env})

    def healthy(self) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            assert self.proc is not None and self.proc.poll() is None, self.log.read_text()
            return False

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=30)
        self.out.close()  # type: ignore[attr-defined]
        return code

    def metric(self, name: str) -> float:
        body = httpx.get(f"http://127.0.0.1:{self.port}/metrics", timeout=5).text
        return sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines() if line.startswith(name))


@dataclass
class Cluster:
    tmp: Path
    database: str
    provider: FakeProvider
    slack: FakeSlack
    smtp_port: int
    replicas: list[Replica] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=lambda: {"SLACK_TOKEN": "xoxb-test", "SP_SECRET": "tok"})

    def write(self, name: str, port: int) -> Path:
        due = datetime.now(UTC) - timedelta(minutes=2)  # a digest due two minutes ago: caught up at start
        sources = "".join(
            f'[[sources]]\nname = "status-{i}"\nkind = "statuspage"\nprovider = "anthropic"\n'
            f'url = "{self.provider.url(f"/status/{i}.json")}"\ninterval = "{STATUS_INTERVAL:g}s"\n\n'
            for i in range(SOURCES))
        path = self.tmp / f"{name}.toml"
        path.write_text(
            f'[server]\nhost = "127.0.0.1"\nport = {port}\nreplica_name = "{name}"\nsend_lease = "3s"\n'
            f'heartbeat = "1s"\n\n[database]\nurl = "{self.database}"\n\n[log]\nlevel = "info"\n\n'
            '[poller]\ntimeout = "5s"\n\n[inventory]\npath = "inventory.toml"\n\n'
            f'[slack]\ntoken_env = "SLACK_TOKEN"\nchannel = "#oncall"\nbase_url = "{self.slack.url("/api/")}"\n\n'
            '[escalation]\nincident_severity = "info"\n\n'
            f'[email]\nhost = "127.0.0.1"\nport = {self.smtp_port}\nsecurity = "none"\nfrom = "w@example.com"\n'
            'to = ["oncall@example.com"]\n\n'
            f'[digest]\nschedule = "daily {due:%H:%M}"\ntimezone = "UTC"\n\n'
            '[[webhooks]]\nname = "sp"\nkind = "statuspage-webhook"\nprovider = "example"\nsecret_env = "SP_SECRET"\n\n'
            '[[sources]]\nname = "openai-deprecations"\nkind = "openai-deprecations"\nprovider = "openai"\n'
            f'url = "{self.provider.url("/openai/deprecations.md")}"\ninterval = "30s"\n\n' + sources,
            encoding="utf-8")
        return path

    def add(self, name: str) -> Replica:
        port = free_port()
        replica = Replica(name, self.write(name, port), port, self.tmp / f"{name}.log")
        self.replicas.append(replica)
        replica.start(self.env)
        return replica

    def restart(self, replica: Replica) -> None:
        assert replica.stop() == 0
        replica.start(self.env)
        wait_for(replica.healthy, timeout=30, what=f"{replica.name} to answer again")

    def sql(self, query: str) -> list[tuple]:
        engine = create_engine(self.database)
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(text(query))]
        finally:
            engine.dispose()


@pytest.fixture
def cluster(tmp_path: Path, postgres_url: str, fake_provider: FakeProvider, slack: FakeSlack) -> Iterator[Cluster]:
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    fake_provider.set("/openai/deprecations.md", DEPRECATIONS, "text/markdown")
    for i in range(SOURCES):
        fake_provider.set(f"/status/{i}.json", STATUS)
    uses = ['[[uses]]\nservice = "portal"\nprovider = "example"\nplatform = "example"\nmodel = "example-1"\n'
            'owner = "team-portal"\ncomponents = ["Management Portal"]\n']
    uses += [f'[[uses]]\nservice = "svc-{i}"\nprovider = "openai"\nplatform = "openai"\nmodel = "{model}"\n'
             f'owner = "team-{i % 5}"\n' for i, model in enumerate(deprecated_models(50))]
    (tmp_path / "inventory.toml").write_text("\n".join(uses), encoding="utf-8")
    made = Cluster(tmp_path, postgres_url, fake_provider, slack, smtp.port)
    made.inbox = inbox  # type: ignore[attr-defined]
    try:
        yield made
    finally:
        for replica in made.replicas:
            if replica.proc is not None and replica.proc.poll() is None:
                replica.proc.kill()
                replica.proc.wait()
                replica.out.close()  # type: ignore[attr-defined]
        smtp.stop()


def incident(n: int) -> bytes:
    body = copy.deepcopy(WEBHOOK)
    body["incident"]["id"] = f"inc{n:05d}"
    body["incident"]["name"] = f"replica-test-{n:05d}: database query delays"
    return json.dumps(body).encode()


class Poster:
    """Posts incident webhooks round-robin over the replicas, as a load balancer would: a replica that
    refuses the connection (stopping, killed) gets the next one tried; every incident must be accepted
    by some replica."""

    def __init__(self, replicas: list[Replica]) -> None:
        self.replicas = replicas
        self.accepted: list[int] = []
        self.client = httpx.Client(timeout=10)
        self._turn = 0

    def post(self, n: int, avoid: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        deadline = time.monotonic() + 30  # a provider retries a refused delivery for far longer
        while time.monotonic() < deadline:
            replica = self.replicas[self._turn % len(self.replicas)]
            self._turn += 1
            if replica.name in avoid:
                continue
            try:
                answer = self.client.post(f"http://127.0.0.1:{replica.port}/webhooks/sp/tok", content=incident(n),
                                          headers={"content-type": "application/json"})
            except httpx.TransportError:
                time.sleep(0.05)
                continue
            if answer.status_code < 300:
                self.accepted.append(n)
                return
            time.sleep(0.05)  # a 503 (shutting down, or the database slow to answer): the next one
        raise AssertionError(f"no replica accepted incident {n} within 30 s")

    def close(self) -> None:
        self.client.close()


def incidents_posted(slack: FakeSlack) -> set[str]:
    return {word.rstrip(":") for body in slack.made("chat.postMessage") for word in str(body.get("text", "")).split()
            if word.startswith("replica-test-")}


def settled(cluster: Cluster, expected: int) -> bool:
    if len(incidents_posted(cluster.slack)) < expected:
        return False
    [(waiting,)] = cluster.sql("SELECT count(*) FROM outbox WHERE state = 'pending'")
    [(unprocessed,)] = cluster.sql("SELECT count(*) FROM delivery WHERE state = 'pending'")
    return waiting == 0 and unprocessed == 0


def surplus(cluster: Cluster) -> int:
    """Slack calls beyond one per outbox row sent: messages that went out twice."""
    [(rows,)] = cluster.sql("SELECT count(*) FROM outbox WHERE state = 'sent' AND channel = 'slack'")
    calls = len(cluster.slack.made("chat.postMessage")) + len(cluster.slack.made("chat.update"))
    return calls - rows


def assert_polled_once_per_interval(provider: FakeProvider, since: float) -> list[float]:
    """No two polls of a source closer than the scheduler's jitter allows (a second replica polling the
    same source would make gaps near zero); returns every gap."""
    gaps = []
    for i in range(SOURCES):
        times = [t for t in provider.polls(f"/status/{i}.json") if t >= since]
        assert len(times) >= 2, f"status-{i} polled {len(times)} times"
        gaps += [later - earlier for earlier, later in itertools.pairwise(times)]
    # The claim takes a run up to the jitter (10%) and one second early as this interval's poll.
    assert min(gaps) >= STATUS_INTERVAL * 0.9 - 1.0, sorted(gaps)[:5]
    return gaps


@pytest.mark.postgres
def test_three_replicas_send_each_message_once_and_survive_a_kill(cluster: Cluster) -> None:
    a, b, c = (cluster.add(name) for name in ("a", "b", "c"))
    for replica in (a, b, c):
        wait_for(replica.healthy, timeout=30, what=f"{replica.name} to answer /healthz")
    started = time.time()
    # /healthz names the replica and lists the three
    health = httpx.get(f"http://127.0.0.1:{b.port}/healthz", timeout=5).json()
    assert health["replica"] == "b"
    wait_for(lambda: {r["name"] for r in httpx.get(f"http://127.0.0.1:{a.port}/healthz", timeout=5)
                      .json()["replicas"]} == {"a", "b", "c"}, what="every replica in /healthz")
    # the digest that was due two minutes ago is caught up once, by one of the three
    inbox: Inbox = cluster.inbox  # type: ignore[attr-defined]
    wait_for(lambda: len(inbox.messages) >= 1, timeout=30, what="the digest")

    poster = Poster([a, b, c])
    for n in range(500):
        poster.post(n)
    wait_for(lambda: settled(cluster, 500), timeout=120, what="500 incidents on Slack and an empty outbox")
    assert surplus(cluster) == 0
    deprecation_rows = cluster.sql("SELECT count(*) FROM notice n JOIN impact i ON i.id = n.impact_id "
                                   "JOIN event e ON e.id = i.event_id WHERE e.kind = 'deprecation'")
    assert deprecation_rows[0][0] >= 50  # every one of the 50 uses was told its step, each once (surplus 0)
    senders = dict(cluster.sql("SELECT replica, count(*) FROM job_run WHERE job = 'digest' GROUP BY replica"))
    assert sum(senders.values()) == 1 and len(inbox.messages) == 1
    # each replica sent a share of the messages (the claims spread them), /metrics labels by replica
    assert 'replica="c"' in httpx.get(f"http://127.0.0.1:{c.port}/metrics", timeout=5).text

    # SIGKILL one replica mid-burst, while it holds a send that Slack is slow to answer
    cluster.slack.delay = 0.02
    for n in range(500, 600):
        poster.post(n)
    cluster.slack.delay = 1.0
    holding = "SELECT count(*) FROM outbox WHERE claimed_by = 'c' AND state = 'pending'"
    wait_for(lambda: cluster.sql(holding)[0][0] > 0, timeout=60, what="c to be sending")
    c.stop(signal.SIGKILL)
    in_flight = cluster.sql(holding)[0][0]
    cluster.slack.delay = 0.02
    for n in range(600, 800):
        poster.post(n, avoid={"c"})
    poster.close()
    assert sorted(poster.accepted) == list(range(800))
    poster.replicas = [a, b]
    wait_for(lambda: settled(cluster, 800), timeout=120, what="800 incidents on Slack after the kill")
    duplicates = surplus(cluster)
    taken_over = a.metric("watcher_outbox_taken_over_total") + b.metric("watcher_outbox_taken_over_total")
    assert 0 <= duplicates <= in_flight
    assert taken_over == in_flight  # every row the dead replica held was sent by another, and counted
    gaps = assert_polled_once_per_interval(cluster.provider, started)
    assert in_flight >= 1
    print(f"in flight at the kill: {in_flight}; sent twice: {duplicates}; longest poll gap {max(gaps):.1f} s")

    # c's sources went to a and b within three heartbeats: no source went unread for two intervals
    assert max(gaps) < 2 * STATUS_INTERVAL + 3, sorted(gaps)[-5:]
    for replica in (a, b):
        assert replica.stop() == 0
    assert cluster.sql("SELECT name FROM replica") == [("c",)]  # a clean stop leaves; a killed one is left to age


@pytest.mark.postgres
def test_rolling_restart_keeps_polling_and_loses_no_webhook(cluster: Cluster) -> None:
    replicas = [cluster.add(name) for name in ("a", "b", "c")]
    for replica in replicas:
        wait_for(replica.healthy, timeout=30, what=f"{replica.name} to answer /healthz")
    time.sleep(STATUS_INTERVAL)  # every source polled once, by its owner
    started = time.time()
    poster = Poster(replicas)
    stop = threading.Event()
    failures: list[BaseException] = []

    def load() -> None:
        n = 0
        try:
            while not stop.is_set():
                poster.post(n)
                n += 1
                time.sleep(0.02)
        except BaseException as exc:  # reported by the test, not lost in the thread
            failures.append(exc)

    thread = threading.Thread(target=load)
    thread.start()
    try:
        for replica in replicas:
            cluster.restart(replica)
            time.sleep(1.0)
    finally:
        stop.set()
        thread.join(timeout=30)
    poster.close()
    assert not failures, failures
    posted = len(poster.accepted)
    assert posted > 100 and sorted(poster.accepted) == list(range(posted))
    wait_for(lambda: settled(cluster, posted), timeout=120, what="every webhook accepted during the restarts")
    [(incidents,)] = cluster.sql("SELECT count(*) FROM event WHERE provider = 'example' AND kind = 'incident'")
    assert incidents == posted
    assert surplus(cluster) == 0
    gaps = assert_polled_once_per_interval(cluster.provider, started)
    # No source went unread longer than one interval beyond its schedule, while each replica restarted.
    print(f"rolling restart: {posted} webhooks; longest poll gap {max(gaps):.1f} s")
    assert max(gaps) < 2 * STATUS_INTERVAL, sorted(gaps)[-5:]


def test_a_second_process_on_one_sqlite_file_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "watcher.db"
    configs = []
    for name in ("first", "second"):
        path = tmp_path / f"{name}.toml"
        path.write_text(f'[server]\nport = {free_port()}\n[database]\nurl = "sqlite:///{database}"\n',
                        encoding="utf-8")
        configs.append(path)
    first = Replica("first", configs[0], int(configs[0].read_text().split("port = ")[1].split()[0]),
                    tmp_path / "first.log")
    first.start({})
    try:
        wait_for(first.healthy, what="the first daemon")
        second = subprocess.run([sys.executable, "-m", "watcher", "run", "--config", str(configs[1])],
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        assert second.stderr.strip() == (
            f"storage: another `watcher run` (pid {first.proc.pid}) is using the SQLite database {database}: "  # type: ignore[union-attr]
            "SQLite serves one daemon process, and a second would send every notification twice. Stop the "
            "other one, or move [database] url to PostgreSQL to run several replicas (docs/operations.md)")
        assert first.healthy()
    finally:
        assert first.stop() == 0
    # once the first has stopped, the file is free again
    again = Replica("again", configs[1], int(configs[1].read_text().split("port = ")[1].split()[0]),
                    tmp_path / "again.log")
    again.start({})
    wait_for(again.healthy, what="a daemon after the first stopped")
    assert again.stop() == 0
