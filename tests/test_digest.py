"""The weekly digest through a real SMTP server (aiosmtpd), read back with the `email` package."""

from __future__ import annotations

import email
from datetime import date, timedelta
from email.policy import default
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import write_config
from tests.process import free_port
from tests.scenarios import FIXTURES
from tests.test_calendar import NOW, PAGE, load_page
from watcher.cli import main
from watcher.commands import load_config


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def config_for(tmp_path: Path, database: str, port: int) -> Path:
    return write_config(tmp_path / "w.toml", database_url=database, sources="", extra=f"""
[inventory]
path = "{FIXTURES / 'inventory/uses.toml'}"

[email]
host = "127.0.0.1"
port = {port}
security = "none"
from = "watcher@example.com"
to = ["ai-platform@example.com", "oncall@example.com"]

[digest]
schedule = "mon 09:00"
timezone = "Europe/Berlin"
""")


def test_digest_is_sent_with_both_parts(tmp_path: Path, smtp, capsys) -> None:
    controller, inbox = smtp
    database = f"sqlite:///{tmp_path / 'w.db'}"
    # the page says 2026-10-23; move both dates to within the digest's 90 days from the real today
    soon, sooner = (date.today() + timedelta(days=d) for d in (40, 30))
    load_page(database, PAGE.replace("2026-10-23    | `gpt-4-0613`", f"{soon}    | `gpt-4-0613`")
              .replace("| 2026-10-23    | `gpt-4o-2024-05-13`", f"| {sooner}    | `gpt-4o-2024-05-13`"), NOW)
    config = config_for(tmp_path, database, controller.port)
    assert main(["ack", "--config", str(config), "openai/deprecation/gpt-4o-2024-05-13", "--by", "bo"]) == 0
    assert main(["digest", "--config", str(config), "--send"]) == 0
    [(sender, recipients, raw)] = inbox.messages
    assert (sender, recipients) == ("watcher@example.com", ["ai-platform@example.com", "oncall@example.com"])
    mail = email.message_from_bytes(raw, policy=default)
    assert mail["Subject"].startswith("provider-watcher digest:")
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "NOT YET ACKNOWLEDGED" in text and "team-assistant: chat — inventory uses alias gpt-4" in text
    assert "<h2>Not yet acknowledged</h2>" in html
    assert "chat — inventory uses alias gpt-4" in html
    # deadlines by team, with days left and who acknowledged
    assert f"{sooner} (30 days)  openai:gpt-4o-2024-05-13 -> gpt-5.5  [search] acknowledged by bo" in text
    assert f"{soon} (40 days)  openai:gpt-4-0613 -> gpt-5.5  [chat]" in text
    assert text.index("team-assistant") < text.index("team-search")


def test_digest_preview_escapes_provider_text(tmp_path: Path, smtp, capsys) -> None:
    controller, _ = smtp
    database = f"sqlite:///{tmp_path / 'w.db'}"
    soon = date.today() + timedelta(days=20)
    lines = [line.replace("2026-10-23", str(soon)).replace("`gpt-5.5`", "gpt-5.5 & gpt-5.4 < 6")
             if "`gpt-4-0613`" in line else line for line in PAGE.splitlines()]
    load_page(database, "\n".join(lines), NOW)
    config = config_for(tmp_path, database, controller.port)
    assert main(["digest", "--config", str(config), "--preview"]) == 0
    html = capsys.readouterr().out
    assert "gpt-5.5 &amp; gpt-5.4 &lt; 6" in html  # the provider's text, escaped (tags never survive parsing)
    assert load_config(str(config)).digest.cron() == {"day_of_week": "mon", "hour": 9, "minute": 0}


def test_bad_schedule_and_zone_are_config_errors(tmp_path: Path, capsys) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[digest]\nschedule = "mondays at nine"\ntimezone = "Mars/Olympus"\n')
    assert main(["check", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert '`digest.schedule`: write it as "mon 09:00"' in err
    assert "`digest.timezone`: unknown time zone 'Mars/Olympus'" in err
