"""`watcher silence add|list|expire`: silences from the command line. Days are read in `[digest]
timezone` when there is one, else UTC; the rules are in watcher.notify.silences."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

from watcher.cli.commands import load_config
from watcher.config import Config
from watcher.notify import silences
from watcher.storage.engine import open_database, session

EXIT_CONFIG = 2


def day(value: str) -> date:
    """An argparse type: YYYY-MM-DD, refused with the expected form."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date; use YYYY-MM-DD") from None


def _zone(config: Config) -> tzinfo:
    return ZoneInfo(config.digest.timezone) if config.digest else UTC


def cmd_silence_add(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    zone = _zone(config)
    try:
        matchers = silences.parse_matchers(args.match)
    except ValueError as exc:
        print(f"--match: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    engine = open_database(config.database.url)
    now = datetime.now(UTC)
    try:
        with session(engine) as db:
            silence = silences.add(db, matchers=matchers, until=args.until, by=args.by, comment=args.comment,
                                   now=now, zone=zone)
            db.commit()
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_CONFIG
    finally:
        engine.dispose()
    shown = silences.as_json(silence, now, zone=zone)
    print(f"silence {silence.id}: {silences.describe(silence.matchers)} through {shown['until']} ({zone}), "
          f"ends {shown['ends_at']}")
    return 0


def cmd_silence_list(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    engine = open_database(config.database.url)
    with session(engine) as db:
        rows = silences.report(db, datetime.now(UTC), include_ended=args.all, zone=_zone(config))
    engine.dispose()
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    for row in rows:
        ended = f" by {row['expired_by']}" if row["expired_by"] else ""
        print(f"{row['id']:>4}  {row['state'] + ended:16} through {row['until']}  {silences.describe(row['matchers'])}"
              f"  by {row['created_by']}: {row['comment']}  (held {row['held']['notices']} notice(s), "
              f"{row['held']['outbox']} message(s))")
    if not rows:
        print("no active silence" + ("" if args.all else " (--all shows the expired and ended ones)"),
              file=sys.stderr)
    return 0


def cmd_silence_expire(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    engine = open_database(config.database.url)
    now = datetime.now(UTC)
    try:
        with session(engine) as db:
            silence = silences.expire(db, args.id, by=args.by, now=now)
            db.commit()
            counts = silences.held(db, [args.id])[args.id]
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"silence {silence.id} ({silences.describe(silence.matchers)}) expired by {silence.expired_by}; "
          f"it held back {counts['notices']} notice(s) and {counts['outbox']} message(s)")
    return 0

