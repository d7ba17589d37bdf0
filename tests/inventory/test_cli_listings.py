"""The listing commands over a database built from the real OpenAI and Anthropic deprecation pages and
LiteLLM's model map: `watcher deadlines` (what the inventory uses, overdue first; per team; every
model), whether a date is the provider's own, `watcher impacts` naming the key `watcher ack` takes,
`watcher events` saying where it cut the list, and `watcher inventory scan --fail-within` refusing
to pass when it cannot see. Dates are counted from today, as the commands count them."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from connectors import POLLED
from tests.conftest import write_config
from tests.scenarios import fixture
from watcher.cli.commands import load_config
from watcher.cli.main import main
from watcher.events.store import apply_drafts
from watcher.ingest import sources
from watcher.storage.engine import open_database, session

SAMPLE = Path(__file__).parents[1] / "sample_repo"
READ_AT = datetime(2026, 10, 8, tzinfo=UTC)
# (source name, kind, fixture): the provider pages first, then the third party's copy, as a poll would
# store them in any order (a provider's date is never overruled by the map).
PAGES = [
    ("openai-deprecations", "openai-deprecations", "openai-deprecations/deprecations_page_md.md"),
    ("anthropic-deprecations", "anthropic-deprecations", "anthropic-deprecations/model_deprecations_md.md"),
    ("litellm", "litellm-model-map", "litellm-model-map/deprecation_dates_scoped.json"),
]
DATED_DEPRECATIONS = 631  # distinct (platform, model) with a date across the three documents
EVENTS = 640  # and the lifecycle rows of Anthropic's page
INVENTORY = """
[[uses]]
service = "chat"
provider = "openai"
platform = "openai"
model = "gpt-4"
owner = "team-assistant"

[[uses]]
service = "support-bot"
provider = "anthropic"
platform = "anthropic"
model = "claude-3-5-haiku-20241022"
owner = "team-support"

[[uses]]
service = "transcribe"
provider = "openai"
platform = "openai"
model = "whisper-1"
owner = "team-media"
"""
SOURCES = """
[[sources]]
name = "openai-deprecations"
kind = "openai-deprecations"
provider = "openai"
url = "https://developers.openai.com/api/docs/deprecations.md"
interval = "1h"

[[sources]]
name = "anthropic-deprecations"
kind = "anthropic-deprecations"
provider = "anthropic"
url = "https://platform.claude.com/docs/en/about-claude/model-deprecations.md"
interval = "1h"

[[sources]]
name = "litellm"
kind = "litellm-model-map"
provider = "litellm"
url = "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"
interval = "6h"

[[sources]]
name = "openai-status"
kind = "statuspage"
provider = "openai"
url = "https://status.openai.com"
interval = "2m"

[[sources]]
name = "groq-deprecations"
kind = "groq-deprecations"
provider = "groq"
url = "https://console.groq.com/docs/deprecations.md"
enabled = false
"""


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database of the three documents, copied for each test (the commands write impacts)."""
    path = tmp_path_factory.mktemp("stored") / "w.db"
    engine = open_database(f"sqlite:///{path}")
    with session(engine) as db:
        for source, kind, page in PAGES:
            drafts = POLLED[kind].parse(fixture(page), url="https://example.test", fetched_at=READ_AT).drafts
            apply_drafts(db, source=source, provider="", drafts=drafts, now=READ_AT)
        db.commit()
    engine.dispose()
    return path


def database(stored: Path, tmp_path: Path) -> str:
    shutil.copy(stored, tmp_path / "w.db")
    return f"sqlite:///{tmp_path / 'w.db'}"


def configured(tmp_path: Path, url: str, *, inventory: bool = True, sources_text: str = "") -> Path:
    extra = ""
    if inventory:
        (tmp_path / "inventory.toml").write_text(INVENTORY, encoding="utf-8")
        extra = f'[inventory]\npath = "{tmp_path / "inventory.toml"}"\n'
    return write_config(tmp_path / "w.toml", database_url=url, sources=sources_text, extra=extra)


def days_left(deadline: str) -> int:
    # The commands count in the config's digest time zone; these configs have none, so UTC.
    return (date.fromisoformat(deadline) - datetime.now(UTC).date()).days


