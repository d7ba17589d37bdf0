"""Deadline drift and provenance through the real poller: the OpenAI page, then edited copies of
it (the edits a provider makes), served by the fake provider."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import select

from tests.conftest import Clock, write_config
from tests.fake_provider import FakeProvider
from tests.scenarios import fixture
from watcher.cli.main import main
from watcher.config import SourceConfig
from watcher.storage.engine import session
from watcher.storage.tables import Event, EventRevision, SourceState

PAGE = fixture("openai-deprecations/deprecations_page_md.md").decode()
PATH = "/openai/deprecations.md"


def source(fake: FakeProvider) -> SourceConfig:
    return SourceConfig(name="openai-deprecations", kind="openai-deprecations", provider="openai",
                        url=fake.url(PATH), interval=60)


def event(poller, model: str) -> Event:
    with session(poller.engine) as db:
        return db.exec(select(Event).where(Event.provider == "openai", Event.external_id == model)).one()


async def test_drift_is_a_revision_that_says_what_moved(fake_provider: FakeProvider, rig, clock: Clock) -> None:
    poller, notifier = rig
    fake_provider.set(PATH, PAGE, "text/markdown")
    first = await poller.poll(source(fake_provider))
    assert first.outcome == "ok" and first.items == 67
    assert event(poller, "gpt-image-1-mini").severity == "warning"

    # gpt-4-0613 (and its aliases) pulled in by 52 days; dall-e-2 gets no date; gpt-image-1-mini a new
    # replacement; an unchanged row stays unchanged
    edited = (PAGE
              .replace("| 2026-10-23    | `gpt-4-0613`", "| 2026-09-01    | `gpt-4-0613`")
              .replace("| 2026-05-12    | `dall-e-2`     |", "| TBD           | `dall-e-2`     |")
              .replace("| Dec 1, 2026   | `gpt-image-1-mini`     | `gpt-image-2`           |",
                       "| Dec 1, 2026   | `gpt-image-1-mini`     | `gpt-image-3`           |"))
    assert edited.count("\n") == PAGE.count("\n") and edited != PAGE
    fake_provider.set(PATH, edited, "text/markdown")
    clock.advance(61)
    notifier.changes.clear()
    second = await poller.poll(source(fake_provider))
    changed = {c.event["external_id"]: c for c in second.changes}
    assert set(changed) == {"gpt-4-0613", "dall-e-2", "gpt-image-1-mini"}

    earlier = changed["gpt-4-0613"]
    assert earlier.changes["deadline"] == {"from": "2026-10-23", "to": "2026-09-01"}
    assert earlier.changes["drift"] == ["deadline moved earlier by 52 days (2026-10-23 -> 2026-09-01)"]
    assert earlier.changes["severity"] == {"from": "warning", "to": "critical"}
    assert earlier.event["models"] == ["gpt-4-0613", "gpt-4", "gpt-4-0613-completions", "gpt-4-completions"]
    assert changed["dall-e-2"].changes["drift"] == ["deadline withdrawn (was 2026-05-12)"]
    assert changed["gpt-image-1-mini"].changes["drift"] == [
        "replacement changed from gpt-image-2 to gpt-image-3"]
    # a date moving earlier is never silent: the notifier was told
    assert "gpt-4-0613" in {c.event["external_id"] for c in notifier.changes}

    later = edited.replace("| 2026-09-01    | `gpt-4-0613`", "| 2026-11-30    | `gpt-4-0613`")
    fake_provider.set(PATH, later, "text/markdown")
    clock.advance(61)
    [moved_back] = (await poller.poll(source(fake_provider))).changes
    assert moved_back.changes["drift"] == ["deadline moved later by 90 days (2026-09-01 -> 2026-11-30)"]
    assert event(poller, "gpt-4-0613").revision == 3

    with session(poller.engine) as db:
        revisions = db.exec(select(EventRevision).where(EventRevision.event_id == event(poller, "gpt-4-0613").id)
                            .order_by(EventRevision.revision)).all()
        assert [r.changes.get("drift") for r in revisions] == [
            None, ["deadline moved earlier by 52 days (2026-10-23 -> 2026-09-01)"],
            ["deadline moved later by 90 days (2026-09-01 -> 2026-11-30)"]]


async def test_table_removed_marks_the_source_broken_and_keeps_events(fake_provider: FakeProvider, rig,
                                                                     clock: Clock) -> None:
    poller, _ = rig
    fake_provider.set(PATH, PAGE, "text/markdown")
    await poller.poll(source(fake_provider))
    without_tables = "\n".join(line for line in PAGE.splitlines() if not line.startswith("|"))
    fake_provider.set(PATH, without_tables, "text/markdown")
    clock.advance(61)
    outcome = await poller.poll(source(fake_provider))
    assert (outcome.outcome, outcome.category) == ("failed", "layout_changed")
    assert "no table with a 'date' column" in (outcome.message or "")
    with session(poller.engine) as db:
        state = db.get(SourceState, "openai-deprecations")
        assert state is not None and state.health == "broken"
    # nothing was withdrawn by a page we could not read
    assert event(poller, "gpt-4-0613").deadline == "2026-10-23"
    assert event(poller, "gpt-4-0613").revision == 1


async def test_a_third_party_date_is_provenance_not_truth(fake_provider: FakeProvider, rig, clock: Clock) -> None:
    poller, _ = rig
    fake_provider.set(PATH, PAGE, "text/markdown")
    fake_provider.set("/litellm.json", fixture("litellm-model-map/deprecation_dates_scoped.json"))
    litellm = SourceConfig(name="litellm", kind="litellm-model-map", provider="litellm",
                           url=fake_provider.url("/litellm.json"), interval=60)
    await poller.poll(source(fake_provider))
    await poller.poll(litellm)
    # OpenAI says 2026-07-23, LiteLLM's map says 2027-01-06: the provider's date stands, both are kept
    tts = event(poller, "gpt-4o-mini-tts-2025-03-20")
    assert (tts.deadline, tts.revision) == ("2026-07-23", 1)
    assert {name: claim["deadline"] for name, claim in tts.provenance.items()} == {
        "openai-deprecations": "2026-07-23", "litellm": "2027-01-06"}
    assert tts.provenance["litellm"]["third_party"] is True
    assert tts.provenance["openai-deprecations"]["first_seen_at"] == "2026-10-07T22:00:00Z"
    # LiteLLM alone: its date is the event's until a provider page says otherwise
    with session(poller.engine) as db:
        only_litellm = db.exec(select(Event).where(Event.provider == "bedrock",
                                                   Event.external_id == "amazon.nova-canvas-v1:0")).one()
        assert only_litellm.deadline == "2026-09-30"


def test_deadlines_command_lists_sources_and_conflicts(tmp_path: Path, fake_provider: FakeProvider,
                                                             sqlite_url: str, capsys) -> None:
    fake_provider.set(PATH, PAGE, "text/markdown")
    fake_provider.set("/litellm.json", fixture("litellm-model-map/deprecation_dates_scoped.json"))
    config = write_config(tmp_path / "w.toml", database_url=sqlite_url, sources=f"""
