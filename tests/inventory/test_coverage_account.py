"""`watcher coverage` and the account surface: a platform's account notices are wired once a mailbox
received an authenticated mail about it (a mail that failed authentication wires nothing), else they
say how to route them to the mailbox; the `spend` surface is wired by a `[[spend]]` source reading that
provider (broken when it fails), else it says how to add one."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.conftest import write_config
from watcher.cli.main import main
from watcher.storage.engine import open_database, session
from watcher.storage.tables import SourceState
from watcher.storage.tables_mail import MailMessage

INVENTORY = "".join(
    f'[[uses]]\nservice = "{service}"\nprovider = "{provider}"\nplatform = "{platform}"\nmodel = "{model}"\n'
    'owner = "t"\n\n' for service, provider, platform, model in (
        ("chat", "openai", "openai", "gpt-4.1"), ("writer", "anthropic", "anthropic", "claude-sonnet-4-5"),
        ("vision", "google", "vertex", "gemini-2.5-pro")))
MAILBOX = """
[[mailboxes]]
name = "shared-inbox"
host = "imap.example.com"
username_env = "UNUSED_USER"
password_env = "UNUSED_PASSWORD"
"""
SPEND = """
[[spend]]
name = "openai-spend"
provider = "openai"
admin_key_env = "UNUSED_KEY"
"""


def coverage(tmp_path: Path, capsys: Any, extra: str) -> dict[tuple[str, str], dict[str, Any]]:
    (tmp_path / "inventory.toml").write_text(INVENTORY)
    config = write_config(tmp_path / "w.toml", database_url=f"sqlite:///{tmp_path / 'w.db'}", sources="",
                          extra=f'[inventory]\npath = "inventory.toml"\n{extra}')
    assert main(["coverage", "--config", str(config), "--json"]) == 0
    return {(r["platform"], r["surface"]): r for r in json.loads(capsys.readouterr().out)}


def mail(tmp_path: Path, *, platform: str, authenticated: bool, message_id: str) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'w.db'}")
    now = datetime(2026, 11, 3, 8, tzinfo=UTC)
    with session(engine) as db:
        db.add(MailMessage(mailbox="shared-inbox", message_id=message_id, received_at=now, handled_at=now,
                           sender=f"no-reply@{platform}.com", platform=platform, authenticated=authenticated,
                           outcome="stored"))
        db.commit()
    engine.dispose()


def test_account_notices_are_wired_by_authenticated_mail_only(tmp_path: Path, capsys: Any) -> None:
    mail(tmp_path, platform="anthropic", authenticated=True, message_id="<a1@mail.anthropic.com>")
    mail(tmp_path, platform="openai", authenticated=False, message_id="<spoof@openai.com>")
    rows = coverage(tmp_path, capsys, MAILBOX + SPEND)
    notices = rows[("anthropic", "account notices")]
    assert (notices["state"], notices["source"], notices["how_to"]) == ("wired", "shared-inbox", None)
    for platform in ("openai", "vertex"):  # the spoofed OpenAI mail wires nothing
        row = rows[(platform, "account notices")]
        assert (row["state"], row["source"]) == ("missing", None)
        assert row["how_to"].endswith(f"no authenticated mail from {platform} has reached the mailbox (shared-inbox) "
                                      "yet: make it that inbox, or forward those notices to it")
    assert rows[("vertex", "account notices")]["how_to"].startswith("Google Cloud Personalized Service Health")


def test_without_a_mailbox_account_notices_say_to_add_one(tmp_path: Path, capsys: Any) -> None:
    rows = coverage(tmp_path, capsys, "")
    row = rows[("anthropic", "account notices")]
    assert row["state"] == "missing"
    assert row["how_to"] == ("Anthropic e-mails deprecation and account notices to the organization's admins: route "
                             "them to a shared inbox the team reads; then add that inbox as a [[mailboxes]] entry "
                             "so that the watcher reads the notices")


def test_the_spend_surface(tmp_path: Path, capsys: Any) -> None:
    rows = coverage(tmp_path, capsys, SPEND)
    assert (rows[("openai", "spend")]["state"], rows[("openai", "spend")]["source"]) == ("wired", "openai-spend")
    missing = rows[("anthropic", "spend")]
    assert (missing["state"], missing["source"]) == ("missing", None)
    assert missing["how_to"].startswith('add [[spend]] name = "anthropic-spend", provider = "anthropic", '
                                        'admin_key_env = "ANTHROPIC_ADMIN_KEY"')
    assert ("vertex", "spend") not in rows  # no spend API for it: no surface to cover
    engine = open_database(f"sqlite:///{tmp_path / 'w.db'}")
    with session(engine) as db:  # the admin key was revoked
        db.add(SourceState(name="openai-spend", kind="spend", provider="openai", health="failing",
                           consecutive_failures=2, last_error="HTTP 401 Unauthorized: the admin key in UNUSED_KEY "
                                                              "was refused"))
        db.commit()
    engine.dispose()
    broken = coverage(tmp_path, capsys, SPEND)[("openai", "spend")]
    assert broken["state"] == "broken" and "UNUSED_KEY was refused" in broken["how_to"]
