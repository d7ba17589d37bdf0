"""Outputs at scale, and webhook-to-Slack latency.

- Render the weekly digest and the ICS calendar for 1,000 deadlines and 10,000 impacts (events
  varied from the real deprecation fixtures, deadlines spread over the next 90 days).
  Targets: digest < 1 s, ICS < 0.5 s. Baseline in the same run: reading the impact rows alone.
- 500 Statuspage incident webhooks posted to `watcher run`, each hitting an inventory entry, to a
  local Slack-API-compatible server: time from the POST to the Slack call. Target: p95 < 1 s.

    python bench/outputs.py
"""

from __future__ import annotations

import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.matching import events as varied_events  # noqa: E402
from tests.fake_slack import FakeSlack  # noqa: E402
from watcher.config import Config, DigestConfig  # noqa: E402
from watcher.events.store import apply_drafts  # noqa: E402
from watcher.inventory.catalog import shipped  # noqa: E402
from watcher.inventory.impacts import impact_rows, refresh  # noqa: E402
from watcher.inventory.uses import Inventory, Use  # noqa: E402
from watcher.notify import calendar as calendar_module  # noqa: E402
from watcher.notify import digest_view  # noqa: E402
from watcher.storage.engine import open_database, session  # noqa: E402


def rendering() -> None:
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_database(f"sqlite:///{tmp}/bench.db")
        drafts = varied_events(1000)
        for n, draft in enumerate(drafts):
            draft.deadline = (now.date() + timedelta(days=1 + n % 89)).isoformat()
            draft.deadline_precision, draft.status = "day", "deprecated"
        uses = [Use(service=f"svc-{i}", provider="p", platform=drafts[i % 1000].provider,
                    model=drafts[i % 1000].external_id if not drafts[i % 1000].extra.get("model")
                    else drafts[i % 1000].extra["model"], version=drafts[i % 1000].extra.get("version"),
                    deployment=f"dep-{i}" if drafts[i % 1000].extra.get("model") else None,
                    owner=f"team-{i % 40}") for i in range(10_000)]
        with session(engine) as db:
            apply_drafts(db, source="bench", provider="", drafts=drafts, now=now)
            refresh(db, Inventory(tuple(uses)), shipped(), now=now)
            db.commit()
            impacts = len(impact_rows(db))
        config = Config(digest=DigestConfig())
        with session(engine) as db:
            started = time.perf_counter()
            impact_rows(db)
            baseline = time.perf_counter() - started
            started = time.perf_counter()
            context = digest_view.collect(db, config, now=now)
            _, _, html = digest_view.render(context)
            took_digest = time.perf_counter() - started
            started = time.perf_counter()
            ics = calendar_module.build(db, config, now=now)
            took_ics = time.perf_counter() - started
        deadlines = sum(len(rows) for _, rows in context["deadlines_by_team"])
        print(f"render: {len(drafts)} deprecations, {impacts} impacts ({deadlines} team deadline rows); "
              f"digest {took_digest * 1000:.0f} ms (target < 1000; {len(html) // 1024} KiB HTML), "
              f"ICS {took_ics * 1000:.0f} ms (target < 500; {len(ics) // 1024} KiB); "
              f"reading the impact rows alone {baseline * 1000:.0f} ms")
        engine.dispose()


def latency(count: int = 500) -> None:
    slack = FakeSlack()
    slack.start()
    template = json.loads((ROOT / "tests/fixtures/statuspage-webhook/incident_created.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        (Path(tmp) / "inventory.toml").write_text(
            '[[uses]]\nservice = "portal"\nprovider = "example"\nplatform = "example"\nmodel = "example-1"\n'
            'owner = "team-portal"\ncomponents = ["Management Portal"]\n')
        (Path(tmp) / "watcher.toml").write_text(
            f'[server]\nport = {port}\n[database]\nurl = "sqlite:///{tmp}/w.db"\n[log]\nlevel = "warning"\n'
            '[inventory]\npath = "inventory.toml"\n'
            f'[slack]\ntoken_env = "BENCH_SLACK"\nchannel = "#bench"\nbase_url = "{slack.url("/api/")}"\n'
            '[escalation]\nincident_severity = "info"\n'
            '[[webhooks]]\nname = "sp"\nkind = "statuspage-webhook"\nprovider = "example"\nsecret_env = "BENCH_SP"\n')
        env = {**os.environ, "BENCH_SLACK": "xoxb-bench", "BENCH_SP": "tok"}
        daemon = subprocess.Popen([sys.executable, "-m", "watcher", "run", "--config", f"{tmp}/watcher.toml"],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        try:
            _wait(port)
            sent: dict[str, float] = {}
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
                for n in range(count):
                    body = copy.deepcopy(template)
                    body["incident"]["id"] = f"inc{n:04d}"
                    body["incident"]["name"] = f"bench-{n:04d}: database query delays"
                    sent[f"bench-{n:04d}"] = time.perf_counter()
                    client.post("/webhooks/sp/tok", json=body).raise_for_status()
                    time.sleep(0.02)  # 50 a second: a storm, not a flood
            deadline = time.perf_counter() + 60
            while len(slack.made("chat.postMessage")) < count and time.perf_counter() < deadline:
                time.sleep(0.1)
        finally:
            daemon.terminate()
            daemon.wait()
            slack.stop()
    arrivals: dict[str, float] = {}
    for (name, body), when in zip(slack.calls, slack.arrived, strict=True):
        key = next((w.rstrip(":") for w in str(body.get("text", "")).split() if w.startswith("bench-")), None)
        if name == "chat.postMessage" and key:
            arrivals.setdefault(key, when)
    delays = sorted(arrivals[k] - sent[k] for k in arrivals if k in sent)
    p95 = delays[int(len(delays) * 0.95) - 1] if delays else float("nan")
    median = statistics.median(delays) * 1000
    print(f"webhook -> Slack: {len(delays)}/{count} incidents posted; median {median:.0f} ms, "
          f"p95 {p95 * 1000:.0f} ms (target < 1000 ms), max {delays[-1] * 1000:.0f} ms")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(port: int) -> None:
    for _ in range(200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("the daemon did not start")


if __name__ == "__main__":
    rendering()
    latency()
