"""Who or what resolved an impact, as data (`inventory`, `incident`, `person`), so that no code
compares the sentence in `resolved_reason`.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

GONE = "resolved by itself: the inventory no longer contains this use"
OVER = "resolved by itself: the incident is over"


def upgrade() -> None:
    with op.batch_alter_table("impact") as batch:
        batch.add_column(sa.Column("resolved_by", sa.String(), nullable=True))
    impact = sa.table("impact", sa.column("state", sa.String()), sa.column("resolved_reason", sa.String()),
                      sa.column("resolved_by", sa.String()))
    op.execute(impact.update().where(impact.c.resolved_reason == GONE).values(resolved_by="inventory"))
    op.execute(impact.update().where(impact.c.resolved_reason == OVER).values(resolved_by="incident"))
    op.execute(impact.update().where(impact.c.state == "resolved", impact.c.resolved_by.is_(None))
               .values(resolved_by="person"))


def downgrade() -> None:
    with op.batch_alter_table("impact") as batch:
        batch.drop_column("resolved_by")
