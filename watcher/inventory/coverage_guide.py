"""Where each platform announces things, and how to subscribe: the data behind `watcher coverage`.

One row per (platform, surface): the connector kind that reads it (None where only a person can
subscribe, e.g. account e-mails), the URL to give it, and what to do. The rows are data, shipped as
`watcher/inventory/data/coverage_guide.json`: a polled surface names the `[[sources]]` entry to add
(`source`, the name to give it, and `then`, what follows on that line); any other surface says in
words what to do (`how_to`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

DATA = Path(__file__).with_name("data") / "coverage_guide.json"


class Surface(NamedTuple):
    surface: str  # status page | deprecation page | changelog | webhooks | account notices
    kind: str | None  # the [[sources]] or [[webhooks]] kind that covers it
    url: str | None
    how_to: str


def _source(kind: str, url: str, name: str) -> str:
    return f'add [[sources]] name = "{name}", kind = "{kind}", url = "{url}"'


def _surface(row: dict[str, Any]) -> Surface:
    polled = "source" in row
    how_to = _source(row["kind"], row["url"], row["source"]) + row.get("then", "") if polled else row["how_to"]
    return Surface(row["surface"], row["kind"], row["url"], how_to)


def load(path: Path = DATA) -> dict[str, list[Surface]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {platform: [_surface(row) for row in rows] for platform, rows in data.items()}


GUIDE: dict[str, list[Surface]] = load()
