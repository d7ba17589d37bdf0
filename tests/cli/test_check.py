"""`watcher check` tells the truth: what it passes, `watcher run` starts; what run would refuse (a
secret not set, an inventory entry that can match nothing), check refuses first, without the
database; and it says what the daemon will watch and where it will tell."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_config
from tests.process import Daemon, free_port, watcher
from watcher.cli.main import main

INVENTORY = '''
[[uses]]
service = "chat"
provider = "openai"
platform = "openai"
model = "gpt-4o"
owner = "team-chat"
channel = "#chat-oncall"

[[uses]]
service = "search"
provider = "anthropic"
platform = "bedrock"
model = "anthropic.claude-3-5-sonnet-20240620-v1:0"
owner = "team-search"

[[uses]]
service = "summarize"
provider = "openai"
platform = "openai"
model = "gpt-4.1"
owner = "team-search"
'''

CONFIG = '''
[inventory]
path = "uses.toml"

[[sources]]
name = "openai-status"
kind = "statuspage"
provider = "openai"
url = "https://status.openai.com"
interval = "2m"

[[sources]]
name = "xai-status"
kind = "feed"
provider = "xai"
url = "https://status.x.ai/feed.xml"

[[sources]]
name = "openai-changelog"
kind = "openai-changelog"
provider = "openai"
url = "https://developers.openai.com/api/docs/changelog.md"
interval = "1h"
enabled = false

[[webhooks]]
name = "openai"
kind = "standard-webhooks"
provider = "openai"
secret_env = "TEST_OPENAI_WH"

[[webhooks]]
name = "statuspage"
kind = "statuspage-webhook"
provider = "anthropic"
secret_env = "TEST_SP_TOKEN"

[slack]
token_env = "TEST_SLACK_TOKEN"
channel = "#ai-oncall"

[email]
host = "smtp.example.com"
from = "watcher@example.com"
to = ["ai-platform@example.com"]

[digest]
schedule = "mon 09:00"
timezone = "Europe/Berlin"
per_team = true
'''
ENV = {"TEST_OPENAI_WH": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "TEST_SP_TOKEN": "sp-secret-token",
       "TEST_SLACK_TOKEN": "xoxb-secret-token"}


def test_check_summarizes_what_the_daemon_will_watch(tmp_path: Path, capsys, monkeypatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "uses.toml").write_text(INVENTORY, encoding="utf-8")
    config = tmp_path / "watcher.toml"
    config.write_text('[database]\nurl = "postgresql+psycopg://watcher:pg-secret@127.0.0.1:1/watcher"\n' + CONFIG,
                      encoding="utf-8")
    assert main(["check", "--config", str(config)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out.splitlines() == [
        f"{config}: 3 source(s), 2 webhook(s), database postgresql+psycopg://watcher:***@127.0.0.1:1/watcher",
        "  sources by kind: feed 1, statuspage 1 (1 disabled)",
        "  source openai-status: statuspage https://status.openai.com every 120s",
        "  source xai-status: feed https://status.x.ai/feed.xml every 300s",
        "  source openai-changelog: openai-changelog https://developers.openai.com/api/docs/changelog.md every 3600s "
        "(disabled)",
        "  webhook openai: standard-webhooks from openai at /webhooks/openai",
        "  webhook statuspage: statuspage-webhook from anthropic at /webhooks/statuspage/<token>",
        f"  inventory {tmp_path / 'uses.toml'}: 3 use(s), 3 service(s), 2 team(s)",
        "  notifications: Slack channel #ai-oncall; team channels from the inventory: #chat-oncall",
        "  digest: mon 09:00 (Europe/Berlin) to ai-platform@example.com, and each team's own part to the `email` "
        "of its uses",
    ]
    assert not any(value in captured.out for value in [*ENV.values(), "pg-secret"])


def test_check_summary_of_a_bare_config(tmp_path: Path, capsys) -> None:
    config = write_config(tmp_path / "watcher.toml", database_url="sqlite:///watcher.db", sources="",
                          extra='[email]\nhost = "smtp.example.com"\nfrom = "w@example.com"\nto = ["a@example.com"]\n')
    assert main(["check", "--config", str(config)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{config}: 0 source(s), 0 webhook(s), database sqlite:///watcher.db",
        "  inventory: none (no [inventory] path: events are stored and told, impacts are not worked out)",
        "  notifications: console (standard output; no [slack] section)",
        "  digest: none (no [digest] schedule; `watcher digest --send` sends one by hand)",
    ]


def test_check_and_run_ask_for_the_same_secrets(tmp_path: Path, capsys, monkeypatch) -> None:
    """Every `*_env` key: check and run name the same missing ones; with all set, check passes and run starts."""
    secrets = {**ENV, "TEST_API_TOKEN": "api-secret", "TEST_DASHBOARD": "dash-secret",
               "TEST_SIGNING": "signing-secret", "TEST_CALENDAR": "calendar-secret", "TEST_SMTP_USER": "smtp-user",
               "TEST_SMTP_PASSWORD": "smtp-secret"}
    for name in secrets:
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "uses.toml").write_text(INVENTORY, encoding="utf-8")
    port = free_port()
    config = write_config(
        tmp_path / "watcher.toml", database_url=f"sqlite:///{tmp_path / 'watcher.db'}", port=port, sources="",
        server='api_token_env = "TEST_API_TOKEN"\ndashboard_auth_env = "TEST_DASHBOARD"\n',
        extra=CONFIG.split("[[sources]]")[0] + "[[webhooks]]" + CONFIG.split("[[webhooks]]", 1)[1]
        .replace('channel = "#ai-oncall"', 'channel = "#ai-oncall"\nsigning_secret_env = "TEST_SIGNING"')
        .replace('to = ["ai-platform@example.com"]', 'to = ["ai-platform@example.com"]\n'
                 'username_env = "TEST_SMTP_USER"\npassword_env = "TEST_SMTP_PASSWORD"')
        + '\n[calendar]\ntoken_env = "TEST_CALENDAR"\n')
    expected = [f"{config}: key `{key}`: environment variable {env} is not set; export it or put it in the "
                "EnvironmentFile of the systemd unit" for key, env in [
                    ("webhooks[0].secret_env", "TEST_OPENAI_WH"), ("webhooks[1].secret_env", "TEST_SP_TOKEN"),
                    ("server.api_token_env", "TEST_API_TOKEN"), ("server.dashboard_auth_env", "TEST_DASHBOARD"),
                    ("slack.token_env", "TEST_SLACK_TOKEN"), ("slack.signing_secret_env", "TEST_SIGNING"),
                    ("calendar.token_env", "TEST_CALENDAR"), ("email.username_env", "TEST_SMTP_USER"),
                    ("email.password_env", "TEST_SMTP_PASSWORD")]]
    assert main(["check", "--config", str(config)]) == 2
    assert capsys.readouterr().err.splitlines() == expected
    refused = watcher("run", "--config", str(config), check=False)
    assert refused.returncode == 2 and refused.stderr.splitlines() == expected

    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    assert main(["check", "--config", str(config)]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and not any(value in captured.out for value in secrets.values())
    daemon = Daemon(config, port, tmp_path / "run.log", env=secrets)
    assert daemon.stop() == 0
    assert not any(value in daemon.log.read_text() for value in secrets.values())


def test_check_refuses_inventory_entries_that_can_match_nothing(tmp_path: Path, capsys) -> None:
    inventory = tmp_path / "uses.toml"
    inventory.write_text(INVENTORY.replace('platform = "openai"\nmodel = "gpt-4.1"', 'platform = "opneai"\n'
                                           'model = "gpt-4.1"') + '''
[[uses]]
service = "ocr"
provider = "azure"
platform = "azure-openai"
model = ""
deployment = "ocr-prod"
owner = "team-docs"

[[uses]]
service = "scanned"
provider = "unknown"
platform = "unknown"
model = "  "
owner = "unowned"

[[uses]]
service = "tools"
provider = "acme"
platform = "acme"
model = "acme-1"
owner = "team-tools"
''', encoding="utf-8")
    config = write_config(tmp_path / "watcher.toml", database_url="sqlite:///watcher.db", sources="",
                          extra='[inventory]\npath = "uses.toml"\n')
    known = ("alibaba, anthropic, azure-ai, azure-openai, bedrock, cerebras, cohere, deepseek, fireworks, gemini, "
             "groq, minimax, mistral, moonshot, openai, perplexity, together, vertex, xai, xiaomi, zai")
    assert main(["check", "--config", str(config)]) == 2
    captured = capsys.readouterr()
    assert f"  inventory {inventory}: 6 use(s), 6 service(s), 5 team(s)" in captured.out.splitlines()
    assert captured.err.splitlines() == [
        f"{inventory}: key `uses[2].platform`: unknown platform 'opneai' (service 'summarize'); use one of: {known}",
        f"{inventory}: key `uses[3].model`: empty model (service 'ocr'); set it to the model the deployment runs",
        f"{inventory}: key `uses[4].platform`: unknown platform 'unknown' (service 'scanned'); use one of: {known}",
        f"{inventory}: key `uses[4].model`: empty model (service 'scanned'); set it to the model id the code calls",
        f"{inventory}: key `uses[5].platform`: unknown platform 'acme' (service 'tools'); use one of: {known}",
    ]
    # a platform the config's [catalog] gives aliases for is known too
    config.write_text(config.read_text() + '\n[catalog.aliases.acme]\n"acme-latest" = "acme-1"\n', encoding="utf-8")
    assert main(["check", "--config", str(config)]) == 2
    assert "'acme'" not in capsys.readouterr().err


def test_check_reads_the_inventory_file(tmp_path: Path, capsys) -> None:
    config = write_config(tmp_path / "watcher.toml", database_url="sqlite:///watcher.db", sources="",
                          extra='[inventory]\npath = "uses.toml"\n')
    assert main(["check", "--config", str(config)]) == 2
    assert capsys.readouterr().err == (f"{tmp_path / 'uses.toml'}: no such inventory file; create it or fix "
                                       "[inventory] path\n")
    (tmp_path / "uses.toml").write_bytes(b'[[uses]]\nservice = "caf\xe9"\n')
    assert main(["check", "--config", str(config)]) == 2
    assert capsys.readouterr().err == (f"{tmp_path / 'uses.toml'}: not UTF-8 text (byte 0xe9 at offset 23); "
                                       "save the file as UTF-8\n")
    (tmp_path / "uses.toml").write_text('[[uses]]\nservice = "chat"\nplatfrom = "openai"\n', encoding="utf-8")
    assert main(["check", "--config", str(config)]) == 2
    assert "key `uses[0].platfrom`: unknown key; see the [[uses]] shape in README" in capsys.readouterr().err
