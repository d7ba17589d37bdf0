"""Which surfaces of each platform in the inventory are wired and healthy, which are missing, broken
or stale, and how to subscribe to each missing one; then the usage spend sources saw that the
inventory does not list (`coverage_account`). Reads the database; the time is passed in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session, func, select

from connectors.contract.dates import isoformat
from watcher.config import Config
from watcher.inventory.catalog import shipped
from watcher.inventory.coverage_account import ACCOUNT, SPEND, Account, unlisted_rows
from watcher.inventory.coverage_guide import GUIDE
from watcher.inventory.uses import Inventory
from watcher.storage.tables import Delivery, Event, SourceState, utc

# Kinds that read many providers' pages: such a source covers a surface only when it reads that host
# or names that provider.
GENERIC_KINDS = frozenset({"statuspage", "status", "feed", "google-cloud-status", "aws-health-public",
                           "lifecycle-table", "lifecycle-prose"})


def _host(url: str | None) -> str:
    return urlsplit(url or "").netloc.lower()


def _polled_state(state: SourceState | None, name: str, open_alerts: set[str]) -> str:
    """A page found broken says more than its age; otherwise not read for three intervals (health
    `stale`) or a feed with nothing new (its `stale` alert) is stale, a failing one broken."""
    health = state.health if state else "new"
    if health in ("broken", "suspicious"):
        return "broken"
    if health == "stale" or f"stale:{name}" in open_alerts:
        return "stale"
    return "broken" if health == "failing" else "wired"


def _read_by(row: dict[str, Any], name: str, state: SourceState | None, open_alerts: set[str]) -> None:
    """A surface read by source `name`: its state, and where to look when it is not healthy."""
    row["source"] = name
    row["state"] = _polled_state(state, name, open_alerts)
    if state and state.health == "stale":
        unread = (f"has not been read successfully since {isoformat(state.last_ok_at)}"
                  if state.last_ok_at else "has never been read successfully")
        row["how_to"] = (f"{name} {unread}: see /healthz (last error: "
                         f"{state.last_error or 'none; the poll may not be running'})")
    elif row["state"] != "wired":
        error = state.last_error if state else ""
        row["how_to"] = f"see `watcher events --all` and /healthz for {name}: {error}"
    else:
        row["how_to"] = None


def report(session: Session, config: Config, inventory: Inventory | None, *,
           now: datetime | None = None) -> list[dict[str, Any]]:
    """The surfaces of each platform the inventory uses, then the usage no use lists."""
    now = now or datetime.now(UTC)
    account = Account(session, config)
    states = {s.name: s for s in session.exec(select(SourceState)).all()}
    open_alerts = {e.external_id for e in session.exec(select(Event).where(Event.kind == "source")).all()
                   if e.status != "resolved"}
    last_delivery = dict(session.exec(select(Delivery.webhook, func.max(Delivery.received_at))
                                      .group_by(Delivery.webhook)).all())
    rows = []
    uses = inventory.uses if inventory else ()
    platforms = sorted({(use.provider, use.platform) for use in uses}, key=lambda p: (p[1], p[0]))
    for provider, platform in platforms:
        for surface in GUIDE.get(platform, []):
            row = {"provider": provider, "platform": platform, "surface": surface.surface, "state": "missing",
                   "source": None, "how_to": surface.how_to}
            if surface.surface == SPEND and (reader := account.spend_source(platform)) is not None:
                _read_by(row, reader, states.get(reader), open_alerts)
            elif surface.kind is not None:
                # A kind made for one page (openai-deprecations) covers it wherever it is fetched from; a
                # generic kind (statuspage, feed) covers it when it reads that host or names that provider.
                generic = surface.kind in GENERIC_KINDS
                wired = [s for s in config.sources if s.kind == surface.kind and s.enabled and
                         (not generic or _host(s.url) == _host(surface.url) or s.provider == provider)]
                hooks = [h for h in config.webhooks if h.kind == surface.kind]
                if wired:
                    _read_by(row, wired[0].name, states.get(wired[0].name), open_alerts)
                elif hooks:
                    hook = hooks[0]
                    row["source"] = hook.name
                    seen = last_delivery.get(hook.name)
                    quiet_for = (now - (utc(seen) or now)).total_seconds() if seen else None
                    silent = hook.expect_every and (quiet_for is None or quiet_for > hook.expect_every)
                    row["state"] = "stale" if silent else "wired"
                    row["how_to"] = (f"no delivery on {hook.name} within its expect_every: check the sender's "
                                     "subscription" if silent else None)
            if surface.surface == ACCOUNT:
                account.notices(row, platform)
            rows.append(row)
    catalog = shipped().extended(config.catalog.aliases)
    return rows + unlisted_rows(session, config, inventory, catalog, now.astimezone(UTC).date())
