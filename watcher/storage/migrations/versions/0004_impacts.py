"""Impacts: an event meeting an inventory entry, with its reason and state.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "impact",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("event.id"), nullable=False),
        sa.Column("use_key", sa.String(), nullable=False),
        sa.Column("service", sa.String(), nullable=False),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("environment", sa.String(), nullable=True),
        sa.Column("channel", sa.String(), nullable=True),
        sa.Column("rule", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state_by", sa.String(), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("resolved_reason", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("event_id", "use_key", name="uq_impact"),
    )
    for column in ("event_id", "service", "owner", "state"):
        op.create_index(f"ix_impact_{column}", "impact", [column])


def downgrade() -> None:
    op.drop_table("impact")
