"""The `watcher` commands about what the events mean for us: deadlines, impacts, acknowledging,
the calendar, the digest and the inventory scan. Not pure: they read the config, the database and
the clock (here, and nowhere deeper), and print."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import col, select

from connectors import POLLED, WEBHOOKS
from connectors.contract.events import EventKey
from watcher.config import Config
from watcher.config import io as config_io
from watcher.config.values import parse_duration
from watcher.events import claims
from watcher.inventory import catalog as catalog_module
from watcher.inventory import coverage
from watcher.inventory.deadlines import SHOWN_KINDS, deadline_rows, format_row, stale_sources
from watcher.inventory.impacts import impact_rows
from watcher.inventory.matching import Verdict, match
from watcher.inventory.scan import as_entries, scan, to_toml
from watcher.inventory.service import ImpactService
from watcher.inventory.uses import Use
from watcher.notify import actions, digest_mail, digest_view
from watcher.notify import calendar as calendar_module
from watcher.storage.engine import open_database, session
from watcher.storage.tables import Event, SourceState

EXIT_CONFIG = 2


def fresh_impacts(config: Config, path: str) -> Engine:
    """The database, with impacts brought up to date from the inventory first (if there is one)."""
    engine = open_database(config.database.url)
    if config.inventory is not None:
        ImpactService(config, engine, base=Path(path).parent).refresh()
    return engine


def load_config(path: str) -> Config:
    return config_io.load(path, known_kinds=set(POLLED), webhook_kinds=set(WEBHOOKS))


def cmd_deadlines(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    everything = args.everything or config.inventory is None
    if args.team and config.inventory is None:
        print(f"{args.config}: no [inventory] path: --team needs the inventory's owners", file=sys.stderr)
        return EXIT_CONFIG
    if config.inventory is None and not args.everything:
        print(f"{args.config}: no [inventory] path: showing every deadline on every page", file=sys.stderr)
    zone = ZoneInfo(config.digest.timezone) if config.digest else UTC
    within = parse_duration(args.within) / 86400 if args.within else None
    engine = fresh_impacts(config, args.config)
    with session(engine) as db:
        # Live models' floors too: `--everything` shows them as "not before"; they touch no impact.
        events = db.exec(select(Event).where(col(Event.kind).in_(SHOWN_KINDS))).all()
        # Past dates: --all in the full list; always for what we use, as an overdue deadline is the
        # most urgent one there is.
        rows = deadline_rows(events, today=datetime.now(zone).date(), within_days=within,
                             include_past=args.all or not everything, affected_only=not everything,
                             impacts=impact_rows(db, team=args.team, include_resolved=args.all))
    engine.dispose()
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for row in rows:
            print(format_row(row))
    if not rows:
        print("no upcoming deadlines" if everything else
              "no deadline touches the inventory (--everything lists every model on every page)", file=sys.stderr)
    return 0


def cmd_impacts(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if config.inventory is None:
        print(f"{args.config}: no [inventory] path: there is nothing to match events against", file=sys.stderr)
        return EXIT_CONFIG
    engine = fresh_impacts(config, args.config)
    with session(engine) as db:
        rows = [row | {"model_key": _model_key(row)} for row in
                impact_rows(db, team=args.team, include_resolved=args.all)]
    engine.dispose()
    if args.json:
        fields = ("service", "owner", "platform", "model", "event_key", "deadline", "state", "reason")
        print(json.dumps([{k: r[k] for k in fields} | r for r in rows], indent=2, ensure_ascii=False))
        return 0
    if not rows:
        print("no impacts: no event touches the inventory", file=sys.stderr)
        return 0
    for line in _impact_table(rows):
        print(line)
    return 0


def _model_key(row: dict[str, Any]) -> str | None:
    """`platform:model` of a deprecation: the short form of its event key."""
    return EventKey.parse(row["event_key"]).model_key


IMPACT_COLUMNS = ("DEADLINE", "STATE", "OWNER", "SERVICE", "USES", "EVENT KEY", "PLATFORM:MODEL", "REASON")


def _impact_table(rows: list[dict[str, Any]]) -> list[str]:
    """A header and one line per impact; EVENT KEY (or, for a deprecation, PLATFORM:MODEL) is what
    `watcher ack`, `snooze` and `resolve` take."""
    cells = [[row["deadline"] or "-", row["state"], row["owner"], row["service"],
              f"{row['platform']}:{row['model']}", row["event_key"], row["model_key"] or "-", row["reason"]]
             for row in rows]
    widths = [max(len(line[i]) for line in [list(IMPACT_COLUMNS), *cells]) for i in range(len(IMPACT_COLUMNS) - 1)]
    return ["  ".join([*(cell.ljust(width) for cell, width in zip(line[:-1], widths, strict=True)), line[-1]])
            for line in [list(IMPACT_COLUMNS), *cells]]


def cmd_inventory_scan(args: argparse.Namespace) -> int:
    config = load_config(args.config) if args.config else None
    catalog = catalog_module.shipped().extended(config.catalog.aliases if config else {})
    roots = [Path(p) for p in args.paths]
    for root in roots:
        if not root.exists():
            print(f"{root}: no such file or directory", file=sys.stderr)
            return EXIT_CONFIG
    entries = as_entries(scan(roots, catalog, service=args.service), owner=args.owner)
    sys.stdout.write(json.dumps(entries, indent=2, ensure_ascii=False) + "\n" if args.json else to_toml(entries))
    print(f"{len(entries)} use(s) found in {', '.join(map(str, roots))}", file=sys.stderr)
    if args.fail_within is None:
        return 0
    if config is None:
        print("--fail-within needs --config: the deadlines come from the watcher's database", file=sys.stderr)
        return EXIT_CONFIG
    return _gate(config, catalog, entries, parse_duration(args.fail_within) / 86400,
                 config_path=args.config, now=datetime.now(UTC))


def _gate(config: Config, catalog: catalog_module.Catalog, entries: list[dict[str, Any]], days: float, *,
          config_path: str, now: datetime) -> int:
    """1 if a scanned use has a deadline within `days`, 0 if none has; 2 if the database cannot tell:
    a gate that cannot see must not pass."""
    uses = [Use(**{k: v for k, v in entry.items() if k != "evidence"}, evidence=tuple(entry["evidence"]))
            for entry in entries if entry["model"]]
    engine = open_database(config.database.url)
    with session(engine) as db:
        events = db.exec(select(Event).where(Event.kind == "deprecation")).all()
        last_ok = {state.name: state.last_ok_at for state in db.exec(select(SourceState)).all()}
    engine.dispose()
    blind = _blindness(config, events, last_ok, config_path=config_path, now=now)
    if blind:
        for reason in blind:
            print(f"cannot gate: {reason}", file=sys.stderr)
        return EXIT_CONFIG
    today = now.date()
    late = [(event, use, verdict) for event, use, verdict in _deciding(match(events, uses, catalog))
            if event.deadline and (date.fromisoformat(event.deadline) - today).days <= days]
    for event, use, verdict in sorted(late, key=lambda hit: hit[0].deadline or ""):
        unconfirmed = f" ({label})" if (label := claims.label(event)) else ""
        print(f"DEADLINE {event.deadline} {use.platform}:{use.model} at {', '.join(use.evidence)}: {verdict.reason}"
              f"{unconfirmed}", file=sys.stderr)
    return 1 if late else 0


def _deciding(hits: list[tuple[Event, Use, Verdict]]) -> list[tuple[Event, Use, Verdict]]:
    """One hit per use, as `watcher impacts` has one impact: an alias's snapshot and a third party's
    copy of the same model are one finding, dated by the deprecation that speaks for the use."""
    by_use: dict[str, list[tuple[Event, Use, Verdict]]] = {}
    for hit in hits:
        by_use.setdefault(hit[1].key, []).append(hit)
    deciding = []
    for group in by_use.values():
        winner, _ = claims.pick([event for event, _, _ in group])
        deciding.append(next(hit for hit in group if hit[0] is winner))
    return deciding


def _blindness(config: Config, events: Sequence[Event], last_ok: dict[str, datetime | None], *, config_path: str,
               now: datetime) -> list[str]:
    """Why the database cannot answer for the deadlines; empty when it can."""
    if not events:
        return [f"no deprecation data: poll the deprecation sources first (watcher poll --config {config_path})"]
    return [f"{reason}: the deadlines may be out of date" for reason in stale_sources(config.sources, last_ok, now=now)]


def cmd_coverage(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if config.inventory is None:
        print(f"{args.config}: no [inventory] path: coverage is measured for the platforms the inventory uses",
              file=sys.stderr)
        return EXIT_CONFIG
    service = ImpactService(config, open_database(config.database.url), base=Path(args.config).parent)
    with session(service.engine) as db:
        rows = coverage.report(db, config, service.inventory)
    service.engine.dispose()
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    for row in rows:
        mark = {"wired": "ok  ", "missing": "MISS", "broken": "BRKN", "stale": "STALE",
                "unlisted": "UNKN"}[row["state"]]
        print(f"{mark} {row['platform']:13} {row['surface']:17} {row['source'] or '':24} {row['how_to'] or ''}")
    return 0


def cmd_action(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    engine = fresh_impacts(config, args.config)
    zone = ZoneInfo(config.digest.timezone) if config.digest else UTC
    now = datetime.now(UTC)
    selector = actions.Selector(args.event, args.service)
    try:
        with session(engine) as db:
            outcome = actions.perform(
                db, args.command, selector, by=args.by, now=now, today=now.astimezone(zone).date(),
                plan=getattr(args, "plan", None), target=getattr(args, "target", None),
                until=getattr(args, "until", None), note=getattr(args, "note", None),
                max_snooze_days=int(config.escalation.max_snooze // 86400))
            db.commit()
    except actions.ActionError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(outcome.message(args.event))
    return 0


def cmd_calendar(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    engine = open_database(config.database.url)
    service = ImpactService(config, engine, base=Path(args.config).parent)
    service.refresh()
    uses = service.inventory.uses if service.inventory else ()  # their live models' floors are shown too
    with session(engine) as db:
        body = calendar_module.build(db, config, now=datetime.now(UTC), team=args.team, provider=args.provider,
                                     uses=uses, catalog=service.catalog)
    engine.dispose()
    sys.stdout.buffer.write(body)
    return 0


def cmd_digest(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if args.send and config.email is None:
        print(f"{args.config}: no [email] section: nowhere to send the digest", file=sys.stderr)
        return EXIT_CONFIG
    engine = open_database(config.database.url)
    try:
        # As fresh_impacts does, but the inventory is kept: with [digest] per_team its emails say
        # who gets which part.
        impacts = ImpactService(config, engine, base=Path(args.config).parent)
        impacts.refresh()
        now = datetime.now(ZoneInfo(config.digest.timezone) if config.digest else UTC)
        with session(engine) as db:
            if not args.send:  # the combined digest only
                _, text, html = digest_view.render(digest_view.collect(db, config, now=now))
                sys.stdout.write(html if not args.text else text)
                return 0
            sent = digest_mail.deliver(db, config, impacts.inventory, now=now, path=args.config)
    finally:
        engine.dispose()
    for subject, to in sent:
        print(f"{subject}: sent to {', '.join(to)}", file=sys.stderr)
    # deliver logged each failure with its recipients; the exit status says there was one
    return 0 if len(sent) == len(digest_mail.audiences(config, impacts.inventory)) else 1
