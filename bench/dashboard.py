"""Dashboard home with 10,000 events, 1,000 deadlines and 3,000 uses: median of 20 renders through
the real Starlette app (httpx over ASGI). Target: under 200 ms. The deadline timeline for 1,000 uses
(watcher.web.timeline.render, the SVG alone): median of 20, target under 100 ms; and GET
/timeline.svg (every use) for scale. Baseline in the same run: GET /api/sources, the smallest page
the same app serves from the same database.

    python bench/dashboard.py
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.matching import events as varied_events  # noqa: E402
from connectors.contract.events import EventDraft  # noqa: E402
from watcher.config import Config, DatabaseConfig, InventoryConfig  # noqa: E402
from watcher.daemon import Daemon  # noqa: E402
from watcher.events.store import apply_drafts  # noqa: E402
from watcher.inventory.impacts import impact_rows  # noqa: E402
from watcher.storage.engine import open_database, session  # noqa: E402
from watcher.web import summary, timeline  # noqa: E402
from watcher.web.app import create_app  # noqa: E402
from watcher.web.dashboard import timeline_rows  # noqa: E402


def seed(tmp: Path) -> Config:
    now = datetime.now(UTC)
    database = f"sqlite:///{tmp}/bench.db"
    engine = open_database(database)
    deprecations = varied_events(1000)
    for n, draft in enumerate(deprecations):
        draft.deadline = (now.date() + timedelta(days=n % 120 - 10)).isoformat()
        draft.status = "deprecated"
    others = [EventDraft(kind="incident" if n % 3 else "changelog", provider=f"p{n % 7}", external_id=f"e{n}",
                         title=f"Event {n}", summary="x" * 300, status="resolved" if n % 10 else "investigating",
                         severity="warning", published_at=now) for n in range(9000)]
    with session(engine) as db:
        apply_drafts(db, source="bench", provider="", drafts=[*deprecations, *others], now=now)
        db.commit()
    engine.dispose()
    lines = []
    for i in range(3000):
        draft = deprecations[i % 1000]
        model = draft.extra.get("model") or draft.external_id
        lines.append(f'[[uses]]\nservice = "svc-{i}"\nprovider = "p"\nplatform = "{draft.provider}"\n'
                     f'model = "{model}"\nowner = "team-{i % 30}"\n'
                     + (f'version = "{draft.extra.get("version")}"\ndeployment = "d{i}"\n'
                        if draft.extra.get("model") else ""))
    (tmp / "inventory.toml").write_text("\n".join(lines))
    return Config(database=DatabaseConfig(url=database), inventory=InventoryConfig(path=str(tmp / "inventory.toml")))


async def measure(config: Config, tmp: Path) -> None:
    daemon = Daemon(config, config_path=tmp / "watcher.toml")
    daemon.impacts.refresh()
    app = create_app(daemon)
    gc.freeze()  # as the app's lifespan does once the daemon has started
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        timings: dict[str, list[float]] = {"/": [], "/api/sources": [], "/timeline.svg": []}
        for path in timings:
            (await client.get(path)).raise_for_status()  # warm
            for _ in range(20):
                started = time.perf_counter()
                response = await client.get(path)
                timings[path].append(time.perf_counter() - started)
                response.raise_for_status()
        size = len((await client.get("/")).content)
        svg_size = len((await client.get("/timeline.svg")).content)
    home, baseline, full = (statistics.median(timings[p]) * 1000 for p in ("/", "/api/sources", "/timeline.svg"))
    with session(daemon.engine) as db:
        impacts = impact_rows(db)
        events = {e.id: e for e in summary.deadline_events(db)}
    rows = timeline_rows(impacts, events, limit=1000)[0]
    today = daemon.today()
    renders = []
    for _ in range(21):
        started = time.perf_counter()
        svg = timeline.render(rows, today)
        renders.append(time.perf_counter() - started)
    render = statistics.median(renders[1:]) * 1000
    print(f"dashboard home: 10,000 events, 1,000 deadlines, 3,000 uses -> {size // 1024} KiB; median of 20 "
          f"{home:.0f} ms (target < 200 ms); GET /api/sources on the same app {baseline:.1f} ms")
    print(f"timeline SVG: {len(rows)} uses -> {len(svg) // 1024} KiB; median of 20 {render:.1f} ms (target < 100 ms); "
          f"GET /timeline.svg ({len(impacts)} impacts, {svg_size // 1024} KiB) median of 20 {full:.0f} ms; "
          f"GET /api/sources {baseline:.1f} ms")
    await daemon.client.aclose()
    daemon.poller.close()
    daemon.db_executor.shutdown()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as directory:
        asyncio.run(measure(seed(Path(directory)), Path(directory)))
