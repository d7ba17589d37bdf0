"""A Slack-Web-API-compatible test server on a loopback socket, for slack-sdk's `base_url`:
records every call, answers with a `ts`, and can be told to answer 429 (Retry-After) or 500."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fake_provider import FakeProvider


class FakeSlack(FakeProvider):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.arrived: list[float] = []  # time.perf_counter() of each call, for latency measurements
        self.failures: list[tuple[int, dict[str, str]]] = []  # answered in order before succeeding
        self._ts = itertools.count(1)
        self.app = Starlette(routes=[Route("/api/{method}", self._api, methods=["POST"])])

    def fail_next(self, status: int, headers: dict[str, str] | None = None, times: int = 1) -> None:
        self.failures.extend([(status, headers or {})] * times)

    async def _api(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        raw = await request.body()
        if request.headers.get("content-type", "").startswith("application/json"):
            body = json.loads(raw or b"{}")
        else:
            body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        if not request.headers.get("authorization", "").startswith("Bearer xoxb-"):
            return JSONResponse({"ok": False, "error": "not_authed"})
        if self.failures:
            status, headers = self.failures.pop(0)
            self.calls.append((f"{method}!{status}", body))
            return JSONResponse({"ok": False, "error": "ratelimited" if status == 429 else "internal_error"},
                                status_code=status, headers=headers)
        self.calls.append((method, body))
        self.arrived.append(time.perf_counter())
        if method == "chat.update":
            return JSONResponse({"ok": True, "channel": body.get("channel"), "ts": body.get("ts")})
        return JSONResponse({"ok": True, "channel": body.get("channel"), "ts": f"1700000000.{next(self._ts):06d}"})

    def made(self, method: str) -> list[dict[str, Any]]:
        return [body for name, body in self.calls if name == method]
