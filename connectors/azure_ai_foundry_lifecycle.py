"""`azure-ai-foundry-lifecycle`: "Model deprecation and retirement for (Azure AI | Microsoft) Foundry Models"
on Microsoft Learn (`/azure/ai-foundry/concepts/model-lifecycle-retirement`), HTML or its Markdown source.

One table per model provider (AI21 Labs, Cohere, Meta, Microsoft, Mistral AI…), under "Timelines",
"Upcoming retirements" or "Retired Foundry Models": Model | Legacy date | Deprecation date |
Retirement date | Suggested replacement model. The page's legend: a *legacy* model still takes new
deployments, a *deprecated* one takes none but existing deployments answer until the *retirement*
date, when they start returning errors. So the deadline is the retirement date; the legacy and
deprecation dates are kept in `extra` and the stage reached at `fetched_at` in `extra["stage"]`.
Tables about Azure OpenAI models (older versions of the page carried them) belong to the
`azure-openai` platform and its own connector, and are skipped.

Ids: events are keyed on the Foundry model id, the name a deployment uses. Most rows write it
("Cohere-rerank-v3-english", "Phi-3.5-MoE-instruct"). Some write a display name ("Command R",
"Jamba Instruct"): its id is the one in the model catalog link the page gives for it
(`ai.azure.com/explore/models/Cohere-command-r/…`, `aka.ms/azureai/landing/…`), wherever on the page
that name is linked; without a link, the page's own naming rule: the provider prefix its other ids
in the table use ("Cohere-", "AI21-"), then the name's words lower-cased and joined by hyphens, "+"
spelled "plus" — the rule the page's linked pairs show ("Cohere Command R+ 08-2024" links
`Cohere-command-r-plus-08-2024`). The display name and how the id was found stay in `extra`. Pure.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime

from connectors import _table_reader
from connectors._deprecation import deprecation, merge, replacement_text
from connectors._markdown import as_markdown
from connectors._tables import Table, plain, tables
from connectors.contract.dates import Deadline, normalize_text, parse_deadline
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, ParseResult
from connectors.contract.protocols import NO_HINTS, Hints, PolledConnector, single_document

PLATFORM = "azure-ai"

_LINK = re.compile(r"\[([^\]]+)\]\((https?://(?:ai\.azure\.com|aka\.ms)/[^)\s]+)\)")
_CATALOG_ID = re.compile(r"/(?:models|landing)/([A-Za-z0-9][A-Za-z0-9._-]*)", re.I)
_ID_SHAPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]")
_OPENAI = re.compile(r"\bopenai\b", re.I)
_RETIRED_SECTION = re.compile(r"\bretired\b", re.I)
_LEGACY = re.compile(r"\blegacy\b", re.I)
_DEPRECATION = re.compile(r"\bdeprecat\w*\b", re.I)


def _catalog_links(text: str) -> dict[str, str]:
    """Display text -> model id, from every model catalog link on the page."""
    found: dict[str, str] = {}
    for label, href in _LINK.findall(text):
        if match := _CATALOG_ID.search(href):
            found.setdefault(normalize_text(plain(label)), match[1])
    return found


def _slug(name: str) -> str:
    words = re.sub(r"\+", " plus ", name.lower()).replace("(", " ").replace(")", " ")
    return "-".join(w for w in re.split(r"[^a-z0-9.]+", words) if w)


def _prefix(table: Table, replacement_col: int | None, names: list[str], links: dict[str, str]) -> str:
    """The provider prefix the table's ids share ("Cohere", "AI21"); else the heading's first word."""
    ids = [n for n in names if " " not in n and "-" in n] + [links[n] for n in names if n in links]
    if replacement_col is not None:
        ids += [i for row in table.rows for i in _replacement_ids(row.cell(replacement_col), links)]
    common = Counter(i.split("-")[0] for i in ids).most_common(1)
    return common[0][0] if common else (table.heading.split() or ["model"])[0]


def _resolve(name: str, links: dict[str, str], prefix: str) -> tuple[str, str]:
    """(model id, how it was found) for a Model cell."""
    linked = links.get(name)
    if _ID_SHAPE.fullmatch(name) and (linked is None or linked.lower() == name.lower()):
        return name, "page"
    if linked is not None:
        return linked, "model catalog link"
    slug = _slug(name)
    if slug.startswith(prefix.lower() + "-"):
        slug = slug[len(prefix) + 1:]
    return f"{prefix}-{slug}", "provider prefix + name (the page's naming rule)"


def _replacement_ids(cell: str, links: dict[str, str]) -> list[str]:
    """The linked models a replacement cell names, in order; a longer name wins over one it contains
    ("Cohere Command R 08-2024" over "Command R", "Phi-4-mini-instruct" over "Phi-4")."""
    spans: list[tuple[int, int, str]] = []
    for label in sorted(links, key=len, reverse=True):
        if label not in cell:
            continue  # no need to build the pattern of a name the cell does not hold
        for hit in re.finditer(rf"(?<![\w.+-]){re.escape(label)}(?![\w+-]|\.\w)", cell):
            if all(hit.end() <= start or hit.start() >= end for start, end, _ in spans):
                spans.append((hit.start(), hit.end(), label))
    return list(dict.fromkeys(_resolve(label, links, "")[0] for _, _, label in sorted(spans)))


def _stage(fetched_at: datetime | None, legacy: Deadline, deprecated: Deadline, retired: Deadline) -> str | None:
    if fetched_at is None:
        return None
    today = fetched_at.date()
    for stage, day in (("retired", retired), ("deprecated", deprecated), ("legacy", legacy)):
        if day.date is not None and day.date <= today:
            return stage
    return "generally available"


def _table_drafts(table: Table, links: dict[str, str], url: str,
                  fetched_at: datetime | None) -> tuple[list[EventDraft], int]:
    cols = _table_reader.columns(table)
    if cols is None or _OPENAI.search(" ".join(table.headings)):
        return [], -1
    legacy_col = next((i for i, h in enumerate(table.header) if _LEGACY.search(h)), None)
    deprecation_col = next((i for i, h in enumerate(table.header) if _DEPRECATION.search(h) and i != cols.end), None)
    names = [row.cell(cols.model).strip() for row in table.rows]
    prefix = _prefix(table, cols.replacement, names, links)
    in_retired_section = bool(_RETIRED_SECTION.search(" ".join(table.headings)))
    drafts = []
    for row, name in zip(table.rows, names, strict=True):
        if not name or row.divider is not None:
            continue
        model, how = _resolve(name, links, prefix)
        none = Deadline(None, None, False, "")
        retired = parse_deadline(row.cell(cols.end)) if cols.end is not None else none
        deprecated = parse_deadline(row.cell(deprecation_col)) if deprecation_col is not None else none
        legacy = parse_deadline(row.cell(legacy_col)) if legacy_col is not None else none
        deadline = retired if retired.date is not None else deprecated
        stage = "retired" if in_retired_section else _stage(fetched_at, legacy, deprecated, retired)
        replacement = replacement_text(row.cell(cols.replacement)) if cols.replacement is not None else None
        drafts.append(deprecation(
            platform=PLATFORM, model=model, deadline=deadline, url=url, replacement=replacement,
            replacement_ids=_replacement_ids(row.cell(cols.replacement), links) if replacement else [],
            status="retired" if stage == "retired" else "deprecated",
            extra={"display_name": name if name != model else None, "id_from": how, "provider_table": table.heading,
                   "legacy_on": legacy.iso, "deprecated_on": deprecated.iso, "stage": stage,
                   "table": " › ".join(table.headings) or None},
        ))
    return drafts, len(drafts)


def parse(body: bytes, *, url: str, fetched_at: datetime | None = None, hints: Hints = NO_HINTS) -> ParseResult:
    text = as_markdown(body.decode("utf-8", errors="replace"))
    links = _catalog_links(text)
    drafts: list[EventDraft] = []
    rows = 0
    qualifying = 0
    for table in tables(text):
        found, seen = _table_drafts(table, links, url, fetched_at)
        if seen < 0:
            continue
        qualifying += 1
        drafts += found
        rows += seen
    if not qualifying:
        raise LayoutChanged("layout changed: no provider table with a Model column and a Retirement (or Deprecation) "
                            "date column on the Foundry Models deprecation page")
    return ParseResult(drafts=merge(drafts), items_seen=rows, document="model-lifecycle-retirement")


CONNECTOR = PolledConnector(kind="azure-ai-foundry-lifecycle", parse=parse, documents=single_document,
                            describes="Azure AI Foundry Models deprecation and retirement tables (Microsoft Learn)",
                            lifecycle=True)
