"""SQLite serves one `watcher run` process: a second one on the same file would poll, plan and send
everything a second time. The first takes an exclusive lock on a file beside the database (the kernel
releases it when the process ends, however it ends); the second is refused with the reason."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

from watcher.errors import StorageError


class SingleProcess:
    """Held for the life of `watcher run` on SQLite; a no-op on PostgreSQL or an in-memory database."""

    def __init__(self, url: str) -> None:
        self.path: Path | None = None
        self._file: IO[str] | None = None
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
            self.path = Path(parsed.database).resolve().with_name(Path(parsed.database).name + ".lock")

    def acquire(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            database = self.path.with_name(self.path.name.removesuffix(".lock"))
            raise StorageError(
                f"another `watcher run` (pid {holder}) is using the SQLite database {database}: SQLite serves "
                f"one daemon process, and a second would send every notification twice. Stop the other one, "
                f"or move [database] url to PostgreSQL to run several replicas (docs/operations.md)") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
