"""Azure OpenAI model retirements: the retirement tables (Markdown source or the Learn page) and
the `GET /openai/models` JSON with `lifecycle_status` and Unix `deprecation` times.

Events are keyed on model and version ("gpt-4o:2024-11-20"): Azure retires versions, and a
deployment names its model and version.

"No earlier than <date>" with no replacement is a live model's floor (a `lifecycle` event, status
`active`, the table's Preview / Generally Available kept as `lifecycle_status`), until a Preview
model passes that day: then it may go any day and is a deprecation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from connectors._deprecation import (
    deprecation,
    is_lifecycle_only,
    merge,
    replacement_models,
    replacement_text,
    require_tables,
)
from connectors._deprecation import (
    lifecycle as lifecycle_floor,
)
from connectors._json import load
from connectors._shapes import mapping
from connectors._tables import tables
from connectors.contract.dates import Deadline, parse_deadline
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, ParseResult
from connectors.contract.protocols import NO_HINTS, Hints, PolledConnector, single_document

PLATFORM = "azure-openai"


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    text = body.decode("utf-8", errors="replace")
    if text.lstrip().startswith("{"):
        return _models_json(text, url)
    drafts: list[EventDraft] = []
    rows = 0
    for table in require_tables(tables(text), "retirement date", "Azure OpenAI model retirements"):
        model_col, version_col = table.column("model name", "model"), table.column("version")
        date_col = table.column("deployment retirement", "retirement date")
        if table.column("lifecycle") is None:
            continue  # fine-tuning table: "at base model retirement", no dates of its own
        for row in table.rows:
            rows += 1
            model = (row.code(model_col) or [row.cell(model_col)])[0]
            version = row.cell(version_col)
            lifecycle = row.cell(table.column("lifecycle")).lower()
            deadline = parse_deadline(row.cell(date_col))
            replacement = replacement_text(row.cell(table.column("replacement")))
            facts = {"model": model, "version": version, "lifecycle_status": lifecycle}
            if is_lifecycle_only(deadline, replacement, lifecycle) and not _preview_past_floor(
                    lifecycle, deadline, fetched_at):
                if deadline.date:
                    drafts.append(lifecycle_floor(platform=PLATFORM, model=f"{model}:{version}", deadline=deadline,
                                                  url=url, extra=facts))
                continue
            drafts.append(deprecation(
                platform=PLATFORM, model=f"{model}:{version}", models=[model], deadline=deadline, url=url,
                replacement=replacement,
                replacement_ids=replacement_models(replacement, row.code(table.column("replacement"))),
                extra={**facts, "no_new_customers": parse_deadline(row.cell(table.column("no new customers"))).iso},
            ))
    return ParseResult(drafts=merge(drafts), items_seen=rows, document="model-retirements")


def _preview_past_floor(lifecycle: str, deadline: Deadline, fetched_at: datetime | None) -> bool:
    """A Preview model whose "No earlier than" day has passed can be retired any day now: it is a
    deprecation (still dated by its floor), no longer a live model's guarantee. A Generally Available
    model past its floor keeps its lifecycle reading until Azure sets a date."""
    return (lifecycle == "preview" and deadline.earliest and deadline.date is not None and fetched_at is not None
            and fetched_at.date() > deadline.date)


def _models_json(text: str, url: str) -> ParseResult:
    doc = load(text)
    items: Any = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise LayoutChanged("layout changed: no 'data' list of models in the /openai/models answer")
    drafts = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"].strip():
            raise LayoutChanged("layout changed: a model without 'id'")
        retire = mapping(item.get("deprecation"))
        if not retire.get("inference"):
            continue
        fine_tune = parse_deadline(retire["fine_tune"]).iso if retire.get("fine_tune") else None
        drafts.append(deprecation(
            platform=PLATFORM, model=str(item["id"]), deadline=parse_deadline(retire["inference"]), url=url,
            extra={"lifecycle_status": item.get("lifecycle_status"),
                   "fine_tune_retirement": fine_tune},
        ))
    return ParseResult(drafts=drafts, items_seen=len(items), document="models")


CONNECTOR = PolledConnector(kind="azure-openai-retirements", parse=parse, documents=single_document,
                            describes="Azure OpenAI model retirement tables, or the /openai/models JSON",
                            lifecycle=True)
