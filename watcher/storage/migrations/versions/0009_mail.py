"""Provider mail: one row per message a mailbox reader handled.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("mailbox", sa.String(), nullable=False),
        sa.Column("message_id", sa.String(), nullable=False),
        sa.Column("content_hash", sa.String(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sender", sa.String(), nullable=True),
        sa.Column("subject", sa.String(), nullable=True),
        sa.Column("platform", sa.String(), nullable=True),
        sa.Column("authenticated", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("event_keys", sa.JSON(), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("mailbox", "message_id", name="uq_mail_message"),
    )
    op.create_index("ix_mail_message_mailbox", "mail_message", ["mailbox"])
    op.create_index("ix_mail_message_platform", "mail_message", ["platform"])


def downgrade() -> None:
    op.drop_table("mail_message")