def overdue_note(deadline: str) -> str:
    days = -days_left(deadline)
    if days <= 0:
        return ""
    return f"  {days} day{'' if days == 1 else 's'} overdue"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_deadlines_show_what_the_inventory_uses_overdue_included(stored: Path, tmp_path: Path, capsys) -> None:
    config = str(configured(tmp_path, database(stored, tmp_path)))
    code, out, err = run(capsys, "deadlines", "--config", config)
    assert (code, err) == (0, "")
    haiku, gpt4, whisper = (days_left(d) for d in ("2026-02-19", "2026-10-23", "2027-02-26"))
    assert out.splitlines() == [
        f"2026-02-19   {haiku:>5}d  anthropic     claude-3-5-haiku-20241022 -> claude-haiku-4-5-20251001  "
        f"[anthropic-deprecations]{overdue_note('2026-02-19')}  affects: support-bot (team-support, open)",
        f"2026-10-23   {gpt4:>5}d  openai        gpt-4-0613 -> gpt-5.5  [litellm, openai-deprecations]"
        f"{overdue_note('2026-10-23')}  affects: chat (team-assistant, open)",
        f"2027-02-26   {whisper:>5}d  openai        whisper-1  [litellm]{overdue_note('2027-02-26')}  "
        "(per LiteLLM's model map, not on openai's own page)  affects: transcribe (team-media, open)",
    ]
    assert haiku < 0 and gpt4 < 0  # both shut down already, and still in use: they must show

    code, out, _ = run(capsys, "deadlines", "--config", config, "--json", "--within", "0d")
    assert [r["model"] for r in json.loads(out)] == [
        m for m, d in (("claude-3-5-haiku-20241022", haiku), ("gpt-4-0613", gpt4), ("whisper-1", whisper)) if d <= 0]


def test_deadlines_say_whether_the_provider_confirms_the_date(stored: Path, tmp_path: Path, capsys) -> None:
    config = str(configured(tmp_path, database(stored, tmp_path)))
    code, out, _ = run(capsys, "deadlines", "--config", config, "--json")
    rows = {r["model"]: r for r in json.loads(out)}
    assert code == 0
    got = {m: (r["deadline"], r["confirmed"], r["third_party_sources"], [s["source"] for s in r["sources"]])
           for m, r in rows.items()}
    assert got == {
        # OpenAI's page and LiteLLM's map agree: the provider's own date
        "gpt-4-0613": ("2026-10-23", True, ["litellm"], ["litellm", "openai-deprecations"]),
        # only Anthropic's page
        "claude-3-5-haiku-20241022": ("2026-02-19", True, [], ["anthropic-deprecations"]),
        # OpenAI's page does not list whisper-1: the date is LiteLLM's alone
        "whisper-1": ("2027-02-26", False, ["litellm"], ["litellm"]),
    }
    assert [(a["service"], a["owner"]) for a in rows["whisper-1"]["affected"]] == [("transcribe", "team-media")]


def test_deadlines_for_one_team(stored: Path, tmp_path: Path, capsys) -> None:
    config = str(configured(tmp_path, database(stored, tmp_path)))
    code, out, _ = run(capsys, "deadlines", "--config", config, "--json", "--team", "team-assistant")
    assert code == 0
    assert [(r["model"], [a["service"] for a in r["affected"]]) for r in json.loads(out)] == [
        ("gpt-4-0613", ["chat"])]
    code, out, err = run(capsys, "deadlines", "--config", config, "--team", "team-nobody")
    assert (code, out) == (0, "")
    assert err == "no deadline touches the inventory (--everything lists every model on every page)\n"
    # a resolved impact leaves the list; --all brings it back, marked so
    assert main(["resolve", "openai/deprecation/gpt-4-0613", "--config", config, "--by", "alice"]) == 0
    capsys.readouterr()
    code, out, _ = run(capsys, "deadlines", "--config", config, "--json", "--team", "team-assistant")
    assert (code, json.loads(out)) == (0, [])
    code, out, _ = run(capsys, "deadlines", "--config", config, "--json", "--team", "team-assistant", "--all")
    assert [(r["model"], [(a["service"], a["state"]) for a in r["affected"]]) for r in json.loads(out)] == [
        ("gpt-4-0613", [("chat", "resolved")])]
    with pytest.raises(SystemExit) as refused:  # a team's deadlines are the used ones: not with --everything
        main(["deadlines", "--config", config, "--team", "team-assistant", "--everything"])
    assert refused.value.code == 2
    capsys.readouterr()


