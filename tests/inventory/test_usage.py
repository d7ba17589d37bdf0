"""Usage against the inventory: which model a usage API names is what a use calls, the findings for
what no use lists, billing notices matched by project or workspace, and when continued calls reopen
a resolved impact (and when they do not)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlmodel import select

from connectors.contract.events import EventDraft
from watcher.events.store import apply_drafts
from watcher.inventory.catalog import Catalog, shipped
from watcher.inventory.impacts import BY_INVENTORY, refresh
from watcher.inventory.matching import explain
from watcher.inventory.still_called import reopen
from watcher.inventory.usage import Used, same_model, summed, unlisted
from watcher.inventory.uses import Inventory, Use
from watcher.storage.engine import open_database, session
from watcher.storage.tables import Impact
from watcher.storage.tables_spend import SpendDay

CATALOG = Catalog(aliases={"openai": {"gpt-4o": "gpt-4o-2024-08-06"}, "anthropic": {
    "claude-sonnet-4-5": "claude-sonnet-4-5-20250929"}})


def use(model: str, **more: Any) -> Use:
    return Use(service=more.pop("service", "search"), provider="openai", platform=more.pop("platform", "openai"),
               model=model, owner="team-search", **more)


def test_what_a_use_calls_is_what_the_usage_api_names() -> None:
    assert same_model("openai", "gpt-4o-2024-08-06", "gpt-4o-2024-08-06", CATALOG)
    assert same_model("openai", "gpt-4o", "gpt-4o-2024-08-06", CATALOG)  # the alias's snapshot
    assert not same_model("openai", "gpt-4o", "gpt-4o-2024-05-13", CATALOG)  # another snapshot of the family
    assert same_model("anthropic", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929", CATALOG)
    # an alias the catalog does not know may run any of its dated snapshots
    assert same_model("openai", "gpt-4.1", "gpt-4.1-2025-04-14", CATALOG)
    assert same_model("openai", "gpt-4", "gpt-4-0613", Catalog())
    assert not same_model("openai", "gpt-4.1", "gpt-4.1-mini-2025-04-14", CATALOG)
    assert not same_model("openai", "gpt-4.1-2025-04-14", "gpt-4.1", CATALOG)


def test_unlisted_usage_findings_most_used_first() -> None:
    rows = [SimpleNamespace(source="openai-spend", provider="openai", model=m, project=p, input_tokens=i,
                            output_tokens=o, requests=n, cost_micros=None, currency=None)
            for m, p, i, o, n in (("gpt-4o-2024-05-13", "proj_abc", 700_000, 100_000, 40),
                                  ("gpt-4o-2024-05-13", "proj_abc", 400_000, 0, 10),
                                  ("gpt-4o-2024-08-06", "proj_abc", 9_000_000, 0, 900),
                                  ("o3-mini-2025-01-31", "", 0, 0, 3),
                                  ("", "proj_abc", 5, 5, 5))]
    used = summed(rows)
    assert sorted((u.model, u.tokens, u.requests) for u in used) == [
        ("gpt-4o-2024-05-13", 1_200_000, 50), ("gpt-4o-2024-08-06", 9_000_000, 900), ("o3-mini-2025-01-31", 0, 3)]
    found = unlisted(used, [use("gpt-4o")], CATALOG)
    assert [u.finding() for u in found] == [
        "gpt-4o-2024-05-13: 1.2 M tokens in project proj_abc, not in the inventory",
        "o3-mini-2025-01-31: 3 requests in the default project, not in the inventory"]
    assert unlisted(used, [use("gpt-4o"), use("o3-mini", service="batch"),
                           use("gpt-4o-2024-05-13", service="legacy")], CATALOG) == []
    # a use of the same model on another platform does not list it
    assert len(unlisted(used, [use("gpt-4o-2024-05-13", platform="azure-openai")], CATALOG)) == 3
    workspace = Used("claude-spend", "anthropic", "claude-opus-4-6", "wrkspc_01", 0, None, 2_500_000, "USD")
    assert workspace.finding() == "claude-opus-4-6: $2.50 in workspace wrkspc_01, not in the inventory"


def test_billing_notices_hit_the_uses_billed_to_their_project() -> None:
    spike = SimpleNamespace(provider="openai", kind="billing", external_id="spend-spike:o:proj_abc:2026-11-19",
                            extra={"project": "proj_abc"})
    verdict = explain(spike, use("gpt-4o", projects=("proj_abc", "proj_def")), CATALOG)  # type: ignore[arg-type]
    assert (verdict.matched, verdict.rule) == (True, "project")
    assert verdict.reason == "search is billed to openai proj_abc, where this spend was"
    assert not explain(spike, use("gpt-4o", projects=("proj_xyz",)), CATALOG).matched  # type: ignore[arg-type]
    assert not explain(spike, use("gpt-4o", workspaces=("proj_abc",), platform="anthropic"),  # type: ignore[arg-type]
                       CATALOG).matched
    org_wide = SimpleNamespace(provider="openai", kind="billing", external_id="spend-budget:o:2026-11", extra={})
    assert not explain(org_wide, use("gpt-4o", projects=("proj_abc",)), CATALOG).matched  # type: ignore[arg-type]


def test_continued_calls_reopen_only_what_a_person_resolved_and_only_after(tmp_path: Any) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'w.db'}")
    resolved_at = datetime(2026, 11, 17, 15, tzinfo=UTC)
    today = date(2026, 11, 20)
    uses = (use("gpt-4o"), use("gpt-4o", service="batch", environment="batch"))
    with session(engine) as db:
        apply_drafts(db, source="openai-deprecations", provider="openai", now=resolved_at, drafts=[EventDraft(
            kind="deprecation", provider="openai", external_id="gpt-4o-2024-08-06", title="gpt-4o-2024-08-06",
            deadline="2027-03-01", status="deprecated")])
        refresh(db, Inventory(uses), CATALOG, now=resolved_at)
        impacts = {i.service: i for i in db.exec(select(Impact)).all()}
        for service, by in (("search", "person"), ("batch", BY_INVENTORY)):
            impact = impacts[service]
            impact.state, impact.resolved_by, impact.state_at = "resolved", by, resolved_at
            db.add(impact)
        db.commit()

        def day(d: date, requests: int, *, complete: bool = True) -> SpendDay:
            return SpendDay(source="openai-spend", provider="openai", day=d, model="gpt-4o-2024-08-06",
                            project="proj_abc", requests=requests, input_tokens=requests * 100, output_tokens=0,
                            complete=complete, read_at=resolved_at)

        # calls on the day it was resolved (before the fix, perhaps) and on a day not over: not yet
        quiet = [day(date(2026, 11, 17), 900), day(today, 40, complete=False)]
        assert reopen(db, platform="openai", rows=quiet, catalog=CATALOG, now=resolved_at, today=today) == []
        still = [*quiet, day(date(2026, 11, 18), 2_000), day(date(2026, 11, 19), 3_100)]
        [reopened] = reopen(db, platform="openai", rows=still, catalog=CATALOG, now=resolved_at, today=today)
        assert (reopened.service, reopened.state, reopened.note) == ("search", "open",
                                                                     "still called: 3,100 requests yesterday")
        db.commit()
        # the use that left the inventory stays resolved: the inventory, not a person, resolved it
        assert impacts["batch"].state == "resolved"
        assert reopen(db, platform="openai", rows=still, catalog=CATALOG, now=resolved_at + timedelta(hours=1),
                      today=today) == []
    engine.dispose()


def test_the_catalog_shipped_knows_no_gpt_4o_pointer() -> None:
    """Why the scenario above brings its own catalog: the shipped one lists aliases from the
    deprecations page only, so a dated snapshot of gpt-4o counts as what `gpt-4o` may run."""
    assert shipped().snapshot("openai", "gpt-4o") is None
    assert same_model("openai", "gpt-4o", "gpt-4o-2024-05-13", shipped())
