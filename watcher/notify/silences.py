"""Silences, like Alertmanager's: a set of label=value matchers, who set it and why, and the day it
holds through. An impact whose labels match every matcher of an active silence is planned but not
sent; the notice and the outbox row keep the silence's id, so that what it held back can be shown.

`parse_matchers`, `check_matchers`, `matches`, `first_match`, `ends_at_for`, `until_of`, `state`,
`describe` and `as_json` are pure. `active`, `listing`, `add`, `expire`, `held` and `report` read or
change the database through the session they are given; none of them commits, and none reads the
clock: `now` is passed in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from connectors.contract.dates import isoformat
from watcher.storage.tables import Notice, Outbox, Silence

LABELS = ("team", "service", "platform", "model", "kind", "severity", "provider", "environment", "channel")

_KNOWN = ", ".join(LABELS)
_LARGEST_ID = 2**63 - 1  # the widest integer key either database stores


class NoSuchSilence(ValueError):
    """The id names no silence (the HTTP API answers 404 for it; other ValueErrors are a 400)."""


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} must be text, not {type(value).__name__}")
    if "\x00" in value:
        raise ValueError(f"{what} contains a NUL character; remove it")
    return value.strip()


def parse_matchers(items: list[str]) -> dict[str, str]:
    """"label=value" strings (as `--match` gives them) to a dict, in the order of LABELS."""
    found: dict[str, str] = {}
    for item in items:
        label, equals, value = _text(item, "a matcher").partition("=")
        label = label.strip()
        if not equals or not label:
            raise ValueError(f"matcher {item!r} is not label=value (for example team=team-search); "
                             f"labels: {_KNOWN}")
        if label in found:
            raise ValueError(f"matcher {item!r}: label {label!r} is given twice; a silence matches one value "
                             "per label, so make a second silence for the other value")
        found[label] = value
    return check_matchers(found)


def check_matchers(matchers: Mapping[str, object]) -> dict[str, str]:
    """The matchers checked (known labels, non-blank text values, at least one), in the order of LABELS."""
    if not matchers:
        raise ValueError(f"a silence needs at least one matcher, label=value (for example team=team-search); "
                         f"labels: {_KNOWN}")
    for label, value in matchers.items():
        if label not in LABELS:
            raise ValueError(f"unknown label {label!r} in matcher {label}={value}; use one of: {_KNOWN}")
        if not _text(value, f"the value of {label}"):
            raise ValueError(f"matcher {label}= has no value; give the exact value to match, e.g. {label}=x")
    return {label: _text(matchers[label], label) for label in LABELS if label in matchers}


def matches(silence_matchers: Mapping[str, str], labels: Mapping[str, str | None]) -> bool:
    """Every matcher equals the label's value, exactly (severity too). A label that is missing or None
    never matches; a silence without matchers matches nothing (it would otherwise hold back everything)."""
    if not silence_matchers:
        return False
    return all(labels.get(label) is not None and labels.get(label) == value
               for label, value in silence_matchers.items())


def first_match(silences: Iterable[Silence], labels: Mapping[str, str | None]) -> Silence | None:
    """The matching silence with the earliest id, or None."""
    return min((s for s in silences if matches(s.matchers, labels)), key=lambda s: s.id or 0, default=None)


def ends_at_for(until: date, zone: tzinfo) -> datetime:
    """A silence "until" a day holds through that day: it ends at the midnight that closes it, in `zone`,
    returned in UTC."""
    if until >= date.max:
        raise ValueError(f"until {until.isoformat()} is the last representable day; choose an earlier date")
    return datetime.combine(until + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)


def until_of(silence: Silence, zone: tzinfo) -> date:
    """The last day the silence holds, in `zone` (the inverse of `ends_at_for`)."""
    assert silence.ends_at is not None
    return (silence.ends_at.astimezone(zone) - timedelta(microseconds=1)).date()


def state(silence: Silence, now: datetime) -> str:
    """"expired" (ended early by someone), "ended" (its day passed) or "active"."""
    if silence.expired_at is not None:
        return "expired"
    assert silence.ends_at is not None
    return "active" if silence.ends_at > now else "ended"


def describe(matchers: Mapping[str, str]) -> str:
    return " ".join(f"{label}={value}" for label, value in matchers.items())


def active(session: Session, now: datetime) -> list[Silence]:
    """Silences in force at `now`: not expired and not yet ended, oldest first."""
    query = select(Silence).where(col(Silence.expired_at).is_(None), col(Silence.ends_at) > now)
    return list(session.exec(query.order_by(col(Silence.id))).all())


def listing(session: Session, now: datetime, *, include_ended: bool = False) -> list[Silence]:
    """Active silences oldest first; with `include_ended`, then the expired and ended ones, newest first."""
    current = active(session, now)
    if not include_ended:
        return current
    ids = {s.id for s in current}
    rest = [s for s in session.exec(select(Silence).order_by(col(Silence.id).desc())).all() if s.id not in ids]
    return current + rest


def add(session: Session, *, matchers: Mapping[str, object], until: date, by: str, comment: str, now: datetime,
        zone: tzinfo) -> Silence:
    """A new silence holding through `until` (a day in `zone`, after today there). The caller commits."""
    checked = check_matchers(matchers)
    today = now.astimezone(zone).date()
    if until <= today:
        raise ValueError(f"until {until.isoformat()} is not after today ({today.isoformat()} in {zone}); a silence "
                         "holds through a future day: give tomorrow or later")
    who, why = _text(by, "by"), _text(comment, "comment")
    if not who:
        raise ValueError("a silence needs by: who is setting it")
    if not why:
        raise ValueError("a silence needs a comment: why these alerts may be held back (a ticket, a migration)")
    silence = Silence(matchers=checked, ends_at=ends_at_for(until, zone), created_by=who, comment=why,
                      created_at=now)
    session.add(silence)
    session.flush()
    return silence


def expire(session: Session, silence_id: int, *, by: str, now: datetime) -> Silence:
    """End an active silence now; what it would have held back from now on is sent again. The caller commits."""
    who = _text(by, "by")
    if not who:
        raise ValueError("expiring a silence needs by: who is ending it")
    silence = session.get(Silence, silence_id) if 0 < silence_id <= _LARGEST_ID else None
    if silence is None:
        raise NoSuchSilence(f"no silence {silence_id}; `watcher silence list --all` shows them")
    if silence.expired_at is not None:
        raise ValueError(f"silence {silence_id} was already expired by {silence.expired_by} at "
                         f"{isoformat(silence.expired_at)}")
    if state(silence, now) == "ended":
        raise ValueError(f"silence {silence_id} already ended at {isoformat(silence.ends_at)}; nothing to expire")
    silence.expired_at, silence.expired_by = now, who
    session.add(silence)
    session.flush()
    return silence


def held(session: Session, silence_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """For each silence: how many notices (impact steps) and outbox rows (messages) it held back."""
    ids = sorted(set(silence_ids))
    counts = {i: {"notices": 0, "outbox": 0} for i in ids}
    if not ids:
        return counts
    for key, table in (("notices", Notice), ("outbox", Outbox)):
        column = col(table.silence_id)
        for silence_id, count in session.exec(select(column, func.count()).where(column.in_(ids))
                                              .group_by(column)).all():
            if silence_id is not None:  # always: `in_(ids)` matches no NULL; this tells mypy
                counts[silence_id][key] = count
    return counts


def as_json(silence: Silence, now: datetime, counts: Mapping[str, int] | None = None, *,
            zone: tzinfo = UTC) -> dict[str, Any]:
    """The silence as the API and `watcher silence list --json` show it. `counts` is its entry from
    `held()`; without it, zeros (right for a silence just made). `until` is the last day, in `zone`."""
    held_back = dict(counts) if counts is not None else {"notices": 0, "outbox": 0}
    return {
        "id": silence.id, "matchers": dict(silence.matchers), "ends_at": isoformat(silence.ends_at),
        "until": until_of(silence, zone).isoformat(), "created_by": silence.created_by, "comment": silence.comment,
        "created_at": isoformat(silence.created_at), "state": state(silence, now),
        "expired_at": isoformat(silence.expired_at), "expired_by": silence.expired_by, "held": held_back,
    }


def report(session: Session, now: datetime, *, include_ended: bool = False, zone: tzinfo = UTC) -> list[dict[str, Any]]:
    """`listing` as JSON, with what each silence held back."""
    silences = listing(session, now, include_ended=include_ended)
    counts = held(session, [s.id for s in silences if s.id is not None])
    return [as_json(s, now, counts[s.id] if s.id is not None else None, zone=zone) for s in silences]
