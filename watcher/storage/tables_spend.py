"""The spend table: what `[[spend]]` sources read from the providers' cost and usage APIs, one row per
(source, UTC day, model, project or workspace). Amounts are integer millionths of the currency unit."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Date, UniqueConstraint
from sqlmodel import Field, SQLModel

from watcher.storage.tables import _time


class SpendDay(SQLModel, table=True):
    """One day of one model in one project. A cost page owns `cost_micros` and `currency`, a usage
    page the tokens and requests: re-reading a day replaces what that endpoint said of it."""

    __tablename__ = "spend_day"
    __table_args__ = (UniqueConstraint("source", "day", "model", "project", name="uq_spend_day"),)
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(index=True)
    provider: str
    day: date = Field(sa_column=Column(Date(), nullable=False, index=True))
    model: str = ""  # "" for charges no model names
    project: str = ""  # OpenAI project or Anthropic workspace; "" when none is named
    cost_micros: int | None = Field(default=None, sa_column=Column(BigInteger(), nullable=True))
    currency: str | None = None
    input_tokens: int | None = Field(default=None, sa_column=Column(BigInteger(), nullable=True))
    output_tokens: int | None = Field(default=None, sa_column=Column(BigInteger(), nullable=True))
    requests: int | None = Field(default=None, sa_column=Column(BigInteger(), nullable=True))
    # The day was over when it was last read: only complete days are compared for anomalies.
    complete: bool = False
    read_at: datetime | None = _time(nullable=False)
