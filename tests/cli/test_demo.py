"""`watcher demo` as a user runs it: the real command in a subprocess, read through the daemon's JSON
API, the local Slack stand-in and the demo's own SQLite file; then the same command from the built
wheel, in a fresh venv, in a network namespace with loopback only (nothing can reach the network)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors import POLLED
from connectors.contract.protocols import Hints
from watcher.demo import stage
from watcher.inventory import catalog as catalog_module
from watcher.inventory.scan import scan

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "watcher" / "demo" / "snapshot"
ARTIFACTS = ROOT / "test-artifacts"
DASHBOARD = re.compile(r"^dashboard: (http://127\.0\.0\.1:(\d+)/)$", re.M)
WEBHOOK_INCIDENT = "z3lct0r596n4"  # the incident of the Statuspage webhook payloads the demo posts


def _deadlines(kind: str, name: str, provider: str, model: str) -> str | None:
    result = POLLED[kind].parse((SNAPSHOT / name).read_bytes(), url="http://127.0.0.1/", fetched_at=datetime.now(UTC),
                                hints=Hints(provider=provider))
    return next((d.deadline for d in result.drafts if d.external_id == model and d.kind == "deprecation"), None)


class Demo:
    """`python -m watcher demo --port 0 --dir DIR` in a subprocess; its stdout in a file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.out_path = directory.parent / "demo.out"
        self.err_path = directory.parent / "demo.err"
        self.started = time.monotonic()
        with self.out_path.open("w") as out, self.err_path.open("w") as err:
            command = [sys.executable, "-m", "watcher", "demo", "--port", "0", "--dir", str(directory)]
            self.proc = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        self.base = ""
        deadline = time.monotonic() + 20
        while not (found := DASHBOARD.search(self.out_path.read_text())):
            assert self.proc.poll() is None, self.output()
            assert time.monotonic() < deadline, f"no dashboard line within 20 s\n{self.output()}"
            time.sleep(0.1)
        self.base = found.group(1).rstrip("/")

    def output(self) -> str:
        return self.out_path.read_text() + "\n--- stderr ---\n" + self.err_path.read_text()

    def get(self, path: str, **params: Any) -> Any:
        answer = httpx.get(f"{self.base}{path}", params=params, timeout=5, trust_env=False)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def wait(self, what: str, predicate: Any, within: float) -> float:
        """Seconds since the demo started when `predicate` first held; fails after `within` of them."""
        while True:
            try:
                if predicate():
                    return time.monotonic() - self.started
            except httpx.TransportError:
                pass
            assert self.proc.poll() is None, self.output()
            assert time.monotonic() - self.started < within, f"{what}: not within {within} s\n{self.output()}"
            time.sleep(0.25)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    running = Demo(tmp_path / "demo")
    try:
        yield running
    finally:
        if running.proc.poll() is None:
            running.proc.kill()
            running.proc.wait(timeout=30)


def _events(demo: Demo) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = demo.get("/api/events", limit=5000)
    return result


def _event(demo: Demo, kind: str, external_id: str) -> dict[str, Any] | None:
    return next((e for e in _events(demo) if e["kind"] == kind and e["external_id"] == external_id), None)


