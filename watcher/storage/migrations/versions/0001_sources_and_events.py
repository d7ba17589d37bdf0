"""Source state, per-URL HTTP cache, events and their revisions.

Revision ID: 0001
Revises:
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "source_state",
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("provider", sa.String(), nullable=False),
        sa.Column("health", sa.String(), nullable=False),
        _time("last_checked_at"),
        _time("next_check_at"),
        _time("last_ok_at"),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("last_error_category", sa.String(), nullable=True),
        _time("last_error_at"),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("last_item_count", sa.Integer(), nullable=True),
    )
    op.create_table(
        "source_document",
        sa.Column("source", sa.String(), sa.ForeignKey("source_state.name"), primary_key=True),
        sa.Column("url", sa.String(), primary_key=True),
        sa.Column("etag", sa.String(), nullable=True),
        sa.Column("last_modified", sa.String(), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("item_count", sa.Integer(), nullable=True),
        _time("fetched_at"),
    )
    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("provider", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("external_id", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("summary", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=True),
        sa.Column("severity", sa.String(), nullable=False),
        _time("published_at"),
        _time("updated_at"),
        _time("starts_at"),
        _time("ends_at"),
        sa.Column("deadline", sa.String(), nullable=True),
        sa.Column("deadline_precision", sa.String(), nullable=True),
        sa.Column("deadline_earliest", sa.Boolean(), nullable=False),
        sa.Column("replacement", sa.String(), nullable=True),
        sa.Column("models", sa.JSON(), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("updates", sa.JSON(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.Column("source_hashes", sa.JSON(), nullable=False),
        sa.Column("baseline", sa.Boolean(), nullable=False),
        _time("first_seen_at", nullable=False),
        _time("last_seen_at", nullable=False),
        sa.UniqueConstraint("provider", "kind", "external_id", name="uq_event_key"),
    )
    op.create_index("ix_event_provider", "event", ["provider"])
    op.create_index("ix_event_kind", "event", ["kind"])
    op.create_table(
        "event_revision",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("event.id"), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        _time("changed_at", nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.UniqueConstraint("event_id", "revision", name="uq_event_revision"),
    )
    op.create_index("ix_event_revision_event_id", "event_revision", ["event_id"])


def downgrade() -> None:
    op.drop_table("event_revision")
    op.drop_table("event")
    op.drop_table("source_document")
    op.drop_table("source_state")
