"""Parse every deprecation-page and changelog fixture N times; print per-page parse time.

Target (issue #3): each page under 20 ms on this machine. Baseline in the same run: reading the
page's tables only (connectors._tables / json.loads), to show what the connector adds on top.

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

PAGES = [
    ("openai-deprecations", "openai-deprecations/deprecations_page_md.md"),
    ("anthropic-deprecations", "anthropic-deprecations/model_deprecations_md.md"),
    ("gemini-deprecations", "gemini-deprecations/deprecations_article_body.html"),
    ("vertex-model-versions", "vertex-model-versions/model_versions_md.md"),
    ("azure-openai-retirements", "azure-openai-retirements/retirement_tables_md.md"),
    ("azure-openai-retirements", "azure-openai-retirements/openai_models_json_lifecycle.json"),
    ("bedrock-lifecycle", "bedrock-lifecycle/model_lifecycle_bullets_md.md"),
    ("groq-deprecations", "groq-deprecations/deprecations_md.md"),
    ("litellm-model-map", "litellm-model-map/deprecation_dates_scoped.json"),
    ("openai-changelog", "openai-changelog/changelog_md_duplicate_days.md"),
    ("feed", "feed/anthropic_release_notes_changelog.xml"),
]


def timed(function, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main(runs: int) -> int:
    now = datetime.now(UTC)
    print(f"{'page':58} {'KiB':>5} {'events':>6} {'median ms':>9} {'p95 ms':>7} {'baseline ms':>11}")
    worst = 0.0
    for kind, relative in PAGES:
        body = (ROOT / "tests/fixtures" / relative).read_bytes()
        parse = POLLED[kind].parse
        events = len(parse(body, url="https://example.test/", fetched_at=now).drafts)
        samples = timed(partial(parse, body, url="https://example.test/", fetched_at=now), runs)
        text = body.decode("utf-8", errors="replace")
        baseline = timed(partial(json.loads, body) if relative.endswith(".json") else partial(tables, text), runs)
        median, p95 = statistics.median(samples), sorted(samples)[int(runs * 0.95) - 1]
        worst = max(worst, median)
        print(f"{kind + ' ' + relative.split('/')[-1]:58} {len(body) / 1024:5.0f} {events:6} {median:9.2f} "
              f"{p95:7.2f} {statistics.median(baseline):11.2f}")
    print(f"slowest page: {worst:.2f} ms median (target: every page under 20 ms)")
    return 0 if worst < 20 else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=100)
    raise SystemExit(main(parser.parse_args().runs))
