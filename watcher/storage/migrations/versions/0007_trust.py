"""Silences, the steps each impact has heard, grouped impacts, acknowledgement details, outbox
priority and suppression.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "silence",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("matchers", sa.JSON(), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("comment", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expired_by", sa.String(), nullable=True),
    )
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("impact_id", sa.Integer(), sa.ForeignKey("impact.id"), nullable=False),
        sa.Column("step", sa.String(), nullable=False),
        sa.Column("outbox_key", sa.String(), nullable=True),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("silence_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("impact_id", "step", name="uq_notice"),
    )
    op.create_index("ix_notice_impact_id", "notice", ["impact_id"])
    with op.batch_alter_table("impact") as batch:
        batch.add_column(sa.Column("group_key", sa.String(), nullable=True))
        batch.add_column(sa.Column("related", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("plan", sa.String(), nullable=True))
        batch.add_column(sa.Column("target_date", sa.String(), nullable=True))
        batch.add_column(sa.Column("state_by_id", sa.String(), nullable=True))
        batch.add_column(sa.Column("state_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("state_revision", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("state_deadline", sa.String(), nullable=True))
        batch.add_column(sa.Column("state_replacement", sa.String(), nullable=True))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("silence_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("silence_id")
        batch.drop_column("priority")
    with op.batch_alter_table("impact") as batch:
        for name in ("state_replacement", "state_deadline", "state_revision", "state_at", "state_by_id",
                     "target_date", "plan", "related", "group_key"):
            batch.drop_column(name)
    op.drop_index("ix_notice_impact_id", "notice")
    op.drop_table("notice")
    op.drop_table("silence")
