"""One IMAP session of a mailbox reader, with IMAPClient (synchronous: it runs in the reader's thread).

TLS from the first byte (`security = "tls"`, port 993) or STARTTLS before the login, always verifying
the server's certificate (the system's CAs, or `ca_file`). What the reader needs of the server, each a
few commands: the messages not yet handled (without the done keyword, or every message when handled
mail moves to `done_folder`) with their size, Message-ID and arrival time, fetched before any body;
bodies in batches, fetched with BODY.PEEK so that reading marks nothing; the done mark (MOVE, or COPY
+ delete + expunge on a server without MOVE, or the flags); and IDLE, left every second to look at
the stop flag. Errors are sorted into categories the source health reads: `login` (the password stopped
working), `folder` (the mailbox or done folder is gone), `tls`, `connect`, `timeout`, `protocol`."""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from watcher.config.account import MailboxConfig

SEEN = b"\\Seen"
HEADER = b"BODY[HEADER.FIELDS (MESSAGE-ID)]"
BATCH = 200  # bodies per FETCH: one round trip for many small messages, bounded memory for large ones
TIMEOUT = 30.0
_MESSAGE_ID = re.compile(rb"^message-id:\s*<?([^>\s]+)>?", re.I | re.M)


class MailboxError(Exception):
    def __init__(self, category: str, message: str) -> None:
        super().__init__(message)
        self.category = category


@dataclass(frozen=True)
class Candidate:
    uid: int
    size: int
    message_id: str | None
    received_at: datetime | None


def ssl_context(box: MailboxConfig) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=box.ca_file) if box.ca_file else ssl.create_default_context()


@contextmanager
def _sorted_errors(doing: str) -> Iterator[None]:
    try:
        yield
    except LoginError as exc:
        raise MailboxError("login", f"login refused: {_text(exc)}") from exc
    except ssl.SSLError as exc:
        raise MailboxError("tls", f"TLS failed while {doing}: {exc}") from exc
    except TimeoutError as exc:
        raise MailboxError("timeout", f"no answer while {doing}") from exc
    except (IMAPClientError, imaplib.IMAP4.error) as exc:
        raise MailboxError("protocol", f"server error while {doing}: {_text(exc)}") from exc
    except OSError as exc:
        raise MailboxError("connect", f"cannot reach the server while {doing}: {exc}") from exc


def _text(exc: BaseException) -> str:
    text = str(exc)
    return text[2:-1] if text.startswith(("b'", 'b"')) else text


class Session:
    """Logged in and with the folder selected, from `open()` to `close()`."""

    def __init__(self, box: MailboxConfig, username: str, password: str, *, context: ssl.SSLContext) -> None:
        self.box = box
        self._credentials = (username, password)
        self._context = context
        self._client: IMAPClient | None = None
        self.idle = False

    @property
    def client(self) -> IMAPClient:
        assert self._client is not None, "open() first"
        return self._client

    def open(self) -> None:
        box = self.box
        with _sorted_errors(f"connecting to {box.host}:{box.port}"):
            client = IMAPClient(box.host, port=box.port, ssl=box.security == "tls", ssl_context=self._context,
                                timeout=TIMEOUT)
            self._client = client
            client.normalise_times = False
            if box.security == "starttls":
                client.starttls(self._context)
            client.login(*self._credentials)
            self.idle = client.has_capability("IDLE")
        with _sorted_errors(f"opening folder {box.folder!r}"):
            if not client.folder_exists(box.folder):
                raise MailboxError("folder", f"folder {box.folder!r} does not exist (any more)")
            if box.done_folder and not client.folder_exists(box.done_folder):
                raise MailboxError("folder", f"done_folder {box.done_folder!r} does not exist")
            client.select_folder(box.folder)

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.logout()
            except (IMAPClientError, imaplib.IMAP4.error, OSError):
                # refused before the login, or the connection is gone: close the socket all the same
                with contextlib.suppress(OSError):
                    self._client.shutdown()
            self._client = None

    def unhandled(self) -> list[Candidate]:
        """Every message not yet handled, oldest first, with what can be known without its body."""
        with _sorted_errors(f"listing {self.box.folder!r}"):
            if not self.client.folder_exists(self.box.folder):
                raise MailboxError("folder", f"folder {self.box.folder!r} does not exist (any more)")
            criteria: list[str | bytes] = ["ALL"] if self.box.done_folder else ["UNKEYWORD", self.box.done_keyword]
            uids = sorted(self.client.search(criteria))
            found: list[Candidate] = []
            for chunk in _chunks(uids, 1000):
                answers = self.client.fetch(chunk, ["RFC822.SIZE", "INTERNALDATE", HEADER])
                for uid in chunk:
                    data = answers.get(uid) or {}
                    header = data.get(HEADER) or b""
                    match = _MESSAGE_ID.search(header)
                    received = data.get(b"INTERNALDATE")
                    found.append(Candidate(
                        uid, int(data.get(b"RFC822.SIZE") or 0),
                        match[1].decode("ascii", "replace") if match else None,
                        received.astimezone(UTC) if isinstance(received, datetime) and received.tzinfo else None))
            return found

    def bodies(self, uids: list[int]) -> dict[int, bytes]:
        with _sorted_errors("fetching messages"):
            answers = self.client.fetch(uids, ["BODY.PEEK[]"])
        return {uid: bytes(data.get(b"BODY[]") or b"") for uid, data in answers.items()}

    def header(self, uid: int) -> bytes:
        """The whole header block of a message too large to read (its hash names it when it has no
        Message-ID)."""
        with _sorted_errors("fetching a header"):
            data = self.client.fetch([uid], ["BODY.PEEK[HEADER]"]).get(uid) or {}
        return bytes(data.get(b"BODY[HEADER]") or b"")

    def done(self, uids: Iterable[int]) -> None:
        marked = sorted(set(uids))
        if not marked:
            return
        with _sorted_errors("marking handled mail"):
            if self.box.done_folder:
                if self.client.has_capability("MOVE"):
                    self.client.move(marked, self.box.done_folder)
                else:
                    self.client.copy(marked, self.box.done_folder)
                    self.client.delete_messages(marked)
                    self.client.uid_expunge(marked)
            else:
                self.client.add_flags(marked, [SEEN, self.box.done_keyword.encode()])

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        """Until new mail arrives (IDLE), `seconds` pass or `stop` is set; True when mail arrived.
        Without IDLE: a plain wait (the reader then looks every `interval`)."""
        if not self.idle:
            stop.wait(seconds)
            return False
        deadline = time.monotonic() + seconds
        with _sorted_errors("idling"):
            self.client.idle()
            try:
                while not stop.is_set() and time.monotonic() < deadline:
                    responses = self.client.idle_check(timeout=min(1.0, max(deadline - time.monotonic(), 0.01)))
                    if any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
                        return True
                    if any(r and r[0] == b"BYE" for r in responses):
                        raise MailboxError("connect", "the server closed the connection")
                return False
            finally:
                with contextlib.suppress(IMAPClientError, imaplib.IMAP4.error, OSError):
                    self.client.idle_done()


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
