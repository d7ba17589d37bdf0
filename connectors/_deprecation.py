"""What every deprecation connector shares: one draft per (platform, model), the lifecycle rule,
replacement clean-up and the layout check."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from connectors._models import is_model_id
from connectors._tables import Row, Table
from connectors.contract.dates import Deadline, normalize_text
from connectors.contract.errors import LayoutChanged
from connectors.contract.events import EventDraft, Severity

_NO_REPLACEMENT = re.compile(r"^(?:|-+|n/?a|none|no replacement|tbd)\.?$", re.I)
_ALTERNATIVES = re.compile(r"\s*(?:,\s*(?:and|or)\s+|\s+or\s+|,\s*|\s+and\s+)\s*")
_DATED_HEADING = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*:")
_QUALIFIER = re.compile(r"\([^)]*\)")
_ID_TOKEN = re.compile(r"^(?=.*[a-z])(?=.*\d)[a-z0-9][a-z0-9._:@/-]*[a-z0-9]$")


def replacement_text(cell: str) -> str | None:
    text = normalize_text(cell)
    return None if _NO_REPLACEMENT.match(text) else text


def replacement_models(text: str | None, codes: Iterable[str] = ()) -> list[str]:
    """The ids a replacement cell names: its code spans that are ids (not "reasoning.mode: pro"), else
    its alternatives ("a or b", "a, b, and c", or ids side by side where a page lost its line breaks),
    without qualifiers in brackets ("(text-only workloads)") or footnote marks."""
    named = [c.strip().rstrip("*").strip() for c in codes if c and " " not in c.strip()]
    if named or not text:
        return list(dict.fromkeys(n for n in named if n))
    # "DeepSeek V3.1 (deepseek-ai/DeepSeek-V3.1)": an id in brackets after a display name is the id
    bracketed = [inner.strip() for inner in re.findall(r"\(([^()\s]+)\)", text)
                 if "/" in inner or is_model_id(inner.strip()) or _ID_TOKEN.match(inner.strip())]
    if bracketed:
        return list(dict.fromkeys(bracketed))
    found: list[str] = []
    for part in _ALTERNATIVES.split(_QUALIFIER.sub(" ", text)):
        part = part.strip(" *.")
        if part and " " not in part:
            found.append(part)
            continue
        found += [t for t in (w.strip("*.,") for w in part.split())
                  if t.islower() and (is_model_id(t) or _ID_TOKEN.match(t))]  # "Gemini 3.5 Flash" names no id
    return list(dict.fromkeys(found))


def heading_date(heading: str) -> date | None:
    match = _DATED_HEADING.match(normalize_text(heading))
    return date.fromisoformat(match[1]) if match else None


def chain_date(headings: Iterable[str]) -> date | None:
    """The announcement date of the nearest dated heading a table stands under: "#### Base GPT models"
    below "### 2023-07-06: GPT and embeddings" was announced on 2023-07-06."""
    for heading in reversed(list(headings)):
        if (found := heading_date(heading)) is not None:
            return found
    return None


def floor(deadline: Deadline) -> Deadline:
    """The same date read as a floor ("not before"), as a page note or the row's own words say."""
    return Deadline(deadline.date, deadline.precision, True, deadline.raw)


def group_label(row: Row, model_col: int | None) -> str | None:
    """A row that only labels the rows below it ("Preview models"): an HTML full-width cell, or in a
    Markdown copy a row whose other cells are all empty and whose text is no model id."""
    if row.divider is not None:
        return row.divider
    label = row.cell(model_col).strip()
    others = [c for i, c in enumerate(row.cells) if i != model_col and c.strip()]
    if label and not others and " " in label and not is_model_id(label) and not row.code(model_col):
        return label
    return None


def is_lifecycle_only(deadline: Deadline, replacement: str | None, status: str) -> bool:
    """A far "not sooner than" date on a model nobody is told to leave is lifecycle information
    (Anthropic's Active models, Vertex's "or later" rows), not a deprecation."""
    return (deadline.date is None or deadline.earliest) and not replacement and status not in ("deprecated",
                                                                                               "retired", "legacy")


