"""JSON bodies: a body that is not JSON is a parse error of the source, said the same way everywhere."""

from __future__ import annotations

import json
from typing import Any

from watcher.errors import ParseError


def load(body: bytes | str) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParseError(f"not JSON: {exc}") from exc
