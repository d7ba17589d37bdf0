"""The value types of the config file: durations written as "30s", "2m", "1h" or "90d" and read as
seconds (bounded to a year), and slugs (names and providers end up in URLs, metric labels and event
keys). Pure."""

from __future__ import annotations

import math
import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
# The longest interval, timeout, tolerance or reminder step a config may give: a typo such as
# "100000000000d" would otherwise pass the check and overflow the scheduler's date arithmetic.
MAX_DURATION = 365 * 86400.0


def parse_duration(value: str | int | float) -> float:
    """`30s`, `2m`, `1h`, `90d` (a bare number is seconds)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            raise ValueError('a number too large for a duration; write it like "30s" or "90d"') from None
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not a duration; write it like \"30s\", \"2m\", \"1h\" or \"90d\"")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def _slug(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError("use lowercase letters, digits, '.', '_' or '-' (like \"anthropic-status\")")
    return value


# Names and providers end up in URLs, metric labels and event keys.
Slug = Annotated[str, AfterValidator(_slug)]


def _bounded(seconds: float) -> float:
    if not math.isfinite(seconds) or seconds > MAX_DURATION:
        raise ValueError(f"{seconds / 86400:g} days is too long; at most a year (\"365d\")")
    return seconds


# Durations in the file are strings like "2m"; in the program they are seconds.
Duration = Annotated[float, BeforeValidator(parse_duration), Field(ge=0), AfterValidator(_bounded)]


def _at_least_a_second(seconds: float) -> float:
    if seconds < 1:
        raise ValueError('at most once a second (interval >= "1s")')
    return seconds


# How often a source is read: a duration of at least a second.
Interval = Annotated[Duration, AfterValidator(_at_least_a_second)]
