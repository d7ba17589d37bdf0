"""POST /webhooks/{name}[/{token}]: verify, store durably, answer; processing happens after.

Every refusal is a JSON `{"error": ...}` that says why: unknown name 404, missing or bad signature
or token 401, body over the cap 413 (refused on its Content-Length before reading it), not JSON
400. A delivery id seen before answers 200 and is not stored again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import UTC, datetime

from sqlalchemy import Engine, insert
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import JSONResponse

from connectors import WEBHOOKS
from watcher.config import WebhookConfig
from watcher.errors import SignatureError
from watcher.metrics import Metrics
from watcher.storage import Delivery

log = logging.getLogger("watcher.webhooks")
_delivery = Delivery.__table__  # type: ignore[attr-defined]
# Headers kept with the body: what parsing and debugging need; never a secret.
_KEPT = ("content-type", "user-agent", "webhook-id", "webhook-timestamp", "x-delivery-id", "x-request-id")


class BodyTooLarge(Exception):
    pass


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def read_capped(request: Request, cap: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > cap:
        raise BodyTooLarge(f"body of {declared} bytes is over the {cap}-byte limit")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise BodyTooLarge(f"body is over the {cap}-byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


class Receiver:
    def __init__(self, *, hooks: list[WebhookConfig], secrets: dict[str, str], engine: Engine, executor: Executor,
                 metrics: Metrics, on_stored: Callable[[], None], clock: Callable[[], float] = time.time) -> None:
        self.hooks = {h.name: h for h in hooks}
        self.secrets = secrets
        self.engine = engine
        self.executor = executor
        self.metrics = metrics
        self.on_stored = on_stored
        self.clock = clock

    async def handle(self, request: Request) -> JSONResponse:
        name = request.path_params["name"]
        hook = self.hooks.get(name)
        if hook is None:
            return error(404, f"no webhook named {name!r} is configured")
        connector = WEBHOOKS[hook.kind]
        token = request.path_params.get("token")
        if token is not None and not connector.token_in_path:
            return error(404, f"webhook {name!r} takes no token in its URL; post to /webhooks/{name}")
        outcome, response = await self._accept(request, hook, token)
        self.metrics.deliveries.labels(name, outcome).inc()
        return response

    async def _accept(self, request: Request, hook: WebhookConfig, token: str | None) -> tuple[str, JSONResponse]:
        connector = WEBHOOKS[hook.kind]
        try:
            body = await read_capped(request, hook.max_body_bytes)
        except BodyTooLarge as exc:
            return "too_large", error(413, str(exc))
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            connector.verify(headers, body, self.secrets.get(hook.name), settings=hook, now=self.clock(), token=token)
        except SignatureError as exc:
            log.info("webhook refused: %s", exc, extra={"source": f"webhook:{hook.name}"})
            return "unauthorized", error(401, str(exc))
        try:
            json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return "bad_json", error(400, f"body is not JSON: {exc}")
        delivery_id = connector.delivery_id(headers, body)
        kept = {k: headers[k] for k in _KEPT if k in headers}
        stored = await asyncio.get_running_loop().run_in_executor(
            self.executor, self._store, hook.name, delivery_id, kept, body)
        if stored:
            self.on_stored()
            self.metrics.last_delivery.labels(hook.name).set(self.clock())
        status = "accepted" if stored else "duplicate"
        return status, JSONResponse({"status": status, "delivery_id": delivery_id})

    def _store(self, webhook: str, delivery_id: str, headers: dict[str, str], body: bytes) -> bool:
        """Committed before we answer: once the sender has its 200, the delivery survives a crash."""
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(_delivery).values(
                    webhook=webhook, delivery_id=delivery_id, received_at=datetime.now(UTC), headers=headers,
                    body=body, state="pending", event_count=0))
        except IntegrityError:
            return False
        return True
