"""Parse every recorded page N times with its connector, and every lifecycle page with the generic
readers too; print per-page parse time.

Targets: each page under 20 ms (median); every page once with its own connector under 100 ms in all.
Baseline in the same run: reading the page's tables only (connectors._tables / json.loads), to show
what the readers add on top.

    python bench/parse_pages.py [--runs 100]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connectors import POLLED  # noqa: E402
from connectors._tables import tables  # noqa: E402
from connectors.contract.errors import SourceError  # noqa: E402
from connectors.contract.protocols import Hints  # noqa: E402

GENERIC = ("lifecycle-table", "lifecycle-prose")
NOT_PAGES = {"SOURCES.md"}


def pages() -> list[tuple[str, Path]]:
    """Every recorded page of every polled connector (tests/fixtures/<kind>/), and the generic readers
    on every page of a lifecycle connector (what a user gets pointing them at that provider's page)."""
    found: list[tuple[str, Path]] = []
    for folder in sorted((ROOT / "tests/fixtures").iterdir()):
        if folder.name not in POLLED or not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name not in NOT_PAGES):
            found.append((folder.name, path))
            if folder.name not in GENERIC and path.suffix in (".md", ".html", ".htm"):
                found += [(kind, path) for kind in GENERIC]
    return found


def timed(function, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def attempt(parse, body: bytes, now: datetime) -> object:
    """A page a generic reader finds no table in raises layout_changed: timed all the same."""
    try:
        return parse(body, url="https://example.test/", fetched_at=now, hints=Hints(provider="bench"))
    except SourceError as exc:
        return exc


def main(runs: int) -> int:
    now = datetime.now(UTC)
    print(f"{'reader and page':70} {'KiB':>5} {'events':>6} {'median ms':>9} {'p95 ms':>7} {'baseline ms':>11}")
    worst, total, total_baseline, own_total = 0.0, 0.0, 0.0, 0.0
    for kind, path in pages():
        body = path.read_bytes()
        parse = POLLED[kind].parse
        result = attempt(parse, body, now)
        events = "error" if isinstance(result, SourceError) else str(len(result.drafts))  # type: ignore[attr-defined]
        samples = timed(partial(attempt, parse, body, now), runs)
        text = body.decode("utf-8", errors="replace")
        baseline = timed(partial(json.loads, body) if path.suffix == ".json" else partial(tables, text), runs)
        median, p95 = statistics.median(samples), sorted(samples)[int(runs * 0.95) - 1]
        worst = max(worst, median)
        total += median
        own_total += median if kind == path.parent.name else 0.0
        total_baseline += statistics.median(baseline)
        label = f"{kind} {path.parent.name}/{path.name}"[:70]
        print(f"{label:70} {len(body) / 1024:5.0f} {events:>6} {median:9.2f} {p95:7.2f} "
              f"{statistics.median(baseline):11.2f}")
    print(f"slowest page: {worst:.2f} ms median (target: every page under 20 ms)")
    print(f"every page once with its own connector: {own_total:.1f} ms (target: under 100 ms); with the generic "
          f"readers on every lifecycle page too: {total:.1f} ms; the bare table/JSON read of the same pages: "
          f"{total_baseline:.1f} ms ({total / max(total_baseline, 0.001):.1f}x)")
    return 0 if worst < 20 and own_total < 100 else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=100)
    raise SystemExit(main(parser.parse_args().runs))
