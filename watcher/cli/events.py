"""`watcher events` and `watcher parse`: events listed from the database (with the webhook
deliveries that failed), or found by a connector's parser in a local file. Not pure: they read the
config and the database, or the file and the clock, and print."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import col, func, select

from connectors import POLLED
from connectors.contract.dates import isoformat
from connectors.contract.errors import SourceError
from connectors.contract.protocols import Hints
from watcher.cli.commands import EXIT_CONFIG, load_config
from watcher.events.store import event_json
from watcher.storage.engine import open_database, session
from watcher.storage.tables import Delivery, Event


def cmd_events(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    engine = open_database(config.database.url)
    conditions = _event_filters(args)
    with session(engine) as db:
        query = select(Event).where(*conditions).order_by(col(Event.published_at).desc(), col(Event.id).desc())
        events = [event_json(e) for e in db.exec(query.limit(args.limit)).all()]
        total = len(events) if len(events) < args.limit else db.exec(
            select(func.count()).select_from(Event).where(*conditions)).one()
        failed = db.exec(select(Delivery).where(Delivery.state == "failed").order_by(col(Delivery.id))).all()
    engine.dispose()
    if total > len(events):
        print(f"showing the newest {len(events):,} of {total:,} events; --limit N shows more", file=sys.stderr)
    if failed:
        noun = "delivery" if len(failed) == 1 else "deliveries"
        print(f"{len(failed)} webhook {noun} could not be processed (kept in the database):", file=sys.stderr)
        for delivery in failed[-10:]:
            print(f"  {delivery.webhook} {delivery.delivery_id} at {isoformat(delivery.received_at)}: "
                  f"{delivery.error}", file=sys.stderr)
    if args.json:
        print(json.dumps(events, indent=2, ensure_ascii=False))
        return 0
    for event in events:
        when = (event["published_at"] or "")[:16].replace("T", " ")
        print(f"{when:16}  {event['provider']:10} {event['kind']:11} {event['severity']:8} "
              f"{(event['status'] or '-'):13} r{event['revision']:<3} {event['title']}")
    if not events:
        print("no events yet (history from a source's first poll is hidden; --all shows it)", file=sys.stderr)
    return 0


def _event_filters(args: argparse.Namespace) -> list[Any]:
    conditions: list[Any] = []
    if args.provider:
        conditions.append(Event.provider == args.provider)
    if args.kind:
        conditions.append(Event.kind == args.kind)
    if not args.all:
        conditions.append(Event.baseline == False)  # noqa: E712
    return conditions


def cmd_parse(args: argparse.Namespace) -> int:
    connector = POLLED.get(args.kind)
    if connector is None:
        print(f"unknown kind {args.kind!r}; use one of: {', '.join(sorted(POLLED))}", file=sys.stderr)
        return EXIT_CONFIG
    body = Path(args.file).read_bytes()
    try:
        hints = Hints(provider=args.provider or None, platform=args.platform, model_column=args.model_column,
                      date_column=args.date_column, replacement_column=args.replacement_column)
        result = connector.parse(body, url=args.url or Path(args.file).resolve().as_uri(),
                                 fetched_at=datetime.now(UTC), hints=hints)
    except SourceError as exc:
        print(f"{args.file}: {exc.category}: {exc}", file=sys.stderr)
        return 1
    drafts: list[dict[str, Any]] = []
    for draft in result.drafts:
        draft.provider = draft.provider or args.provider
        drafts.append(draft.to_json())
    print(json.dumps(drafts, indent=2, ensure_ascii=False))
    print(f"{args.file}: {result.document or args.kind} document, {result.items_seen} item(s), "
          f"{len(drafts)} event(s)", file=sys.stderr)
    return 0
