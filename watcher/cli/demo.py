"""`watcher demo`: the whole product offline in one command. Serves the recorded snapshot and a local
Slack stand-in on loopback (watcher.demo), writes a config that points only there, prints the dashboard
URL and the tour, and runs the daemon exactly as `watcher run` does until Ctrl-C or SIGTERM (exit 0).
The one-line notices `watcher run` prints go to the demo's feed file, so that the tour stays readable."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from pathlib import Path

from watcher.cli.lifecycle import cmd_run
from watcher.demo.server import DemoServer
from watcher.demo.stage import (
    FEED_NAME,
    PAGES,
    SLACK_TOKEN_ENV,
    WEBHOOK_TOKEN_ENV,
    Director,
    Stage,
    free_port,
    snapshot_dir,
)


def cmd_demo(args: argparse.Namespace) -> int:
    port = args.port or free_port()
    if args.dir:
        return _play(Path(args.dir).resolve(), port, kept=True)
    with tempfile.TemporaryDirectory(prefix="watcher-demo-") as temporary:  # nothing to keep
        return _play(Path(temporary), port, kept=False)


def _play(directory: Path, port: int, *, kept: bool) -> int:
    out = sys.stdout
    stage = Stage(directory, port)
    removed = stage.prepare()
    # The daemon reads its secrets from the environment, as in production; these exist only here.
    os.environ[SLACK_TOKEN_ENV] = stage.slack_token
    os.environ[WEBHOOK_TOKEN_ENV] = stage.webhook_token
    # Every call is to 127.0.0.1: a proxy from the environment could only get in the way.
    os.environ["NO_PROXY"] = ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost"]))
    server = DemoServer(snapshot_dir(), PAGES, slack_token=stage.slack_token)
    server.start()
    director = Director(stage, server, out)
    try:
        stage.write_config(server)
        if removed:
            print(f"(started afresh: removed the previous demo's {', '.join(removed)})", file=out)
        print("\n".join(stage.tour(server)), file=out, flush=True)
        director.start()
        with (directory / FEED_NAME).open("a", encoding="utf-8") as feed, contextlib.redirect_stdout(feed):
            code = cmd_run(argparse.Namespace(config=str(stage.config)))
    finally:
        director.stopping.set()
        if director.is_alive():
            director.join(timeout=10)
        server.stop()
    if code != 0:
        print(f"the dashboard did not start on port {port} (in use? `watcher demo --port 0` picks a free one)",
              file=sys.stderr)
        return code
    print(f"demo stopped{f'; its files are in {directory}' if kept else ''}", file=out, flush=True)
    return 0
