"""Reading a provider's JSON as it should be shaped, tolerantly: a list of objects where a list is
expected (anything else in it skipped), an object where an object is expected. Pure."""

from __future__ import annotations

from typing import Any


def objects(value: Any) -> list[dict[str, Any]]:
    """The objects of a list the provider should give; anything else there (null, a string) is skipped."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def mapping(value: Any) -> dict[str, Any]:
    """An object the provider should give, or an empty one."""
    return value if isinstance(value, dict) else {}
