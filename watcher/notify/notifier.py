"""Notifiers: where changes are told. Until Slack lands, the console."""

from __future__ import annotations

from typing import Protocol

from watcher.events.store import Change


class Notifier(Protocol):
    def notify(self, changes: list[Change]) -> None: ...
