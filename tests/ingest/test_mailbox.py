"""Mailbox readers against a real IMAP server (Debian's Dovecot, tests/mail_server.py): mail appended
over IMAP, read, stored as events, marked done; the page's event revised by the provider's mail;
spoofs, forwards and encodings; a 25 MB+ mail refused unread; a message handled once across copies
and restarts; handled mail moved to the done folder."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP

from sqlalchemy import Engine
from sqlmodel import select

from tests.ingest.mailbox_kit import event, fixture, flags, messages, reader, seed_page, sync_once
from tests.mail_server import Dovecot
from watcher.events.store import Change
from watcher.ingest.mailbox import authenticated_platforms
from watcher.storage.engine import session
from watcher.storage.tables import Event, EventRevision


def test_provider_mail_revises_the_page_event_with_the_mailbox_in_its_provenance(
        server: Dovecot, engine: Engine, executor: ThreadPoolExecutor) -> None:
    seed_page(engine, datetime(2025, 7, 2, tzinfo=UTC))
    page = event(engine, "anthropic", "deprecation", "claude-3-opus-20240229")
    assert (page.revision, page.deadline, page.replacement) == (1, "2026-01-05", "claude-opus-4-6")
    server.append(fixture("anthropic_opus3_retirement.eml"))
    told: list[Change] = []
    assert sync_once(reader(server, engine, executor, told)) == 1

    revised = event(engine, "anthropic", "deprecation", "claude-3-opus-20240229")
    assert revised.id == page.id and revised.revision == 2  # a revision of the page's event, not a second one
    assert (revised.deadline, revised.replacement, revised.url) == ("2026-01-05", "claude-opus-4-6", page.url)
    assert revised.extra["deadline_time"] == "9AM PT"
    assert set(revised.provenance) == {"anthropic-deprecations", "ops-inbox"}
    mailbox = revised.provenance["ops-inbox"]
    assert mailbox["first_seen_at"] == "2026-04-16T08:00:00Z" and mailbox["told"] == ["ml-team@example.com"]
    assert mailbox["mails"] == [{"message_id": "opus3-retirement.20250630@mail.anthropic.com",
                                 "sent_at": "2025-06-30T17:15:00Z", "to": ["ml-team@example.com"],
                                 "trust": "provider"}]
    with session(engine) as db:
        last = db.exec(select(EventRevision).where(EventRevision.event_id == revised.id, EventRevision.revision == 2)
                       ).one()
    assert last.source == "ops-inbox"
    assert last.changes["updates"]["added"] == [{"at": "2025-06-30T17:15:00Z", "status": "e-mailed", "body": (
        "Anthropic told ml-team@example.com: Claude Opus 3 will be retired on January 5, 2026")}]
    assert [(c.action, c.event["external_id"]) for c in told] == [("revised", "claude-3-opus-20240229")]
    [row] = messages(engine)
    assert (row.mailbox, row.message_id, row.outcome, row.platform, row.authenticated, row.event_keys) == (
        "ops-inbox", "opus3-retirement.20250630@mail.anthropic.com", "stored", "anthropic", True,
        ["anthropic/deprecation/claude-3-opus-20240229"])
    assert flags(server) == [{b"\\Seen", b"provider-watcher"}]
    with session(engine) as db:
        assert authenticated_platforms(db) == {"anthropic": row.received_at}


def test_every_kind_of_mail_through_a_real_server(server: Dovecot, engine: Engine,
                                                  executor: ThreadPoolExecutor) -> None:
    seed_page(engine, datetime(2026, 4, 14, tzinfo=UTC))  # Sonnet 4 and Opus 4 are live there, with floors
    names = ["anthropic_claude4_retirement.eml", "anthropic_claude4_retirement_spoofed.eml",
             "openai_gpt5_snapshots_shutdown.eml", "aws_bedrock_claude35_sonnet_eol.eml",
             "azure_openai_gpt4o_auto_update.eml", "openai_api_key_leaked.eml", "forward_gmail_anthropic_opus3.eml",
             "forward_outlook_openai_gpt5_unauthenticated.eml"]
    for name in names:
        server.append(fixture(name))
    colleague = EmailMessage()
    colleague["From"], colleague["Subject"] = "dave@example.com", "lunch"
    colleague["Message-ID"] = "<lunch@example.com>"
    colleague.set_content("Lunch at noon?")
    server.append(colleague.as_bytes(policy=SMTP))
    told: list[Change] = []
    assert sync_once(reader(server, engine, executor, told)) == 9
    assert [(m.outcome, m.platform, m.authenticated) for m in messages(engine)] == [
        ("stored", "anthropic", True), ("stored", "anthropic", False), ("stored", "openai", True),
        ("stored", "bedrock", True), ("stored", "azure-openai", True), ("stored", "openai", True),
        ("stored", "anthropic", False), ("stored", "openai", False), ("ignored", None, False)]
    # a model the page lists only as live: the mail makes the deprecation (and firms the page's floor)
    sonnet = event(engine, "anthropic", "deprecation", "claude-sonnet-4-20250514")
    assert (sonnet.source, sonnet.deadline, sonnet.replacement, sonnet.revision) == (
        "ops-inbox", "2026-06-15", "Claude Sonnet 4.6", 1)
    assert event(engine, "anthropic", "lifecycle", "claude-sonnet-4-20250514").status == "superseded"
    # models no page lists: the mail creates them (HTML only, base64)
    assert event(engine, "openai", "deprecation", "gpt-5-pro-2025-10-06").deadline == "2026-12-10"
    assert event(engine, "bedrock", "deprecation", "anthropic.claude-3-5-sonnet-20240620-v1:0").deadline == "2026-03-01"
    spoof = event(engine, "anthropic", "account", "claude4-retirement.20260415.spoofed@mail.anthropic.com")
    assert (spoof.severity, spoof.title) == ("notice", "Unverified mail claiming to be from Anthropic: Claude Sonnet 4 "
                                                       "and Claude Opus 4 will be retired on June 15, 2026")
    # a colleague's forward is her word: kept as the mailbox's provenance, never overruling the page
    forwarded = event(engine, "anthropic", "deprecation", "claude-3-opus-20240229")
    assert (forwarded.source, forwarded.revision) == ("anthropic-deprecations", 1)
    assert forwarded.provenance["ops-inbox"]["third_party"] is True
    assert forwarded.provenance["ops-inbox"]["told"] == ["ai-platform@example.com"]
    assert "third_party" not in forwarded.extra
    assert event(engine, "openai", "account", "DB9PR01MB0001.outlook-fw-gpt5@example.org").status == "unverified"
    assert "You’re receiving this notice" in event(
        engine, "azure-openai", "changelog", "azure-openai-gpt4o-update.20241011@microsoft.com").summary
    assert event(engine, "openai", "account", "key-rotation.20230130@openai.com").severity == "warning"
    with session(engine) as db:
        kinds = sorted({(e.provider, e.kind) for e in db.exec(select(Event).where(Event.source == "ops-inbox"))})
    assert ("openai", "deprecation") in kinds and not any(p == "example" for p, _ in kinds)
    assert all(f == {b"\\Seen", b"provider-watcher"} for f in flags(server))
    assert {c.event["provider"] for c in told} == {"anthropic", "openai", "bedrock", "azure-openai"}


def test_mail_above_the_limit_is_refused_with_a_reason_and_never_fetched(
        server: Dovecot, engine: Engine, executor: ThreadPoolExecutor) -> None:
    big = EmailMessage()
    big["Authentication-Results"] = "mx.example.com; dkim=pass header.d=mail.anthropic.com"
    big["From"], big["To"] = "Anthropic <no-reply@mail.anthropic.com>", "ai-platform@example.com"
    big["Subject"], big["Message-ID"] = "Your usage report", "<big-report@mail.anthropic.com>"
    big.set_content("The report is attached.")
    big.add_attachment(bytes(range(256)) * (26 * 1024 * 4), maintype="application", subtype="octet-stream",
                       filename="report.bin")
    raw = big.as_bytes(policy=SMTP)
    assert len(raw) > 25 * 1024 * 1024
    server.append(raw)
    server.append(fixture("openai_api_key_leaked.eml"))
    sync_once(reader(server, engine, executor, []))
    refused, leaked = messages(engine)
    assert (refused.message_id, refused.outcome, refused.platform, refused.event_keys) == (
        "big-report@mail.anthropic.com", "refused", None, [])
    assert refused.size == len(raw) and refused.reason == (
        f"{len(raw)} bytes, above max_message_bytes ({25 * 1024 * 1024}): refused unread")
    assert leaked.outcome == "stored"
    assert all(f == {b"\\Seen", b"provider-watcher"} for f in flags(server))  # not looked at again
    sent = [int(part[4:]) for line in server.log().splitlines() if "Logged out" in line
            for part in line.split() if part.startswith("out=")]
    assert sent and max(sent) < 1_000_000  # no session downloaded the 26 MB body


def test_a_message_is_handled_once_across_copies_and_restarts(
        server: Dovecot, engine: Engine, executor: ThreadPoolExecutor) -> None:
    raw = fixture("anthropic_claude4_retirement.eml")
    server.append(raw)
    server.append(raw)
    nameless = EmailMessage()
    nameless["From"], nameless["Subject"] = "OpenAI <noreply@openai.com>", "no id"
    nameless.set_content("hello")
    server.append(nameless.as_bytes(policy=SMTP))
    server.append(nameless.as_bytes(policy=SMTP))
    sync_once(reader(server, engine, executor, []))
    rows = messages(engine)
    assert [m.message_id[:7] for m in rows] == ["claude4", "sha256:"]
    assert event(engine, "anthropic", "deprecation", "claude-opus-4-20250514").revision == 1
    server.append(raw)  # a third copy, read by a new reader: the daemon restarted
    again: list[Change] = []
    assert sync_once(reader(server, engine, executor, again)) == 0
    assert len(messages(engine)) == 2 and again == []
    assert event(engine, "anthropic", "deprecation", "claude-opus-4-20250514").revision == 1
    assert len(flags(server)) == 5 and all(b"provider-watcher" in f for f in flags(server))


def test_done_folder_moves_handled_mail(server: Dovecot, engine: Engine, executor: ThreadPoolExecutor) -> None:
    with server.client() as client:
        client.create_folder("Handled")
    server.append(fixture("openai_api_key_leaked.eml"))
    sync_once(reader(server, engine, executor, [], done_folder="Handled"))
    assert flags(server) == [] and len(flags(server, "Handled")) == 1
    assert messages(engine)[0].outcome == "stored"
