"""How many Slack messages a month of real notices costs each channel, against how many uses were
told something: the 30-day scenario of tests/month_scenario.py (two teams sharing an overdue model,
an acknowledgement, a snooze, a silence, a date pulled in, an incident without components, a safety
notice, a third-party date the provider contradicts) through the real daemon.

Baseline in the same run: one message per use per reminder or incident (what a sender that neither
groups nor holds back would post for the same notices). Goal: the fewest messages that still tell
every owner everything due.

    python bench/alert_volume.py
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import select  # noqa: E402

from tests.fake_provider import FakeProvider  # noqa: E402
from tests.fake_slack import FakeSlack  # noqa: E402
from tests.month_scenario import ENV, run_month  # noqa: E402
from watcher.storage.engine import open_database, session  # noqa: E402
from watcher.storage.tables import Notice, Outbox  # noqa: E402


def week(day: str) -> str:
    return f"W{date.fromisoformat(day).isocalendar().week:02d}"


def main() -> None:
    os.environ.update(ENV)
    provider, slack = FakeProvider(), FakeSlack()
    provider.start()
    slack.start()
    try:
        with tempfile.TemporaryDirectory() as workdir:
            month = asyncio.run(run_month(Path(workdir), provider, slack))
            engine = open_database(month.database_url)
            with session(engine) as db:
                told = {(n.impact_id, n.outbox_key) for n in db.exec(select(Notice).where(Notice.state == "sent"))}
                roots = db.exec(select(Outbox).where(Outbox.action == "post")).all()
            engine.dispose()
    finally:
        provider.stop()
        slack.stop()
    posts: dict[str, Counter[str]] = defaultdict(Counter)
    for line in month.transcript:
        day, channel, kind = line.split()[:3]
        if kind in ("post", "reply"):  # a thread reply is a message people read too
            posts[channel][week(day)] += 1
    weeks = sorted({w for counts in posts.values() for w in counts})
    print(f"{'channel':20}" + "".join(f"{w:>6}" for w in weeks) + f"{'total':>8}")
    for channel, counts in sorted(posts.items()):
        print(f"{channel:20}" + "".join(f"{counts[w]:>6}" for w in weeks) + f"{sum(counts.values()):>8}")
    sent = sum(sum(c.values()) for c in posts.values())
    # one message per use per reminder, per use per incident, and one per notice that concerns no use
    per_use = len(told) + sum(max(len(r.payload.get("impact_ids") or []), 1) for r in roots
                              if not r.dedup_key.startswith("reminders:"))
    print(f"\nmessages (posts and replies): {sent}; baseline (one per use told): {per_use}; ratio {sent / per_use:.2f}")
    print(f"edits in place: {sum(1 for line in month.transcript if line.split()[2] == 'edit')}; "
          f"replies in threads: {sum(1 for line in month.transcript if line.split()[2] == 'reply')}; "
          f"held back by a silence: {sum(1 for line in month.transcript if line.split()[2] == 'held')}")


if __name__ == "__main__":
    main()