def test_deadlines_everything_lists_every_model_on_every_page(stored: Path, tmp_path: Path, capsys) -> None:
    config = str(configured(tmp_path, database(stored, tmp_path)))
    code, out, _ = run(capsys, "deadlines", "--config", config, "--json", "--everything", "--all")
    every = json.loads(out)
    # every dated deprecation, and the live models' floors shown beside them as "not before"
    assert (code, len(every)) == (0, EVENTS)
    assert sum(1 for r in every if r["floor"]) == EVENTS - DATED_DEPRECATIONS
    assert [r["affected"] for r in every if r["model"] == "gpt-4-0314"] == [[]]  # on OpenAI's page, not used
    assert sum(1 for r in every if r["affected"]) == 3
    code, out, _ = run(capsys, "deadlines", "--config", config, "--json", "--everything")
    ahead = json.loads(out)
    # without --all, the full list leaves out dates already past
    assert len(ahead) == sum(1 for r in every if r["days_left"] >= 0)
    assert all(r["days_left"] >= 0 for r in ahead)


def test_deadlines_without_an_inventory_list_everything_and_say_so(stored: Path, tmp_path: Path, capsys) -> None:
    config = str(configured(tmp_path, database(stored, tmp_path), inventory=False))
    code, out, err = run(capsys, "deadlines", "--config", config, "--json", "--all")
    assert (code, len(json.loads(out))) == (0, EVENTS)  # the floors too
    assert err == f"{config}: no [inventory] path: showing every deadline on every page\n"
    code, _, err = run(capsys, "deadlines", "--config", config, "--team", "team-assistant")
    assert (code, err) == (2, f"{config}: no [inventory] path: --team needs the inventory's owners\n")


def test_impacts_show_the_key_ack_takes(stored: Path, tmp_path: Path, capsys) -> None:
    config = str(configured(tmp_path, database(stored, tmp_path)))
    code, out, err = run(capsys, "impacts", "--config", config)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "DEADLINE    STATE  OWNER           SERVICE      USES                                 "
        "EVENT KEY                                        PLATFORM:MODEL                       REASON",
        "2026-02-19  open   team-support    support-bot  anthropic:claude-3-5-haiku-20241022  "
        "anthropic/deprecation/claude-3-5-haiku-20241022  anthropic:claude-3-5-haiku-20241022  "
        "inventory uses claude-3-5-haiku-20241022, which anthropic retires 2026-02-19",
        "2026-10-23  open   team-assistant  chat         openai:gpt-4                         "
        "openai/deprecation/gpt-4-0613                    openai:gpt-4-0613                    "
        "inventory uses alias gpt-4, which openai lists with gpt-4-0613 for shutdown 2026-10-23",
        "2027-02-26  open   team-media      transcribe   openai:whisper-1                     "
        "openai/deprecation/whisper-1                     openai:whisper-1                     "
        "inventory uses whisper-1, which openai retires 2027-02-26",
    ]
    key = out.splitlines()[2].split()[5]
    assert main(["ack", key, "--config", config, "--by", "alice"]) == 0
    capsys.readouterr()
    code, out, _ = run(capsys, "impacts", "--config", config, "--json", "--team", "team-assistant")
    [row] = json.loads(out)
    assert (row["event_key"], row["model_key"], row["state"]) == (
        "openai/deprecation/gpt-4-0613", "openai:gpt-4-0613", "acknowledged")


def test_events_say_where_the_list_was_cut(stored: Path, tmp_path: Path, capsys) -> None:
    config = str(configured(tmp_path, database(stored, tmp_path), inventory=False))
    code, out, err = run(capsys, "events", "--config", config)
    assert (code, len(out.splitlines())) == (0, 200)
    assert err == f"showing the newest 200 of {EVENTS} events; --limit N shows more\n"
    code, out, err = run(capsys, "events", "--config", config, "--json", "--limit", "5", "--provider", "openai")
    assert [e["external_id"] for e in json.loads(out)] == [
        "chatgpt-image-latest", "gpt-image-1.5", "gpt-image-1-mini", "gpt-5.3-chat-latest", "gpt-5.2-chat-latest"]
    openai_events = 66 + 78  # OpenAI's page, and the map's openai entries it does not list
    assert err == f"showing the newest 5 of {openai_events} events; --limit N shows more\n"
    code, out, err = run(capsys, "events", "--config", config, "--limit", str(EVENTS))
    assert (code, len(out.splitlines()), err) == (0, EVENTS, "")


def scan_gate(capsys: pytest.CaptureFixture[str], config: Path, path: Path) -> tuple[int, list[str]]:
    code, _, err = run(capsys, "inventory", "scan", str(path), "--config", str(config), "--fail-within", "90d")
    return code, [line for line in err.splitlines() if not line.endswith(" use(s) found in " + str(path))]


def record_reads(config: Path, last_ok: dict[str, datetime]) -> None:
    """What the poller leaves in source_state: every configured source, and when each last read well."""
    loaded = load_config(str(config))
    engine = open_database(loaded.database.url)
    with engine.begin() as connection:
        sources.ensure(connection, loaded.sources)
        for source in loaded.sources:
            if source.name in last_ok:
                sources.record_success(connection, source, now=last_ok[source.name], items=1)
    engine.dispose()


