"""The weekly digest through a real SMTP server (aiosmtpd), read back with the `email` package."""

from __future__ import annotations

import email
import email.utils
import logging
import re
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import col, select

from connectors import POLLED
from connectors.contract.events import EventDraft
from tests.conftest import write_config
from tests.notify.test_calendar import NOW, PAGE, load_page
from tests.process import free_port
from tests.scenarios import FIXTURES, fixture
from watcher.cli.commands import load_config
from watcher.cli.main import main
from watcher.events.store import apply_drafts
from watcher.inventory import uses as inventory_module
from watcher.inventory.catalog import shipped
from watcher.inventory.impacts import refresh
from watcher.notify import digest_mail
from watcher.storage.engine import open_database, session
from watcher.storage.tables import Event, Impact, Notice, Outbox, Silence, SourceState

USES = FIXTURES / "inventory/uses.toml"
BERLIN = ZoneInfo("Europe/Berlin")
# A Wednesday morning, 55 days into the Anthropic incident of the status page fixture.
DIGEST_AT = datetime(2026, 12, 2, 9, 0, tzinfo=BERLIN)
COMBINED = ["ai-platform@example.com", "oncall@example.com"]


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address: str, rcpt_options) -> str:
        if address.endswith("@refused.example"):  # a mailbox the server does not know
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

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


def config_for(tmp_path: Path, database: str, port: int, *, uses: Path = USES, per_team: bool = False,
               server: str = "") -> Path:
    return write_config(tmp_path / "w.toml", database_url=database, sources="", server=server, extra=f"""
[inventory]
path = "{uses}"

[email]
host = "127.0.0.1"
port = {port}
security = "none"
from = "watcher@example.com"
to = ["ai-platform@example.com", "oncall@example.com"]

[digest]
schedule = "mon 09:00"
timezone = "Europe/Berlin"
per_team = {str(per_team).lower()}
""")


def test_digest_is_sent_with_both_parts(tmp_path: Path, smtp, capsys) -> None:
    controller, inbox = smtp
    database = f"sqlite:///{tmp_path / 'w.db'}"
    # the page says 2026-10-23; move both dates to within the digest's 90 days from the real today, as the
    # digest counts days: in its time zone (after 23:00 UTC, Berlin is a day ahead)
    soon, sooner = (datetime.now(BERLIN).date() + timedelta(days=d) for d in (40, 30))
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
    assert f"  {sooner} (30 days left)  openai:gpt-4o-2024-05-13 -> gpt-5.5  [search]  acknowledged by bo" \
        in text.splitlines()
    assert f"  {soon} (40 days left)  openai:gpt-4-0613 -> gpt-5.5  [chat]" in text.splitlines()
    # an empty section is its header and "none"
    lines = text.splitlines()
    for header in ("NEW THIS WEEK", "INCIDENTS", "BLIND SPOTS (broken or stale sources)", "ACTIVE SILENCES"):
        assert lines[lines.index(header) + 1] == "  none", header
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


def _drafts(connector: str, path: str, at: datetime) -> list[EventDraft]:
    return POLLED[connector].parse(fixture(path), url="https://status.example.com/api/v2/summary.json",
                                   fetched_at=at).drafts


