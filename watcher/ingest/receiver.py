"""POST /webhooks/{name}[/{token}]: verify, store durably, answer; processing happens after.

Every refusal is a JSON `{"error": ...}` that says why: unknown name 404, missing or bad signature
or token 401, body over the cap 413 (refused on its Content-Length before reading it), a body not
sent within BODY_SECONDS 408, not JSON 400 (also JSON nested too deeply or with a number too long
to convert), the database unable to store it 503 (watcher.ingest.health; the sender retries). A delivery
id seen before answers 200 and is not stored again. Only a delivery whose signature verified
counts as "in flight" (what holds processing back while requests arrive): a slow or forged request
never does.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from starlette.requests import Request
from starlette.responses import JSONResponse

from connectors import WEBHOOKS
from connectors._json import load
from connectors.contract.errors import ParseError, SignatureError
from watcher.config import WebhookConfig
from watcher.metrics import Metrics
from watcher.storage.engine import table_of
from watcher.storage.tables import Delivery

log = logging.getLogger("watcher.webhooks")
_delivery = table_of(Delivery)
# Headers kept with the body: what parsing and debugging need; never a secret.
_KEPT = ("content-type", "user-agent", "webhook-id", "webhook-timestamp", "x-delivery-id", "x-request-id")
# A client gets this long, from the end of its headers, to send its whole body (watcher.web.app enforces it).
BODY_SECONDS = 10.0


class BodyTooLarge(Exception):
    pass


class BodyTimeout(Exception):
    """The client did not send its body within BODY_SECONDS: answered 408 and the connection closed."""


def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def body_timeout(exc: BodyTimeout) -> JSONResponse:
    return error(408, str(exc), {"Connection": "close"})


async def read_capped(request: Request, cap: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit():
        if int(declared) > cap:
            raise BodyTooLarge(f"body of {declared} bytes is over the {cap}-byte limit")
        return await request.body()  # the server will not pass more than the declared length
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
        self._batch: list[tuple[str, str, dict[str, str], bytes, asyncio.Future[bool]]] = []
        self._flushing: asyncio.Task[None] | None = None
        self._counters: dict[tuple[str, str], Any] = {}
        self.in_flight = 0  # verified deliveries being stored right now
        self._last_delivery: dict[str, Any] = {}

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
        counter = self._counters.get((name, outcome))
        if counter is None:
            counter = self._counters[(name, outcome)] = self.metrics.deliveries.labels(name, outcome)
        counter.inc()
        return response

    def _gauge(self, name: str) -> Any:
        gauge = self._last_delivery.get(name)
        if gauge is None:
            gauge = self._last_delivery[name] = self.metrics.last_delivery.labels(name)
        return gauge

    async def _accept(self, request: Request, hook: WebhookConfig, token: str | None) -> tuple[str, JSONResponse]:
        connector = WEBHOOKS[hook.kind]
        try:
            body = await read_capped(request, hook.max_body_bytes)
        except BodyTooLarge as exc:
            return "too_large", error(413, str(exc))
        except BodyTimeout as exc:
            return "timeout", body_timeout(exc)
        # ASGI header names arrive lower-cased already.
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in request.scope["headers"]}
        try:
            connector.verify(headers, body, self.secrets.get(hook.name), settings=hook, now=self.clock(), token=token)
        except SignatureError as exc:
            log.info("webhook refused: %s", exc, extra={"source": f"webhook:{hook.name}"})
            return "unauthorized", error(401, str(exc))
        try:
            load(body)
        except ParseError as exc:
            return "bad_json", error(400, f"body is {exc}")
        delivery_id = connector.delivery_id(headers, body)
        kept = {k: headers[k] for k in (*_KEPT, (hook.timestamp_header or "").lower()) if k in headers}
        # Verified: from here until it is stored, processing waits for it (a flood is accepted first).
        self.in_flight += 1
        try:  # a database that cannot store it raises: the app answers 503 (watcher.ingest.health)
            stored = await self._store(hook.name, delivery_id, kept, body)
        finally:
            self.in_flight -= 1
        if stored:
            self.on_stored()
            self._gauge(hook.name).set(self.clock())
        status = "accepted" if stored else "duplicate"
        return status, JSONResponse({"status": status, "delivery_id": delivery_id})

    async def _store(self, webhook: str, delivery_id: str, headers: dict[str, str], body: bytes) -> bool:
        """Committed before we answer: once the sender has its 200, the delivery survives a crash.

        Deliveries that arrive while a commit is under way wait for the next one and are committed
        together (group commit): one transaction, and one trip to the database thread, per batch.
        """
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._batch.append((webhook, delivery_id, headers, body, future))
        if self._flushing is None:
            self._flushing = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._batch:
                batch, self._batch = self._batch, []
                try:
                    stored = await loop.run_in_executor(self.executor, self._insert, [b[:4] for b in batch])
                except Exception as exc:  # the database is down: every waiting request gets a 5xx
                    for *_, future in batch:
                        future.set_exception(exc)
                    continue
                for (*_, future), ok in zip(batch, stored, strict=True):
                    future.set_result(ok)
        finally:
            self._flushing = None

    def _insert(self, batch: list[tuple[str, str, dict[str, str], bytes]]) -> list[bool]:
        """Insert what is new; say for each delivery whether it was (False: seen before)."""
        now = datetime.now(UTC)
        fresh: dict[tuple[str, str], dict[str, object]] = {}
        for webhook, delivery_id, headers, body in batch:
            fresh.setdefault((webhook, delivery_id), {
                "webhook": webhook, "delivery_id": delivery_id, "received_at": now, "headers": headers, "body": body,
                "state": "pending", "event_count": 0})
        with self.engine.begin() as connection:
            # Only new ids are inserted and returned; another replica's concurrent insert of the
            # same id leaves one row, and only one of the two senders hears "accepted".
            inserted = {(row[0], row[1]) for row in connection.execute(
                _insert_ignoring_duplicates(connection.dialect.name)
                .returning(_delivery.c.webhook, _delivery.c.delivery_id), list(fresh.values()))}
        first = set()
        answers = []
        for webhook, delivery_id, *_ in batch:
            key = (webhook, delivery_id)
            answers.append(key in inserted and key not in first)
            first.add(key)
        return answers


def _insert_ignoring_duplicates(dialect: str) -> Any:
    if dialect == "postgresql":
        return postgresql_insert(_delivery).on_conflict_do_nothing()
    return sqlite_insert(_delivery).on_conflict_do_nothing()
