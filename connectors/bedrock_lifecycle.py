"""Amazon Bedrock model lifecycle: Legacy / public extended access / EOL dates per model and region.

Two layouts: the documentation's Markdown export (one bullet block per model; several region
groups may each have their own dates) and the HTML page's table. A model that leaves the page has
not been un-deprecated: events for it stay as they were (the poller never closes deprecations).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connectors._deprecation import deprecation, merge, replacement_text
from connectors._tables import tables
from watcher.errors import LayoutChanged
from watcher.events.dates import Deadline, first_dated, parse_deadline
from watcher.events.model import EventDraft, ParseResult
from watcher.ingest.connector import PolledConnector, single_document

PLATFORM = "bedrock"
_FIELD = re.compile(r"\*\*\s*([^*:]+?)\s*:\s*\*\*\s*([^/]*?)\s*(?=/\s*\*\*|$)")


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None) -> ParseResult:
    text = body.decode("utf-8", errors="replace")
    by_table = [t for t in tables(text) if t.column("eol") is not None]
    if by_table:
        return _from_tables(by_table, url)
    blocks = _bullet_blocks(text)
    if not blocks:
        raise LayoutChanged("layout changed: no 'Model ID' entries and no table with an 'EOL date' column "
                            "on the Bedrock model lifecycle page")
    drafts = [_draft(block, url) for block in blocks]
    return ParseResult(drafts=merge(drafts), items_seen=len(blocks), document="model-lifecycle")


@dataclass
class _Block:
    """One `- **Provider**` bullet: its fields (`provider` from the bullet, `model id`, `model name`, and the
    dates when the model has no region groups) and its `**Regions:**` groups, each a dict of fields."""

    fields: dict[str, str]
    groups: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _RegionDates:
    regions: list[str]
    legacy: str | None
    extended_access: str | None
    eol: Deadline

    def to_json(self) -> dict[str, Any]:
        return {"regions": self.regions, "legacy": self.legacy, "extended_access": self.extended_access,
                "eol": self.eol.iso}


def _bullet_blocks(text: str) -> list[_Block]:
    """`- **Provider**` blocks with `**Model ID:**`, and one or more `**Regions:**` groups."""
    blocks: list[_Block] = []
    current: _Block | None = None
    for line in text.splitlines():
        if re.match(r"^- \*\*[^*]+\*\*\s*$", line):
            current = _Block(fields={"provider": line.strip("-* ")})
            blocks.append(current)
            continue
        if current is None or not line.startswith("  -"):
            continue
        fields = {k.strip().lower(): v.strip() for k, v in _FIELD.findall(line)}
        if "regions" in fields:
            current.groups.append(fields)
        elif current.groups and not {"model id", "model name"} & fields.keys():
            current.groups[-1].update(fields)
        else:
            current.fields.update(fields)
    return [b for b in blocks if b.fields.get("model id")]


def _draft(block: _Block, url: str) -> EventDraft:
    groups = [
        _RegionDates(
            regions=[r.strip() for r in str(group.get("regions", "")).split(",") if r.strip()],
            legacy=parse_deadline(group.get("legacy date")).iso,
            extended_access=parse_deadline(group.get("public extended access start date")).iso,
            eol=parse_deadline(group.get("eol date")),
        )
        for group in block.groups or [block.fields]
    ]
    # Several region groups may retire on different days: the first one is the deadline.
    first = first_dated(g.eol for g in groups) or parse_deadline(None)
    model, provider = block.fields["model id"], block.fields["provider"]
    return deprecation(
        platform=PLATFORM, model=model, deadline=first, url=url,
        regions=[r for g in groups for r in g.regions],
        title=f"{model} ({block.fields.get('model name') or provider}) end of life ({first.iso})",
        status="legacy",
        extra={"model_provider": provider, "model_name": block.fields.get("model name"),
               "region_dates": [g.to_json() for g in groups]},
    )


def _from_tables(found: list[Any], url: str) -> ParseResult:
    drafts = []
    rows = 0
    for table in found:
        headers = [h.lower() for h in table.header]
        # "Recommended model ID" also contains "model id": look for the exact headers first.
        id_col = next((headers.index(h) for h in ("model id", "model version", "model name") if h in headers), 0)
        regions_col = table.column("regions")
        for row in table.rows:
            rows += 1
            model = (row.code(id_col) or [row.cell(id_col)])[0]
            replacement = replacement_text(row.cell(table.column("recommended model id", "replacement")))
            drafts.append(deprecation(
                platform=PLATFORM, model=model, deadline=parse_deadline(row.cell(table.column("eol"))), url=url,
                replacement=replacement, replacement_ids=[replacement] if replacement else [], status="legacy",
                regions=[r.strip() for r in row.cell(regions_col).split(",") if r.strip()],
                extra={"legacy": parse_deadline(row.cell(table.column("legacy"))).iso,
                       "extended_access": parse_deadline(row.cell(table.column("extended access"))).iso},
            ))
    return ParseResult(drafts=merge(drafts), items_seen=rows, document="model-lifecycle")


CONNECTOR = PolledConnector(kind="bedrock-lifecycle", parse=parse, documents=single_document,
                            describes="Amazon Bedrock model lifecycle page")
