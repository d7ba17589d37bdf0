"""The account surface in `watcher coverage`: a platform's account notices are wired once a mailbox has
received an authenticated mail from its provider; its spend is wired when a `[[spend]]` source reads
it; and the usage a spend source saw that no `[[uses]]` entry lists is a finding of its own (surface
`usage`, state `unlisted`). Reads the database; the time is passed in."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from watcher.config import Config
from watcher.ingest.mailbox import authenticated_platforms
from watcher.inventory import usage
from watcher.inventory.catalog import Catalog
from watcher.inventory.uses import Inventory
from watcher.storage import spend_rows

ACCOUNT, SPEND, USAGE = "account notices", "spend", "usage"
UNLISTED = "unlisted"


class Account:
    """What the account rows of one report read, once."""

    def __init__(self, session: Session, config: Config) -> None:
        self.config = config
        self.mailed: dict[str, datetime] = authenticated_platforms(session) if config.mailboxes else {}

    def notices(self, row: dict[str, Any], platform: str) -> None:
        """Wired by the mailbox when authenticated mail came; else as before (a webhook), else how."""
        boxes = ", ".join(box.name for box in self.config.mailboxes)
        if platform in self.mailed:
            row.update(state="wired", source=boxes, how_to=None)
            return
        if row["state"] != "missing":
            return
        if boxes:
            row["how_to"] = (f"{row['how_to']}; no authenticated mail from {platform} has reached the mailbox "
                             f"({boxes}) yet: make it that inbox, or forward those notices to it")
        else:
            row["how_to"] = (f"{row['how_to']}; then add that inbox as a [[mailboxes]] entry so that the watcher "
                             "reads the notices")

    def spend_source(self, platform: str) -> str | None:
        """The `[[spend]]` source that reads `platform`, if any (its health decides the state)."""
        return next((s.name for s in self.config.spend if s.provider == platform), None)


def unlisted_rows(session: Session, config: Config, inventory: Inventory | None, catalog: Catalog,
                  today: date) -> list[dict[str, Any]]:
    """One row per model a spend source saw in the last days that no use lists."""
    if not config.spend:
        return []
    names = {s.name for s in config.spend}
    rows = [r for r in spend_rows.since(session, usage.window_start(today)) if r.source in names]
    found = usage.unlisted(usage.summed(rows), inventory.uses if inventory else (), catalog)
    return [{"provider": u.platform, "platform": u.platform, "surface": USAGE, "state": UNLISTED,
             "source": u.source, "how_to": f"{u.finding()}: add a [[uses]] entry for it (platform = "
                                           f"\"{u.platform}\", model = \"{u.model}\") or find what calls it"}
            for u in found]
