"""Slack through slack-sdk's WebClient (in the database/IO thread, not the event loop):
chat.postMessage for new threads and replies, chat.update to edit a thread's first message."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from watcher.ingest.http import retry_after_seconds
from watcher.notify.outbox import SendResult
from watcher.storage.tables import Outbox


class SlackSender:
    def __init__(self, token: str, *, base_url: str | None = None, timeout: int = 10) -> None:
        # No SDK retries: the outbox retries, and honours Retry-After across restarts.
        self.client = WebClient(token=token, base_url=base_url or WebClient.BASE_URL, timeout=timeout,
                                retry_handlers=[])

    def send(self, row: Outbox, thread_ref: str | None, channel: str | None = None) -> SendResult:
        payload = row.payload
        try:
            if row.action == "update":
                # An edit after a button press names its message; a thread's edit is of its first one.
                response = self.client.chat_update(channel=payload.get("channel_id") or channel or row.target,
                                                   ts=payload.get("ts") or thread_ref or "", text=payload["text"],
                                                   blocks=payload.get("blocks"))
            else:
                response = self.client.chat_postMessage(
                    channel=row.target, text=payload["text"], blocks=payload.get("blocks"),
                    thread_ts=thread_ref if row.action == "reply" else None,
                    reply_broadcast=bool(payload.get("broadcast")) if row.action == "reply" else None,
                    unfurl_links=False)
        except SlackApiError as exc:
            status = exc.response.status_code
            error = f"Slack {status}: {exc.response.get('error') if exc.response.data else exc}"
            if status == 429:
                return SendResult(False, retry_after=retry_after_seconds(exc.response.headers.get("Retry-After"))
                                  or 30.0, error=error)
            if status >= 500:
                return SendResult(False, error=error)
            return SendResult(False, permanent=True, error=error)
        except OSError as exc:  # connection refused, timeout: Slack may be back soon
            return SendResult(False, error=f"{type(exc).__name__}: {exc}")
        return SendResult(True, ref=str(response.get("ts") or ""), channel=response.get("channel"))


class ConsoleSender:
    """Without [slack], notifications are printed: one line each, as the poller's news are."""

    def send(self, row: Outbox, thread_ref: str | None, channel: str | None = None) -> SendResult:
        # One line per notification, always: provider text may carry line breaks.
        text = " ".join(str(row.payload.get("text", "")).splitlines())
        print(f"NOTIFY  {row.action:6} {row.thread_key or row.target}: {text}", flush=True)
        return SendResult(True, ref=row.dedup_key)