def test_scan_gate_without_deprecation_data_fails(tmp_path: Path, capsys) -> None:
    config = configured(tmp_path, f"sqlite:///{tmp_path / 'empty.db'}", inventory=False, sources_text=SOURCES)
    now = datetime.now(UTC)
    record_reads(config, {"openai-deprecations": now, "anthropic-deprecations": now, "litellm": now})
    assert scan_gate(capsys, config, SAMPLE / "config") == (2, [
        f"cannot gate: no deprecation data: poll the deprecation sources first (watcher poll --config {config})"])


def test_scan_gate_with_stale_sources_fails(stored: Path, tmp_path: Path, capsys) -> None:
    config = configured(tmp_path, database(stored, tmp_path), inventory=False, sources_text=SOURCES)
    now = datetime.now(UTC).replace(microsecond=0)
    late = now - timedelta(hours=2, minutes=5)
    # litellm has a row but never read well; openai-status (not a deprecation page) and the disabled
    # groq-deprecations are never read at all, and do not count
    record_reads(config, {"openai-deprecations": now - timedelta(minutes=30), "anthropic-deprecations": late})
    assert scan_gate(capsys, config, SAMPLE / "config/service.toml") == (2, [
        "cannot gate: source anthropic-deprecations (anthropic-deprecations) last read successfully at "
        f"{late:%Y-%m-%dT%H:%M:%SZ}, more than two intervals (2h) ago: the deadlines may be out of date",
        "cannot gate: source litellm (litellm-model-map) has never been read successfully: the deadlines may be "
        "out of date",
    ])


def test_scan_gate_with_fresh_data_passes_or_fails_on_the_findings(stored: Path, tmp_path: Path, capsys) -> None:
    config = configured(tmp_path, database(stored, tmp_path), inventory=False, sources_text=SOURCES)
    now = datetime.now(UTC)
    record_reads(config, {"openai-deprecations": now - timedelta(minutes=59), "anthropic-deprecations": now,
                          "litellm": now - timedelta(hours=11)})
    code, err = scan_gate(capsys, config, SAMPLE / "config")
    assert code == 1
    assert [line.split(" at ")[0] for line in err] == ["DEADLINE 2026-10-23 openai:gpt-4",
                                                       "DEADLINE 2026-10-23 openai:o3-mini"]
    assert scan_gate(capsys, config, SAMPLE / "config/service.toml") == (0, [])
    # a date only LiteLLM's map gives still fails the gate, and says whose date it is
    (tmp_path / "app").mkdir()
    (tmp_path / "app/transcribe.py").write_text(
        'from openai import OpenAI\n\nOpenAI().audio.transcriptions.create(model="whisper-1", file=audio)\n')
    code, _, err = run(capsys, "inventory", "scan", str(tmp_path / "app"), "--config", str(config),
                       "--fail-within", "3650d")
    assert (code, err.splitlines()[-1]) == (
        1, "DEADLINE 2027-02-26 openai:whisper-1 at transcribe.py:3: inventory uses whisper-1, which openai retires "
           "2027-02-26 (per LiteLLM's model map, not on openai's own page)")


def test_scan_gate_watches_exactly_the_deprecation_kinds(stored: Path, tmp_path: Path, capsys) -> None:
    every_kind = "".join(f'\n[[sources]]\nname = "{kind}"\nkind = "{kind}"\nprovider = "p"\nurl = "https://x.test"\n'
                         for kind in sorted(POLLED))
    config = configured(tmp_path, database(stored, tmp_path), inventory=False, sources_text=every_kind)
    code, err = scan_gate(capsys, config, SAMPLE / "config/service.toml")
    assert code == 2
    assert [line.removeprefix("cannot gate: source ").split(" ")[0] for line in err] == [
        "alibaba-model-studio", "anthropic-deprecations", "azure-ai-foundry-lifecycle", "azure-openai-retirements",
        "bedrock-lifecycle", "cerebras-deprecations", "cohere-deprecations", "deepseek-updates",
        "fireworks-changelog", "gemini-deprecations", "groq-deprecations", "lifecycle-prose", "lifecycle-table",
        "litellm-model-map", "minimax-models", "mistral-models", "moonshot-models", "openai-deprecations",
        "perplexity-changelog", "together-deprecations", "vertex-model-versions", "xai-retirements",
        "xiaomi-mimo-deprecations", "zai-releases"]  # every kind that reads lifecycle notices, no status page
