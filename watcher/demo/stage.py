"""The demo's stage: the files it writes (config, inventory, sample code), the pages it serves, the
tour it prints, and a director thread that plays what a snapshot cannot (a status page's webhook
deliveries, posted to the daemon's own /webhooks URL) and says each story's page once it happened.

Every URL it writes or calls is on 127.0.0.1: the providers and Slack are the loopback server of
server.py, the dashboard is the daemon's. The stories are the snapshot's: their models and dates are
those of the recorded pages (SOURCES.md), named here only to tell the tour."""

from __future__ import annotations

import secrets
import shutil
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

import httpx

from watcher.demo.server import HTML, JSON, MARKDOWN, DemoServer, Page

SLACK_TOKEN_ENV = "WATCHER_DEMO_SLACK_TOKEN"
WEBHOOK_TOKEN_ENV = "WATCHER_DEMO_WEBHOOK_TOKEN"
CONFIG_NAME, DATABASE_NAME, FEED_NAME = "watcher-demo.toml", "watcher-demo.db", "feed.log"
WEBHOOK = "anthropic-statuspage"
ONCALL = "#ai-oncall"

# The four stories, as the snapshot tells them.
TWO_TEAMS_MODEL = "gpt-5-2025-08-07"  # on the later OpenAI capture: shutdown 2026-12-11
DRIFT_MODEL = "gpt-4-1106-preview"  # 2026-03-26 on the earlier capture, 2026-10-23 on the later one
INCIDENT_TITLE = "Database query delays"  # the Statuspage webhook payloads' incident
BROKEN_SOURCE = "openai-status"

# Short intervals, so that the drift (the page's second read) happens within seconds, not hours.
PAGES = [
    Page("/openai/api/docs/deprecations", "openai_deprecations_2025-09.html", HTML,
         later="openai_deprecations_2026-07.md", later_type=MARKDOWN),
    Page("/anthropic/docs/en/about-claude/model-deprecations.md", "anthropic_model_deprecations.md", MARKDOWN),
    Page("/anthropic-status/api/v2/summary.json", "anthropic_status_summary.json", JSON),
    # OpenAI's status JSON URL answers with another provider's HTML page: a layout the reader refuses.
    Page("/openai-status/api/v2/summary.json", "gemini_deprecations_article_body.html", HTML),
]
SOURCES = [  # name, kind, provider, path on the loopback server, interval
    ("openai-deprecations", "openai-deprecations", "openai", "/openai/api/docs/deprecations", "10s"),
    ("anthropic-deprecations", "anthropic-deprecations", "anthropic",
     "/anthropic/docs/en/about-claude/model-deprecations.md", "30s"),
    ("anthropic-status", "statuspage", "anthropic", "/anthropic-status", "30s"),
    (BROKEN_SOURCE, "statuspage", "openai", "/openai-status", "10s"),
]


