"""Matching and scanning at scale.

- 10,000 inventory entries x 1,000 events built from the real deprecation fixtures (varied: ids
  suffixed to reach 1,000), matched with watcher.inventory.matching.match. Target: under 1 s.
  Baseline in the same run: one dict lookup per (event id, entry) pair — the floor of any index.
- `watcher inventory scan` over a generated 10,000-file tree. Target: under 10 s.
  Baseline in the same run: reading the same files without looking at them.

    python bench/matching.py
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.parse_pages import pages as parsed_pages  # noqa: E402
from connectors import POLLED  # noqa: E402
from connectors.contract.errors import SourceError  # noqa: E402
from watcher.inventory.catalog import shipped  # noqa: E402
from watcher.inventory.matching import match  # noqa: E402
from watcher.inventory.scan import scan, scanned_files  # noqa: E402
from watcher.inventory.uses import Use  # noqa: E402

# The deprecation pages of bench/parse_pages.py, each read by its own connector (not the generic readers'
# second reading, the JSON model list, the changelogs or the status pages).
_NOT_DEPRECATION_PAGES = ("openai-changelog", "feed", "statuspage", "status", "google-cloud-status",
                          "aws-health-public", "lifecycle-table", "lifecycle-prose")
PAGES = [(kind, path) for kind, path in parsed_pages()
         if kind == path.parent.name and kind not in _NOT_DEPRECATION_PAGES
         and path.name != "openai_models_json_lifecycle.json"]


def parsed(kind: str, path: Path, now: datetime) -> list:
    """The page's drafts; a page its connector refuses (a fixture kept to test the refusal) gives none."""
    try:
        return POLLED[kind].parse(path.read_bytes(), url="u", fetched_at=now).drafts
    except SourceError:
        return []


def events(count: int) -> list:
    now = datetime.now(UTC)
    real = [d for kind, path in PAGES for d in parsed(kind, path, now)]
    varied = list(real)
    n = 0
    while len(varied) < count:
        base = real[n % len(real)]
        n += 1
        copy = type(base)(**{**base.__dict__, "external_id": f"{base.external_id}-v{n}",
                             "models": [f"{m}-v{n}" for m in base.models]})
        varied.append(copy)
    return varied[:count]


def uses(events: list, count: int, rng: random.Random) -> list[Use]:
    entries = []
    for i in range(count):
        event = rng.choice(events)
        model = rng.choice([event.external_id, *event.models]) if rng.random() < 0.7 else f"unlisted-model-{i}"
        extra = {}
        if event.provider.startswith("azure") and event.extra.get("model"):
            model, extra = event.extra["model"], {"version": event.extra.get("version"), "deployment": f"dep-{i}"}
        entries.append(Use(service=f"svc-{i}", provider="p", platform=event.provider, model=model,
                           owner=f"team-{i % 40}", **extra))
    return entries


def tree(root: Path, files: int, rng: random.Random, ids: list[str]) -> None:
    kinds = [".py", ".ts", ".go", ".java", ".yaml", ".json", ".toml", ".tf"]
    for i in range(files):
        folder = root / f"pkg{i % 100}" / f"mod{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        suffix = kinds[i % len(kinds)]
        body = [f"# line {n} of ordinary code with a string 'value-{n}'" for n in range(40)]
        if i % 5 == 0:
            body[10] = f'model = "{rng.choice(ids)}"'
        if suffix == ".json":
            body = [f'{{"settings": {{"model": "{rng.choice(ids)}", "n": {i}}}}}']
        (folder / f"file{i}{suffix}").write_text("\n".join(body) + "\n")
    vendored = root / "node_modules" / "lib"
    vendored.mkdir(parents=True)
    for i in range(500):
        (vendored / f"v{i}.js").write_text('module.exports = "gpt-4";\n')


def timed(function, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return samples


def main() -> int:
    rng = random.Random(7)
    catalog = shipped()
    evs = events(1000)
    entries = uses(evs, 10_000, rng)
    hits = match(evs, entries, catalog)
    matching = timed(lambda: match(evs, entries, catalog), 5)
    lookup = {(u.platform, u.model): u for u in entries}
    floor = timed(lambda: [lookup.get((e.provider, m)) for e in evs for m in (e.external_id, *e.models)
                           for _ in range(1)], 5)
    print(f"matching: {len(entries)} entries x {len(evs)} events -> {len(hits)} impacts; "
          f"median {statistics.median(matching) * 1000:.0f} ms (target < 1000 ms); "
          f"bare dict lookups {statistics.median(floor) * 1000:.1f} ms")

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ids = sorted({m for e in evs[:300] for m in e.models if m})
        tree(root, 10_000, rng, ids)
        files = sum(1 for _ in scanned_files([root]))
        read = timed(lambda: [p.read_bytes() for _, p in scanned_files([root])], 1)[0]
        started = time.perf_counter()
        found = scan([root], catalog)
        took = time.perf_counter() - started
        evidence = sum(len(f.evidence) for f in found)
        print(f"scan: {files} files ({sum(1 for _ in os.scandir(root))} top folders, 500 vendored files skipped) "
              f"-> {len(found)} distinct uses, {evidence} evidence lines; {took:.2f} s (target < 10 s); "
              f"reading the same files alone {read:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
