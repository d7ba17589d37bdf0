"""`xai-retirements`: xAI's model retirement migration guides ("Grok Model Retirement on May 15, 2026").

The guide says it in prose: "**Effective May 15, 2026 at 12:00 PM PT**, the following models will be
retired from the xAI API:" and a list of ids; then a table ("Model being retired | Redirect target
after May 15") gives each model its own successor, written as "`grok-4.3` with `low` reasoning effort".
The prose is read by the generic prose reader (it gives the models and the day); the table by header
meaning (a model column, a redirect/replacement column) and merged in: the prose gives the date, the
table the per-model replacement. What is xAI's own:

- the time and zone of the cut-over ("12:00 PM PT") stay beside the calendar day, in `extra`;
- after the day, requests to a retired slug are *redirected* and billed as the target, not refused:
  `extra["redirect_target"]` says to what, when the page's column says so;
- the guide's heading carries the retirement day, not an announcement day: no `published_at`.

A guide with no retirement notice at all is not what this connector reads: LayoutChanged. Markdown and
HTML pages read alike. Pure.
"""

from __future__ import annotations

import re
from datetime import datetime

from connectors import _prose_reader
from connectors._deprecation import deprecation, merge
from connectors._markdown import as_markdown
from connectors._models import is_model_id
from connectors._tables import Table, tables
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, ParseResult
from connectors.contract.protocols import NO_HINTS, Hints, PolledConnector, single_document

PLATFORM = "xai"

_TIME = re.compile(r"\bat (\d{1,2}(?::\d{2})?\s*[AaPp]\.?[Mm]\.?)\s*(?:\(?\b(PT|PST|PDT|UTC|GMT|ET|EST|EDT)\b\)?)?")
_TARGET = re.compile(r"\b(?:redirect\w*|target|replacement|recommended|successor|alternative|migrat\w*|route\w*)\b",
                     re.I)
_MODEL = re.compile(r"\bmodels?\b|\bslugs?\b|\bretir\w*", re.I)
_REDIRECT = re.compile(r"\b(?:redirect\w*|rout\w*|served by)\b", re.I)


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    text = as_markdown(body.decode("utf-8", errors="replace"))
    today = fetched_at.date() if fetched_at is not None else None
    found, _ = _prose_reader.notices(text, today)
    if not found:
        raise LayoutChanged("layout changed: no retirement notice ('the following models will be retired …') "
                            "on the xAI migration guide")
    targets = _targets(tables(text))
    named = [(model, notice) for _, notice in found for model in notice.models]
    main = next((n for _, n in found if n.deadline.date is not None), found[0][1])
    # a model only the table names retires on the guide's day
    named += [(model, main) for model in targets if model not in {m for m, _ in named}]
    drafts: list[EventDraft] = []
    for model, notice in named:
        over = notice.deadline.date is not None and today is not None and notice.deadline.date < today
        extra: dict[str, object] = {"notice": notice.sentence[:300], "source": "xai retirement guide"}
        if at := _TIME.search(notice.sentence):
            extra.update(deadline_time=at[1].upper().replace(".", ""), time_zone=at[2])
        written, ids, redirect = targets.get(model) or (", ".join(notice.replacements) or None, notice.replacements,
                                                      False)
        if redirect:
            extra["redirect_target"] = written
        drafts.append(deprecation(platform=PLATFORM, model=model, deadline=notice.deadline, url=url,
                                  replacement=written, replacement_ids=[i for i in ids if i != model],
                                  status="retired" if notice.past or over else "deprecated", extra=extra))
    return ParseResult(drafts=merge(drafts), items_seen=len(named), document="retirement-guide")


def _targets(found: list[Table]) -> dict[str, tuple[str, list[str], bool]]:
    """model -> (replacement as written, its ids, whether the column calls it a redirect)."""
    out: dict[str, tuple[str, list[str], bool]] = {}
    for table in found:
        target = next((i for i, h in enumerate(table.header) if _TARGET.search(h)), None)
        model = next((i for i, h in enumerate(table.header) if i != target and _MODEL.search(h)), None)
        if target is None or model is None:
            continue
        redirect = bool(_REDIRECT.search(table.header[target]))
        for row in table.rows:
            name = (row.code(model) or [row.cell(model)])[0].strip()
            if name and is_model_id(name):
                ids = [c for c in row.code(target) if is_model_id(c)]
                out.setdefault(name, (row.cell(target), ids, redirect))
    return out


CONNECTOR = PolledConnector(kind="xai-retirements", parse=parse, documents=single_document,
                            describes="xAI model retirement migration guide (.md variant or HTML)", lifecycle=True)