def deprecation(
    *,
    platform: str,
    model: str,
    deadline: Deadline,
    url: str,
    replacement: str | None = None,
    replacement_ids: Iterable[str] = (),
    status: str = "deprecated",
    announced: date | None = None,
    aliases: Iterable[str] = (),
    regions: Iterable[str] = (),
    title: str | None = None,
    models: Iterable[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> EventDraft:
    # Hundreds of drafts a page (LiteLLM's map): the deadline's fields are read once each.
    day, earliest = deadline.date, deadline.earliest
    iso = day.isoformat() if day else None
    when = iso or "no date announced"
    if earliest and iso:
        when = f"not before {iso}"
    if day and deadline.precision == "month":
        when = f"{day:%B %Y}" + (" or later" if earliest else "")
    severity: Severity = "warning" if day and not earliest else "notice"
    retired = status == "retired"
    if retired:
        severity = "info"
    if models is not None:
        ids = list(models)
    elif aliases:
        ids = list(dict.fromkeys([model, *aliases]))
    else:
        ids = [model]
    summary = f"{platform}: {model} {'was retired' if retired else 'shuts down'} {when}"
    if replacement:
        summary += f"; replacement: {replacement}"
    kept = {"deadline_raw": deadline.raw, "replacement_models": list(replacement_ids)}
    if extra:
        kept.update(extra)
    return EventDraft(
        kind="deprecation",
        provider=platform,
        external_id=model,
        title=title or f"{model} retirement ({when})",
        summary=summary,
        url=url,
        status=status,
        severity=severity,
        published_at=datetime(announced.year, announced.month, announced.day, tzinfo=UTC) if announced else None,
        deadline=iso,
        deadline_precision=deadline.precision,
        deadline_earliest=earliest,
        replacement=replacement,
        models=ids,
        regions=sorted(set(regions)) if regions else [],
        extra=kept,
    )


def lifecycle(*, platform: str, model: str, deadline: Deadline, url: str, status: str = "active",
              extra: dict[str, Any] | None = None) -> EventDraft:
    """A live model's guaranteed floor ("not sooner than"): shown beside deprecations, never escalated;
    it is also how a third party's earlier date for the same model is recognised as wrong."""
    when = f"not before {deadline.iso}" if deadline.earliest else deadline.iso
    return EventDraft(
        kind="lifecycle", provider=platform, external_id=model, title=f"{model} is {status} ({when})",
        summary=f"{platform}: {model} is {status}; no retirement {when}", url=url, status=status, severity="info",
        deadline=deadline.iso, deadline_precision=deadline.precision, deadline_earliest=deadline.earliest,
        models=[model], extra={"deadline_raw": deadline.raw, **(extra or {})},
    )


def require_tables(found: list[Table], column: str, page: str) -> list[Table]:
    """The tables that have `column`; none at all means the page changed under us."""
    matching = [t for t in found if t.column(column) is not None]
    if not matching:
        raise LayoutChanged(f"layout changed: no table with a '{column}' column on the {page} page")
    return matching


def merge(drafts: Iterable[EventDraft]) -> list[EventDraft]:
    """One draft per key. A model listed twice has one current deadline: when both mentions carry an
    announcement date (`published_at`) the later announcement speaks, else the first mention does
    (pages list the newest announcement first); the mention that does not speak is kept as history in
    `extra["earlier_announcements"]` when it said something else, and fills in what the speaking one
    lacks. A live model's floor is dropped when the same page also deprecates the model: the
    deprecation is what the page now says about it."""
    merged: dict[tuple[str, str, str], EventDraft] = {}
    for draft in drafts:
        if not draft.external_id.strip():
            continue  # a divider or blank row names no model
        known = merged.get(draft.key)
        if known is None:
            merged[draft.key] = draft
        elif known.published_at and draft.published_at and draft.published_at > known.published_at:
            merged[draft.key] = _combine(draft, known)
        else:
            _combine(known, draft)
    deprecated = {(d.provider, d.external_id) for d in merged.values() if d.kind == "deprecation"}
    return [d for d in merged.values() if d.kind != "lifecycle" or (d.provider, d.external_id) not in deprecated]


def _combine(speaks: EventDraft, other: EventDraft) -> EventDraft:
    """`speaks` with what `other` adds: its ids, regions, and what `speaks` left blank; `other` itself
    as an earlier announcement when it gave another date or was announced on another day."""
    history = [*speaks.extra.get("earlier_announcements", []), *other.extra.get("earlier_announcements", [])]
    announced_apart = other.published_at and speaks.published_at and other.published_at != speaks.published_at
    if announced_apart or (other.deadline, other.deadline_earliest) != (speaks.deadline, speaks.deadline_earliest):
        history.append({"announced": other.published_at.date().isoformat() if other.published_at else None,
                        "deadline": other.deadline, "deadline_earliest": other.deadline_earliest,
                        "table": other.extra.get("announcement") or other.extra.get("table")})
    speaks.models = list(dict.fromkeys([*speaks.models, *other.models]))
    speaks.regions = sorted({*speaks.regions, *other.regions})
    speaks.replacement = speaks.replacement or other.replacement
    speaks.published_at = speaks.published_at or other.published_at
    if not speaks.deadline and other.deadline:
        speaks.deadline, speaks.deadline_precision = other.deadline, other.deadline_precision
        speaks.deadline_earliest = other.deadline_earliest
    for key, value in other.extra.items():
        if value and not speaks.extra.get(key):
            speaks.extra[key] = value
    if history:
        speaks.extra["earlier_announcements"] = history
    return speaks
