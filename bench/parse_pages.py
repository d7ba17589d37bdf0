"""Parse every recorded page N times with its connector, and every lifecycle page with the generic
readers too; print per-page parse time.

Targets: each page under 20 ms (median); every page once with its own connector under 100 ms in all.
Baseline in the same run, timed in turn with the parse: the bare read of the page (decoding it and
reading its tables with connectors._tables; json.loads for JSON, feedparser for a feed), to show what
the readers add on top.

The summary gives three totals against that baseline: the slowest page; every page once with its own
connector; and the newest capture of each kind only (one page per connector kind: what a deployment
polls today, where older captures of the same page are kept as test cases).

    python bench/parse_pages.py [--runs 100]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import feedparser

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connectors import POLLED  # noqa: E402
from connectors._tables import tables  # noqa: E402
from connectors.contract.errors import SourceError  # noqa: E402
from connectors.contract.protocols import Hints  # noqa: E402

GENERIC = ("lifecycle-table", "lifecycle-prose")
FEEDS = (".xml", ".atom", ".rss")
NOT_PAGES = {"SOURCES.md"}
# The newest capture of the kinds that have several (tests/fixtures/SOURCES.md): by the capture date
# where the capture names one, else by the latest dates the page lists. A kind's main page where its
# captures are of several pages (Cohere's deprecations page, not its models page). A kind with several
# captures and none named here stops the bench: name its newest.
NEWEST = {
    "anthropic-deprecations": "peer_model_deprecations_md.md",
    "azure-ai-foundry-lifecycle": "model_lifecycle_retirement_2026-02.md",
    "azure-openai-retirements": "retirement_tables_md.md",
    "bedrock-lifecycle": "model_lifecycle_table_md.md",
    "cohere-deprecations": "deprecation_history_md.md",
    "feed": "xai_guid_reused_across_components.xml",  # 2026-10-07
    "gemini-deprecations": "deprecations_article_body.html",
    "groq-deprecations": "deprecations_md.md",  # the complete capture is of an older state
    "lifecycle-table": "baseten_deprecation_none_planned_md.md",
    "minimax-models": "minimax__releases.md",
    "openai-deprecations": "peer_deprecations_complete_md.md",
    "status": "betterstack_together_index_maintenance_trimmed.json",
    "statuspage": "anthropic_summary_incident_monitoring.json",  # 2026-10-07
    "together-deprecations": "deprecations_redirects_2026_trimmed.md",
    "vertex-model-versions": "model_versions_md.md",
    "zai-releases": "z-ai__releases.md",
}


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


def newest(found: list[tuple[str, Path]]) -> set[Path]:
    """One page per kind: its only capture, else the one NEWEST names."""
    captures: dict[str, list[Path]] = {}
    for kind, path in found:
        if kind == path.parent.name:
            captures.setdefault(kind, []).append(path)
    chosen = set()
    for kind, paths in captures.items():
        if len(paths) == 1:
            chosen.add(paths[0])
            continue
        named = [p for p in paths if p.name == NEWEST.get(kind)]
        if not named:
            raise SystemExit(f"{kind} has {len(paths)} captures: name its newest in NEWEST (bench/parse_pages.py)")
        chosen.add(named[0])
    return chosen


def attempt(parse: Callable[..., object], body: bytes, now: datetime) -> object:
    """A page a generic reader finds no table in raises layout_changed: timed all the same."""
    try:
        return parse(body, url="https://example.test/", fetched_at=now, hints=Hints(provider="bench"))
    except SourceError as exc:
        return exc


def bare_read(path: Path, body: bytes) -> object:
    """The baseline: the page decoded and its tables read (a JSON document: json.loads; a feed:
    feedparser, which the feed connector reads through)."""
    if path.suffix == ".json":
        return json.loads(body)
    if path.suffix in FEEDS:
        return feedparser.parse(body)
    return tables(body.decode("utf-8", errors="replace"))


def timed(functions: tuple[Callable[[], object], ...], runs: int) -> list[list[float]]:
    """Milliseconds per run of each function, the functions taking turns (so that both see the same
    machine: it is shared)."""
    samples: list[list[float]] = [[] for _ in functions]
    gc.collect()
    for _ in range(runs):
        for function, kept in zip(functions, samples, strict=True):
            started = time.perf_counter()
            function()
            kept.append((time.perf_counter() - started) * 1000)
    return samples


def main(runs: int) -> int:
    now = datetime.now(UTC)
    found = pages()
    current = newest(found)
    print(f"{'reader and page':70} {'KiB':>5} {'events':>6} {'median ms':>9} {'p95 ms':>7} {'baseline ms':>11}")
    worst = (0.0, 0.0, "")
    totals = {"all": [0.0, 0.0], "own": [0.0, 0.0], "newest": [0.0, 0.0]}
    for kind, path in found:
        body = path.read_bytes()
        parse = POLLED[kind].parse
        result = attempt(parse, body, now)
        events = "error" if isinstance(result, SourceError) else str(len(result.drafts))  # type: ignore[attr-defined]
        samples, bare = timed((partial(attempt, parse, body, now), partial(bare_read, path, body)), runs)
        median, baseline = statistics.median(samples), statistics.median(bare)
        p95 = sorted(samples)[int(runs * 0.95) - 1]
        label = f"{kind} {path.parent.name}/{path.name}"[:70]
        worst = max(worst, (median, baseline, label))
        own = kind == path.parent.name
        for name, counted in (("all", True), ("own", own), ("newest", own and path in current)):
            if counted:
                totals[name][0] += median
                totals[name][1] += baseline
        print(f"{label:70} {len(body) / 1024:5.0f} {events:>6} {median:9.2f} {p95:7.2f} {baseline:11.2f}")

    def versus(name: str) -> str:
        parsed, bare = totals[name]
        return f"{parsed:.1f} ms; the bare read of the same pages: {bare:.1f} ms ({parsed / max(bare, 0.001):.1f}x)"

    print(f"slowest page: {worst[0]:.2f} ms median ({worst[2].strip()}); its bare read: {worst[1]:.2f} ms "
          f"(target: every page under 20 ms)")
    print(f"every page once with its own connector: {versus('own')} (target: under 100 ms)")
    print(f"the newest capture of each kind ({len(current)} pages, one per connector kind): {versus('newest')}")
    print(f"with the generic readers on every lifecycle page too: {versus('all')}")
    return 0 if worst[0] < 20 and totals["own"][0] < 100 else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=100)
    raise SystemExit(main(parser.parse_args().runs))
