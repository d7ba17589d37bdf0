"""Reading and writing `spend_day` rows. A page of one endpoint replaces what that endpoint said of the
days it covers (a cost page the amounts, a usage page the tokens and requests); a row that neither says
anything of any more goes. The session is given; the caller commits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlmodel import Session, col, select

from connectors.contract.spend import Figures, SpendBucket
from watcher.storage.tables_spend import SpendDay

COLUMNS: dict[Figures, tuple[str, ...]] = {
    "costs": ("cost_micros", "currency"),
    "usage": ("input_tokens", "output_tokens", "requests"),
}
VALUES = (*COLUMNS["costs"], *COLUMNS["usage"])


def replace(session: Session, *, source: str, provider: str, figures: Figures, days: Iterable[date],
            buckets: Iterable[SpendBucket], now: datetime) -> None:
    covered = sorted(set(days))
    if not covered:
        return
    rows = {(r.day, r.model, r.project): r for r in session.exec(
        select(SpendDay).where(SpendDay.source == source, col(SpendDay.day).in_(covered)))}
    for row in rows.values():
        for name in COLUMNS[figures]:
            setattr(row, name, None)
    for bucket in buckets:
        key = (bucket.day, bucket.model, bucket.project)
        if key not in rows:
            rows[key] = SpendDay(source=source, provider=provider, day=bucket.day, model=bucket.model,
                                 project=bucket.project, read_at=now)
        row = rows[key]
        for name in COLUMNS[figures]:
            setattr(row, name, getattr(bucket, name))
        row.complete, row.read_at = bucket.complete, now
    for row in rows.values():
        if all(getattr(row, name) is None for name in VALUES):
            if row.id is not None:
                session.delete(row)
        else:
            session.add(row)
    session.flush()


def since(session: Session, first: date, *, source: str | None = None) -> list[SpendDay]:
    """Rows of `first` and later: of one source, or of every source."""
    query = select(SpendDay).where(SpendDay.day >= first)
    if source is not None:
        query = query.where(SpendDay.source == source)
    return list(session.exec(query.order_by(col(SpendDay.day))).all())
