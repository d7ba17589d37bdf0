"""The `watcher` commands about what the events mean for us: deadlines, impacts, acknowledging,
the calendar, the digest and the inventory scan."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import select

from connectors import POLLED, WEBHOOKS
from watcher import actions, coverage, digest
from watcher import calendar as calendar_module
from watcher import catalog as catalog_module
from watcher import config as config_module
from watcher.config import Config
from watcher.deadlines import deadline_rows, format_row
from watcher.impacts import impact_rows
from watcher.inventory import Use
from watcher.matcher_service import ImpactService
from watcher.matching import match
from watcher.scan import as_entries, scan, to_toml
from watcher.storage import Event, open_database, session

EXIT_CONFIG = 2


def fresh_impacts(config: Config, path: str) -> Engine:
    """The database, with impacts brought up to date from the inventory first (if there is one)."""
    engine = open_database(config.database.url)
    if config.inventory is not None:
        ImpactService(config, engine, base=Path(path).parent).refresh()
    return engine


def load_config(path: str) -> Config:
    return config_module.load(path, known_kinds=set(POLLED), webhook_kinds=set(WEBHOOKS))


def cmd_deadlines(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    zone = ZoneInfo(config.digest.timezone) if config.digest else UTC
    within = config_module.parse_duration(args.within) / 86400 if args.within else None
    engine = fresh_impacts(config, args.config)
    with session(engine) as db:
        events = db.exec(select(Event).where(Event.kind == "deprecation")).all()
        rows = deadline_rows(events, today=datetime.now(zone).date(), within_days=within, include_past=args.all,
                             impacts=impact_rows(db))
    engine.dispose()
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for row in rows:
            print(format_row(row))
        if not rows:
            print("no upcoming deadlines", file=sys.stderr)
    return 0


def cmd_impacts(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if config.inventory is None:
        print(f"{args.config}: no [inventory] path: there is nothing to match events against", file=sys.stderr)
        return EXIT_CONFIG
    engine = fresh_impacts(config, args.config)
    with session(engine) as db:
        rows = impact_rows(db, team=args.team, include_resolved=args.all)
    engine.dispose()
    if args.json:
        fields = ("service", "owner", "platform", "model", "event_key", "deadline", "state", "reason")
        print(json.dumps([{k: r[k] for k in fields} | r for r in rows], indent=2, ensure_ascii=False))
        return 0
    for row in rows:
        print(f"{row['deadline'] or '-':10}  {row['state']:12} {row['owner']:16} {row['service']:16} "
              f"{row['platform']}:{row['model']}  {row['reason']}")
    if not rows:
        print("no impacts: no event touches the inventory", file=sys.stderr)
    return 0


def cmd_inventory_scan(args: argparse.Namespace) -> int:
    config = load_config(args.config) if args.config else None
    catalog = catalog_module.shipped().extended(config.catalog.aliases if config else {})
    roots = [Path(p) for p in args.paths]
    for root in roots:
        if not root.exists():
            print(f"{root}: no such file or directory", file=sys.stderr)
            return EXIT_CONFIG
    findings = scan(roots, catalog)
    service = args.service or roots[0].resolve().name
    entries = as_entries(findings, service=service, owner=args.owner)
    sys.stdout.write(json.dumps(entries, indent=2, ensure_ascii=False) + "\n" if args.json else to_toml(entries))
    print(f"{len(entries)} use(s) found in {', '.join(map(str, roots))}", file=sys.stderr)
    if args.fail_within is None:
        return 0
    if config is None:
        print("--fail-within needs --config: the deadlines come from the watcher's database", file=sys.stderr)
        return EXIT_CONFIG
    return _gate(config, catalog, entries, config_module.parse_duration(args.fail_within) / 86400)


def _gate(config: Config, catalog: catalog_module.Catalog, entries: list[dict[str, Any]], days: float) -> int:
    uses = [Use(**{k: v for k, v in entry.items() if k != "evidence"}, evidence=tuple(entry["evidence"]))
            for entry in entries if entry["model"]]
    engine = open_database(config.database.url)
    with session(engine) as db:
        events = [e for e in db.exec(select(Event).where(Event.kind == "deprecation")).all() if e.deadline]
    engine.dispose()
    today = datetime.now(UTC).date()
    late = [(event, use, verdict) for event, use, verdict in match(events, uses, catalog)
            if (date.fromisoformat(event.deadline) - today).days <= days]  # type: ignore[arg-type]
    for event, use, verdict in sorted(late, key=lambda hit: hit[0].deadline or ""):
        print(f"DEADLINE {event.deadline} {use.platform}:{use.model} at {', '.join(use.evidence)}: {verdict.reason}",
              file=sys.stderr)
    return 1 if late else 0


def cmd_coverage(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if config.inventory is None:
        print(f"{args.config}: no [inventory] path: coverage is measured for the platforms the inventory uses",
              file=sys.stderr)
        return EXIT_CONFIG
    service = ImpactService(config, open_database(config.database.url), base=Path(args.config).parent)
    with session(service.engine) as db:
        rows = coverage.report(db, config, service.inventory)  # type: ignore[arg-type]
    service.engine.dispose()
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    for row in rows:
        mark = {"wired": "ok  ", "missing": "MISS", "broken": "BRKN", "stale": "STALE"}[row["state"]]
        print(f"{mark} {row['platform']:13} {row['surface']:17} {row['source'] or '':24} {row['how_to'] or ''}")
    return 0


def cmd_action(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    engine = fresh_impacts(config, args.config)
    selector = actions.Selector(args.event, args.service)
    now = datetime.now(UTC)
    try:
        with session(engine) as db:
            if args.command == "ack":
                count = actions.acknowledge(db, selector, by=args.by, plan=args.plan, target=args.target, now=now)
                done = "acknowledged"
            elif args.command == "snooze":
                count, until = actions.snooze(db, selector, until=args.until, by=args.by, now=now)
                done = f"snoozed until {until.isoformat()}"
            else:
                count = actions.resolve(db, selector, by=args.by, note=args.note, now=now)
                done = "resolved"
            db.commit()
    except actions.ActionError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"{count} impact(s) of {args.event} {done}")
    return 0


def cmd_calendar(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    engine = fresh_impacts(config, args.config)
    with session(engine) as db:
        body = calendar_module.build(db, config, now=datetime.now(UTC), team=args.team, provider=args.provider)
    engine.dispose()
    sys.stdout.buffer.write(body)
    return 0


def cmd_digest(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    engine = fresh_impacts(config, args.config)
    zone = ZoneInfo(config.digest.timezone) if config.digest else UTC
    with session(engine) as db:
        subject, text, html = digest.render(digest.collect(db, config, now=datetime.now(zone)))
    engine.dispose()
    if not args.send:
        sys.stdout.write(html if not args.text else text)
        return 0
    if config.email is None:
        print(f"{args.config}: no [email] section: nowhere to send the digest", file=sys.stderr)
        return EXIT_CONFIG
    digest.send(config.email, digest.message(config.email, subject, text, html), path=args.config)
    print(f"digest sent to {', '.join(config.email.to)}", file=sys.stderr)
    return 0