def test_demo_plays_the_four_stories_offline_and_stops_on_sigterm(demo: Demo) -> None:
    inventory = tomllib.loads((demo.directory / "inventory.toml").read_text())["uses"]
    two_teams = {u["owner"] for u in inventory if u["model"] == stage.TWO_TEAMS_MODEL}
    assert len(two_teams) == 2

    # every URL the daemon was given is on loopback
    config = tomllib.loads((demo.directory / stage.CONFIG_NAME).read_text())
    urls = [s["url"] for s in config["sources"]] + [config["slack"]["base_url"]]
    assert len(config["sources"]) == 4 and all(u.startswith("http://127.0.0.1:") for u in urls), urls
    assert "email" not in config and "mailboxes" not in config and "spend" not in config

    # the deprecation and the incident, within 30 s of the command's start
    seen = demo.wait("the deprecation and the webhook incident in /api/events", lambda: _event(
        demo, "deprecation", stage.TWO_TEAMS_MODEL) and _event(demo, "incident", WEBHOOK_INCIDENT), 30)
    deprecation = _event(demo, "deprecation", stage.TWO_TEAMS_MODEL)
    assert deprecation is not None and deprecation["provider"] == "openai"
    assert deprecation["deadline"] == _deadlines("openai-deprecations", "openai_deprecations_2026-07.md", "openai",
                                                 stage.TWO_TEAMS_MODEL)

    # the deprecated model hits both teams that call it
    def hit_teams() -> set[str]:
        return {i["owner"] for i in demo.get("/api/impacts")
                if i["model"] == stage.TWO_TEAMS_MODEL and i["event_kind"] == "deprecation"
                and i["event_id"] == deprecation["id"]}
    demo.wait("impacts on both teams", lambda: hit_teams() == two_teams, 45)

    # the source that breaks, while the others read fine
    demo.wait("the broken source", lambda: demo.get("/api/sources")[stage.BROKEN_SOURCE]["health"] == "broken", 45)
    sources = demo.get("/api/sources")
    assert {name: s["health"] for name, s in sources.items() if name != stage.BROKEN_SOURCE} == {
        "openai-deprecations": "ok", "anthropic-deprecations": "ok", "anthropic-status": "ok"}
    assert sources[stage.BROKEN_SOURCE]["last_error_category"] == "parse"

    # the drift: the later capture's date, as a revision of the event the first capture made
    before = _deadlines("openai-deprecations", "openai_deprecations_2025-09.html", "openai", stage.DRIFT_MODEL)
    after = _deadlines("openai-deprecations", "openai_deprecations_2026-07.md", "openai", stage.DRIFT_MODEL)
    assert before and after and before != after
    demo.wait("the drift", lambda: (_event(demo, "deprecation", stage.DRIFT_MODEL) or {}).get("deadline") == after, 45)
    drifted = _event(demo, "deprecation", stage.DRIFT_MODEL)
    assert drifted is not None and drifted["revision"] >= 2

    # the incident thread: a post, then a reply in its thread and the root edited, all sent
    database = demo.directory / stage.DATABASE_NAME

    def thread() -> list[tuple[str, str, str | None, str | None, str]]:
        with sqlite3.connect(database) as db:
            return db.execute(
                "SELECT o.action, o.state, o.thread_key, o.external_ref, o.payload FROM outbox o WHERE o.thread_key ="
                " (SELECT 'incident:' || e.id || ':slack:#ai-oncall' FROM event e WHERE e.external_id = ?)"
                " ORDER BY o.id", (WEBHOOK_INCIDENT,)).fetchall()
    demo.wait("the incident's thread", lambda: [(a, s) for a, s, *_ in thread()] == [
        ("post", "sent"), ("reply", "sent"), ("update", "sent")], 60)
    rows = thread()
    assert stage.INCIDENT_TITLE in json.loads(rows[0][4])["text"]
    assert "resolved" in json.loads(rows[1][4])["text"]
    stand_in = re.search(r"what it received: (http://127\.0\.0\.1:\d+/slack/messages\.json),",
                         demo.out_path.read_text())
    assert stand_in is not None, demo.output()
    slack = httpx.get(stand_in.group(1), timeout=5, trust_env=False).json()
    [root] = [m for m in slack if m["method"] == "chat.postMessage" and m["thread_ts"] is None
              and stage.INCIDENT_TITLE in m["text"]]
    assert root["channel"] == stage.ONCALL and root["ts"] == rows[0][3]
    assert [m["method"] for m in slack if m["thread_ts"] == root["ts"]] == ["chat.postMessage"]
    assert any(m["method"] == "chat.update" and m["ts"] == root["ts"] and "RESOLVED" in m["text"] for m in slack)
    # and the deprecation reached each team's own channel
    channels = {u["channel"] for u in inventory if u["model"] == stage.TWO_TEAMS_MODEL}
    assert channels <= {m["channel"] for m in slack if stage.TWO_TEAMS_MODEL in m["text"]}

    walk_in_a_browser(demo)

    demo.wait("the director's closing line", lambda: "all four stories have happened" in demo.out_path.read_text(), 30)
    assert demo.stop() == 0, demo.output()
    out = demo.out_path.read_text()
    assert out.rstrip().endswith(f"demo stopped; its files are in {demo.directory}"), out
    assert "NEW     openai deprecation " + stage.TWO_TEAMS_MODEL in (demo.directory / stage.FEED_NAME).read_text()
    print(f"demo: deprecation and incident listed after {seen:.1f} s")