def snapshot_dir() -> Path:
    """The recorded pages and payloads, as installed with the package."""
    return Path(str(resources.files("watcher.demo") / "snapshot"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stage:
    directory: Path
    port: int
    slack_token: str = field(default_factory=lambda: "xoxb-demo-" + secrets.token_hex(12))
    webhook_token: str = field(default_factory=lambda: secrets.token_urlsafe(18))

    @property
    def config(self) -> Path:
        return self.directory / CONFIG_NAME

    @property
    def dashboard(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def prepare(self) -> list[str]:
        """Copy the sample code and inventory into the directory and start from an empty database (the
        demo's own file: a rerun in one directory replays the stories). Returns what was removed."""
        self.directory.mkdir(parents=True, exist_ok=True)
        snapshot = snapshot_dir()
        shutil.copytree(snapshot / "sample_code", self.directory / "sample_code", dirs_exist_ok=True)
        shutil.copy2(snapshot / "inventory.toml", self.directory / "inventory.toml")
        removed = []
        for suffix in ("", "-wal", "-shm", "-journal"):
            old = self.directory / (DATABASE_NAME + suffix)
            if old.exists():
                old.unlink()
                removed.append(old.name)
        return removed

    def write_config(self, server: DemoServer) -> Path:
        sources = "".join(
            f'\n[[sources]]\nname = "{name}"\nkind = "{kind}"\nprovider = "{provider}"\n'
            f'url = "{server.url(path)}"\ninterval = "{interval}"\n'
            for name, kind, provider, path, interval in SOURCES)
        database = (self.directory / DATABASE_NAME).as_posix()
        self.config.write_text(f"""# Written by `watcher demo`: every URL below is on 127.0.0.1 (the recorded pages and
# the local Slack stand-in are served by the demo itself). Rewritten at each start.

[server]
host = "127.0.0.1"
port = {self.port}
replica_name = "demo"

[database]
url = "sqlite:///{database}"

[inventory]
path = "inventory.toml"

[poller]
timeout = "5s"
deadline = "10s"

[log]
level = "warning"

[slack]
token_env = "{SLACK_TOKEN_ENV}"
channel = "{ONCALL}"
base_url = "{server.url('/slack/api/')}"

[escalation]
# The demo's webhook incident (Statuspage's example payload) declares impact "none": tell on-call of
# every incident of a provider the inventory uses, however minor.
incident_severity = "info"
{sources}
[[webhooks]]
name = "{WEBHOOK}"
kind = "statuspage-webhook"
provider = "anthropic"
secret_env = "{WEBHOOK_TOKEN_ENV}"
""", encoding="utf-8")
        return self.config

    def tour(self, server: DemoServer) -> list[str]:
        d = self.dashboard
        return [
            f"watcher demo: recorded provider pages served on {server.url()}; nothing leaves this machine.",
            f"  config     {self.config}",
            f"  database   {self.directory / DATABASE_NAME}",
            f"  inventory  {self.directory / 'inventory.toml'}: what `watcher inventory scan "
            f"{self.directory / 'sample_code'}` finds, plus owners and channels",
            f"  Slack      a local stand-in at {server.url('/slack/api/')}",
            f"             (what it received: {server.url('/slack/messages.json')}, and {d}outbox)",
            f"  feed       {self.directory / FEED_NAME}: the line per notice `watcher run` prints",
            "",
            f"dashboard: {d}",
            "",
            "The tour: four stories, each within a minute (a line below says when; Ctrl-C stops the demo).",
            f"  1. A deprecation hitting two teams: OpenAI's page, read again, retires {TWO_TEAMS_MODEL}",
            "     on 2026-12-11; search-api (team-search) and support-bot (team-support) call it.",
            f"     {d} (Deadlines), then {d}outbox: #search-alerts and #support-alerts were told.",
            f"  2. An incident thread: Statuspage webhooks, posted by the demo to /webhooks/{WEBHOOK}/…,",
            f"     open \"{INCIDENT_TITLE}\", then resolve it. {d}outbox: the post in {ONCALL},",
            "     the reply in its thread, the post edited to resolved.",
            f"  3. A drift: the page's later capture moves {DRIFT_MODEL}'s shutdown from 2026-03-26",
            "     to 2026-10-23 (invoice-parser, team-finance). The event's page lists both revisions.",
            f"  4. A source that breaks: {BROKEN_SOURCE}'s JSON URL answers with Google's Gemini deprecations",
            f"     page (HTML). {d}sources shows it broken; {ONCALL} is told.",
            "",
        ]


class Director(threading.Thread):
    """Posts the incident's webhooks once the daemon answers, and prints each story's page when it has
    happened. Calls only loopback URLs, with the environment's proxies ignored."""

    def __init__(self, stage: Stage, server: DemoServer, out: TextIO) -> None:
        super().__init__(name="demo-director", daemon=True)
        self.stage = stage
        self.server = server
        self.out = out
        self.stopping = threading.Event()
        self.started = time.monotonic()
        self.told: set[int] = set()

    def say(self, line: str) -> None:
        print(f"[{time.monotonic() - self.started:4.0f}s] {line}", file=self.out, flush=True)

    def run(self) -> None:
        base = self.stage.dashboard.rstrip("/")
        with httpx.Client(trust_env=False, timeout=5) as client:
            if not self._wait(lambda: client.get(f"{base}/healthz").status_code == 200, 60):
                return
            hook = f"{base}/webhooks/{WEBHOOK}/{self.stage.webhook_token}"
            snapshot = snapshot_dir()
            created = (snapshot / "statuspage_webhook_incident_created.json").read_bytes()
            resolved = (snapshot / "statuspage_webhook_incident_resolved.json").read_bytes()
            posted = self._post(client, hook, created)
            resolve_after: float | None = None
            while not self.stopping.wait(1.0):
                try:
                    self._tell(client, base)
                except (httpx.HTTPError, ValueError):
                    continue  # the daemon is busy or stopping: ask again in a second
                if posted and resolve_after is None and self._incident_posted():
                    resolve_after = time.monotonic() + 3  # the open incident stays visible a moment
                if resolve_after is not None and time.monotonic() >= resolve_after and posted:
                    posted = not self._post(client, hook, resolved)  # once
                    if not posted:
                        resolve_after = float("inf")
                if len(self.told) == 4:
                    self.say(f"all four stories have happened; the dashboard stays up at {self.stage.dashboard} "
                             "until Ctrl-C")
                    return

    def _wait(self, predicate: Callable[[], bool], seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while not self.stopping.is_set() and time.monotonic() < deadline:
            try:
                if predicate():
                    return True
            except httpx.HTTPError:
                pass
            self.stopping.wait(0.2)
        return False

    def _post(self, client: httpx.Client, url: str, body: bytes) -> bool:
        try:
            answer = client.post(url, content=body, headers={"Content-Type": "application/json"})
        except httpx.HTTPError as exc:
            self.say(f"could not post the webhook: {exc}")
            return False
        if answer.status_code >= 300:
            self.say(f"the webhook was refused: {answer.status_code} {answer.text[:200]}")
            return False
        return True

    def _incident_posted(self) -> bool:
        return any(m["method"] == "chat.postMessage" and not m["thread_ts"] and INCIDENT_TITLE in m["text"]
                   for m in self.server.received())

    def _tell(self, client: httpx.Client, base: str) -> None:
        d = self.stage.dashboard
        if 1 not in self.told:
            impacts: list[dict[str, Any]] = client.get(f"{base}/api/impacts").json()
            hit = [i for i in impacts if i["model"] == TWO_TEAMS_MODEL and i["event_kind"] == "deprecation"]
            if len({i["owner"] for i in hit}) >= 2:
                self.told.add(1)
                teams = ", ".join(sorted({f"{i['service']} ({i['owner']})" for i in hit}))
                self.say(f"1. {TWO_TEAMS_MODEL} shuts down {hit[0]['deadline']}: it hits {teams}: "
                         f"{d}events/{hit[0]['event_id']}")
        if 2 not in self.told:
            messages = self.server.received()
            roots = [m for m in messages if m["method"] == "chat.postMessage" and not m["thread_ts"]
                     and INCIDENT_TITLE in m["text"]]
            replies = [m for m in messages if roots and m["thread_ts"] == roots[0]["ts"]]
            if roots and replies:
                self.told.add(2)
                self.say(f"2. \"{INCIDENT_TITLE}\": a post in {roots[0]['channel']}, then "
                         f"{'a reply' if len(replies) == 1 else f'{len(replies)} replies'} in its thread: {d}outbox")
        if 3 not in self.told:
            events = client.get(f"{base}/api/events", params={"kind": "deprecation", "provider": "openai",
                                                               "limit": 5000}).json()
            moved = [e for e in events if e["external_id"] == DRIFT_MODEL and e["revision"] >= 2]
            if moved:
                self.told.add(3)
                self.say(f"3. {DRIFT_MODEL} now shuts down {moved[0]['deadline']} (revision {moved[0]['revision']}): "
                         f"{d}events/{moved[0]['id']}")
        if 4 not in self.told:
            source = client.get(f"{base}/api/sources").json().get(BROKEN_SOURCE) or {}
            if source.get("health") == "broken":
                self.told.add(4)
                self.say(f"4. {BROKEN_SOURCE} is broken ({source.get('last_error')}): {d}sources")

