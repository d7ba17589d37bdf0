"""What served each document (incident.io, statuspage), to notice a status page changing platform.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("source_document") as batch:
        batch.add_column(sa.Column("generator", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source_document") as batch:
        batch.drop_column("generator")
