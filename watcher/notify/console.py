"""One readable line per new event or revision, on standard output."""

from __future__ import annotations

import sys
from typing import TextIO

from watcher.events.store import Change


def format_change(change: Change) -> str:
    event = change.event
    head = f"{event['provider']} {event['kind']} {event['external_id']}"
    state = f"[{event['severity']}] {event['status'] or '-'}"
    if change.action == "new":
        if event["kind"] == "deprecation":
            replacement = f", replacement {event['replacement']}" if event.get("replacement") else ""
            when = event["deadline"] or "(no date)"
            return f"NEW     {head} {state}: shuts down {when}{replacement} <{event['url']}>"
        return f"NEW     {head} {state}: {event['title']} <{event['url'] or ''}>"
    what = ", ".join(_describe(name, diff) for name, diff in change.changes.items()
                     if name not in ("reason", "drift", "deadline_delta_days"))
    notes = [*change.changes.get("drift", []), *([change.changes["reason"]] if "reason" in change.changes else [])]
    reason = f" ({'; '.join(notes)})" if notes else ""
    return f"UPDATE  {head} rev {event['revision']} {state}: {event['title']} | {what}{reason}"


def _describe(name: str, diff: object) -> str:
    if isinstance(diff, dict) and "from" in diff:
        if name in ("summary",):
            return f"{name} changed"
        return f"{name} {diff['from']} -> {diff['to']}"
    if isinstance(diff, dict) and "added" in diff:
        return f"{len(diff['added'])} new update(s)"
    return name


class ConsoleNotifier:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def notify(self, changes: list[Change]) -> None:
        stream = self.stream or sys.stdout
        for change in changes:
            # One line per notice, always: provider titles may carry line breaks.
            print(" ".join(format_change(change).splitlines()), file=stream, flush=True)
