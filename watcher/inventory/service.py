"""Keeping impacts current inside the daemon and the CLI: load the inventory (again when its file
changed), extend the catalog from the config, refresh impacts in one transaction."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from watcher.cluster import jobs
from watcher.config import Config
from watcher.inventory import catalog as catalog_module
from watcher.inventory import uses as inventory_module
from watcher.inventory.impacts import refresh
from watcher.storage.engine import session

log = logging.getLogger("watcher.inventory.impacts")


class ImpactService:
    def __init__(self, config: Config, engine: Engine, *, base: Path | None = None) -> None:
        self.engine = engine
        self.catalog = catalog_module.shipped().extended(config.catalog.aliases)
        self.inventory: inventory_module.Inventory | None = None
        if config.inventory is not None:
            path = Path(config.inventory.path)
            if not path.is_absolute() and base is not None:
                path = base / path
            self.inventory = inventory_module.load(path)

    def reload(self, *, force: bool = False) -> bool:
        """Re-read the inventory if its file changed (or when told to: SIGHUP); True if it was read."""
        if self.inventory is None:
            return False
        if force and self.inventory.path is not None:
            fresh = inventory_module.load(self.inventory.path)
            self.inventory = fresh
            log.info("inventory reloaded", extra={"uses": len(fresh.uses), "path": str(fresh.path)})
            return True
        fresh = inventory_module.reload_if_changed(self.inventory)
        changed = fresh is not self.inventory
        if changed:
            log.info("inventory reloaded", extra={"uses": len(fresh.uses), "path": str(fresh.path)})
        self.inventory = fresh
        return changed

    def refresh(self, now: datetime | None = None) -> dict[str, int]:
        if self.inventory is None:
            return {}
        for attempt in (1, 2):
            try:
                with session(self.engine) as db:
                    # replicas refresh one after another, each seeing what the one before wrote
                    jobs.serialised(db, "impacts", patient=True)
                    counts = refresh(db, self.inventory, self.catalog, now=now or datetime.now(UTC))
                    db.commit()
                break
            except IntegrityError:
                # Another process (a CLI command, a replica) refreshed the same impacts at the same
                # moment: its rows are there now, so one more pass finds them.
                if attempt == 2:
                    raise
        if any(counts.values()):
            log.info("impacts refreshed", extra=counts)
        return counts
