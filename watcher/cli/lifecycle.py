"""`watcher check`, `watcher run` and `watcher poll`: the daemon's life, from checking what it would
refuse to running it, or one poll of its sources. Not pure: they read the config, its secrets and the
inventory; `run` serves HTTP and polls, `poll` fetches once; all print.

`check` is the only one without the database; it goes by the same list of secrets as the daemon's
start (`watcher.config.io.required_secrets`)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from connectors import WEBHOOKS
from watcher import logs
from watcher.cli.commands import EXIT_CONFIG, load_config
from watcher.config import Config
from watcher.config import io as config_io
from watcher.errors import ConfigError
from watcher.inventory import catalog as catalog_module
from watcher.inventory import uses as inventory_module


def cmd_check(args: argparse.Namespace) -> int:
    """Everything `watcher run` would refuse, found without the database: the config, the secrets it
    names, the inventory; then a summary of what the daemon will watch and where it will tell."""
    config = load_config(args.config)
    problems: list[str] = []
    try:
        config_io.resolve_secrets(config, path=args.config)
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

    from watcher.cluster.single import SingleProcess
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
    single = SingleProcess(config.database.url)
    single.acquire()  # a second process on one SQLite file is refused before it touches the database
    daemon = Daemon(config, config_path=Path(args.config))
    server = Server(uvicorn.Config(
        create_app(daemon), host=config.server.host, port=config.server.port,
        log_config=None, access_log=False, lifespan="on", timeout_graceful_shutdown=10,
        # keep-alive and header deadlines, a cap on connections: slow or many clients cannot hold it
        **uvicorn_settings(),
    ))
    # uvicorn turns SIGTERM and SIGINT into a graceful shutdown, which runs the lifespan's exit.
    try:
        server.run()
    finally:
        single.release()
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