def populate(database: str, now: datetime, uses: Path = USES) -> None:
    """A realistic watcher database at `now`: OpenAI's deprecations page read 60 days ago, Anthropic's
    status page since its incident began, OpenAI's changelog two days ago, this week's notices from
    others; impacts from the inventory, one acknowledged with a plan, silences that held alerts back."""
    engine = open_database(database)
    with session(engine) as db:
        def store(source: str, provider: str, drafts: list[EventDraft], at: datetime) -> None:
            apply_drafts(db, source=source, provider=provider, drafts=drafts, now=at)

        at = now - timedelta(days=60)
        store("openai-deprecations", "openai", _drafts("openai-deprecations",
                                                       "openai-deprecations/deprecations_page_md.md", at), at)
        at = datetime(2026, 10, 7, 13, 30, tzinfo=UTC)
        store("anthropic-status", "anthropic", _drafts("statuspage",
                                                       "statuspage/anthropic_summary_incident_monitoring.json", at), at)
        at = now - timedelta(days=2)
        store("openai-changelog", "openai", _drafts("openai-changelog",
                                                    "openai-changelog/changelog_md_duplicate_days.md", at), at)
        store("groq-status", "groq", [EventDraft(kind="incident", external_id="g1", title="Elevated latency",
                                                 status="resolved", starts_at=at,
                                                 ends_at=at + timedelta(hours=2, minutes=5))], at)
        at, today = now - timedelta(days=1), now.astimezone(BERLIN).date()
        haiku, gemini = (today + timedelta(days=18)).isoformat(), (today + timedelta(days=1)).isoformat()
        store("anthropic-deprecations", "anthropic", [EventDraft(
            kind="deprecation", external_id="claude-3-5-haiku-20241022", status="deprecated", deadline=haiku,
            deadline_precision="day", replacement="claude-haiku-4-5",
            title=f"claude-3-5-haiku-20241022 retirement ({haiku})")], at)
        store("vertex-model-versions", "vertex", [EventDraft(
            kind="deprecation", external_id="gemini-2.5-pro", status="deprecated", deadline=gemini,
            deadline_precision="day", replacement="gemini-3-pro", title=f"gemini-2.5-pro retirement ({gemini})")], at)
        at = now - timedelta(hours=3, minutes=10)
        store("openai-status", "openai", [EventDraft(
            kind="incident", external_id="inc1", status="investigating", severity="warning", starts_at=at,
            title="Increased error rates\non Chat Completions")], at)  # a title that spans lines
        db.add(SourceState(name="google-cloud-status", kind="google-cloud-status", provider="google",
                           health="failing", last_error="HTTP 503\nService Unavailable"))
        refresh(db, inventory_module.load(uses), shipped(), now=now)
        db.flush()
        [search] = db.exec(select(Impact).join(Event, col(Event.id) == Impact.event_id).where(
            Impact.service == "search", Event.kind == "deprecation")).all()  # not the incident that may hit it
        search.state, search.state_by, search.state_at = "acknowledged", "bo", now - timedelta(days=40)
        search.plan, search.target_date = "move search to gpt-5.5", "2026-11-01"
        db.add(search)
        closing = datetime.combine(today + timedelta(days=8), datetime.min.time(), tzinfo=BERLIN)
        held = Silence(matchers={"team": "team-search", "platform": "openai"}, ends_at=closing, created_by="alice",
                       comment="search moves to gpt-5.5 this sprint,\nSEARCH-42", created_at=now - timedelta(days=3))
        expired = Silence(matchers={"service": "chat"}, ends_at=closing, created_by="bo", comment="noisy",
                          created_at=now - timedelta(days=3), expired_at=now - timedelta(days=1), expired_by="bo")
        ended = Silence(matchers={"team": "team-ml"}, ends_at=now - timedelta(hours=1), created_by="dan",
                        comment="quarter end", created_at=now - timedelta(days=9))
        everyone = Silence(matchers={"platform": "groq"}, ends_at=closing, created_by="carol",
                           comment="groq leaves next month", created_at=now - timedelta(days=2))
        for silence in (held, expired, ended, everyone):
            db.add(silence)
        db.flush()
        for step, silence in (("14d", held), ("7d", held), ("3d", expired)):
            db.add(Notice(impact_id=search.id, step=step, outbox_key=None, state="suppressed",
                          silence_id=silence.id, created_at=now - timedelta(days=2)))
        db.add(Outbox(dedup_key="silenced-1", channel="slack", target="#search", state="suppressed",
                      silence_id=held.id, created_at=now - timedelta(days=2)))
        db.add(Outbox(dedup_key="silenced-2", channel="slack", target="#assistant", state="suppressed",
                      silence_id=ended.id, created_at=now - timedelta(days=4)))
        db.commit()
    engine.dispose()


def subject(mail: EmailMessage) -> str:
    # A subject that fits on one line once folded is folded right after "Subject:"; Python's parser
    # keeps the continuation's leading space, which mail clients drop.
    return str(mail["Subject"]).strip()