def test_the_sample_inventory_is_the_scan_of_the_sample_code_with_owners() -> None:
    found = scan([SNAPSHOT / "sample_code"], catalog_module.shipped())
    inventory = tomllib.loads((SNAPSHOT / "inventory.toml").read_text())["uses"]
    assert {(f.service, f.platform, f.model, tuple(f.evidence)) for f in found} == {
        (u["service"], u["platform"], u["model"], tuple(u["evidence"])) for u in inventory}
    assert all(u["owner"] not in ("", "unowned") and u["channel"].startswith("#") for u in inventory)


def test_every_snapshot_file_is_a_byte_copy_of_the_fixture_its_sources_md_names() -> None:
    listed = re.findall(r"^\| `([^`]+)` \| `([^`]+)`", (SNAPSHOT / "SOURCES.md").read_text(), re.M)
    shipped = {p.name for p in SNAPSHOT.iterdir() if p.is_file()} - {"SOURCES.md", "inventory.toml"}
    assert {here for here, _ in listed} == shipped
    for here, fixture in listed:
        assert (SNAPSHOT / here).read_bytes() == (ROOT / "tests" / "fixtures" / fixture).read_bytes(), here


# --- from the wheel, without a network --------------------------------------------------------------

CHECK = r"""
import json, os, re, signal, socket, subprocess, sys, time, urllib.request
watcher, directory, wanted = sys.argv[1], sys.argv[2], set(sys.argv[3:])
try:
    socket.create_connection(("192.0.2.1", 80), timeout=2).close()  # TEST-NET-1: never answers anyway
    network = "reachable"
except OSError as exc:
    network = type(exc).__name__ + ": " + str(exc)
started = time.monotonic()
out = open(directory + ".out", "w+")
proc = subprocess.Popen([watcher, "demo", "--port", "0", "--dir", directory], stdout=out, stderr=subprocess.STDOUT)
result = {"network": network, "events": [], "seconds": None}
base = None
while time.monotonic() - started < 30 and proc.poll() is None:
    out.seek(0)
    found = re.search(r"^dashboard: (http://127\.0\.0\.1:\d+)/$", out.read(), re.M)
    if found:
        base = found.group(1)
        try:
            with urllib.request.urlopen(base + "/api/events?limit=5000", timeout=5) as answer:
                events = json.load(answer)
        except OSError:
            events = []
        if wanted <= {e["kind"] + ":" + e["external_id"] for e in events}:
            result.update(events=events, seconds=time.monotonic() - started)
            break
    time.sleep(0.25)
if proc.poll() is None:
    proc.send_signal(signal.SIGTERM)
result["exit"] = proc.wait(timeout=30)
out.seek(0)
result["output"] = out.read()[-4000:]
result["config"] = open(os.path.join(directory, "watcher-demo.toml")).read() if os.path.exists(
    os.path.join(directory, "watcher-demo.toml")) else ""
print(json.dumps(result))
"""


def _namespace_works() -> bool:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    probe = subprocess.run(["unshare", "-rn", "sh", "-c", "ip link set lo up"], capture_output=True, timeout=30)
    return probe.returncode == 0


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built once from a copy of the sources, installed with its dependencies in a fresh venv."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "src"
    source.mkdir()
    for name in ["pyproject.toml", "README.md", "watcher", "connectors", "templates"]:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, source / name)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "-w", str(tmp / "dist"), "--no-deps", "-q"],
                   check=True, timeout=300, env=env)
    [wheel] = (tmp / "dist").glob("provider_watcher-*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120, env=env)
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], timeout=600,
                          env=env, cwd=tmp, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return venv


