"""Thirty days of November 2026 through the real daemon (tests/month_scenario.py tells the story):
the transcript, per day and per channel, must equal tests/transcripts/thirty_days.txt; the one of
the last run is kept in test-artifacts/ to read."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.fake_provider import FakeProvider
from tests.fake_slack import FakeSlack
from tests.month_scenario import ENV, run_month
from watcher.cli.main import main

EXPECTED = Path(__file__).parents[1] / "transcripts" / "thirty_days.txt"
ARTIFACT = Path(__file__).parents[2] / "test-artifacts" / "thirty_days.txt"


async def test_thirty_days_of_november(tmp_path: Path, fake_provider: FakeProvider, slack: FakeSlack,
                                       monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    month = await run_month(tmp_path, fake_provider, slack)
    transcript = month.transcript
    config_path = month.config_path
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text("\n".join(transcript) + "\n")
    assert "\n".join(transcript) + "\n" == EXPECTED.read_text()
    # No channel hears about the writer's model: LiteLLM's date is contradicted by Anthropic's page
    # and held back, and shown as unconfirmed.
    assert not [line for line in transcript if "#content-oncall" in line]
    posts = Counter(line.split()[1] for line in transcript if " post " in line)
    # the fewest messages that still tell every owner everything due: one per channel per due day
    assert posts == {"#assistant-oncall": 6, "#search-oncall": 5, "#media-oncall": 8, "#ai-oncall": 1}
    capsys.readouterr()  # the daemon's own lines about new events
    assert main(["deadlines", "--config", str(config_path), "--json"]) == 0
    rows = {r["model"]: r for r in json.loads(capsys.readouterr().out)}
    writer = rows["claude-sonnet-4-5"]
    assert (writer["deadline"], writer["confirmed"], writer["third_party_sources"]) == ("2026-11-30", False,
                                                                                        ["litellm"])
    assert writer["held_back"] == ("anthropic's page lists claude-sonnet-4-5-20250929 as live, "
                                   "not sooner than 2026-09-29")
    assert rows["gpt-4-0613"]["confirmed"] is True and rows["gpt-4-0613"]["held_back"] is None
