"""A mailbox of 10,000 messages, 1 % of them provider notices (the mails of tests/fixtures/provider-mail,
each copy with a Message-ID of its own), on a local Dovecot (tests/mail_server.py): read, classified and
stored by a mailbox reader on a fresh SQLite database. Goals: the first sync under 60 s; then each new
message, appended while the reader idles, stored in under 1 s.

Baseline in the same run: the IMAP client alone fetching the same messages the way the reader does
(sizes and Message-IDs, then the bodies in batches), with nothing parsed or stored.

    python bench/mailbox.py [--messages 10000]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import func, select  # noqa: E402

from tests.mail_server import PASSWORD, USER, Dovecot  # noqa: E402
from watcher.config.account import MailboxConfig  # noqa: E402
from watcher.ingest import mail_store  # noqa: E402
from watcher.ingest.imap import BATCH, Session, ssl_context  # noqa: E402
from watcher.ingest.mailbox import MailboxReader  # noqa: E402
from watcher.storage.engine import open_database, session  # noqa: E402
from watcher.storage.tables import Event  # noqa: E402
from watcher.storage.tables_mail import MailMessage  # noqa: E402

NOTICES = sorted((ROOT / "tests" / "fixtures" / "provider-mail").glob("*.eml"))
WORDS = ("quarterly", "planning", "review", "budget", "offsite", "roadmap", "hiring", "design", "doc", "retro",
         "launch", "incident", "postmortem", "customer", "feedback", "metrics", "dashboard", "lunch", "schedule",
         "travel", "expenses")


def ordinary(n: int) -> bytes:
    """A colleague's mail of a few kilobytes."""
    mail = EmailMessage()
    mail["From"] = f"Colleague {n % 97} <colleague{n % 97}@example.com>"
    mail["To"] = "ai-platform@example.com"
    mail["Subject"] = f"{WORDS[n % len(WORDS)]} {WORDS[(n * 7) % len(WORDS)]} #{n}"
    mail["Date"] = "Tue, 14 Apr 2026 09:00:00 +0000"
    mail["Message-ID"] = f"<ordinary-{n}@example.com>"
    body = " ".join(WORDS[(n + i) % len(WORDS)] for i in range(400))
    mail.set_content(f"Hi team,\n\n{body}\n\nThanks\n")
    return mail.as_bytes(policy=SMTP)


def notice(n: int) -> bytes:
    raw = NOTICES[n % len(NOTICES)].read_bytes()
    return re.sub(rb"(?im)^Message-ID:.*$", f"Message-ID: <notice-{n}@bench.example>".encode(), raw, count=1)


def mailbox_of(total: int) -> list[bytes]:
    notices = total // 100
    every = total // notices
    return [notice(i) if i % every == 0 else ordinary(i) for i in range(total)]


def fill(server: Dovecot, messages: list[bytes]) -> None:
    with server.client() as client:
        for start in range(0, len(messages), 500):
            client.multiappend("INBOX", messages[start:start + 500])


def baseline(box: MailboxConfig) -> tuple[float, int]:
    """The IMAP client alone: list with sizes and Message-IDs, fetch every body in batches."""
    started = time.perf_counter()
    imap = Session(box, USER, PASSWORD, context=ssl_context(box))
    imap.open()
    fetched = 0
    try:
        uids = [c.uid for c in imap.unhandled()]
        for start in range(0, len(uids), BATCH):
            fetched += sum(len(b) for b in imap.bodies(uids[start:start + BATCH]).values())
    finally:
        imap.close()
    return time.perf_counter() - started, fetched


def idle_baseline(server: Dovecot, count: int) -> list[float]:
    """Append, wait for the IDLE notice, fetch the new message: what the client alone takes."""
    waits = []
    with server.client() as client:
        client.select_folder("INBOX")
        for n in range(count):
            client.idle()
            server.append(ordinary(200_000 + n))
            appended = time.perf_counter()
            while not any(len(r) > 1 and r[1] == b"EXISTS" for r in client.idle_check(timeout=2)):
                pass
            client.idle_done()
            client.fetch(client.search(["UNKEYWORD", "provider-watcher", "UNSEEN"])[-1:], ["BODY.PEEK[]"])
            waits.append(time.perf_counter() - appended)
    return waits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--new", type=int, default=20, help="messages appended one by one after the first sync")
    args = parser.parse_args()
    server = Dovecot()
    server.start()
    workdir = Path(tempfile.mkdtemp(prefix="watcher-bench-mail-"))
    engine = open_database(f"sqlite:///{workdir / 'watcher.db'}")
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="watcher-db")
    try:
        messages = mailbox_of(args.messages)
        started = time.perf_counter()
        fill(server, messages)
        print(f"mailbox: {len(messages)} messages, {sum(len(m) for m in messages) / 1e6:.1f} MB, "
              f"{args.messages // 100} provider notices (appended in {time.perf_counter() - started:.1f} s)")
        box = MailboxConfig(name="bench-inbox", host="127.0.0.1", port=server.tls_port, username_env="U",
                            password_env="P", ca_file=str(server.ca_file), interval=300.0)
        base, size = baseline(box)
        print(f"baseline  IMAP client alone, fetching every message: {base:6.2f} s ({size / 1e6:.1f} MB)")

        reader = MailboxReader(box, username=USER, password=PASSWORD, engine=engine, executor=executor,
                               told=lambda changes: None)
        executor.submit(mail_store.ensure_state, engine, box).result()
        started = time.perf_counter()
        imap = Session(box, USER, PASSWORD, context=ssl_context(box))
        imap.open()
        try:
            reader.sync(imap)
        finally:
            imap.close()
        first = time.perf_counter() - started
        with session(engine) as db:
            rows = db.exec(select(MailMessage.outcome, func.count()).group_by(MailMessage.outcome)).all()
            events = db.exec(select(func.count()).select_from(Event).where(Event.source == box.name)).one()
        print(f"first sync: read, classified, stored, marked: {first:6.2f} s   goal < 60 s   "
              f"({first / base:.1f}x the baseline; {len(messages) / first:.0f} messages/s)")
        print(f"           rows {dict(rows)}, events from the mailbox: {events}")

        bare = idle_baseline(server, 5)
        print(f"baseline  IMAP client alone, IDLE notice + fetch of a new message: median "
              f"{statistics.median(bare) * 1000:.0f} ms (Dovecot tells IDLE clients about half a second after "
              "the append)")
        thread = threading.Thread(target=reader.run, daemon=True)
        thread.start()
        time.sleep(1.0)  # the reader's own first sync finds nothing new and idles
        waits = []
        for n in range(args.new):
            raw = notice(100_000 + n) if n % 2 == 0 else ordinary(100_000 + n)
            server.append(raw)
            appended = time.perf_counter()
            while True:
                with session(engine) as db:
                    count = db.exec(select(func.count()).select_from(MailMessage)).one()
                if count == len(messages) + len(bare) + n + 1:
                    break
                time.sleep(0.005)
            waits.append(time.perf_counter() - appended)
        reader.stop.set()
        thread.join(10)
        print(f"new mail:  appended to stored, {args.new} messages (half notices), IDLE: median "
              f"{statistics.median(waits) * 1000:.0f} ms, max {max(waits) * 1000:.0f} ms   goal < 1000 ms")
    finally:
        executor.shutdown(wait=True)
        engine.dispose()
        server.stop()


if __name__ == "__main__":
    main()