[[sources]]
name = "openai-deprecations"
kind = "openai-deprecations"
provider = "openai"
url = "{fake_provider.url(PATH)}"

[[sources]]
name = "litellm"
kind = "litellm-model-map"
provider = "litellm"
url = "{fake_provider.url('/litellm.json')}"
""")
    assert main(["poll", "--config", str(config)]) == 0
    capsys.readouterr()
    assert main(["deadlines", "--config", str(config), "--json", "--all"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["deadline"] for r in rows] == sorted(r["deadline"] for r in rows)
    [tts] = [r for r in rows if r["platform"] == "openai" and r["model"] == "gpt-4o-mini-tts-2025-03-20"]
    assert tts["conflicting_dates"] is True
    assert {s["source"]: s["deadline"] for s in tts["sources"]} == {"litellm": "2027-01-06",
                                                                    "openai-deprecations": "2026-07-23"}
    assert main(["deadlines", "--config", str(config), "--within", "3650d"]) == 0
    lines = capsys.readouterr().out.splitlines()
    # without --all, dates already past are left out (the map reaches into 2028, so some remain)
    assert lines and all(0 <= int(line.split()[1].rstrip("d")) <= 3650 for line in lines)
    assert len(lines) < len(rows)


async def test_first_poll_announces_what_is_ahead_and_files_what_is_over(fake_provider: FakeProvider, rig) -> None:
    poller, notifier = rig  # the rig's clock reads 2026-10-07
    fake_provider.set(PATH, PAGE, "text/markdown")
    await poller.poll(source(fake_provider))
    announced = {c.event["external_id"] for c in notifier.changes}
    assert "gpt-4-0613" in announced  # 2026-10-23: ahead
    assert "gpt-image-1-mini" in announced
    assert "gpt-4-0314" not in announced  # 2026-03-26: already past when first seen
    assert "chatgpt-4o-latest" not in announced  # under "Past deprecations"
    assert event(poller, "gpt-4-0314").baseline is True
