"""Config mistakes name the file, the key and the fix; the CLI's exit codes; `watcher parse`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors import POLLED
from tests.process import watcher
from tests.scenarios import FIXTURES
from watcher.cli.main import main
from watcher.config.io import load
from watcher.config.values import parse_duration
from watcher.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]

SOURCE = '''
[[sources]]
name = "anthropic-status"
kind = "statuspage"
provider = "anthropic"
url = "https://status.claude.com"
interval = "2m"
'''


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "watcher.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_is_valid_and_uses_the_real_endpoints(capsys) -> None:
    config = load(ROOT / "config.example.toml", known_kinds=set(POLLED))
    assert config.database.url == "sqlite:///watcher.db"
    urls = {s.name: s.url for s in config.sources}
    assert urls["anthropic-status"] == "https://status.claude.com"
    assert urls["openai-status"] == "https://status.openai.com"
    assert {s.kind for s in config.sources} == set(POLLED)
    assert main(["check", "--config", str(ROOT / "config.example.toml")]) == 0
    assert f"{len(config.sources)} source(s)" in capsys.readouterr().out


def test_durations() -> None:
    assert [parse_duration(v) for v in ("30s", "2m", "1h", "90d", 45)] == [30, 120, 3600, 90 * 86400, 45]
    with pytest.raises(ValueError, match="like \"30s\""):
        parse_duration("2 minutes")


@pytest.mark.parametrize("text, key, fix", [
    (SOURCE.replace('interval = "2m"', 'interval = "2 minutes"'), "sources[0].interval", "like \"30s\""),
    (SOURCE.replace('interval = "2m"', 'intervall = "2m"'), "sources[0].intervall", "unknown key"),
    (SOURCE.replace('url = "https://status.claude.com"', 'url = "status.claude.com"'), "sources[0].url",
     "must start with https://"),
    (SOURCE.replace('provider = "anthropic"\n', ""), "sources[0].provider", "required"),
    (SOURCE.replace('kind = "statuspage"', 'kind = "statuspag"'), "sources[0].kind",
     "use one of: alibaba-model-studio, anthropic-deprecations, aws-health-public"),
    ('[server]\nport = "eighty"\n', "server.port", "integer"),
    ('[database]\nurl = "mysql://x"\n', "database.url", "postgresql+psycopg://"),
    ('[slack]\ntoken = "xoxb-secret"\nchannel = "#x"\n', "slack.token", "unknown key"),
    (SOURCE + SOURCE, "sources[1].name", "names must be unique"),
    (SOURCE.replace('"2m"', '"100000000000d"'), "sources[0].interval",
     '1e+11 days is too long; at most a year ("365d")'),
    (SOURCE.replace('"2m"', "inf"), "sources[0].interval", 'inf days is too long; at most a year ("365d")'),
    (SOURCE.replace('"2m"', "1" + "0" * 400), "sources[0].interval", "a number too large for a duration"),
    ('[poller]\ntimeout = "366d"\n', "poller.timeout", '366 days is too long; at most a year ("365d")'),
    ('[escalation]\nmax_snooze = "400d"\n', "escalation.max_snooze", '400 days is too long'),
    ('[escalation]\nsteps = ["30d", "9999d"]\n', "escalation.steps[1]", '9999 days is too long'),
])
def test_config_errors_name_file_key_and_fix(tmp_path: Path, text: str, key: str, fix: str, capsys) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load(path, known_kinds=set(POLLED))
    message = str(caught.value)
    assert str(path) in message and f"`{key}`" in message and fix in message
    assert main(["check", "--config", str(path)]) == 2
    assert f"`{key}`" in capsys.readouterr().err


def test_toml_syntax_error_and_missing_file(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, "[server\nport = 1\n")
    assert main(["check", "--config", str(path)]) == 2
    assert f"{path}: not valid TOML" in capsys.readouterr().err
    assert main(["check", "--config", str(tmp_path / "nope.toml")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_a_year_is_the_longest_duration(tmp_path: Path) -> None:
    path = write(tmp_path, SOURCE.replace('"2m"', '"365d"') + '[escalation]\nmax_snooze = "365d"\n')
    config = load(path, known_kinds=set(POLLED))
    assert (config.sources[0].interval, config.escalation.max_snooze) == (365 * 86400, 365 * 86400)
    assert main(["check", "--config", str(path)]) == 0


def test_a_config_that_cannot_be_read_is_named_with_the_fix(tmp_path: Path, capsys) -> None:
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes('[slack]\nchannel = "#caf\u00e9"\n'.encode("latin-1"))
    assert main(["check", "--config", str(latin1)]) == 2
    assert capsys.readouterr().err == f"{latin1}: not UTF-8 text (byte 0xe9 at offset 23); save the file as UTF-8\n"
    assert main(["check", "--config", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (f"{tmp_path}: is a directory; pass the TOML file itself (like "
                                       f"{tmp_path / 'watcher.toml'})\n")
    under_a_file = latin1 / "watcher.toml"
    assert main(["check", "--config", str(under_a_file)]) == 2
    assert capsys.readouterr().err == (f"{under_a_file}: cannot be read (Not a directory); check the path and its "
                                       "permissions\n")
    run = watcher("run", "--config", str(latin1), check=False)
    assert (run.returncode, run.stderr) == (2, f"{latin1}: not UTF-8 text (byte 0xe9 at offset 23); save the file "
                                               "as UTF-8\n")


def test_secrets_come_from_the_environment_and_are_never_printed(tmp_path: Path, capsys, monkeypatch) -> None:
    path = write(tmp_path, '[slack]\ntoken_env = "TEST_SLACK_TOKEN"\nchannel = "#ai-oncall"\n')
    monkeypatch.delenv("TEST_SLACK_TOKEN", raising=False)
    assert main(["check", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "`slack.token_env`" in err and "TEST_SLACK_TOKEN is not set" in err
    monkeypatch.setenv("TEST_SLACK_TOKEN", "xoxb-very-secret-value")
    assert main(["check", "--config", str(path)]) == 0
    captured = capsys.readouterr()
    assert "xoxb-very-secret-value" not in captured.out + captured.err


@pytest.mark.parametrize("kind, path, count", [
    ("statuspage", "statuspage/anthropic_summary_incident_monitoring.json", 1),
    ("statuspage", "statuspage/openai_incidentio_summary_partial_degradation.json", 2),
    ("statuspage", "statuspage/anthropic_scheduled_maintenances_completed.json", 2),
    ("statuspage", "statuspage/anthropic_status_operational.json", 0),
    ("feed", "feed/statuspage_claude_history.atom", 8),
    ("feed", "feed/xai_guid_reused_across_components.xml", 4),
    ("feed", "feed/anthropic_release_notes_changelog.xml", 2),
    ("google-cloud-status", "google-cloud-status/incidents_resolved_multi_product.json", 1),
    ("aws-health-public", "aws-health-public/currentevents_open_event.json", 1),
])
def test_parse_command_prints_event_json(kind: str, path: str, count: int, capsys) -> None:
    assert main(["parse", kind, str(FIXTURES / path), "--provider", "p"]) == 0
    drafts = json.loads(capsys.readouterr().out)
    assert len(drafts) == count
    fields = ["provider", "kind", "external_id", "title", "summary", "url", "status", "severity",
              "published_at", "updated_at", "starts_at", "ends_at", "deadline", "deadline_precision",
              "deadline_earliest", "replacement", "models", "components", "regions"]
    for draft in drafts:
        assert list(draft)[: len(fields)] == fields
        assert draft["provider"] == "p"


def test_parse_command_reports_a_broken_file(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "summary.json"
    bad.write_text('{"page": {}, "data": []}')
    assert main(["parse", "statuspage", str(bad)]) == 1
    assert "layout_changed" in capsys.readouterr().err
    assert main(["parse", "nosuchkind", str(bad)]) == 2


def test_parse_command_passes_the_column_hints_to_the_generic_table_reader(tmp_path: Path, capsys) -> None:
    """A page whose headers say nothing the reader recognises: refused, then read with the hints a
    [[sources]] entry would give (the Groq page with its headers renamed)."""
    page = (FIXTURES / "groq-deprecations/deprecations_md.md").read_text()
    opaque = tmp_path / "page.md"
    opaque.write_text(page.replace("Shutdown Date", "Col B").replace("Deprecated Model", "Col A"))
    assert main(["parse", "lifecycle-table", str(opaque), "--provider", "groq"]) == 1
    assert "layout_changed" in capsys.readouterr().err
    assert main(["parse", "lifecycle-table", str(opaque), "--provider", "reseller", "--platform", "groq",
                 "--model-column", "Col A", "--date-column", "Col B"]) == 0
    drafts = {d["external_id"]: d for d in json.loads(capsys.readouterr().out)}
    assert drafts["groq/compound"]["deadline"] == "2026-09-21"  # | groq/compound | 09/21/26 | — |
    assert {d["provider"] for d in drafts.values()} == {"groq"}
