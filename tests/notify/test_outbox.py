"""The outbox drained through the real Slack sender against the local Slack API: 5xx retried,
429 after its Retry-After, other errors failed with the reason, replies wait for their thread."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from tests.fake_slack import FakeSlack
from watcher.notify.outbox import drain
from watcher.notify.slack import SlackSender
from watcher.storage.engine import open_database, session
from watcher.storage.tables import Outbox, SlackThread

NOW = datetime(2026, 10, 1, 9, tzinfo=UTC)


def row(key: str, action: str = "post", thread: str = "t1", priority: int = 0, **payload: str) -> Outbox:
    return Outbox(dedup_key=key, channel="slack", target="#ai-oncall", thread_key=thread, action=action,
                  payload={"text": key, **payload}, state="pending", attempts=0, created_at=NOW, next_attempt_at=NOW,
                  priority=priority)


def test_retries_and_failures(sqlite_url: str, slack: FakeSlack) -> None:
    engine = open_database(sqlite_url)
    sender = SlackSender("xoxb-test", base_url=slack.url("/api/"))
    with session(engine) as db:
        db.add(row("root"))
        db.add(row("reply", "reply"))
        db.commit()
        slack.fail_next(500)
        assert drain(db, sender, now=NOW).sent == 0  # root got a 500; the reply waits for its thread
        [root] = db.exec(select(Outbox).where(Outbox.dedup_key == "root")).all()
        assert (root.state, root.attempts, root.error) == ("pending", 1, "Slack 500: internal_error")
        assert root.next_attempt_at is not None and root.next_attempt_at > NOW
        slack.fail_next(429, {"Retry-After": "120"})
        later = root.next_attempt_at
        assert drain(db, sender, now=later).sent == 0
        db.refresh(root)
        assert root.next_attempt_at == later + timedelta(seconds=120)
        assert drain(db, sender, now=later + timedelta(seconds=120)).sent == 2  # root, then its reply
        thread = db.get(SlackThread, "t1")
        assert thread is not None and thread.ts == root.external_ref
        reply = slack.made("chat.postMessage")[-1]
        assert reply["thread_ts"] == thread.ts and reply["text"] == "reply"
        assert [name for name, _ in slack.calls] == ["chat.postMessage!500", "chat.postMessage!429",
                                                     "chat.postMessage", "chat.postMessage"]
    bad = SlackSender("not-a-bot-token", base_url=slack.url("/api/"))
    with session(engine) as db:
        db.add(row("bad", thread="t2"))
        db.commit()
        report = drain(db, bad, now=NOW)
        assert report.sent == 0 and [r.dedup_key for r in report.failed] == ["bad"]
        [failed] = db.exec(select(Outbox).where(Outbox.dedup_key == "bad")).all()
        assert (failed.state, failed.error) == ("failed", "Slack 200: not_authed")
        assert drain(db, bad, now=NOW + timedelta(days=1)).sent == 0  # failed rows are not retried
    engine.dispose()


def test_a_failed_root_blocks_nothing(sqlite_url: str, slack: FakeSlack) -> None:
    """A root that failed for good, 60 replies to it, then a critical incident: the incident goes out
    in the first drain tick, and the first reply starts the thread anew for the others."""
    engine = open_database(sqlite_url)
    sender = SlackSender("xoxb-test", base_url=slack.url("/api/"))
    with session(engine) as db:
        db.add(row("lost-root", thread="lost"))
        db.commit()
        slack.fail_next(400)  # Slack's answer to blocks it cannot take (not retried)
        assert [r.dedup_key for r in drain(db, sender, now=NOW).failed] == ["lost-root"]
        for n in range(60):
            db.add(row(f"reply-{n}", "reply", thread="lost", headline="openai incident: Elevated errors"))
        db.add(row("critical-root", thread="new", priority=3))
        db.commit()
        report = drain(db, sender, now=NOW)
        assert report.sent == 50  # the tick's limit; the critical one first
        first = slack.made("chat.postMessage")
        assert first[0]["text"] == "critical-root"
        assert first[1]["text"] == "openai incident: Elevated errors\nreply-0" and "thread_ts" not in first[1]
        restarted = db.get(SlackThread, "lost")
        assert restarted is not None and first[2]["thread_ts"] == restarted.ts
        assert drain(db, sender, now=NOW).sent == 11
        assert db.exec(select(Outbox).where(Outbox.state == "pending")).all() == []
    engine.dispose()


def test_a_reply_waiting_for_its_root_is_passed_over(sqlite_url: str, slack: FakeSlack) -> None:
    engine = open_database(sqlite_url)
    sender = SlackSender("xoxb-test", base_url=slack.url("/api/"))
    with session(engine) as db:
        db.add(row("root", thread="t"))
        for n in range(60):
            db.add(row(f"reply-{n}", "reply", thread="t"))
        db.add(row("other", thread="u"))
        db.commit()
        slack.fail_next(500)  # the root will be retried later
        report = drain(db, sender, now=NOW)
        assert report.sent == 1 and [b["text"] for b in slack.made("chat.postMessage")] == ["other"]
    engine.dispose()


@pytest.mark.postgres
def test_two_replicas_draining_one_outbox_send_each_row_once(postgres_url: str, slack: FakeSlack) -> None:
    engine = open_database(postgres_url)
    sender = SlackSender("xoxb-test", base_url=slack.url("/api/"))
    slack.delay = 0.005  # sends overlap: both replicas are claiming while the other sends
    with session(engine) as db:
        for n in range(60):
            db.add(row(f"m{n:02d}", thread=f"t{n}"))
        db.commit()
    sent: dict[str, int] = {}

    def replica(name: str) -> None:
        with session(engine) as db:
            total = 0
            while (report := drain(db, sender, now=NOW, replica=name, limit=5)).sent:
                total += report.sent
            sent[name] = total

    threads = [threading.Thread(target=replica, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    texts = [body["text"] for body in slack.made("chat.postMessage")]
    assert sorted(texts) == [f"m{n:02d}" for n in range(60)]  # every row once, none twice
    assert sent["a"] + sent["b"] == 60 and sent["a"] > 0 and sent["b"] > 0
    engine.dispose()


def test_a_row_held_by_a_dead_replica_is_sent_after_its_lease(database_url: str, slack: FakeSlack) -> None:
    engine = open_database(database_url)
    sender = SlackSender("xoxb-test", base_url=slack.url("/api/"))
    with session(engine) as db:
        held = row("held")
        held.claimed_by, held.lease_until = "dead", NOW + timedelta(seconds=60)
        db.add(held)
        db.add(row("free", thread="t2"))
        db.commit()
        report = drain(db, sender, now=NOW, replica="alive")
        assert (report.sent, report.taken_over) == (1, 0)  # the held row waits for its lease
        assert [b["text"] for b in slack.made("chat.postMessage")] == ["free"]
        report = drain(db, sender, now=NOW + timedelta(seconds=61), replica="alive")
        assert (report.sent, report.taken_over) == (1, 1)  # taken over and counted: it may have gone out twice
        [done] = db.exec(select(Outbox).where(Outbox.dedup_key == "held")).all()
        assert (done.state, done.claimed_by, done.lease_until) == ("sent", None, None)
    engine.dispose()
