"""`watcher`: run, check, poll, events, parse."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlmodel import col, func, select

from connectors import POLLED, WEBHOOKS
from watcher import config as config_module
from watcher import logs
from watcher.cli.commands import (
    cmd_action,
    cmd_calendar,
    cmd_coverage,
    cmd_deadlines,
    cmd_digest,
    cmd_impacts,
    cmd_inventory_scan,
    load_config,
)
from watcher.cli.silences import cmd_silence_add, cmd_silence_expire, cmd_silence_list, day
from watcher.config import Config
from watcher.errors import ConfigError, SourceError, StorageError
from watcher.events.dates import isoformat
from watcher.events.store import event_json
from watcher.inventory import catalog as catalog_module
from watcher.inventory import uses as inventory_module
from watcher.notify.silences import LABELS
from watcher.storage.engine import open_database, session
from watcher.storage.tables import Delivery, Event

EXIT_CONFIG = 2


def cmd_check(args: argparse.Namespace) -> int:
    """Everything `watcher run` would refuse, found without the database: the config, the secrets it
    names, the inventory; then a summary of what the daemon will watch and where it will tell."""
    config = load_config(args.config)
    problems: list[str] = []
    try:
        config_module.resolve_secrets(config, path=args.config)
    except ConfigError as exc:
        problems += str(exc).splitlines()
    inventory: inventory_module.Inventory | None = None
    if config.inventory is not None:
        try:
            inventory = inventory_module.load(_inventory_path(args.config, config.inventory.path))
        except ConfigError as exc:
            problems += str(exc).splitlines()
        else:
            catalog = catalog_module.shipped().extended(config.catalog.aliases)
            problems += inventory_module.problems(inventory, inventory_module.known_platforms(catalog))
    for line in _summary(args.config, config, inventory):
        print(line)
    for problem in problems:
        print(problem, file=sys.stderr)
    return EXIT_CONFIG if problems else 0


def _inventory_path(config_path: str, path: str) -> Path:
    """As the daemon reads it: a relative [inventory] path is relative to the config file."""
    inventory = Path(path)
    return inventory if inventory.is_absolute() else Path(config_path).parent / inventory


def _summary(config_path: str, config: Config, inventory: inventory_module.Inventory | None) -> list[str]:
    """What the daemon will watch and where it will say so, one line each (no secret in it)."""
    try:
        database = make_url(config.database.url).render_as_string(hide_password=True)
    except ArgumentError:
        database = config.database.url.split("://")[0]
    lines = [f"{config_path}: {len(config.sources)} source(s), {len(config.webhooks)} webhook(s), "
             f"database {database}"]
    if config.server.ingest_only:
        lines.append("  ingest only: webhooks are stored; polling and processing are left to another replica")
    kinds = Counter(source.kind for source in config.sources if source.enabled)
    if kinds:
        disabled = sum(not source.enabled for source in config.sources)
        lines.append("  sources by kind: " + ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
                     + (f" ({disabled} disabled)" if disabled else ""))
    for source in config.sources:
        state = "" if source.enabled else " (disabled)"
        lines.append(f"  source {source.name}: {source.kind} {source.url} every {source.interval:g}s{state}")
    for hook in config.webhooks:
        path = f"/webhooks/{hook.name}" + ("/<token>" if WEBHOOKS[hook.kind].token_in_path else "")
        lines.append(f"  webhook {hook.name}: {hook.kind} from {hook.provider} at {path}")
    if inventory is not None:
        lines.append(f"  inventory {inventory.path}: {len(inventory.uses)} use(s), "
                     f"{len({use.service for use in inventory.uses})} service(s), "
                     f"{len({use.owner for use in inventory.uses})} team(s)")
    elif config.inventory is None:
        lines.append("  inventory: none (no [inventory] path: events are stored and told, impacts are not worked out)")
    channels = sorted({use.channel for use in inventory.uses if use.channel}) if inventory else []
    if config.slack is not None:
        teams = f"; team channels from the inventory: {', '.join(channels)}" if channels else ""
        lines.append(f"  notifications: Slack channel {config.slack.channel}{teams}")
    else:
        lines.append("  notifications: console (standard output; no [slack] section)")
    lines.append("  digest: " + _digest_line(config))
    return lines


def _digest_line(config: Config) -> str:
    if config.digest is not None and config.email is not None:
        teams = ", and each team's own part to the `email` of its uses" if config.digest.per_team else ""
        return (f"{config.digest.schedule} ({config.digest.timezone}) to {', '.join(config.email.to) or 'nobody'}"
                f"{teams}")
    if config.digest is not None:
        return "none ([digest] is set but there is no [email] to send it with)"
    if config.email is not None:
        return "none (no [digest] schedule; `watcher digest --send` sends one by hand)"
    return "none"


def cmd_run(args: argparse.Namespace) -> int:
    import uvicorn

    from watcher.daemon import Daemon
    from watcher.web.app import create_app, uvicorn_settings

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            with super().capture_signals():
                yield
                # SIGTERM is how systemd asks us to stop: after a clean shutdown, exit 0 instead of
                # re-raising the signal as uvicorn does.
                self._captured_signals.clear()

    config = load_config(args.config)
    logs.configure(config.log.level, config.log.format)
    daemon = Daemon(config, config_path=Path(args.config))
    server = Server(uvicorn.Config(
        create_app(daemon), host=config.server.host, port=config.server.port,
        log_config=None, access_log=False, lifespan="on", timeout_graceful_shutdown=10,
        # keep-alive and header deadlines, a cap on connections: slow or many clients cannot hold it
        **uvicorn_settings(),
    ))
    # uvicorn turns SIGTERM and SIGINT into a graceful shutdown, which runs the lifespan's exit.
    server.run()
    return 0 if server.started else 1


def cmd_poll(args: argparse.Namespace) -> int:
    from watcher.daemon import Daemon

    config = load_config(args.config)
    logs.configure(config.log.level, config.log.format)
    if args.source:
        config.source(args.source)

    async def once() -> int:
        daemon = Daemon(config, config_path=Path(args.config))
        try:
            outcomes = await daemon.poll_once([args.source] if args.source else None)
        finally:
            await daemon.stop()
        failed = 0
        for outcome in outcomes:
            detail = f"{outcome.category}: {outcome.message}" if outcome.outcome == "failed" else (
                f"{len(outcome.changes)} change(s), {outcome.items if outcome.items is not None else '-'} item(s)")
            print(f"{outcome.source}: {outcome.outcome} ({detail})", file=sys.stderr)
            failed += outcome.outcome == "failed"
        return 1 if failed else 0

    return asyncio.run(once())


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
        result = connector.parse(body, url=args.url or Path(args.file).resolve().as_uri(),
                                 fetched_at=datetime.now(UTC))
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="watcher", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def with_config(name: str, help_text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text)
        command.add_argument("--config", required=True, metavar="PATH", help="the TOML config file")
        return command

    with_config("run", "run the daemon (HTTP server, pollers)").set_defaults(func=cmd_run)
    with_config("check", "validate the config; exit 2 on a mistake").set_defaults(func=cmd_check)
    poll = with_config("poll", "poll every source (or one) once, then exit")
    poll.add_argument("--source", metavar="NAME")
    poll.set_defaults(func=cmd_poll)
    events = with_config("events", "list stored events")
    events.add_argument("--json", action="store_true", help="print the Event JSON list")
    events.add_argument("--provider")
    events.add_argument("--kind")
    events.add_argument("--limit", type=int, default=200)
    events.add_argument("--all", action="store_true", help="include history recorded as baseline")
    events.set_defaults(func=cmd_events)
    deadlines = with_config("deadlines", "shutdown dates of the models the inventory uses (overdue ones too), "
                                         "soonest first")
    deadlines.add_argument("--json", action="store_true")
    deadlines.add_argument("--within", metavar="DURATION", help='only those due within e.g. "90d"')
    deadlines.add_argument("--all", action="store_true",
                           help="include impacts already resolved; with --everything, dates already past")
    scope = deadlines.add_mutually_exclusive_group()
    scope.add_argument("--team", help="only deadlines that affect this owner")
    scope.add_argument("--everything", action="store_true",
                       help="every dated model on every page, used or not (the default without an [inventory])")
    deadlines.set_defaults(func=cmd_deadlines)
    impacts = with_config("impacts", "which services the events hit, and why")
    impacts.add_argument("--json", action="store_true")
    impacts.add_argument("--team", help="only this owner's impacts")
    impacts.add_argument("--all", action="store_true", help="include resolved impacts")
    impacts.set_defaults(func=cmd_impacts)
    for name, help_text in (("ack", "acknowledge an event's impacts (who, plan)"),
                            ("snooze", "hold reminders until a date (at most [escalation] max_snooze ahead)"),
                            ("resolve", "close an event's impacts")):
        action = with_config(name, help_text)
        action.add_argument("event", metavar="KEY",
                            help="provider/kind/external_id or platform:model, as `watcher impacts` shows")
        action.add_argument("--service", help="only this service's impact")
        action.add_argument("--by", required=True, help="who")
        if name == "ack":
            action.add_argument("--plan", help="what will be done")
            action.add_argument("--target", type=date.fromisoformat, help="target date, YYYY-MM-DD")
        if name == "snooze":
            action.add_argument("--until", type=date.fromisoformat, required=True, help="YYYY-MM-DD")
        if name == "resolve":
            action.add_argument("--note")
        action.set_defaults(func=cmd_action)
    coverage = with_config("coverage", "which surfaces of each platform in the inventory are watched")
    coverage.add_argument("--json", action="store_true")
    coverage.set_defaults(func=cmd_coverage)
    calendar = with_config("calendar", "the deprecation calendar (ICS) on standard output")
    calendar.add_argument("--team", help="only this owner's deadlines")
    calendar.add_argument("--provider", help="only this platform's deadlines")
    calendar.set_defaults(func=cmd_calendar)
    digest_command = with_config("digest", "the weekly digest: --preview (HTML on standard output) or --send")
    mode = digest_command.add_mutually_exclusive_group()
    mode.add_argument("--preview", action="store_true", help="print the HTML (the default)")
    mode.add_argument("--send", action="store_true", help="send it over SMTP now")
    digest_command.add_argument("--text", action="store_true", help="with --preview: the plain-text part")
    digest_command.set_defaults(func=cmd_digest)
    inventory = sub.add_parser("inventory", help="the dependency inventory")
    inventory_sub = inventory.add_subparsers(dest="inventory_command", required=True)
    scan_command = inventory_sub.add_parser("scan", help="find model ids in code and config, with file:line evidence")
    scan_command.add_argument("paths", nargs="+", metavar="PATH")
    scan_command.add_argument("--json", action="store_true", help="a JSON list instead of [[uses]] TOML")
    scan_command.add_argument("--service", help="service name for the entries (default: the folder's name)")
    scan_command.add_argument("--owner", default="unowned", help="owner for the entries")
    scan_command.add_argument("--config", metavar="PATH", help="the watcher config (catalog, and the deadlines)")
    scan_command.add_argument("--fail-within", metavar="DURATION",
                              help='exit 1 if a scanned id has a deadline within this window, e.g. "90d"')
    scan_command.set_defaults(func=cmd_inventory_scan)
    silence = sub.add_parser("silence", help="hold back alerts whose labels match, through a day (like Alertmanager)")
    silence_sub = silence.add_subparsers(dest="silence_command", required=True)
    silence_add = silence_sub.add_parser("add", help="silence the impacts whose labels match every --match")
    silence_add.add_argument("--match", action="append", required=True, metavar="LABEL=VALUE",
                             help=f"repeatable; labels: {', '.join(LABELS)}")
    silence_add.add_argument("--until", type=day, required=True, metavar="YYYY-MM-DD",
                             help="the last day silenced ([digest] timezone, else UTC); after today")
    silence_add.add_argument("--by", required=True, help="who sets it")
    silence_add.add_argument("--comment", required=True, help="why (a ticket, a migration)")
    silence_add.set_defaults(func=cmd_silence_add)
    silence_list = silence_sub.add_parser("list", help="active silences, with what each held back")
    silence_list.add_argument("--json", action="store_true")
    silence_list.add_argument("--all", action="store_true", help="include the expired and ended ones")
    silence_list.set_defaults(func=cmd_silence_list)
    silence_expire = silence_sub.add_parser("expire", help="end a silence now")
    silence_expire.add_argument("id", type=int, metavar="ID", help="as `watcher silence list` shows it")
    silence_expire.add_argument("--by", required=True, help="who ends it")
    silence_expire.set_defaults(func=cmd_silence_expire)
    for command in (silence_add, silence_list, silence_expire):
        command.add_argument("--config", required=True, metavar="PATH", help="the TOML config file")
    kinds = "\n".join(f"  {kind:26} {connector.describes}" for kind, connector in sorted(POLLED.items()))
    parse = sub.add_parser("parse", help="run a connector's parser on a local file; print the events",
                           epilog=f"kinds:\n{kinds}", formatter_class=argparse.RawDescriptionHelpFormatter)
    parse.add_argument("kind", help="a source kind (listed below)")
    parse.add_argument("file")
    parse.add_argument("--provider", default="", help="provider name to put on the events")
    parse.add_argument("--url", help="the URL the file was fetched from (for links)")
    parse.set_defaults(func=cmd_parse)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_CONFIG
    except StorageError as exc:
        print(f"storage: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