def parts(raw: bytes) -> tuple[EmailMessage, str, str]:
    """The mail, its text part and its HTML part, with SMTP's CRLF line ends read as newlines."""
    mail = email.message_from_bytes(raw, policy=default)
    assert isinstance(mail, EmailMessage)
    text, html = (mail.get_body(preferencelist=(kind,)).get_content()  # type: ignore[union-attr]
                  for kind in ("plain", "html"))
    return mail, text.replace("\r\n", "\n"), html.replace("\r\n", "\n")


@pytest.fixture(scope="module")
def realistic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The combined digest of the realistic database at DIGEST_AT, as the SMTP server received it."""
    tmp_path = tmp_path_factory.mktemp("realistic")
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        database = f"sqlite:///{tmp_path / 'w.db'}"
        populate(database, DIGEST_AT)
        config = load_config(str(config_for(tmp_path, database, controller.port)))
        engine = open_database(database)
        with session(engine) as db:
            sent = digest_mail.deliver(db, config, inventory_module.load(USES), now=DIGEST_AT, path="w.toml")
        engine.dispose()
    finally:
        controller.stop()
    [(sender, recipients, raw)] = inbox.messages
    mail, text, html = parts(raw)
    yield {"sent": sent, "sender": sender, "recipients": recipients, "mail": mail, "text": text, "html": html}


def test_realistic_digest_text_line_by_line(realistic: dict[str, Any]) -> None:
    expected = "provider-watcher digest: 4 deadlines, 10 unacknowledged"
    assert realistic["sent"] == [(expected, COMBINED)]
    assert (realistic["sender"], realistic["recipients"]) == ("watcher@example.com", COMBINED)
    assert subject(realistic["mail"]) == expected
    lines = realistic["text"].splitlines()
    assert len(lines) == len(TEXT_LINES), "\n".join(lines)
    for line, expected in zip(lines, TEXT_LINES, strict=True):
        assert expected.fullmatch(line) if isinstance(expected, re.Pattern) else line == expected, line


def _unacknowledged(owner: str, service: str, event: str = "") -> re.Pattern[str]:
    """A NOT YET ACKNOWLEDGED row; the reason's wording is the matcher's, tested there."""
    return re.compile(re.escape(f"  {owner}: {service} — ") + r"\S.*" + re.escape(f"  [{event}]" if event else ""))


OPENAI_INCIDENT = "openai incident: Increased error rates on Chat Completions"
ANTHROPIC_INCIDENT = "anthropic incident: Elevated errors on platform.claude.com"
TEXT_LINES: list[str | re.Pattern[str]] = [
    "provider-watcher weekly digest — 2026-12-02 09:00 CET",
    "",
    "DEADLINES IN THE NEXT 90 DAYS",
    "team-assistant",
    "  2026-10-23 (40 days overdue)  openai:gpt-4-0613 -> gpt-5.5  [chat]",
    "team-ml",
    "  2026-12-03 (1 day left)  vertex:gemini-2.5-pro -> gemini-3-pro  [vertex-gemini]",
    "team-search",
    "  2026-10-23 (40 days overdue)  openai:gpt-4o-2024-05-13 -> gpt-5.5  [search]  "
    "acknowledged by bo: move search to gpt-5.5, target 2026-11-01 passed",
    "team-support",
    "  2026-12-20 (18 days left)  anthropic:claude-3-5-haiku-20241022 -> claude-haiku-4-5  [support-bot]",
    "",
    "NEW THIS WEEK",
    "  2026-12-02  openai incident: Increased error rates on Chat Completions  [chat, images, search, summarize]",
    "  2026-12-01  vertex deprecation: gemini-2.5-pro retirement (2026-12-03)  [vertex-gemini]",
    "  2026-12-01  anthropic deprecation: claude-3-5-haiku-20241022 retirement (2026-12-20)  [support-bot]",
    "  and 7 other new events (changelog 6, incident 1) — see the dashboard",
    "",
    "INCIDENTS",
    "  anthropic: Elevated errors on platform.claude.com — monitoring, ongoing since 2026-10-07 (55 days)  "
    "[api-claude, console-sync, legacy-writer]",
    "  openai: Increased error rates on Chat Completions — investigating, ongoing since 2026-12-02 05:50 "
    "(3 h 10 min)  [chat, images, search, summarize]",
    "  groq: Elevated latency — resolved, 2 h 5 min",
    "",
    "NOT YET ACKNOWLEDGED",
    "  team-assistant: chat — inventory uses alias gpt-4, which openai lists with gpt-4-0613 for shutdown 2026-10-23",
    "  team-ml: vertex-gemini — inventory uses gemini-2.5-pro, which vertex retires 2026-12-03",
    "  team-support: support-bot — inventory uses claude-3-5-haiku-20241022, which anthropic retires 2026-12-20",
    _unacknowledged("team-assistant", "chat", OPENAI_INCIDENT),
    _unacknowledged("team-content", "legacy-writer", ANTHROPIC_INCIDENT),
    _unacknowledged("team-media", "images", OPENAI_INCIDENT),
    _unacknowledged("team-platform", "api-claude", ANTHROPIC_INCIDENT),
    _unacknowledged("team-platform", "console-sync", ANTHROPIC_INCIDENT),
    _unacknowledged("team-search", "search", OPENAI_INCIDENT),
    _unacknowledged("team-search", "summarize", OPENAI_INCIDENT),
    "",
    "BLIND SPOTS (broken or stale sources)",
    "  google-cloud-status: failing — HTTP 503 Service Unavailable",
    "",
    "ACTIVE SILENCES",
    "  team=team-search platform=openai — until 2026-12-09, by alice: search moves to gpt-5.5 this sprint, "
    "SEARCH-42; held back 2 notices and 1 outbox message",
    "  platform=groq — until 2026-12-09, by carol: groq leaves next month; held back nothing yet",
]


def test_new_this_week_lists_what_touches_us_first_then_counts_the_rest(realistic: dict[str, Any]) -> None:
    html = realistic["html"]
    section = html[html.index("<h2>New this week</h2>"):html.index("<h2>Incidents</h2>")]
    assert re.findall(r"<li>(.*)</li>", section) == [
        "2026-12-02 — openai incident: Increased error rates on Chat Completions [chat, images, search, summarize]",
        "2026-12-01 — vertex deprecation: gemini-2.5-pro retirement (2026-12-03) [vertex-gemini]",
        "2026-12-01 — anthropic deprecation: claude-3-5-haiku-20241022 retirement (2026-12-20) [support-bot]",
        "and 7 other new events (changelog 6, incident 1) — see the dashboard",
    ]
    assert "Released the Agents API" not in realistic["text"] + html  # a changelog entry: counted, not listed


def test_incident_durations_and_acknowledgements_read_as_sentences(realistic: dict[str, Any]) -> None:
    text, html = realistic["text"], realistic["html"]
    assert "ongoing since 2026-10-07 (55 days)" in html and "(3 h 10 min)" in html
    assert "<td>gpt-5.5</td><td>search</td><td>acknowledged by bo: move search to gpt-5.5, target 2026-11-01 " \
           "passed</td></tr>" in html
    assert "<td>1 day left</td>" in html and "<td>40 days overdue</td>" in html
    assert not re.search(r"\b1 days\b", text + html)


def test_active_silences_with_what_they_held_back(realistic: dict[str, Any]) -> None:
    html = realistic["html"]
    section = html[html.index("<h2>Active silences</h2>"):]
    assert re.findall(r"<li>(.*)</li>", section) == [
        "<code>team=team-search platform=openai</code> — until 2026-12-09, by alice: search moves to gpt-5.5 "
        "this sprint, SEARCH-42; held back 2 notices and 1 outbox message",
        "<code>platform=groq</code> — until 2026-12-09, by carol: groq leaves next month; held back nothing yet",
    ]  # the expired one (service=chat) and the ended one (team=team-ml) are not listed
    assert "service=chat" not in realistic["text"] and "team=team-ml" not in realistic["text"]


def test_mail_has_date_and_message_id(realistic: dict[str, Any]) -> None:
    mail = realistic["mail"]
    assert email.utils.parsedate_to_datetime(mail["Date"]) == DIGEST_AT
    assert mail["Date"] == "Wed, 02 Dec 2026 09:00:00 +0100"
    assert re.fullmatch(r"<[^<>@\s]+@example\.com>", mail["Message-ID"])


def team_inventory(tmp_path: Path, emails: dict[str, str]) -> Path:
    """The fixture inventory with an `email` on the uses named (service -> address)."""
    text = USES.read_text()
    for service, address in emails.items():
        marker = f'service = "{service}"\n'
        assert text.count(marker) == 1
        text = text.replace(marker, f'{marker}email = "{address}"\n')
    path = tmp_path / "uses.toml"
    path.write_text(text)
    return path


def test_per_team_digests_go_to_the_inventory_emails(tmp_path: Path, smtp, capsys) -> None:
    controller, inbox = smtp
    database = f"sqlite:///{tmp_path / 'w.db'}"
    uses = team_inventory(tmp_path, {"search": "search@example.com", "summarize": "search@example.com",
                                     "chat": "assistant@example.com", "fast-chat": "assistant-leads@example.com",
                                     "legacy-writer": "content@example.com"})
    populate(database, datetime.now(UTC), uses)
    config = config_for(tmp_path, database, controller.port, uses=uses, per_team=True,
                        server='public_url = "https://watcher.example.com"')
    assert main(["digest", "--config", str(config), "--send"]) == 0
    received = {tuple(recipients): parts(raw) for _, recipients, raw in inbox.messages}
    assert [recipients for _, recipients, _ in inbox.messages] == [
        COMBINED, ["assistant-leads@example.com", "assistant@example.com"], ["content@example.com"],
        ["search@example.com"]]
    combined = received[tuple(COMBINED)][1]
    assert "team-assistant: chat" in combined and "team-search: search" in combined
    assert "team-support: support-bot" in combined  # a team without an email is in the combined digest only
    assistant_mail, assistant, _ = received[("assistant-leads@example.com", "assistant@example.com")]
    search_mail, search, search_html = received[("search@example.com",)]
    assert subject(assistant_mail).startswith("provider-watcher digest for team-assistant: 1 deadline, ")
    assert subject(search_mail).startswith("provider-watcher digest for team-search: 1 deadline, ")
    assert assistant_mail["Message-ID"] != search_mail["Message-ID"]
    assert assistant.splitlines()[0].startswith("provider-watcher weekly digest for team-assistant — ")
    # each team's own deadlines, impacts, new events and incidents...
    # (every row links to its event's page on the dashboard, [server] public_url)
    link = r"  https://watcher\.example\.com/events/\d+$"
    assert re.search(r"^  \S+ \(\d+ days overdue\)  openai:gpt-4-0613 -> gpt-5.5  \[chat\]" + link, assistant, re.M)
    assert re.search(r"^  \S+  openai incident: Increased error rates on Chat Completions  \[chat\]" + link,
                     assistant, re.M)
    assert re.search(r"^  team-assistant: chat — ", assistant, re.M)
    assert re.search(r"^  \S+ \(\d+ days overdue\)  openai:gpt-4o-2024-05-13 -> gpt-5.5  \[search\]  "
                     r"acknowledged by bo: move search to gpt-5.5, target 2026-11-01 passed" + link, search, re.M)
    assert re.search(r"^  openai: Increased error rates on Chat Completions — .*  \[search, summarize\]" + link,
                     search, re.M)
    assert re.search(r'<a href="https://watcher\.example\.com/events/\d+">openai: gpt-4o-2024-05-13</a>', search_html)
    # ...and nobody else's
    for other in ("team-search", "search", "summarize", "support-bot", "vertex-gemini", "images"):
        assert other not in assistant, other
    for other in ("team-assistant", "chat", "support-bot", "vertex-gemini", "images", "claude-3-5-haiku"):
        assert other not in search, other
    assert "chat" not in search_html
    # what concerns everyone: blind spots and the silences that may hold back this team's alerts
    for text in (assistant, search):
        assert "  google-cloud-status: failing — HTTP 503 Service Unavailable" in text
        assert "  platform=groq — until " in text
    assert "  team=team-search platform=openai — until " in search
    assert "  and 9 other new events (changelog 6, deprecation 2, incident 1) — see the dashboard at " \
           "https://watcher.example.com" in search.splitlines()
    # nothing new touches team-content (its incident began weeks ago): the rest is counted all the same
    _, content, content_html = received[("content@example.com",)]
    new = content.split("NEW THIS WEEK\n")[1].split("\n\n")[0]
    assert new == "  none touching team-content's services; 10 other new events (changelog 6, deprecation 2, " \
                  "incident 2) — see the dashboard at https://watcher.example.com"
    assert '— see <a href="https://watcher.example.com">the dashboard</a></li>' in content_html
    assert re.search(r"^  anthropic: Elevated errors on platform.claude.com — monitoring, ongoing since 2026-10-07 "
                     r"\(\d+ days\)  \[legacy-writer\]" + link, content, re.M)
    err = capsys.readouterr().err
    assert f"{subject(assistant_mail)}: sent to assistant-leads@example.com, assistant@example.com" in err


def test_a_failing_recipient_does_not_stop_the_others(tmp_path: Path, smtp, caplog) -> None:
    from watcher.daemon import Daemon

    controller, inbox = smtp
    database = f"sqlite:///{tmp_path / 'w.db'}"
    uses = team_inventory(tmp_path, {"chat": "nobody@refused.example", "search": "search@example.com",
                                     "summarize": "gone@refused.example", "support-bot": "support@example.com"})
    populate(database, datetime.now(UTC), uses)
    config = load_config(str(config_for(tmp_path, database, controller.port, uses=uses, per_team=True)))
    daemon = Daemon(config, config_path=tmp_path / "w.toml")
    try:
        with caplog.at_level(logging.INFO, logger="watcher"):
            daemon.send_digest()
    finally:
        daemon.poller.close()
        daemon.db_executor.shutdown()
        daemon.engine.dispose()
    # team-assistant's only address is refused; team-search loses one of two; the rest arrive
    assert [recipients for _, recipients, _ in inbox.messages] == [
        COMBINED, ["search@example.com"], ["support@example.com"]]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert warnings[0].startswith("digest not sent to nobody@refused.example: ")
    assert warnings[1].startswith("digest not accepted for gone@refused.example: 550 5.1.1 no such mailbox")
    sent = [r for r in caplog.records if r.getMessage() == "digest sent"]
    assert [r.to for r in sent] == [COMBINED, ["search@example.com"], ["support@example.com"]]



@pytest.mark.postgres
def test_replicas_send_each_digest_once_and_catch_up_a_missed_one(tmp_path: Path, smtp, postgres_url: str) -> None:
    from tests.conftest import Clock
    from watcher.daemon import Daemon

    controller, inbox = smtp
    config = load_config(str(config_for(tmp_path, postgres_url, controller.port)))  # mondays 09:00 Berlin
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN)
    clock = Clock(monday + timedelta(hours=7))
    replicas = [Daemon(config, config_path=tmp_path / "w.toml", clock=clock) for _ in range(2)]
    try:
        # a database that never sent a digest: one due 7 hours ago is not sent at the first start
        assert [d.digest_once() for d in replicas] == [False, False] and inbox.messages == []
        clock.now = monday + timedelta(minutes=1)
        sent: list[bool] = []
        threads = [threading.Thread(target=lambda d=d: sent.append(d.digest_once())) for d in replicas]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(sent) == [False, True] and len(inbox.messages) == 1  # two replicas, one digest
        # down over the next monday, back on wednesday: the missed digest is sent once
        clock.now = monday + timedelta(days=9)
        assert replicas[1].digest_once() and not replicas[0].digest_once() and not replicas[1].digest_once()
        assert len(inbox.messages) == 2
        assert replicas[0].digest_period() == monday + timedelta(days=7)
    finally:
        for daemon in replicas:
            daemon.poller.close()
            daemon.db_executor.shutdown()
            daemon.engine.dispose()
