"""What every deprecation connector shares: one draft per (platform, model), the lifecycle rule,
replacement clean-up and the layout check."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from connectors._tables import Table
from watcher.errors import LayoutChanged
from watcher.events.dates import Deadline, normalize_text
from watcher.events.model import EventDraft, Severity

_NO_REPLACEMENT = re.compile(r"^(?:|-+|n/?a|none|no replacement|tbd)\.?$", re.I)
_ALTERNATIVES = re.compile(r"\s*(?:,\s*or\s+|\s+or\s+|,\s*|\s+and\s+)\s*")
_DATED_HEADING = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*:")


def replacement_text(cell: str) -> str | None:
    text = normalize_text(cell)
    return None if _NO_REPLACEMENT.match(text) else text


def replacement_models(text: str | None, codes: Iterable[str] = ()) -> list[str]:
    """The ids a replacement cell names: its code spans, else its alternatives ("a or b")."""
    named = [c for c in codes if c]
    if named or not text:
        return named
    return [part.strip(" *.") for part in _ALTERNATIVES.split(text) if part.strip(" *.") and " " not in part.strip()]


def heading_date(heading: str) -> date | None:
    match = _DATED_HEADING.match(normalize_text(heading))
    return date.fromisoformat(match[1]) if match else None


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
    when = deadline.iso or "no date announced"
    if deadline.earliest and deadline.iso:
        when = f"not before {deadline.iso}"
    if deadline.precision == "month" and deadline.date:
        when = f"{deadline.date:%B %Y}" + (" or later" if deadline.earliest else "")
    severity: Severity = "warning" if deadline.date and not deadline.earliest else "notice"
    if status == "retired":
        severity = "info"
    ids = list(dict.fromkeys([model, *aliases])) if models is None else list(models)
    summary = f"{platform}: {model} {'was retired' if status == 'retired' else 'shuts down'} {when}"
    if replacement:
        summary += f"; replacement: {replacement}"
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
        deadline=deadline.iso,
        deadline_precision=deadline.precision,
        deadline_earliest=deadline.earliest,
        replacement=replacement,
        models=ids,
        regions=sorted(set(regions)),
        extra={"deadline_raw": deadline.raw, "replacement_models": list(replacement_ids), **(extra or {})},
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
    """One draft per key (the first mention wins: pages list the newest announcement first); a later
    mention adds what the first one lacked."""
    merged: dict[tuple[str, str, str], EventDraft] = {}
    for draft in drafts:
        if not draft.external_id.strip():
            continue  # a divider or blank row names no model
        known = merged.get(draft.key)
        if known is None:
            merged[draft.key] = draft
            continue
        known.models = list(dict.fromkeys([*known.models, *draft.models]))
        known.regions = sorted({*known.regions, *draft.regions})
        known.replacement = known.replacement or draft.replacement
        known.published_at = known.published_at or draft.published_at
        if not known.deadline and draft.deadline:
            known.deadline, known.deadline_precision = draft.deadline, draft.deadline_precision
            known.deadline_earliest = draft.deadline_earliest
        for key, value in draft.extra.items():
            if value and not known.extra.get(key):
                known.extra[key] = value
    return list(merged.values())