def test_the_wheel_plays_the_demo_with_the_network_unreachable(installed: Path, tmp_path: Path) -> None:
    script = tmp_path / "check.py"
    script.write_text(CHECK)
    python, watcher = str(installed / "bin" / "python"), str(installed / "bin" / "watcher")
    directory = str(tmp_path / "demo")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    wanted = [f"deprecation:{stage.TWO_TEAMS_MODEL}", f"incident:{WEBHOOK_INCIDENT}"]
    isolated = _namespace_works()
    if isolated:  # a user and network namespace: loopback only
        command = ["unshare", "-rn", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", python, str(script), watcher,
                   directory, *wanted]
    else:  # no namespaces here: every proxy-aware client is pointed at a closed port instead
        command = [python, str(script), watcher, directory, *wanted]
        env |= {name: "http://127.0.0.1:9" for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")}
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    if isolated:
        assert result["network"] != "reachable" and "unreachable" in result["network"].lower(), result["network"]
    config = tomllib.loads(result["config"])
    urls = [s["url"] for s in config["sources"]] + [config["slack"]["base_url"]]
    assert urls and all(u.startswith("http://127.0.0.1:") for u in urls), urls
    assert result["seconds"] is not None and result["seconds"] < 30, result["output"]
    assert set(wanted) <= {f"{e['kind']}:{e['external_id']}" for e in result["events"]}
    assert result["exit"] == 0, result["output"]
    assert "dashboard: http://127.0.0.1:" in result["output"]
    # the demo ran from the venv's files, not the checkout's
    where = subprocess.run([python, "-c", "import watcher.demo.stage as s; print(s.snapshot_dir())"],
                           capture_output=True, text=True, check=True, timeout=60, env=env, cwd=tmp_path)
    shipped = Path(where.stdout.strip())
    assert shipped.is_relative_to(installed) and (shipped / "SOURCES.md").is_file()
    print(f"wheel demo: events after {result['seconds']:.1f} s without a network")


def walk_in_a_browser(demo: Demo) -> None:
    """The demo's dashboard in Chromium: the header's numbers are what the API counts, a missing surface's
    cell opens its how-to, the timeline has a marker per affected use with its date in the tooltip, the
    outbox page lists the incident's messages; light and dark screenshots (README shows them)."""
    from playwright.sync_api import sync_playwright

    from tests.web.test_dashboard_pages import CHROMIUM, NUMBER, _counted, _tips
    from watcher.web import dashboard

    assert CHROMIUM is not None, "needs Debian's chromium (.ci/run installs it)"
    home = httpx.get(f"{demo.base}/", timeout=10, trust_env=False).text
    summary = demo.get("/api/summary")
    shown = {key: (api, counts, int(count)) for key, _, api, counts, count in NUMBER.findall(unescape(home))}
    assert set(shown) == set(summary)
    for key, (api, counts, count) in shown.items():
        listed = httpx.get(f"{demo.base}{api}", timeout=10, trust_env=False).json()
        assert summary[key]["count"] == count == _counted(listed, counts), key
    assert shown["overdue_in_use"][2] + shown["due_soon"][2] >= 1  # the two-team deprecation is counted
    expected = {(i["service"], i["model"], i["deadline"]) for i in demo.get("/api/impacts")
                if i["event_kind"] == "deprecation" and i["deadline"]}
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        try:
            page = browser.new_page(color_scheme="light", viewport={"width": 1280, "height": 900})
            page.goto(f"{demo.base}/")
            assert page.locator("#blind").is_visible()  # the demo's broken source: never an all-clear
            titles = page.locator("#timeline svg circle.marker title").all_text_contents()
            assert len(titles) == min(len(expected), dashboard.TIMELINE_USES) and _tips(titles) <= expected
            page.screenshot(path=str(ARTIFACTS / "demo-light.png"), full_page=True)
            page.emulate_media(color_scheme="dark")
            page.screenshot(path=str(ARTIFACTS / "demo-dark.png"), full_page=True)
            page.emulate_media(color_scheme="light")
            cell = page.locator("#coverage td.cell-missing a").first
            anchor = (cell.get_attribute("href") or "").split("#")[1]
            cell.click()
            page.wait_for_url(f"**/coverage#{anchor}")
            assert page.locator(f"section#{anchor}").is_visible()
            assert "How to wire it: " in page.locator(f"section#{anchor}").inner_text()
            page.goto(f"{demo.base}/outbox")
            listed = page.locator("#outbox").inner_text()
            assert stage.INCIDENT_TITLE in listed and stage.ONCALL in listed
            assert stage.TWO_TEAMS_MODEL in listed
        finally:
            browser.close()
