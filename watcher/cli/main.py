"""The `watcher` command's entry point (`main`, the console script pyproject names) and its argparse
parser; the commands themselves are in lifecycle.py, events.py, commands.py and silences.py. Building
the parser is pure; `main` runs the chosen command and turns config and storage errors into exit codes."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from connectors import POLLED
from watcher.cli.commands import (
    EXIT_CONFIG,
    cmd_action,
    cmd_calendar,
    cmd_coverage,
    cmd_deadlines,
    cmd_digest,
    cmd_impacts,
    cmd_inventory_scan,
)
from watcher.cli.demo import cmd_demo
from watcher.cli.events import cmd_events, cmd_parse
from watcher.cli.init import cmd_init
from watcher.cli.lifecycle import cmd_check, cmd_poll, cmd_run
from watcher.cli.silences import cmd_silence_add, cmd_silence_expire, cmd_silence_list, day
from watcher.errors import ConfigError, StorageError
from watcher.notify.silences import LABELS

# `watcher --help`'s description.
DESCRIPTION = ("Watches what LLM providers announce and tells the teams whose services it touches: the daemon "
               "(run), its checks (check, coverage), what it knows (events, deadlines, impacts, calendar, digest) "
               "and what people do about it (ack, snooze, resolve, silence).")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="watcher", description=DESCRIPTION)
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
    scan_command.add_argument("--service", help="service name for every entry (default: each file's nearest "
                              "package manifest's name, else the scanned folder's name)")
    scan_command.add_argument("--owner", default="unowned", help="owner for the entries")
    scan_command.add_argument("--config", metavar="PATH", help="the watcher config (catalog, and the deadlines)")
    scan_command.add_argument("--fail-within", metavar="DURATION",
                              help='exit 1 if a scanned id has a deadline within this window, e.g. "90d"')
    scan_command.set_defaults(func=cmd_inventory_scan)
    init = sub.add_parser("init", help="scan the code and write an inventory and a config with every surface "
                                       "of every provider found, then check them and say what is left to do")
    init.add_argument("--scan", nargs="+", default=["."], metavar="PATH", help="the code to scan (default: .)")
    init.add_argument("--dir", default=".", metavar="DIR", help="where inventory.toml and config.toml go")
    init.set_defaults(func=cmd_init)
    demo = sub.add_parser("demo", help="the whole product offline: recorded provider pages served on loopback, "
                                       "a sample inventory, Slack replaced by a local endpoint; prints a tour")
    demo.add_argument("--port", type=int, default=8787, help="the dashboard's port (0: any free one)")
    demo.add_argument("--dir", metavar="DIR", help="keep the demo's database and config here (default: a "
                                                   "temporary directory)")
    demo.set_defaults(func=cmd_demo)
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
    for hint in ("platform", "model-column", "date-column", "replacement-column"):
        parse.add_argument(f"--{hint}", help=f"as `{hint.replace('-', '_')}` in [[sources]] (generic readers)")
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
