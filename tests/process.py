"""`watcher` as a real process: run it, ask it, stop it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def watcher(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "watcher", *args], capture_output=True, text=True,
                          timeout=60, check=check)


def wait_for(predicate: Callable[[], bool], timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Daemon:
    def __init__(self, config: Path, port: int, log: Path, env: dict[str, str] | None = None) -> None:
        self.port = port
        self.log = log
        self.out = log.open("w")
        self.proc = subprocess.Popen([sys.executable, "-m", "watcher", "run", "--config", str(config)],
                                     stdout=self.out, stderr=subprocess.STDOUT,
                                     env={**os.environ, "PYTHONWARNINGS": "error::DeprecationWarning", **(env or {})})
        wait_for(self.healthy, what="daemon to answer /healthz")

    def healthy(self) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            assert self.proc.poll() is None, self.log.read_text()
            return False

    def get(self, path: str) -> httpx.Response:
        return httpx.get(f"http://127.0.0.1:{self.port}{path}", timeout=5)

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=30)
        self.out.close()
        return code



    def post(self, path: str, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
        return httpx.post(f"http://127.0.0.1:{self.port}{path}", content=body, headers=headers or {}, timeout=10)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=30)
        self.out.close()


def events(config: Path) -> list[dict]:
    return json.loads(watcher("events", "--config", str(config), "--json", "--all", "--limit", "100000").stdout)
