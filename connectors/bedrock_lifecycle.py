"""Amazon Bedrock model lifecycle: Legacy / public extended access / EOL dates per model and region.

Two layouts: the documentation's Markdown export (one bullet block per model; several region
groups may each have their own dates) and the HTML page's tables (Active, Legacy and EOL versions in
its older layout, one Legacy-and-EOL table in the newer one). An Active model's "No sooner than
<date>" is its guaranteed floor: a `lifecycle` event, dropped when the page also lists the model as
Legacy. A model that leaves the page has
not been un-deprecated: events for it stay as they were (the poller never closes deprecations).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connectors._deprecation import deprecation, lifecycle, merge, replacement_models, replacement_text
from connectors._tables import Table, tables
from connectors.contract.dates import Deadline, first_dated, parse_deadline
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, ParseResult
from connectors.contract.protocols import NO_HINTS, Hints, PolledConnector, single_document

PLATFORM = "bedrock"
_REGION = re.compile(r"\b[a-z]{2}(?:-gov)?-[a-z]+-\d\b")
_FIELD = re.compile(r"\*\*\s*([^*:]+?)\s*:\s*\*\*\s*([^/]*?)\s*(?=/\s*\*\*|$)")


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    text = body.decode("utf-8", errors="replace")
    found = tables(text)
    if any(t.column("eol") is not None for t in found):
        return _from_tables(found, url)
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


def _from_tables(found: list[Table], url: str) -> ParseResult:
    """The HTML page's tables: an Active table whose rows may carry a "No sooner than" floor (in the
    older layout the cell has no header of its own), and Legacy / EOL tables. The older Legacy and EOL
    tables name a model by its display name only; the Active table on the same page gives its id."""
    ids = _ids_by_name(found)
    drafts: list[EventDraft] = []
    rows = 0
    for table in found:
        if table.column("eol") is None:
            if _exact(table, "model id") is not None:
                rows += len(table.rows)
                drafts += _floors(table, url)
            continue
        headers = [h.lower() for h in table.header]
        # "Recommended model ID" also contains "model id": look for the exact headers first.
        id_col = next((headers.index(h) for h in ("model id", "model version", "model name") if h in headers), 0)
        regions_col, eol_col, legacy_col = table.column("regions"), table.column("eol"), table.column("legacy")
        status = _status(table)
        for row in table.rows:
            rows += 1
            named = (row.code(id_col) or [row.cell(id_col)])[0]
            model = named if _is_id(named) else ids.get(_name_key(named), named)
            replacement = replacement_text(row.cell(table.column("recommended model id", "replacement")))
            regions = [r.strip() for r in row.cell(regions_col).split(",") if r.strip()] if regions_col is not None \
                else _REGION.findall(f"{row.cell(legacy_col)} {row.cell(eol_col)}")
            drafts.append(deprecation(
                platform=PLATFORM, model=model, deadline=parse_deadline(row.cell(eol_col)), url=url,
                replacement=replacement, replacement_ids=replacement_models(replacement), status=status,
                regions=regions, title=f"{model} ({named}) end of life" if model != named else None,
                extra={"legacy": parse_deadline(row.cell(legacy_col)).iso, "model_name": named,
                       "extended_access": parse_deadline(row.cell(table.column("extended access"))).iso,
                       "table": table.heading},
            ))
    return ParseResult(drafts=merge(drafts), items_seen=rows, document="model-lifecycle")


def _status(table: Table) -> str:
    """"Legacy versions" and "Legacy and end-of-life (EOL) models" list models still answering;
    "End-of-Life (EOL) versions" lists models gone."""
    heading = table.heading.lower()
    return "retired" if "legacy" not in heading and re.search(r"\b(?:eol|end-of-life)\b", heading) else "legacy"


def _name_key(name: str) -> str:
    """A display name as the page's tables may vary it: "Claude Opus 4.0" and "Claude Opus 4" alike."""
    return re.sub(r"(\d)\.0\b", r"\1", " ".join(name.lower().split()))


def _ids_by_name(found: list[Table]) -> dict[str, str]:
    names: dict[str, str] = {}
    for table in found:
        name_col, id_col = table.column("model name"), _exact(table, "model id")
        if name_col is None or id_col is None:
            continue
        for row in table.rows:
            if _is_id(row.cell(id_col)):
                names.setdefault(_name_key(row.cell(name_col)), row.cell(id_col))
    return names


def _is_id(cell: str) -> bool:
    """What a "Model ID" cell holds when it names a model: "stability.sd3-large-v1:0", not "—"."""
    return bool(re.fullmatch(r"[a-z0-9][a-z0-9._:-]*[a-z0-9]", cell.strip()))


def _exact(table: Table, header: str) -> int | None:
    lowered = [h.strip().lower() for h in table.header]
    return lowered.index(header) if header in lowered else None


def _floors(table: Table, url: str) -> list[EventDraft]:
    """A live model's "No sooner than <date>", wherever in its row the page put it."""
    id_col = _exact(table, "model id")
    if id_col is None:
        return []
    drafts = []
    for row in table.rows:
        model = row.cell(id_col)
        floor = next((d for d in map(parse_deadline, row.cells) if d.earliest and d.date is not None), None)
        if floor is not None and _is_id(model):
            drafts.append(lifecycle(platform=PLATFORM, model=model, deadline=floor, url=url,
                                    extra={"model_name": row.cell(table.column("model name")) or None,
                                           "regions": row.cell(table.column("regions")).split(),
                                           "table": table.heading}))
    return drafts


CONNECTOR = PolledConnector(kind="bedrock-lifecycle", parse=parse, documents=single_document,
                            describes="Amazon Bedrock model lifecycle page", lifecycle=True)
